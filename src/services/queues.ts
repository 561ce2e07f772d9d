import { sql, type Expression, type SqlBool } from 'kysely'
import { addWorkdays } from '../domain/calendar'
import { CHANNELS, KINDS, RATINGS, URGENCIES, isSatisfied } from '../domain/codes'
import { invalidField } from '../domain/errors'
import { STATUSES, type Status } from '../domain/status'
import type { Actor } from '../domain/work-order'
import {
  addDays,
  endOfLocalDay,
  isLocalDate,
  localDateOf,
  startOfLocalDay,
} from '../domain/zoned-time'
import { listUnits } from '../../db/repositories/reference-data'
import { workingRules } from './calendar'
import { subtreeIds } from './reports'
import { nowOf, type Deps } from './deps'

/** The work queues of the back office (工作队列). */
export const QUEUES = [
  'to_dispatch',
  'to_sign',
  'in_progress',
  'due_soon',
  'overdue',
  'return_pending',
  'extension_pending',
  'callback',
  'all',
] as const
export type Queue = (typeof QUEUES)[number]
export const QUEUE_LABELS: Record<Queue, string> = {
  to_dispatch: '待派单',
  to_sign: '待签收',
  in_progress: '办理中',
  due_soon: '临期',
  overdue: '超期',
  return_pending: '退单待审',
  extension_pending: '延期待批',
  callback: '待回访',
  all: '全部',
}

/** Columns a list may be sorted by (an allow-list: nothing else reaches SQL). */
export const SORTS = ['received_at', 'due_at', 'case_number', 'updated_at'] as const
export type Sort = (typeof SORTS)[number]

/** The figures of section 5 whose cases a list can show: "the numerator's cases". */
export const FIGURE_FILTERS = [
  'received',
  'valid',
  'invalid',
  'merged',
  'closed',
  'closedOnTime',
  'overdueOpen',
  'rated',
  'satisfied',
  'dissatisfied',
  'returned',
  'extended',
  'reopened',
] as const
export type FigureFilter = (typeof FIGURE_FILTERS)[number]

/** Filters, sort and page of a case list, as the URL carries them. */
export interface CaseListQuery {
  queue: Queue
  /** Only the cases counted in this figure (links from reports). */
  figure?: FigureFilter
  /** A unit's code: cases whose unit or district lies in its subtree (the reports' scope). */
  scope?: string
  /** A category's code, exactly (no children): the reports' category groups. */
  category?: string
  channel?: string
  kind?: string
  urgency?: string
  status?: string
  unitId?: number
  categoryId?: number
  districtId?: number
  from?: string
  to?: string
  q?: string
  sort: Sort
  dir: 'asc' | 'desc'
  page: number
  pageSize: number
}

/** One row of a case list: no personal data. */
export interface CaseListRow {
  id: number
  caseNumber: string
  title: string
  channel: string
  kind: string
  urgency: string
  status: Status
  unitId: number | null
  unitName: string | null
  receivedAt: string
  dueAt: string
  urgeLevel: string | null
  overdue: boolean
  confidential: boolean
}

const OPEN = sql.join(['received', 'dispatched', 'in_progress', 'return_requested'].map((s) => sql.lit(s)))
const DISSATISFIED = sql.join(RATINGS.filter((r) => !isSatisfied(r)).map((r) => sql.lit(r)))

/**
 * Reads a case-list query from URL parameters, refusing unknown values by field.
 *
 * @example parseCaseListQuery(new URL(c.req.url).searchParams)
 */
