import {
  CHANNEL_LABELS,
  KIND_LABELS,
  RATING_LABELS,
  type Channel,
  type Kind,
  type Rating,
} from '../domain/codes'
import { identityAccess, maskPhone } from '../domain/privacy'
import { isClosed, STATUS_LABELS, type Status } from '../domain/status'
import type { Actor } from '../domain/work-order'
import { localDateOf } from '../domain/zoned-time'
import type { Deps } from './deps'
import { allCases, type CaseListQuery } from './queues'
import { safeCell } from './summary-formats'

/** How many cases one read of an export fetches. */
export const EXPORT_PAGE_SIZE = 200

/** One case as the case-list exports show it; identity fields only when the actor may see them. */
export interface CaseExportRow {
  id: number
  caseNumber: string
  receivedAt: string
  channel: string
  kind: string
  status: Status
  unitName: string | null
  title: string
  dueAt: string
  closedAt: string | null
  /** Whether a closed case was closed on time; null while it is not closed. */
  closedOnTime: boolean | null
  rating: string | null
  /** Undefined when the export carries no identity columns; null when this case hides it. */
  citizenName?: string | null
  /** Masked (`138****5678`). */
  citizenPhone?: string | null
}

/** The columns of the case-list exports (CSV and XLSX), in order. */
export const CASE_EXPORT_COLUMNS = [
  '编号',
  '受理时间',
  '渠道',
  '类型',
  '状态',
  '承办单位',
  '标题',
  '办理时限',
  '办结时间',
  '是否按期',
  '满意度',
] as const

/** The identity columns, after the others, for roles that may see them. */
export const IDENTITY_COLUMNS = ['姓名', '电话'] as const

/**
 * Whether an export for this actor carries the citizen's name and (masked) phone at all:
 * never for reporters (CONTRACT.md section 3).
 *
 * @example exportsIdentity({ role: 'reporter', … }) // false
 */
export function exportsIdentity(actor: Pick<Actor, 'role'>): boolean {
  return actor.role !== 'reporter' && actor.role !== 'citizen' && actor.role !== 'system'
}

/**
 * Every case matching a list query (not one page: all of them, newest received first, read 500
 * at a time by keyset), as the exports show them, in batches. A caseworker gets their own unit's
 * cases only (as on the list); the citizen's name and masked phone come only where the actor may
 * see them.
 *
 * @example for await (const rows of caseExportRows(deps, actor, query)) write(rows)
 */
export async function* caseExportRows(
  deps: Deps,
  actor: Actor,
  query: CaseListQuery,
): AsyncGenerator<CaseExportRow[]> {
  const withIdentity = exportsIdentity(actor)
  for await (const page of allCases(deps, actor, query, EXPORT_PAGE_SIZE)) {
    const details = await deps.db
      .selectFrom('work_orders')
      .select([
        'id',
        'closed_at',
        'closed_on_time',
        'rating',
        'citizen_name',
        'citizen_phone',
        'confidential',
        'unit_id',
      ])
      .where('id', 'in', page.map((r) => r.id))
      .execute()
    const byId = new Map(details.map((d) => [d.id, d]))
    yield page.map((r) => {
      const d = byId.get(r.id)
      const closed = isClosed(r.status)
      const row: CaseExportRow = {
        id: r.id,
        caseNumber: r.caseNumber,
        receivedAt: r.receivedAt,
        channel: r.channel,
        kind: r.kind,
        status: r.status,
        unitName: r.unitName,
        title: r.title,
        dueAt: r.dueAt,
        closedAt: d?.closed_at ?? null,
        closedOnTime: closed && d && d.closed_on_time !== null ? d.closed_on_time === 1 : null,
        rating: d?.rating ?? null,
      }
      if (withIdentity) {
        const see = d
          ? identityAccess({ unitId: d.unit_id, confidential: d.confidential !== 0 }, actor).see
          : 'none'
        row.citizenName = see === 'none' ? null : (d?.citizen_name ?? null)
        row.citizenPhone = see === 'none' ? null : maskPhone(d?.citizen_phone ?? null)
      }
      return row
    })
  }
}

const clockFormats = new Map<string, Intl.DateTimeFormat>()
/** The zone's offset per UTC hour (null: it changes within that hour), by zone. */
const hourOffsets = new Map<string, Map<number, number | null>>()
const HOUR = 3_600_000

