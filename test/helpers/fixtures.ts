import { insertCategory, insertUnit, replaceSlaRules } from '../../db/repositories/reference-data'
import { DEFAULT_SLA_RULES } from '../../src/domain/sla'
import type { Actor } from '../../src/domain/work-order'
import type { Deps } from '../../src/services/deps'

/** The small city every service test uses. */
export interface Fixture {
  units: { city: number; district: number; otherDistrict: number; street: number; bureau: number; otherStreet: number }
  categories: { roads: number; potholes: number; noise: number }
  actors: {
    dispatcher: Actor
    supervisor: Actor
    reporter: Actor
    admin: Actor
    citizen: Actor
    system: Actor
    streetWorker: Actor
    bureauWorker: Actor
    otherWorker: Actor
  }
}

/**
 * Seeds a city with two districts, three handling units, three categories and the default SLA.
 *
 * @example const fx = await seedFixture(store.deps)
 */
export async function seedFixture(deps: Deps): Promise<Fixture> {
  const now = '2025-01-01T00:00:00.000Z'
  const db = deps.db
  const city = await insertUnit(db, { code: 'NC', name: '南昌市', parentId: null, level: 'city' }, now)
  const district = await insertUnit(db, { code: 'XJ', name: '新建区', parentId: city, level: 'district' }, now)
  const otherDistrict = await insertUnit(db, { code: 'HGT', name: '红谷滩区', parentId: city, level: 'district' }, now)
  const street = await insertUnit(db, { code: 'XJ-CB', name: '长堎街道', parentId: district, level: 'street' }, now)
  const bureau = await insertUnit(db, { code: 'XJ-CG', name: '新建区城管局', parentId: district, level: 'department' }, now)
  const otherStreet = await insertUnit(db, { code: 'HGT-WD', name: '卫东街道', parentId: otherDistrict, level: 'street' }, now)
  const roads = await insertCategory(db, { code: 'roads', name: '道路交通', parentId: null, defaultUnitId: bureau }, now)
  const potholes = await insertCategory(db, { code: 'roads.potholes', name: '道路破损', parentId: roads, defaultUnitId: bureau }, now)
  const noise = await insertCategory(db, { code: 'noise', name: '噪音扰民', parentId: null, defaultUnitId: street }, now)
  await replaceSlaRules(db, DEFAULT_SLA_RULES, now)
  const person = (id: number, role: Actor['role'], unitId: number | null, name: string): Actor => ({ id, role, unitId, name })
  return {
    units: { city, district, otherDistrict, street, bureau, otherStreet },
    categories: { roads, potholes, noise },
    actors: {
      dispatcher: person(1, 'dispatcher', district, '话务员小王'),
      supervisor: person(2, 'supervisor', null, '督查科'),
      reporter: person(3, 'reporter', null, '统计员'),
      admin: person(4, 'admin', null, '管理员'),
      citizen: { id: null, role: 'citizen', unitId: null, name: '群众' },
      system: { id: null, role: 'system', unitId: null, name: '系统' },
      streetWorker: person(5, 'caseworker', street, '长堎街道承办人'),
      bureauWorker: person(6, 'caseworker', bureau, '城管局承办人'),
      otherWorker: person(7, 'caseworker', otherStreet, '卫东街道承办人'),
    },
  }
}