export function parseCaseListQuery(params: URLSearchParams): CaseListQuery {
  const get = (k: string) => {
    const v = params.get(k)?.trim()
    return v ? v : undefined
  }
  const oneOf = <T extends string>(k: string, list: readonly T[]): T | undefined => {
    const v = get(k)
    if (v === undefined) return undefined
    if (!list.includes(v as T)) throw invalidField(k, `must be one of ${list.join(', ')}`)
    return v as T
  }
  const id = (k: string) => {
    const v = get(k)
    if (v === undefined) return undefined
    if (k === 'unitId' && v === 'none') return 0
    if (!/^\d+$/.test(v)) throw invalidField(k, 'must be a whole number')
    return Number(v)
  }
  const date = (k: string) => {
    const v = get(k)
    if (v !== undefined && !isLocalDate(v)) throw invalidField(k, 'must be a date YYYY-MM-DD')
    return v
  }
  const page = id('page') ?? 1
  const pageSize = id('pageSize') ?? 25
  if (page < 1) throw invalidField('page', 'must be at least 1')
  if (pageSize < 1 || pageSize > 200) throw invalidField('pageSize', 'must be from 1 to 200')
  return {
    queue: oneOf('queue', QUEUES) ?? 'all',
    figure: oneOf('figure', FIGURE_FILTERS),
    scope: get('scope')?.slice(0, 100),
    category: get('category')?.slice(0, 100),
    channel: oneOf('channel', CHANNELS),
    kind: oneOf('kind', KINDS),
    urgency: oneOf('urgency', URGENCIES),
    status: oneOf('status', STATUSES),
    unitId: id('unitId'),
    categoryId: id('categoryId'),
    districtId: id('districtId'),
    from: date('from'),
    to: date('to'),
    q: get('q')?.slice(0, 100),
    sort: oneOf('sort', SORTS) ?? 'received_at',
    dir: oneOf('dir', ['asc', 'desc'] as const) ?? 'desc',
    page,
    pageSize,
  }
}

async function queueConditions(deps: Deps): Promise<Record<Queue, Expression<SqlBool>>> {
  const now = nowOf(deps)
  const { calendar } = await workingRules(deps)
  const today = localDateOf(now, deps.timeZone)
  const soon = endOfLocalDay(addWorkdays(calendar, today, 1), deps.timeZone)
  return {
    to_dispatch: sql<SqlBool>`status = 'received'`,
    to_sign: sql<SqlBool>`status = 'dispatched'`,
    in_progress: sql<SqlBool>`status = 'in_progress'`,
    due_soon: sql<SqlBool>`status in ('received', 'dispatched', 'in_progress') and due_at >= ${now} and due_at <= ${soon}`,
    overdue: sql<SqlBool>`status in (${OPEN}) and due_at < ${now} and (paused_at is null or due_at < paused_at)`,
    return_pending: sql<SqlBool>`status = 'return_requested'`,
    extension_pending: sql<SqlBool>`status = 'in_progress' and pending_extension_workdays is not null`,
    callback: sql<SqlBool>`status = 'closed' and (rated_at is null or rated_at < closed_at or rating in (${DISSATISFIED}))`,
    all: sql<SqlBool>`1 = 1`,
  }
}

function visibleTo(actor: Actor): Expression<SqlBool> {
  if (actor.role === 'caseworker') {
    return actor.unitId === null ? sql<SqlBool>`1 = 0` : sql<SqlBool>`unit_id = ${actor.unitId}`
  }
  return sql<SqlBool>`1 = 1`
}

/**
 * The live count of every queue the actor can see (one query).
 *
 * @example const counts = await queueCounts(deps, actor) // { to_dispatch: 3, … }
 */
export async function queueCounts(deps: Deps, actor: Actor): Promise<Record<Queue, number>> {
  const conditions = await queueConditions(deps)
  const row = await deps.db
    .selectFrom('work_orders')
    .select(
      QUEUES.map((q) => sql<number>`sum(case when ${conditions[q]} then 1 else 0 end)`.as(q)),
    )
    .where(visibleTo(actor))
    .executeTakeFirst()
  const out = {} as Record<Queue, number>
  for (const q of QUEUES) out[q] = Number((row as Record<string, unknown> | undefined)?.[q] ?? 0)
  return out
}

const CLOSED = sql<SqlBool>`status in ('closed', 'archived')`
const VALID = sql<SqlBool>`status not in ('invalid', 'merged')`
const SATISFIED = sql.join(RATINGS.filter(isSatisfied).map((r) => sql.lit(r)))

