import {
  CompiledQuery,
  sql,
  type Expression,
  type Kysely,
  type SqlBool,
  type Transaction,
} from 'kysely'
import { RATINGS, isSatisfied } from '../../src/domain/codes'
import {
  caseCounts,
  ROLLUP_COUNTS,
  zeroCounts,
  type Counts,
  type RollupCount,
} from '../../src/domain/figures'
import { OPEN_STATUSES } from '../../src/domain/status'
import type { WorkOrder } from '../../src/domain/work-order'
import type { Database } from '../database'
import type { ReportCubeTable } from '../tables/report-rollups.table'

type Db = Kysely<Database> | Transaction<Database>

/** What a report may be grouped by. */
export const GROUPINGS = ['channel', 'unit', 'category', 'kind', 'month'] as const
export type Grouping = (typeof GROUPINGS)[number]

/** Which cases a query covers: received-day range and an optional unit subtree. */
export interface CaseFilter {
  from: string
  to: string
  /** Unit ids of the scope's subtree: a case is in scope when its unit or district is one of them. */
  scopeUnitIds?: readonly number[] | null
}

const COLUMN: Record<RollupCount, keyof ReportCubeTable> = {
  received: 'received',
  invalid: 'invalid',
  merged: 'merged',
  closed: 'closed',
  closedOnTime: 'closed_on_time',
  rated: 'rated',
  satisfied: 'satisfied',
  dissatisfied: 'dissatisfied',
  returned: 'returned',
  extended: 'extended',
  reopened: 'reopened',
  handlingWorkdays: 'handling_workdays',
}

type RollupOrder = Pick<
  WorkOrder,
  | 'receivedDay'
  | 'channel'
  | 'kind'
  | 'categoryId'
  | 'unitId'
  | 'districtId'
  | 'status'
  | 'closedOnTime'
  | 'rating'
  | 'returnCount'
  | 'extensionCount'
  | 'reopenCount'
  | 'handlingWorkdays'
>

/** The groupings the cube keeps: `unit` (key '') also serves totals and months. */
const DIMS = ['unit', 'channel', 'kind', 'category'] as const
type Dim = (typeof DIMS)[number]

/** One case's change: as it counted before (null: new) and after (null: gone). */
export interface RollupChange {
  before: RollupOrder | null
  after: RollupOrder | null
}

/** Rows per upsert statement (18 values each, well under SQLite's 32,766 parameters). */
const ROWS_PER_STATEMENT = 100

/**
 * Moves the contributions of changed cases in the rollups (`report_cube`): each case counts once
 * per grouping (unit, channel, kind, category) per day and per month of receipt; the changes are
 * summed in memory per key and written with multi-row upserts, keys that cancel out skipped. The
 * one write path for live actions ({@link moveRollups}) and bulk imports. Call it in the transaction
 * that writes the cases.
 *
 * @example await applyRollupDeltas(trx, [{ before: null, after: created }, { before: old, after: changed }])
 */
export async function applyRollupDeltas(db: Db, changes: Iterable<RollupChange>): Promise<void> {
  const tally = new RollupTally()
  for (const change of changes) tally.add(change)
  await tally.apply(db)
}

/**
 * Rollup changes summed in memory before they are written: a bulk import adds the changes of
 * every case of a transaction and writes each cube key once, however many cases share it.
 *
 * @example
 * const tally = new RollupTally()
 * tally.add({ before: null, after: created })
 * await tally.apply(trx)
 */
export class RollupTally {
  /**
   * Sums by unit, district and day of receipt, each with the unit grouping's sums (key '') and
   * those of its channel, kind and category keys: one short lookup per case and one per grouping
   * instead of four long keys. The month keys are summed from the days when written.
   */
  private days = new Map<string, PeriodSums>()

  /** Adds one case's change. */
  add({ before, after }: RollupChange): void {
    if (before) this.tally(before, -1)
    if (after) this.tally(after, 1)
  }

  /** Writes the sums (multi-row upserts, keys that cancel out skipped) and starts afresh. */
  async apply(db: Db): Promise<void> {
    const days = this.days
    this.days = new Map()
    const months = new Map<string, PeriodSums>()
    const rows: ReportCubeTable[] = []
    for (const day of days.values()) {
      const period = day.period.slice(0, 7)
      const id = `${day.unitId}|${day.districtId}|${period}`
      let month = months.get(id)
      if (!month) months.set(id, (month = periodSums(day.unitId, day.districtId, period)))
      addSums(month.total, day.total)
      for (const dim of KEYED_DIMS) {
        for (const [key, sums] of day[dim]) addSums(sumsOf(month[dim], key), sums)
      }
      cubeRows(rows, 'd', day)
    }
    for (const month of months.values()) cubeRows(rows, 'm', month)
    // Statements of a few fixed shapes (100, 10 and 1 rows), compiled once per store: a bulk
    // import then reuses them instead of building and parsing a new many-row statement each time.
    let i = 0
    for (const size of UPSERT_SIZES) {
      for (; rows.length - i >= size; i += size) {
        const params: unknown[] = []
        for (let r = i; r < i + size; r++) for (const c of CUBE_COLUMNS) params.push(rows[r]![c])
        await db.executeQuery(CompiledQuery.raw(upsertSql(db, size), params))
      }
    }
  }

