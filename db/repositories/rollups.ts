import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely'
import { RATINGS, isSatisfied } from '../../src/domain/codes'
import {
  addCounts,
  caseCounts,
  ROLLUP_COUNTS,
  zeroCounts,
  type Counts,
  type RollupCount,
} from '../../src/domain/figures'
import { OPEN_STATUSES } from '../../src/domain/status'
import type { WorkOrder } from '../../src/domain/work-order'
import type { Database } from '../database'
import type {
  ReportRollupsMonthlyTable,
  ReportRollupsTable,
} from '../tables/report-rollups.table'

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

const COLUMN: Record<RollupCount, keyof ReportRollupsTable> = {
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

function keyOf(order: RollupOrder) {
  return {
    day: order.receivedDay,
    channel: order.channel,
    kind: order.kind,
    category_id: order.categoryId ?? 0,
    unit_id: order.unitId ?? 0,
    district_id: order.districtId ?? 0,
  }
}

/**
 * Moves a case's contribution in the rollups from how it was (`before`, null for a new case) to
 * how it is (`after`). Call it in the transaction that writes the case.
 *
 * @example await moveRollups(trx, order, next)
 */
export async function moveRollups(
  db: Db,
  before: RollupOrder | null,
  after: RollupOrder | null,
): Promise<void> {
  const deltas: { key: ReturnType<typeof keyOf>; counts: Counts }[] = []
  const beforeKey = before && keyOf(before)
  const afterKey = after && keyOf(after)
  if (beforeKey && afterKey && JSON.stringify(beforeKey) === JSON.stringify(afterKey)) {
    deltas.push({ key: afterKey, counts: addCounts(caseCounts(after!), caseCounts(before!), -1) })
  } else {
    if (beforeKey) deltas.push({ key: beforeKey, counts: addCounts(zeroCounts(), caseCounts(before!), -1) })
    if (afterKey) deltas.push({ key: afterKey, counts: caseCounts(after!) })
  }
  for (const { key, counts } of deltas) {
    if (ROLLUP_COUNTS.every((k) => counts[k] === 0)) continue
    await upsertRollup(db, key, counts)
  }
}

async function upsertRollup(db: Db, key: ReturnType<typeof keyOf>, counts: Counts) {
  const values: ReportRollupsTable = { ...key } as ReportRollupsTable
  for (const k of ROLLUP_COUNTS) (values[COLUMN[k]] as number) = counts[k]
  const add = (table: 'report_rollups' | 'report_rollups_monthly') =>
    Object.fromEntries(
      ROLLUP_COUNTS.map((k) => {
        const col = COLUMN[k]
        return [col, sql<number>`${sql.ref(`${table}.${col}`)} + ${sql.ref(`excluded.${col}`)}`]
      }),
    )
  await db
    .insertInto('report_rollups')
    .values(values)
    .onConflict((oc) =>
      oc
        .columns(['day', 'channel', 'kind', 'category_id', 'unit_id', 'district_id'])
        .doUpdateSet(add('report_rollups')),
    )
    .execute()
  const { day, ...rest } = values
  await db
    .insertInto('report_rollups_monthly')
    .values({ ...rest, month: day.slice(0, 7) })
    .onConflict((oc) =>
      oc
        .columns(['month', 'channel', 'kind', 'category_id', 'unit_id', 'district_id'])
        .doUpdateSet(add('report_rollups_monthly')),
    )
    .execute()
}

/** One case's change for {@link applyRollupDeltas}: as it counted before (null: new) and after. */
export interface RollupChange {
  before: RollupOrder | null
  after: RollupOrder | null
}

/** Rollup rows per statement: 18 values each, well under SQLite's 32,766 parameters. */
const ROLLUP_ROWS_PER_STATEMENT = 1000

/**
 * The batch form of {@link moveRollups} for bulk writers (the importer): the changes of many cases
 * are summed in memory per rollup key (keyed exactly as `moveRollups` keys them) and written to
 * `report_rollups` and `report_rollups_monthly` with one multi-row upsert per table and chunk.
 * Keys whose changes cancel out are not written. Call it in the transaction that writes the cases.
 *
 * @example
 * await applyRollupDeltas(trx, [{ before: null, after: created }, { before: old, after: changed }])
 */
export async function applyRollupDeltas(db: Db, deltas: Iterable<RollupChange>): Promise<void> {
  type Key = ReturnType<typeof keyOf>
  const daily = new Map<string, { key: Key; counts: Counts }>()
  const tally = (order: RollupOrder, sign: 1 | -1) => {
    const key = keyOf(order)
    const { day, channel, kind, category_id, unit_id, district_id } = key
    const id = `${day}|${channel}|${kind}|${category_id}|${unit_id}|${district_id}`
    let entry = daily.get(id)
    if (!entry) {
      entry = { key, counts: zeroCounts() }
      daily.set(id, entry)
    }
    addCounts(entry.counts, caseCounts(order), sign)
  }
  for (const { before, after } of deltas) {
    if (before) tally(before, -1)
    if (after) tally(after, 1)
  }
  const monthly = new Map<string, { key: Omit<Key, 'day'> & { month: string }; counts: Counts }>()
  const dailyRows: ReportRollupsTable[] = []
  for (const [id, { key, counts }] of daily) {
    if (ROLLUP_COUNTS.every((k) => counts[k] === 0)) continue
    dailyRows.push({ ...key, ...countColumns(counts) })
    const { day, ...rest } = key
    const month = day.slice(0, 7)
    const monthId = `${month}|${id.slice(day.length + 1)}`
    let entry = monthly.get(monthId)
    if (!entry) {
      entry = { key: { ...rest, month }, counts: zeroCounts() }
      monthly.set(monthId, entry)
    }
    addCounts(entry.counts, counts)
  }
  const monthlyRows: ReportRollupsMonthlyTable[] = [...monthly.values()]
    .filter(({ counts }) => ROLLUP_COUNTS.some((k) => counts[k] !== 0))
    .map(({ key, counts }) => ({ ...key, ...countColumns(counts) }))
  const sumWithExcluded = (table: 'report_rollups' | 'report_rollups_monthly') =>
    Object.fromEntries(
      ROLLUP_COUNTS.map((k) => {
        const col = COLUMN[k]
        return [col, sql<number>`${sql.ref(`${table}.${col}`)} + ${sql.ref(`excluded.${col}`)}`]
      }),
    )
  for (let i = 0; i < dailyRows.length; i += ROLLUP_ROWS_PER_STATEMENT) {
    await db
      .insertInto('report_rollups')
      .values(dailyRows.slice(i, i + ROLLUP_ROWS_PER_STATEMENT))
      .onConflict((oc) =>
        oc
          .columns(['day', 'channel', 'kind', 'category_id', 'unit_id', 'district_id'])
          .doUpdateSet(sumWithExcluded('report_rollups')),
      )
      .execute()
  }
  for (let i = 0; i < monthlyRows.length; i += ROLLUP_ROWS_PER_STATEMENT) {
    await db
      .insertInto('report_rollups_monthly')
      .values(monthlyRows.slice(i, i + ROLLUP_ROWS_PER_STATEMENT))
      .onConflict((oc) =>
        oc
          .columns(['month', 'channel', 'kind', 'category_id', 'unit_id', 'district_id'])
          .doUpdateSet(sumWithExcluded('report_rollups_monthly')),
      )
      .execute()
  }
}

type CountColumns = Omit<
  ReportRollupsTable,
  'day' | 'channel' | 'kind' | 'category_id' | 'unit_id' | 'district_id'
>

function countColumns(counts: Counts): CountColumns {
  const row = {} as CountColumns
  for (const k of ROLLUP_COUNTS) (row[COLUMN[k] as keyof CountColumns] as number) = counts[k]
  return row
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

/**
 * Sums the rollups for a period, per group (`by` null gives one group `'all'`): whole months from
 * the monthly rollups, the days at either end from the daily ones. `overdueOpen` is not in
 * rollups and comes back 0 here; see {@link countOverdueOpen}.
 *
 * @example const groups = await sumRollups(db, { from: '2025-01-01', to: '2025-12-31' }, 'unit')
 */
export async function sumRollups(
  db: Db,
  filter: CaseFilter,
  by: Grouping | null,
): Promise<Map<string, Counts>> {
  const { days, months } = splitPeriod(filter.from, filter.to)
  const parts: Promise<Record<string, unknown>[]>[] = days.map(([from, to]) => {
    const key = groupExpression(by, 'day')
    return db
      .selectFrom('report_rollups')
      .select(key.as('key'))
      .select(ROLLUP_COUNTS.map((k) => sql<number>`sum(${sql.ref(COLUMN[k])})`.as(COLUMN[k])))
      .where('day', '>=', from)
      .where('day', '<=', to)
      .where(scopeCondition(filter.scopeUnitIds))
      .$if(by !== null, (qb) => qb.groupBy(key))
      .execute() as Promise<Record<string, unknown>[]>
  })
  if (months) {
    const key = by === 'month' ? sql<string>`month` : groupExpression(by, 'month')
    parts.push(
      db
        .selectFrom('report_rollups_monthly')
        .select(key.as('key'))
        .select(ROLLUP_COUNTS.map((k) => sql<number>`sum(${sql.ref(COLUMN[k])})`.as(COLUMN[k])))
        .where('month', '>=', months[0])
        .where('month', '<=', months[1])
        .where(scopeCondition(filter.scopeUnitIds))
        .$if(by !== null, (qb) => qb.groupBy(key))
        .execute() as Promise<Record<string, unknown>[]>,
    )
  }
  const out = new Map<string, Counts>()
  for (const rows of await Promise.all(parts)) {
    for (const row of rows) {
      const key = String(row.key)
      const c = out.get(key) ?? zeroCounts()
      for (const k of ROLLUP_COUNTS) c[k] += Number(row[COLUMN[k]] ?? 0)
      out.set(key, c)
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