function figureCondition(figure: FigureFilter, now: string): Expression<SqlBool> {
  switch (figure) {
    case 'received':
      return sql<SqlBool>`1 = 1`
    case 'valid':
      return VALID
    case 'invalid':
      return sql<SqlBool>`status = 'invalid'`
    case 'merged':
      return sql<SqlBool>`status = 'merged'`
    case 'closed':
      return CLOSED
    case 'closedOnTime':
      return sql<SqlBool>`${CLOSED} and closed_on_time = 1`
    case 'overdueOpen':
      return sql<SqlBool>`status in (${OPEN}) and due_at < ${now} and (paused_at is null or due_at < paused_at)`
    case 'rated':
      return sql<SqlBool>`${CLOSED} and rating is not null`
    case 'satisfied':
      return sql<SqlBool>`${CLOSED} and rating in (${SATISFIED})`
    case 'dissatisfied':
      return sql<SqlBool>`${CLOSED} and rating in (${DISSATISFIED})`
    case 'returned':
      return sql<SqlBool>`${VALID} and return_count > 0`
    case 'extended':
      return sql<SqlBool>`${VALID} and extension_count > 0`
    case 'reopened':
      return sql<SqlBool>`${VALID} and reopen_count > 0`
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`)
}

/** The cases of a list query the actor may see, before order and paging. */
async function filtered(deps: Deps, actor: Actor, query: CaseListQuery, now: string) {
  const conditions = await queueConditions(deps)
  let base = deps.db
    .selectFrom('work_orders')
    .where(visibleTo(actor))
    .where(conditions[query.queue])
  if (query.figure) base = base.where(figureCondition(query.figure, now))
  if (query.scope) {
    const units = await listUnits(deps.db)
    const root = units.find((u) => u.code === query.scope)
    if (!root) throw invalidField('scope', `no unit with code ${query.scope}`)
    const ids = subtreeIds(units, root.id)
    base = base.where((eb) => eb.or([eb('unit_id', 'in', ids), eb('district_id', 'in', ids)]))
  }
  if (query.category) {
    const code = query.category
    base = base.where('category_id', 'in', (eb) =>
      eb.selectFrom('categories').select('id').where('code', '=', code),
    )
  }
  if (query.channel) base = base.where('channel', '=', query.channel)
  if (query.kind) base = base.where('kind', '=', query.kind)
  if (query.urgency) base = base.where('urgency', '=', query.urgency)
  if (query.status) base = base.where('status', '=', query.status)
  if (query.unitId === 0) base = base.where('unit_id', 'is', null)
  else if (query.unitId) base = base.where('unit_id', '=', query.unitId)
  if (query.categoryId) {
    const id = query.categoryId
    base = base.where((eb) =>
      eb.or([
        eb('category_id', '=', id),
        eb('category_id', 'in', eb.selectFrom('categories').select('id').where('parent_id', '=', id)),
      ]),
    )
  }
  if (query.districtId) base = base.where('district_id', '=', query.districtId)
  if (query.from) base = base.where('received_day', '>=', query.from)
  if (query.to) base = base.where('received_day', '<=', query.to)
  if (query.q) {
    const q = query.q
    const like = `%${escapeLike(q)}%`
    const digits = q.replace(/\D/g, '')
    base = base.where((eb) =>
      eb.or([
        eb('case_number', '=', q.toUpperCase()),
        sql<SqlBool>`title like ${like} escape '\\'`,
        sql<SqlBool>`content like ${like} escape '\\'`,
        ...(digits.length >= 7 && actor.role !== 'reporter'
          ? [
              actor.role === 'caseworker'
                ? eb.and([eb('citizen_phone', '=', digits), eb('confidential', '=', 0)])
                : eb('citizen_phone', '=', digits),
            ]
          : []),
      ]),
    )
  }
  return base
}

/**
 * The same period as a range of receipt times, two days wider on each side: the period itself
 * is `received_day` (exact, as the figures count it); this range never drops a case of it and
 * lets the database walk the index by receipt time in list order instead of sorting the period.
 * After a case of a walk (newest first), the range ends at that case instead, so that each page
 * starts where the last one stopped.
 */
function receiptRange(
  query: CaseListQuery,
  timeZone: string,
  after?: { receivedAt: string; id: number },
): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = []
  if (query.from) {
    const start = startOfLocalDay(addDays(query.from, -2), timeZone)
    parts.push(sql<SqlBool>`work_orders.received_at >= ${start}`)
  }
  if (after) {
    const { receivedAt, id } = after
    parts.push(sql<SqlBool>`work_orders.received_at <= ${receivedAt}`)
    parts.push(sql<SqlBool>`(work_orders.received_at < ${receivedAt} or work_orders.id < ${id})`)
  } else if (query.to) {
    const end = startOfLocalDay(addDays(query.to, 3), timeZone)
    parts.push(sql<SqlBool>`work_orders.received_at < ${end}`)
  }
  return parts.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.join(parts, sql` and `)}`
}

type Filtered = Awaited<ReturnType<typeof filtered>>

function listColumns(base: Filtered) {
  return base
    .leftJoin('units', 'units.id', 'work_orders.unit_id')
    .select([
      'work_orders.id',
      'work_orders.case_number',
      'work_orders.title',
      'work_orders.channel',
      'work_orders.kind',
      'work_orders.urgency',
      'work_orders.status',
      'work_orders.unit_id',
      'units.name as unit_name',
      'work_orders.received_at',
      'work_orders.due_at',
      'work_orders.urge_level',
      'work_orders.paused_at',
      'work_orders.confidential',
    ])
}

type ListedRow = Awaited<ReturnType<ReturnType<typeof listColumns>['execute']>>[number]

function toListRow(r: ListedRow, now: string): CaseListRow {
  return {
    id: r.id,
    caseNumber: r.case_number,
    title: r.title,
    channel: r.channel,
    kind: r.kind,
    urgency: r.urgency,
    status: r.status as Status,
    unitId: r.unit_id,
    unitName: r.unit_name,
    receivedAt: r.received_at,
    dueAt: r.due_at,
    urgeLevel: r.urge_level,
    overdue:
      ['received', 'dispatched', 'in_progress', 'return_requested'].includes(r.status) &&
      r.due_at < now &&
      (r.paused_at === null || r.due_at < r.paused_at),
    confidential: r.confidential !== 0,
  }
}

/**
 * One page of a queue with filters and an allow-listed sort.
 *
 * @example const { rows, total } = await listCases(deps, actor, parseCaseListQuery(params))
 */
export async function listCases(
  deps: Deps,
  actor: Actor,
  query: CaseListQuery,
): Promise<{ rows: CaseListRow[]; total: number }> {
  const now = nowOf(deps)
  const base = await filtered(deps, actor, query, now)
  const totalRow = await base.select(sql<number>`count(*)`.as('n')).executeTakeFirst()
  const rows = await listColumns(base.where(receiptRange(query, deps.timeZone)))
    .orderBy(`work_orders.${query.sort}`, query.dir)
    .orderBy('work_orders.id', query.dir)
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .execute()
  return { total: Number(totalRow?.n ?? 0), rows: rows.map((r) => toListRow(r, now)) }
}

/**
 * Every case of a list query (its page, page size and sort set aside), newest received first,
 * read in pages by keyset: no count and no offset, so a million cases cost a million rows read
 * once. The clock is read once, for the whole walk.
 *
 * @example for await (const rows of allCases(deps, actor, query)) write(rows)
 */
export async function* allCases(
  deps: Deps,
  actor: Actor,
  query: CaseListQuery,
  pageSize = 500,
): AsyncGenerator<CaseListRow[]> {
  const now = nowOf(deps)
  const base = await filtered(deps, actor, query, now)
  let after: { receivedAt: string; id: number } | undefined
  for (;;) {
    const page: Filtered = base.where(receiptRange(query, deps.timeZone, after))
    const rows: ListedRow[] = await listColumns(page)
      .orderBy('work_orders.received_at', 'desc')
      .orderBy('work_orders.id', 'desc')
      .limit(pageSize)
      .execute()
    if (rows.length > 0) yield rows.map((r) => toListRow(r, now))
    if (rows.length < pageSize) return
    const last = rows[rows.length - 1]!
    after = { receivedAt: last.received_at, id: last.id }
  }
}