  /** Hot for bulk imports: one `caseCounts` per case, added in place to four sum arrays. */
  private tally(order: RollupOrder, sign: 1 | -1) {
    const c = caseCounts(order)
    const counts = this.counts
    for (let k = 0; k < ROLLUP_COUNTS.length; k++) counts[k] = sign * c[ROLLUP_COUNTS[k]!]
    const unitId = order.unitId ?? 0
    const districtId = order.districtId ?? 0
    const id = `${unitId}|${districtId}|${order.receivedDay}`
    let day = this.days.get(id)
    if (!day) this.days.set(id, (day = periodSums(unitId, districtId, order.receivedDay)))
    addSums(day.total, counts)
    addSums(sumsOf(day.channel, order.channel), counts)
    addSums(sumsOf(day.kind, order.kind), counts)
    addSums(sumsOf(day.category, String(order.categoryId ?? 0)), counts)
  }

  /** One case's counts in ROLLUP_COUNTS order, reused from case to case. */
  private readonly counts = new Array<number>(ROLLUP_COUNTS.length).fill(0)
}

/** The groupings with keys of their own (the unit grouping's key is ''). */
const KEYED_DIMS = ['channel', 'kind', 'category'] as const

/** Sums in ROLLUP_COUNTS order for one unit, district and day (or month). */
interface PeriodSums {
  unitId: number
  districtId: number
  period: string
  total: number[]
  channel: Map<string, number[]>
  kind: Map<string, number[]>
  category: Map<string, number[]>
}

function periodSums(unitId: number, districtId: number, period: string): PeriodSums {
  const total = new Array<number>(ROLLUP_COUNTS.length).fill(0)
  const [channel, kind, category] = [new Map(), new Map(), new Map()]
  return { unitId, districtId, period, total, channel, kind, category }
}

function sumsOf(map: Map<string, number[]>, key: string): number[] {
  let sums = map.get(key)
  if (!sums) map.set(key, (sums = new Array<number>(ROLLUP_COUNTS.length).fill(0)))
  return sums
}

function addSums(into: number[], from: number[]) {
  for (let k = 0; k < into.length; k++) into[k]! += from[k]!
}

/** The cube rows of one period's sums, those that are not all zero. */
function cubeRows(rows: ReportCubeTable[], grain: 'd' | 'm', at: PeriodSums) {
  const push = (dim: Dim, dim_key: string, sums: number[]) => {
    if (sums.every((n) => n === 0)) return
    const { unitId: unit_id, districtId: district_id, period } = at
    const row = { grain, period, dim, dim_key, unit_id, district_id } as ReportCubeTable
    ROLLUP_COUNTS.forEach((k, n) => ((row[COLUMN[k]] as number) = sums[n]!))
    rows.push(row)
  }
  push('unit', '', at.total)
  for (const dim of KEYED_DIMS) for (const [key, sums] of at[dim]) push(dim, key, sums)
}

const CUBE_COLUMNS = [
  'grain',
  'period',
  'dim',
  'dim_key',
  'unit_id',
  'district_id',
  ...ROLLUP_COUNTS.map((k) => COLUMN[k]),
] as const satisfies readonly (keyof ReportCubeTable)[]
const UPSERT_SIZES = [ROWS_PER_STATEMENT, 10, 1] as const
const upserts = new WeakMap<object, Map<number, string>>()

/** The SQL of a `size`-row upsert into `report_cube` in the store's dialect, compiled once. */
function upsertSql(db: Db, size: number): string {
  const adapter = db.getExecutor().adapter
  let bySize = upserts.get(adapter)
  if (!bySize) upserts.set(adapter, (bySize = new Map()))
  let text = bySize.get(size)
  if (text === undefined) {
    const add = Object.fromEntries(
      ROLLUP_COUNTS.map((k) => {
        const col = COLUMN[k]
        return [col, sql<number>`${sql.ref(`report_cube.${col}`)} + ${sql.ref(`excluded.${col}`)}`]
      }),
    )
    const blank = Object.fromEntries(CUBE_COLUMNS.map((c) => [c, 0]))
    text = db
      .insertInto('report_cube')
      .values(Array.from({ length: size }, () => blank as unknown as ReportCubeTable))
      .onConflict((oc) =>
        oc.columns(['grain', 'period', 'dim', 'dim_key', 'unit_id', 'district_id']).doUpdateSet(add),
      )
      .compile().sql
    bySize.set(size, text)
  }
  return text
}

