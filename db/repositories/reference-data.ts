import type { Kysely, Transaction } from 'kysely'
import type { CalendarOverride } from '../../src/domain/calendar'
import type { Channel, Kind, Urgency } from '../../src/domain/codes'
import type { SlaRule } from '../../src/domain/sla'
import type { Database } from '../database'

type Db = Kysely<Database> | Transaction<Database>

/** A unit of the tree (单位): city, district (区), street (街道), town (镇) or department (部门). */
export interface Unit {
  id: number
  code: string
  name: string
  parentId: number | null
  level: string
  active: boolean
}

/** A category (分类) with the unit its cases usually go to. */
export interface Category {
  id: number
  code: string
  name: string
  parentId: number | null
  defaultUnitId: number | null
  active: boolean
}

/**
 * Every unit, ordered by id.
 *
 * @example const units = await listUnits(db)
 */
export async function listUnits(db: Db): Promise<Unit[]> {
  const rows = await db.selectFrom('units').selectAll().orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    parentId: r.parent_id,
    level: r.level,
    active: r.active !== 0,
  }))
}

/**
 * Adds a unit and returns its id.
 *
 * @example await insertUnit(db, { code: 'XJ', name: '新建区', parentId: city, level: 'district' }, now)
 */
export async function insertUnit(
  db: Db,
  unit: Omit<Unit, 'id' | 'active'>,
  now: string,
): Promise<number> {
  const { id } = await db
    .insertInto('units')
    .values({
      code: unit.code,
      name: unit.name,
      parent_id: unit.parentId,
      level: unit.level,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return id
}

/**
 * Every category, ordered by id.
 *
 * @example const categories = await listCategories(db)
 */
export async function listCategories(db: Db): Promise<Category[]> {
  const rows = await db.selectFrom('categories').selectAll().orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    parentId: r.parent_id,
    defaultUnitId: r.default_unit_id,
    active: r.active !== 0,
  }))
}

/**
 * Adds a category and returns its id.
 *
 * @example await insertCategory(db, { code: 'road', name: '道路', parentId: null, defaultUnitId: null }, now)
 */
export async function insertCategory(
  db: Db,
  category: Omit<Category, 'id' | 'active'>,
  now: string,
): Promise<number> {
  const { id } = await db
    .insertInto('categories')
    .values({
      code: category.code,
      name: category.name,
      parent_id: category.parentId,
      default_unit_id: category.defaultUnitId,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return id
}

/**
 * The SLA rules in force.
 *
 * @example slaWorkdaysFor(await listSlaRules(db), order)
 */
export async function listSlaRules(db: Db): Promise<SlaRule[]> {
  const rows = await db.selectFrom('sla_rules').selectAll().orderBy('id').execute()
  return rows.map((r) => ({
    kind: r.kind as Kind | null,
    urgency: r.urgency as Urgency | null,
    channel: r.channel as Channel | null,
    workdays: r.workdays,
  }))
}

/**
 * Replaces the SLA rules.
 *
 * @example await replaceSlaRules(trx, DEFAULT_SLA_RULES, now)
 */
export async function replaceSlaRules(db: Db, rules: readonly SlaRule[], now: string) {
  await db.deleteFrom('sla_rules').execute()
  if (rules.length === 0) return
  await db
    .insertInto('sla_rules')
    .values(rules.map((r) => ({ ...r, created_at: now })))
    .execute()
}

/**
 * The admin's calendar overrides and the years they loaded.
 *
 * @example const { overrides, years } = await loadCalendarOverrides(db)
 */
export async function loadCalendarOverrides(
  db: Db,
): Promise<{ overrides: CalendarOverride[]; years: number[] }> {
  const days = await db.selectFrom('calendar_days').select(['day', 'workday']).execute()
  const years = await db.selectFrom('calendar_years').select('year').execute()
  return {
    overrides: days.map((d) => ({ day: d.day, workday: d.workday !== 0 })),
    years: years.map((y) => y.year),
  }
}

/**
 * The next value of a named sequence, atomically (call it inside the writing transaction).
 *
 * @example const seq = await nextCounter(trx, 'case_number:2026') // 1, 2, 3…
 */
export async function nextCounter(db: Db, name: string): Promise<number> {
  const row = await db
    .insertInto('counters')
    .values({ name, value: 1 })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', 1) })),
    )
    .returning('value')
    .executeTakeFirstOrThrow()
  return row.value
}
