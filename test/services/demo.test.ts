import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyPassword } from '../../src/services/accounts'
import { STAFF_ROLES } from '../../src/domain/codes'
import { HotlineError } from '../../src/domain/errors'
import { addDays, localDateOf } from '../../src/domain/zoned-time'
import { seedDemo, type DemoResult } from '../../src/services/demo'
import { recount } from '../../src/services/recount'
import { summarize } from '../../src/services/reports'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

const NOW = '2026-11-20T06:00:00.000Z'
const CASES = 300
const SEED = 7

describe.each(DIALECTS)('demo district on %s', (dialect) => {
  let store: TestStore
  let closed = false
  let result: DemoResult
  const lines: string[] = []
  const to = localDateOf(NOW, 'Asia/Shanghai')
  const from = addDays(to, -365)

  beforeAll(async () => {
    store = await openTestStore(dialect, NOW)
    result = await seedDemo(store.deps, { cases: CASES, seed: SEED, log: (l) => lines.push(l) })
  })
  afterAll(async () => {
    if (!closed) await store.close()
  })

  it('creates the unit tree, the categories and an account for every staff role', async () => {
    expect(result.units).toBeGreaterThanOrEqual(15)
    expect(result.categories).toBeGreaterThanOrEqual(24)
    const roles = new Set(result.users.map((u) => u.role))
    for (const role of STAFF_ROLES) expect(roles, role).toContain(role)
    for (const u of result.users) expect(u.password.length).toBeGreaterThanOrEqual(12)
    expect(new Set(result.users.map((u) => u.password)).size).toBe(result.users.length)
    for (const u of result.users.filter((x) => x.role === 'caseworker'))
      expect(u.unit).not.toBeNull()

    const rows = await store.deps.db
      .selectFrom('users')
      .select(['username', 'password_hash'])
      .execute()
    expect(rows.map((r) => r.username).sort()).toEqual(result.users.map((u) => u.username).sort())
    const admin = result.users.find((u) => u.role === 'admin')
    const stored = rows.find((r) => r.username === admin?.username)
    expect(await verifyPassword(admin?.password ?? '', stored?.password_hash ?? '')).toBe(true)

    const units = await store.deps.db.selectFrom('units').select(['code', 'level']).execute()
    expect(
      units
        .filter((u) => u.level === 'district')
        .map((u) => u.code)
        .sort(),
    ).toEqual(['HGT', 'WL', 'XJ'])
    const categories = await store.deps.db
      .selectFrom('categories')
      .select(['parent_id', 'default_unit_id'])
      .execute()
    expect(categories.every((c) => c.default_unit_id !== null)).toBe(true)
    expect(categories.filter((c) => c.parent_id === null).length).toBe(8)
  })

  it('files the cases with a year of figures a district would be proud of', async () => {
    expect(result.cases).toBe(CASES)
    expect(Object.values(result.byStatus).reduce((a, b) => a + b, 0)).toBe(CASES)
    expect(lines.at(-1)).toBe(`demo: ${CASES}/${CASES} cases`)

    const s = await summarize(store.deps, { from, to })
    const t = s.totals
    expect(t.received).toBe(CASES)
    expect(t.closureRate).toBeGreaterThanOrEqual(0.9)
    expect(t.closureRate).toBeLessThan(1)
    expect(t.onTimeRate).toBeGreaterThanOrEqual(0.9)
    expect(t.onTimeRate).toBeLessThan(1)
    expect(t.satisfactionRate).toBeGreaterThanOrEqual(0.95)
    expect(t.dissatisfied).toBeGreaterThan(0)
    expect(t.returned).toBeGreaterThan(0)
    expect(t.extended).toBeGreaterThan(0)
    expect(t.reopened).toBeGreaterThan(0)
    expect(t.invalid).toBeGreaterThan(0)
    expect(t.merged).toBeGreaterThan(0)
    expect(t.overdueOpen).toBeGreaterThan(0)

    const channels = await summarize(store.deps, { from, to, by: 'channel' })
    const biggest = [...channels.groups].sort((a, b) => b.received - a.received)[0]
    expect(biggest?.key).toBe('hotline_12345')
    expect(channels.groups.length).toBeGreaterThanOrEqual(6)
    const kinds = await summarize(store.deps, { from, to, by: 'kind' })
    expect(kinds.groups.map((g) => g.key).sort()).toEqual([
      'complaint',
      'consultation',
      'help',
      'report',
      'suggestion',
    ])
  })

  it('leaves recent cases open in the queues', () => {
    const open =
      (result.byStatus.received ?? 0) +
      (result.byStatus.dispatched ?? 0) +
      (result.byStatus.in_progress ?? 0) +
      (result.byStatus.return_requested ?? 0)
    expect(open).toBeGreaterThan(0)
    expect(result.byStatus.received).toBeGreaterThan(0)
    expect(result.byStatus.return_requested).toBeGreaterThan(0)
  })

  it('keeps the rollups equal to a recount from the raw cases', async () => {
    const check = await recount(store.deps, { from, to })
    expect(check.differences).toEqual([])
    expect(check.received).toBe(CASES)
  })

  it('never records an action after the clock, and every case went through the services', async () => {
    const db = store.deps.db
    const latest = await db
      .selectFrom('work_order_events')
      .select((eb) => eb.fn.max('at').as('at'))
      .executeTakeFirstOrThrow()
    expect(Date.parse(String(latest.at))).toBeLessThanOrEqual(Date.parse(NOW))
    const filings = await db
      .selectFrom('work_order_events')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('action', '=', 'receive')
      .executeTakeFirstOrThrow()
    expect(Number(filings.n)).toBe(CASES)
    const before = await db
      .selectFrom('work_orders')
      .select('id')
      .where('received_at', '<', new Date(Date.parse(NOW) - 366 * 86_400_000).toISOString())
      .execute()
    expect(before).toEqual([])
  })

  it('refuses to seed a database that already has data', async () => {
    let error: unknown
    try {
      await seedDemo(store.deps, { cases: 10 })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(HotlineError)
    expect((error as HotlineError).code).toBe('conflict')
    const n = await store.deps.db
      .selectFrom('work_orders')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBe(CASES)
  })

  it('gives the same district for the same seed and clock', async () => {
    const first = await summarize(store.deps, { from, to })
    // Close the first store before opening the next: on Postgres, migrating a second schema while
    // another one with Kysely's migration tables exists fails (see db/migrate.ts).
    await store.close()
    closed = true
    const again = await openTestStore(dialect, NOW)
    try {
      const second = await seedDemo(again.deps, { cases: CASES, seed: SEED })
      expect(second.byStatus).toEqual(result.byStatus)
      expect(second.users.map((u) => [u.username, u.role, u.unit])).toEqual(
        result.users.map((u) => [u.username, u.role, u.unit]),
      )
      const b = await summarize(again.deps, { from, to })
      expect(b.totals).toEqual(first.totals)
    } finally {
      await again.close()
    }
  })
})