/**
 * Moves one case's contribution from how it was (`before`, null for a new case) to how it is
 * (`after`). Call it in the transaction that writes the case.
 *
 * @example await moveRollups(trx, order, next)
 */
export async function moveRollups(
  db: Db,
  before: RollupOrder | null,
  after: RollupOrder | null,
): Promise<void> {
  await applyRollupDeltas(db, [{ before, after }])
}

/**
 * Splits a day range into whole months and the partial days at either end, so a year reads
 * twelve monthly rows per group instead of 365 daily ones.
 *
 * @example splitPeriod('2025-01-15', '2025-04-30') // { days: [['2025-01-15', '2025-01-31']], months: ['2025-02', '2025-04'] }
 */
export function splitPeriod(
  from: string,
  to: string,
): { days: [string, string][]; months: [string, string] | null } {
  const firstFull = from.endsWith('-01') ? from.slice(0, 7) : nextMonth(from.slice(0, 7))
  const lastFull = isLastDayOfMonth(to) ? to.slice(0, 7) : prevMonth(to.slice(0, 7))
  if (firstFull > lastFull) return { days: [[from, to]], months: null }
  const days: [string, string][] = []
  if (!from.endsWith('-01')) days.push([from, `${from.slice(0, 7)}-31`])
  if (!isLastDayOfMonth(to)) days.push([`${to.slice(0, 7)}-01`, to])
  return { days, months: [firstFull, lastFull] }
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`
}

function prevMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

function isLastDayOfMonth(day: string): boolean {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m, 0)).getUTCDate() === d
}

function groupExpression(by: Grouping | null, dayColumn: string) {
  switch (by) {
    case 'channel':
      return sql<string>`channel`
    case 'kind':
      return sql<string>`kind`
    case 'unit':
      return sql<string>`coalesce(unit_id, 0)`
    case 'category':
      return sql<string>`coalesce(category_id, 0)`
    case 'month':
      return sql<string>`substr(${sql.ref(dayColumn)}, 1, 7)`
    default:
      return sql<string>`'all'`
  }
}

function scopeCondition(ids: readonly number[] | null | undefined): Expression<SqlBool> {
  if (!ids) return sql<SqlBool>`1 = 1`
  if (ids.length === 0) return sql<SqlBool>`1 = 0`
  const list = sql.join(ids.map((id) => sql.lit(id)))
  return sql<SqlBool>`(unit_id in (${list}) or district_id in (${list}))`
}

function dimOf(by: Grouping | null): Dim {
  return by === 'channel' || by === 'kind' || by === 'category' ? by : 'unit'
}

function cubeGroup(by: Grouping | null) {
  switch (by) {
    case 'channel':
    case 'kind':
    case 'category':
      return sql<string>`dim_key`
    case 'unit':
      return sql<string>`unit_id`
    case 'month':
      return sql<string>`substr(period, 1, 7)`
    default:
      return sql<string>`'all'`
  }
}

/**
 * Sums the rollups for a period, per group (`by` null gives one group `'all'`): whole months from
 * the monthly rows, the days at either end from the daily rows, only the rows of the grouping
 * asked for. `overdueOpen` is not in rollups and comes back 0 here; see {@link countOverdueOpen}.
 *
 * @example const groups = await sumRollups(db, { from: '2025-01-01', to: '2025-12-31' }, 'unit')
 */
export async function sumRollups(
  db: Db,
  filter: CaseFilter,
  by: Grouping | null,
): Promise<Map<string, Counts>> {
  const { days, months } = splitPeriod(filter.from, filter.to)
  const ranges: ['d' | 'm', string, string][] = days.map(([from, to]) => ['d', from, to])
  if (months) ranges.push(['m', months[0], months[1]])
  const key = cubeGroup(by)
  const parts = ranges.map(
    ([grain, from, to]) =>
      db
        .selectFrom('report_cube')
        .select(key.as('key'))
        .select(ROLLUP_COUNTS.map((k) => sql<number>`sum(${sql.ref(COLUMN[k])})`.as(COLUMN[k])))
        .where('grain', '=', grain)
        .where('dim', '=', dimOf(by))
        .where('period', '>=', from)
        .where('period', '<=', to)
        .where(scopeCondition(filter.scopeUnitIds))
        .$if(by !== null, (qb) => qb.groupBy(key))
        .execute() as Promise<Record<string, unknown>[]>,
  )
  const out = new Map<string, Counts>()
  for (const rows of await Promise.all(parts)) {
    for (const row of rows) {
      const k = String(row.key)
      const c = out.get(k) ?? zeroCounts()
      for (const f of ROLLUP_COUNTS) c[f] += Number(row[COLUMN[f]] ?? 0)
      out.set(k, c)
    }
  }
  if (by === null && out.size === 0) out.set('all', zeroCounts())
  return out
}

const openList = sql.join(OPEN_STATUSES.map((s) => sql.lit(s)))

/**
 * Open, valid cases received in the period whose deadline passed before `asOf`, per group. A case
 * whose clock is paused (a return awaiting arbitration) is overdue only if it was before the pause.
 * Counted from the cases themselves (few, and indexed by status and due time).
 *
 * @example const overdue = await countOverdueOpen(db, filter, null, new Date().toISOString())
 */
export async function countOverdueOpen(
  db: Db,
  filter: CaseFilter,
  by: Grouping | null,
  asOf: string,
): Promise<Map<string, number>> {
  const key = groupExpression(by, 'received_day')
  const rows = await db
    .selectFrom('work_orders')
    .select(key.as('key'))
    .select(sql<number>`count(*)`.as('n'))
    .where(sql<SqlBool>`status in (${openList})`)
    .where('due_at', '<', asOf)
    .where((eb) => eb.or([eb('paused_at', 'is', null), eb('due_at', '<', eb.ref('paused_at'))]))
    .where('received_day', '>=', filter.from)
    .where('received_day', '<=', filter.to)
    .where(scopeCondition(filter.scopeUnitIds))
    .$if(by !== null, (qb) => qb.groupBy(key))
    .execute()
  return new Map(rows.map((r) => [String(r.key), Number(r.n)]))
}

const satisfiedList = sql.join(RATINGS.filter(isSatisfied).map((r) => sql.lit(r)))
const dissatisfiedList = sql.join(RATINGS.filter((r) => !isSatisfied(r)).map((r) => sql.lit(r)))

/**
 * The same counts computed straight from the cases with one `GROUP BY`: an independent
 * implementation of section 5, used by `hotline recount` to check the rollups and by the
 * benchmarks as the baseline.
 *
 * @example const groups = await countFromCases(db, filter, 'channel', asOf)
 */
export async function countFromCases(
  db: Db,
  filter: CaseFilter,
  by: Grouping | null,
  asOf: string,
): Promise<Map<string, Counts>> {
  const key = groupExpression(by, 'received_day')
  const closed = sql`status in ('closed', 'archived')`
  const valid = sql`status not in ('invalid', 'merged')`
  const rows = await db
    .selectFrom('work_orders')
    .select(key.as('key'))
    .select([
      sql<number>`count(*)`.as('received'),
      sql<number>`sum(case when status = 'invalid' then 1 else 0 end)`.as('invalid'),
      sql<number>`sum(case when status = 'merged' then 1 else 0 end)`.as('merged'),
      sql<number>`sum(case when ${closed} then 1 else 0 end)`.as('closed'),
      sql<number>`sum(case when ${closed} and closed_on_time = 1 then 1 else 0 end)`.as(
        'closed_on_time',
      ),
      sql<number>`sum(case when ${closed} and rating is not null then 1 else 0 end)`.as('rated'),
      sql<number>`sum(case when ${closed} and rating in (${satisfiedList}) then 1 else 0 end)`.as(
        'satisfied',
      ),
      sql<number>`sum(case when ${closed} and rating in (${dissatisfiedList}) then 1 else 0 end)`.as(
        'dissatisfied',
      ),
      sql<number>`sum(case when ${valid} and return_count > 0 then 1 else 0 end)`.as('returned'),
      sql<number>`sum(case when ${valid} and extension_count > 0 then 1 else 0 end)`.as('extended'),
      sql<number>`sum(case when ${valid} and reopen_count > 0 then 1 else 0 end)`.as('reopened'),
      sql<number>`sum(case when ${closed} then coalesce(handling_workdays, 0) else 0 end)`.as(
        'handling_workdays',
      ),
      sql<number>`sum(case when status in (${openList}) and due_at < ${asOf} and (paused_at is null or due_at < paused_at) then 1 else 0 end)`.as(
        'overdue_open',
      ),
    ])
    .where('received_day', '>=', filter.from)
    .where('received_day', '<=', filter.to)
    .where(scopeCondition(filter.scopeUnitIds))
    .$if(by !== null, (qb) => qb.groupBy(key))
    .execute()
  const out = new Map<string, Counts>()
  for (const row of rows as Record<string, unknown>[]) {
    const c = zeroCounts()
    for (const k of ROLLUP_COUNTS) c[k] = Number(row[COLUMN[k]] ?? 0)
    c.overdueOpen = Number(row.overdue_open ?? 0)
    out.set(String(row.key), c)
  }
  return out
}