function exactLocalDateTime(ms: number, timeZone: string): string {
  let f = clockFormats.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
    })
    clockFormats.set(timeZone, f)
  }
  return `${localDateOf(ms, timeZone)} ${f.format(new Date(ms))}`
}

/** Minutes of the zone's UTC offset at an instant, asked of `Intl` through the exact formatter. */
function offsetAt(ms: number, timeZone: string): number {
  const local = exactLocalDateTime(ms, timeZone)
  const wall = Date.parse(`${local.replace(' ', 'T')}:00.000Z`)
  return wall - Math.floor(ms / 60_000) * 60_000
}

/**
 * An instant as local `YYYY-MM-DD HH:mm` in the report time zone. The zone's offset is asked of
 * `Intl` once per UTC hour and remembered where it holds for the whole hour (an export of a
 * million cases formats three million times).
 *
 * @example localDateTime('2025-10-21T15:59:59.000Z', 'Asia/Shanghai') // '2025-10-21 23:59'
 */
export function localDateTime(instant: string, timeZone: string): string {
  const ms = Date.parse(instant)
  let offsets = hourOffsets.get(timeZone)
  if (!offsets) hourOffsets.set(timeZone, (offsets = new Map()))
  const hour = Math.floor(ms / HOUR)
  let offset = offsets.get(hour)
  if (offset === undefined) {
    const first = offsetAt(hour * HOUR, timeZone)
    offset = first === offsetAt(hour * HOUR + HOUR - 60_000, timeZone) ? first : null
    if (offsets.size > 100_000) offsets.clear()
    offsets.set(hour, offset)
  }
  if (offset === null) return exactLocalDateTime(ms, timeZone)
  const local = new Date(Math.floor(ms / 60_000) * 60_000 + offset).toISOString()
  return `${local.slice(0, 10)} ${local.slice(11, 16)}`
}

/**
 * The labels of a row in column order (times still as instants, for each format to render),
 * identity columns appended when the row carries them.
 *
 * @example caseExportValues(row) // ['NC20250000001', '2025-10-08T02:00:00.000Z', '12345热线', …]
 */
export function caseExportValues(row: CaseExportRow): (string | null)[] {
  const values: (string | null)[] = [
    row.caseNumber,
    row.receivedAt,
    CHANNEL_LABELS[row.channel as Channel] ?? row.channel,
    KIND_LABELS[row.kind as Kind] ?? row.kind,
    STATUS_LABELS[row.status] ?? row.status,
    row.unitName,
    row.title,
    row.dueAt,
    row.closedAt,
    row.closedOnTime === null ? null : row.closedOnTime ? '是' : '否',
    row.rating === null ? null : (RATING_LABELS[row.rating as Rating] ?? row.rating),
  ]
  if (row.citizenName !== undefined) values.push(row.citizenName ?? null, row.citizenPhone ?? null)
  return values
}

/** Indexes of the time columns in {@link CASE_EXPORT_COLUMNS}. */
export const TIME_COLUMNS: ReadonlySet<number> = new Set([1, 7, 8])

function csvCell(value: string | null): string {
  if (value === null) return ''
  const text = safeCell(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/**
 * The cases behind a list query (any figure, scope, period, queue or filter) as CSV, in chunks
 * to stream: UTF-8 with a BOM, CRLF line ends, cells a spreadsheet would run as formulas
 * neutralised, times in TZ_REPORT, newest received first. Memory stays flat however many cases.
 *
 * @example for await (const chunk of caseListCsv(deps, actor, query)) response.write(chunk)
 */
export async function* caseListCsv(
  deps: Deps,
  actor: Actor,
  query: CaseListQuery,
): AsyncGenerator<string> {
  const header: string[] = [
    ...CASE_EXPORT_COLUMNS,
    ...(exportsIdentity(actor) ? IDENTITY_COLUMNS : []),
  ]
  yield `\uFEFF${header.map(csvCell).join(',')}\r\n`
  for await (const rows of caseExportRows(deps, actor, query)) {
    let chunk = ''
    for (const row of rows) {
      const cells = caseExportValues(row).map((v, i) =>
        v !== null && TIME_COLUMNS.has(i) ? localDateTime(v, deps.timeZone) : v,
      )
      chunk += `${cells.map(csvCell).join(',')}\r\n`
    }
    yield chunk
  }
}
