/**
 * Importing history (导入历史工单, CONTRACT.md section 6): one row of a CSV or XLSX file, as strings,
 * mapped to the fields of a work order (工单) or to the list of problems that refuse it. Pure: the
 * lookups of units and categories, the calendar, the SLA rules and the clock are passed in, and the
 * caches in {@link ImportCaches} only remember answers of pure functions.
 *
 * Reading rules where the contract is silent:
 * - A column missing from the file leaves that field of an existing case as it is (a new case gets
 *   the default); a column present with an empty cell means “none”.
 * - Defaults: channel `other` (其他), kind `consultation` (咨询), urgency `normal` (一般); a missing
 *   status is derived (`merged` with a master, `closed` with a close time, `dispatched` with a unit,
 *   else `received`); a missing title is the first line of the content.
 * - A given `due_at` is kept as given (a date alone means the end of that day) and counts as
 *   `dueWorkdays` working days from the day of receipt; a missing one comes from the SLA rules.
 * - Booleans set the counts the figures read: `returned` true → `returnCount` at least 1, false → 0.
 */
import { workdaysBetween, type Calendar } from './calendar'
import {
  CHANNEL_LABELS,
  CHANNELS,
  KIND_LABELS,
  KINDS,
  RATING_LABELS,
  RATINGS,
  URGENCIES,
  URGENCY_LABELS,
  type Channel,
  type Kind,
  type Rating,
  type Urgency,
} from './codes'
import { slaWorkdaysFor, type SlaRule } from './sla'
import { isClosed, STATUS_LABELS, STATUSES, type Status } from './status'
import { deadline, type WorkOrder } from './work-order'
import { endOfLocalDay, localDateOf, zonedToInstant, type LocalDate } from './zoned-time'

/** The columns of an import file, in the contract's order. */
export const IMPORT_FIELDS = [
  'external_id',
  'channel',
  'kind',
  'urgency',
  'category',
  'unit',
  'district',
  'title',
  'content',
  'address',
  'citizen_name',
  'citizen_phone',
  'received_at',
  'due_at',
  'closed_at',
  'closed_on_time',
  'rating',
  'rated_at',
  'status',
  'returned',
  'extended',
  'reopened',
  'merged_into',
] as const
export type ImportField = (typeof IMPORT_FIELDS)[number]

/** The Chinese header of each column (the file may use either). */
export const IMPORT_HEADERS_ZH: Record<ImportField, string> = {
  external_id: '编号',
  channel: '渠道',
  kind: '类型',
  urgency: '紧急程度',
  category: '分类',
  unit: '承办单位',
  district: '区域',
  title: '标题',
  content: '诉求内容',
  address: '地址',
  citizen_name: '姓名',
  citizen_phone: '电话',
  received_at: '受理时间',
  due_at: '办理时限',
  closed_at: '办结时间',
  closed_on_time: '是否按期',
  rating: '满意度',
  rated_at: '回访时间',
  status: '状态',
  returned: '是否退单',
  extended: '是否延期',
  reopened: '是否重办',
  merged_into: '主件编号',
}

/** Columns a file must have. */
export const REQUIRED_IMPORT_FIELDS: readonly ImportField[] = ['external_id', 'received_at']

/**
 * Columns the error file adds (行号, 列, 原因). They are skipped when a fixed error file is imported
 * again.
 */
export const ERROR_COLUMNS = ['line', 'column', 'reason'] as const

/** Longest text accepted per column (the same limits as filing a case). */
export const IMPORT_MAX_LENGTH: Partial<Record<ImportField, number>> = {
  external_id: 100,
  title: 100,
  content: 4000,
  address: 200,
  citizen_name: 50,
}

/** A row as read: the cell of each column the file has (absent key = the file has no such column). */
export type ImportRow = Partial<Record<ImportField, string>>

/** Why a row is refused: the column and the reason. */
export interface ImportProblem {
  column: ImportField
  reason: string
}

/** The header of a file, resolved. */
export interface ImportHeader {
  /** The field of each column of the file, or null for a column that is skipped. */
  fields: (ImportField | null)[]
  /** The file's own header text of each field it has (for messages that name the column). */
  names: Partial<Record<ImportField, string>>
  /** Whether the file names its columns in Chinese (used for columns it does not have). */
  chinese: boolean
  /** Header cells that are neither a column nor an error-file column. */
  unknown: string[]
  /** Problems that refuse the whole file (missing or repeated columns). */
  errors: string[]
}

const BY_HEADER = new Map<string, ImportField>()
for (const f of IMPORT_FIELDS) {
  BY_HEADER.set(f, f)
  BY_HEADER.set(IMPORT_HEADERS_ZH[f], f)
}
const ERROR_HEADERS = new Set<string>([...ERROR_COLUMNS, '行号', '列', '原因'])

/**
 * Whether a header cell is one of the columns the error file adds (skipped on import).
 *
 * @example isErrorColumn('reason') // true
 */
export function isErrorColumn(header: string): boolean {
  return ERROR_HEADERS.has(header.replace(/^\uFEFF/, '').trim().toLowerCase())
}

/**
 * Resolves a header row: English names (any case) or Chinese headers, a BOM and spaces ignored.
 *
 * @example resolveHeader(['编号', '受理时间', '状态']).fields // ['external_id', 'received_at', 'status']
 */
export function resolveHeader(cells: readonly string[]): ImportHeader {
  const fields: (ImportField | null)[] = []
  const names: Partial<Record<ImportField, string>> = {}
  const unknown: string[] = []
  const errors: string[] = []
  let chineseCount = 0
  for (const raw of cells) {
    const text = raw.replace(/^\uFEFF/, '').trim()
    const field = BY_HEADER.get(text) ?? BY_HEADER.get(text.toLowerCase())
    if (!field) {
      fields.push(null)
      if (text !== '' && !ERROR_HEADERS.has(text.toLowerCase())) unknown.push(text)
      continue
    }
    if (names[field] !== undefined) {
      errors.push(`column ${text} repeats ${names[field]}`)
      fields.push(null)
      continue
    }
    if (text === IMPORT_HEADERS_ZH[field]) chineseCount++
    names[field] = text
    fields.push(field)
  }
  const chinese = chineseCount * 2 > Object.keys(names).length
  for (const f of REQUIRED_IMPORT_FIELDS) {
    if (names[f] === undefined) errors.push(`the required column ${f} (${IMPORT_HEADERS_ZH[f]}) is missing`)
  }
  return { fields, names, chinese, unknown, errors }
}

/**
 * The name to show for a column: the file's own header, else the English or Chinese name in the
 * file's style.
 *
 * @example columnName(header, 'received_at') // '受理时间'
 */
export function columnName(header: Pick<ImportHeader, 'names' | 'chinese'>, field: ImportField): string {
  return header.names[field] ?? (header.chinese ? IMPORT_HEADERS_ZH[field] : field)
}

/** What a lookup of a unit, district or category by code or name found. */
export type LookupResult = { id: number } | 'missing' | 'not_a_district'

/** Finds units, districts and categories by code or name (code first). */
export interface ImportLookups {
  unit(codeOrName: string): LookupResult
  district(codeOrName: string): LookupResult
  category(codeOrName: string): LookupResult
}

/** Memos of the pure calendar and zone computations, shared by the rows of one import. */
export interface ImportCaches {
  hourStart: Map<string, number>
  dayOfSlot: Map<number, LocalDate>
  deadlines: Map<string, { dueAt: string; dueProvisional: boolean }>
  workdays: Map<string, number>
}

/**
 * Empty caches for one import.
 *
 * @example const caches = createImportCaches()
 */
export function createImportCaches(): ImportCaches {
  return { hourStart: new Map(), dayOfSlot: new Map(), deadlines: new Map(), workdays: new Map() }
}

/** Everything a row's mapping depends on besides the row. */
export interface ImportRowContext {
  timeZone: string
  /** The moment of the import (UTC ISO): times after it are refused. */
  now: string
  calendar: Calendar
  rules: readonly SlaRule[]
  lookups: ImportLookups
  /** With `--create-missing`, unknown units, districts and categories are to be created. */
  createMissing: boolean
  caches: ImportCaches
}

/** The master case of a merge: an `external_id` still to find, or an id kept from the database. */
export type MasterRef = { externalId: string } | { id: number } | null

/** The work-order fields one row sets, after defaults, derivations and checks. */
export interface ImportedCase {
  externalId: string
  channel: Channel
  kind: Kind
  urgency: Urgency
  categoryId: number | null
  unitId: number | null
  districtId: number | null
  /** Names to create first (`--create-missing`); the matching id above is null until then. */
  create: { category?: string; unit?: string; district?: string }
  title: string
  content: string
  address: string | null
  citizenName: string | null
  citizenPhone: string | null
  status: Status
  receivedAt: string
  receivedDay: LocalDate
  dueAt: string
  dueBaseDay: LocalDate
  dueWorkdays: number
  dueProvisional: boolean
  closedAt: string | null
  closedOnTime: boolean | null
  handlingWorkdays: number | null
  rating: Rating | null
  ratedAt: string | null
  returnCount: number
  extensionCount: number
  reopenCount: number
  mergedInto: MasterRef
}

/** A row's mapping: the case's fields, or every problem found. */
export type ImportRowResult = { ok: true; value: ImportedCase } | { ok: false; problems: ImportProblem[] }

/** The fields of a work order an import sets and compares. */
export const IMPORTED_ORDER_FIELDS = [
  'kind',
  'urgency',
  'categoryId',
  'unitId',
  'districtId',
  'title',
  'content',
  'address',
  'citizenName',
  'citizenPhone',
  'status',
  'receivedAt',
  'receivedDay',
  'dueAt',
  'dueBaseDay',
  'dueWorkdays',
  'dueProvisional',
  'closedAt',
  'closedOnTime',
  'handlingWorkdays',
  'rating',
  'ratedAt',
  'returnCount',
  'extensionCount',
  'reopenCount',
  'mergedIntoId',
] as const satisfies readonly (keyof WorkOrder)[]
export type ImportedOrderField = (typeof IMPORTED_ORDER_FIELDS)[number]

// ---------------------------------------------------------------------------------------------
// Values

function codeParser<T extends string>(codes: readonly T[], labels: Record<T, string>) {
  const map = new Map<string, T>()
  for (const c of codes) {
    map.set(c, c)
    map.set(labels[c], c)
  }
  const allowed = codes.map((c) => `${c} (${labels[c]})`).join(', ')
  return {
    parse: (value: string): T | undefined => map.get(value) ?? map.get(value.toLowerCase()),
    allowed,
  }
}

const CHANNEL = codeParser(CHANNELS, CHANNEL_LABELS)
const KIND = codeParser(KINDS, KIND_LABELS)
const URGENCY = codeParser(URGENCIES, URGENCY_LABELS)
const STATUS = codeParser(STATUSES, STATUS_LABELS)
const RATING = codeParser(RATINGS, RATING_LABELS)

/**
 * A channel from its code or Chinese label (渠道), or undefined.
 *
 * @example parseChannel('问政江西') // 'wenzheng'
 */
export function parseChannel(value: string): Channel | undefined {
  return CHANNEL.parse(value.trim())
}

/** The channel of a row as it identifies the case (with the default for a missing one). */
export function rowChannel(row: ImportRow): Channel | undefined {
  const text = cellText(row.channel)
  return text === '' ? DEFAULT_CHANNEL : parseChannel(text)
}

/** The default channel of a row without one. */
export const DEFAULT_CHANNEL: Channel = 'other'

const TRUE = new Set(['true', '1', '是', 'yes', 'y'])
const FALSE = new Set(['false', '0', '否', 'no', 'n'])

/**
 * A boolean cell: `true/false`, `1/0`, `是/否` (any case); undefined when it is none of them.
 *
 * @example parseBoolean('是') // true
 */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase()
  if (TRUE.has(v)) return true
  if (FALSE.has(v)) return false
  return undefined
}

/**
 * A cell's text: trimmed, and a leading apostrophe the error file put before `= + - @` removed
 * (so a fixed error file imports the original value).
 *
 * @example cellText("'=1+1") // '=1+1'
 */
export function cellText(value: string | undefined): string {
  if (value === undefined) return ''
  const t = value.trim()
  return t.charCodeAt(0) === 39 && /^'[=+\-@]/.test(t) ? t.slice(1) : t
}

const TIME =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const DATE_ONLY = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/
const MINUTE = 60_000

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate()
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/**
 * An instant from a time cell: ISO-8601 with or without seconds (an offset or `Z` is honoured,
 * none means `timeZone`), or `YYYY-MM-DD HH:mm[:ss]` in `timeZone` (also with `/` and one-digit
 * month, day and hour, as spreadsheets save them). Returns epoch milliseconds, or undefined.
 * With `dateAlone`, a date without a time means the end of that day (for deadlines).
 *
 * @example parseTime('2025-12-31 23:59', 'Asia/Shanghai', caches) // Date.parse('2025-12-31T15:59:00Z')
 */
export function parseTime(
  value: string,
  timeZone: string,
  caches: ImportCaches,
  dateAlone = false,
): number | undefined {
  const m = TIME.exec(value)
  if (!m) {
    if (!dateAlone) return undefined
    const d = DATE_ONLY.exec(value)
    if (!d) return undefined
    const [y, mo, da] = [Number(d[1]), Number(d[2]), Number(d[3])]
    if (!validDate(y, mo, da)) return undefined
    return Date.parse(endOfLocalDay(`${d[1]}-${two(mo)}-${two(da)}`, timeZone))
  }
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  const h = Number(m[4])
  const mi = Number(m[5])
  const s = m[6] === undefined ? 0 : Number(m[6])
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000)
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined
  const offset = m[8]
  if (offset !== undefined) {
    let off = 0
    if (offset.toUpperCase() !== 'Z') {
      const digits = offset.slice(1).replace(':', '')
      const oh = Number(digits.slice(0, 2))
      const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
      if (oh > 18 || om > 59) return undefined
      off = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om) * MINUTE
    }
    return Date.UTC(y, mo - 1, d, h, mi, s, ms) - off
  }
  const key = `${y}-${two(mo)}-${two(d)}T${two(h)}`
  let start = caches.hourStart.get(key)
  if (start === undefined) {
    start = Date.parse(zonedToInstant(key.slice(0, 10), `${two(h)}:00:00`, timeZone))
    if (caches.hourStart.size > 100_000) caches.hourStart.clear()
    caches.hourStart.set(key, start)
  }
  return start + mi * MINUTE + s * 1000 + ms
}

function validDate(y: number, m: number, d: number): boolean {
  return y >= 1900 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)
}

/** The local day of an instant, memoised per quarter hour (every zone's midnight is on one). */
function localDay(ms: number, timeZone: string, caches: ImportCaches): LocalDate {
  const slot = Math.floor(ms / (15 * MINUTE))
  let day = caches.dayOfSlot.get(slot)
  if (day === undefined) {
    day = localDateOf(slot * 15 * MINUTE, timeZone)
    if (caches.dayOfSlot.size > 200_000) caches.dayOfSlot.clear()
    caches.dayOfSlot.set(slot, day)
  }
  return day
}

function memoDeadline(ctx: ImportRowContext, base: LocalDate, workdays: number) {
  const key = `${base}|${workdays}`
  let due = ctx.caches.deadlines.get(key)
  if (!due) {
    due = deadline(ctx.calendar, base, workdays, ctx.timeZone)
    if (ctx.caches.deadlines.size > 100_000) ctx.caches.deadlines.clear()
    ctx.caches.deadlines.set(key, due)
  }
  return due
}

function memoWorkdays(ctx: ImportRowContext, from: LocalDate, to: LocalDate): number {
  const key = `${from}|${to}`
  let n = ctx.caches.workdays.get(key)
  if (n === undefined) {
    n = workdaysBetween(ctx.calendar, from, to)
    if (ctx.caches.workdays.size > 100_000) ctx.caches.workdays.clear()
    ctx.caches.workdays.set(key, n)
  }
  return n
}

const PHONE = /^(1[3-9]\d{9}|0\d{9,11})$/

const NOT_BOOLEAN = 'is not a yes/no: use 是/否, true/false or 1/0'
const REFERENCE_NAMES = { category: 'category (分类)', unit: 'unit (承办单位)', district: 'district (区域)' }
const OPEN_WITH_UNIT: readonly Status[] = ['dispatched', 'in_progress', 'return_requested']

const TIME_HINT = 'use 2025-10-16 09:30[:00] or ISO-8601 such as 2025-10-16T09:30:00+08:00'

// ---------------------------------------------------------------------------------------------
// The mapping

/**
 * Maps one row to the fields of its case, checking every value and the row's consistency
 * (a close time needs a closed status and is not before receipt, a rating needs a closed case, a
 * merge needs its master…). `existing` is the case the row updates, if any: columns the file does
 * not have keep its values. The master of a merge is returned as an `external_id` for the caller
 * to find; units, districts and categories to create are named in `create`.
 *
 * @example
 * const r = mapImportRow({ external_id: 'A1', received_at: '2025-10-16 09:30', kind: '投诉' }, ctx)
 * if (r.ok) r.value.dueAt // 13 working days later, end of day
 */
export function mapImportRow(
  row: ImportRow,
  ctx: ImportRowContext,
  existing: WorkOrder | null = null,
): ImportRowResult {
  const problems: ImportProblem[] = []
  const fail = (column: ImportField, reason: string) => {
    problems.push({ column, reason })
  }
  const has = (f: ImportField) => row[f] !== undefined
  const text = (f: ImportField) => cellText(row[f])
  const nowMs = Date.parse(ctx.now)

  const externalId = text('external_id')
  if (externalId === '') fail('external_id', 'is required')
  checkLength('external_id', externalId, fail)

  const code = <T>(f: ImportField, parser: { parse(v: string): T | undefined; allowed: string }, fallback: T): T => {
    const v = text(f)
    if (v === '') return fallback
    const parsed = parser.parse(v)
    if (parsed === undefined) fail(f, `unknown value ${v}; use one of ${parser.allowed}`)
    return parsed ?? fallback
  }
  const kept = <T>(f: ImportField, value: T | undefined, fallback: T): T =>
    existing && !has(f) && value !== undefined ? value : fallback
  const channel = code('channel', CHANNEL, existing?.channel ?? DEFAULT_CHANNEL)
  const kind = code('kind', KIND, kept('kind', existing?.kind, 'consultation'))
  const urgency = code('urgency', URGENCY, kept('urgency', existing?.urgency, 'normal'))

  const create: ImportedCase['create'] = {}
  const reference = (
    f: 'category' | 'unit' | 'district',
    find: (v: string) => LookupResult,
    current: number | null,
  ): number | null => {
    if (!has(f)) return current
    const v = text(f)
    if (v === '') return null
    const found = find(v)
    if (found === 'not_a_district') {
      fail(f, `${v} is a unit, not a district (区域)`)
      return null
    }
    if (found === 'missing') {
      if (ctx.createMissing && v.length > 100) fail(f, 'is too long for a new name (at most 100)')
      else if (ctx.createMissing) create[f] = v
      else fail(f, `no ${REFERENCE_NAMES[f]} with code or name ${v} (--create-missing adds it)`)
      return null
    }
    return found.id
  }
  const categoryId = reference('category', ctx.lookups.category, existing?.categoryId ?? null)
  const districtId = reference('district', ctx.lookups.district, existing?.districtId ?? null)
  const unitId = reference('unit', ctx.lookups.unit, existing?.unitId ?? null)

  const plain = (f: 'title' | 'content' | 'address' | 'citizen_name', current: string | null) => {
    if (!has(f)) return current
    const v = text(f)
    checkLength(f, v, fail)
    return v === '' ? null : v
  }
  const content = plain('content', existing?.content ?? null) ?? ''
  let title = plain('title', existing?.title ?? null)
  if (title === null) title = content.split(/\r?\n/, 1)[0]!.trim().slice(0, 100) || '（无标题）'
  const address = plain('address', existing?.address ?? null)
  const citizenName = plain('citizen_name', existing?.citizenName ?? null)
  let citizenPhone = existing?.citizenPhone ?? null
  if (has('citizen_phone')) {
    const v = text('citizen_phone').replace(/[\s\-()（）]/g, '').replace(/^(\+86|0086)/, '')
    citizenPhone = v === '' ? null : v
    if (citizenPhone !== null && !PHONE.test(citizenPhone)) {
      fail('citizen_phone', 'must be a mobile number or a landline with its area code')
    }
  }

  /** A time cell: epoch ms, null when empty, undefined when refused (the problem is recorded). */
  const time = (
    f: ImportField,
    current: string | null,
    options: { dateAlone?: boolean; future?: boolean } = {},
  ): number | null | undefined => {
    if (!has(f)) return current === null ? null : Date.parse(current)
    const v = text(f)
    if (v === '') return null
    const ms = parseTime(v, ctx.timeZone, ctx.caches, options.dateAlone)
    if (ms === undefined) {
      fail(f, `${v} is not a time: ${TIME_HINT} (${ctx.timeZone} when no offset is given)`)
      return undefined
    }
    if (!options.future && ms > nowMs) {
      fail(f, `${v} is in the future`)
      return undefined
    }
    return ms
  }
  const receivedMs = time('received_at', null)
  if (receivedMs === null) fail('received_at', 'is required')
  const dueGiven = has('due_at') ? time('due_at', null, { dateAlone: true, future: true }) : null
  const closedMs = time('closed_at', existing?.closedAt ?? null)
  const ratedMs = time('rated_at', existing?.ratedAt ?? null)

  let rating: Rating | null = kept('rating', existing?.rating, null)
  if (text('rating') !== '') rating = code('rating', RATING, null)

  let closedOnTimeGiven: boolean | null = null
  if (text('closed_on_time') !== '') {
    const b = parseBoolean(text('closed_on_time'))
    if (b === undefined) fail('closed_on_time', `${text('closed_on_time')} ${NOT_BOOLEAN}`)
    else closedOnTimeGiven = b
  }
  const count = (f: 'returned' | 'extended' | 'reopened', current: number): number => {
    if (!has(f)) return current
    const v = text(f)
    if (v === '') return 0
    const b = parseBoolean(v)
    if (b === undefined) fail(f, `${v} ${NOT_BOOLEAN}`)
    return b ? Math.max(current, 1) : 0
  }
  const returnCount = count('returned', existing?.returnCount ?? 0)
  const extensionCount = count('extended', existing?.extensionCount ?? 0)
  const reopenCount = count('reopened', existing?.reopenCount ?? 0)

  let mergedInto: MasterRef = existing?.mergedIntoId ? { id: existing.mergedIntoId } : null
  if (has('merged_into')) {
    const v = text('merged_into')
    mergedInto = v === '' ? null : { externalId: v }
  }

  const hasUnit = unitId !== null || create.unit !== undefined
  let status: Status
  if (text('status') !== '') status = code<Status>('status', STATUS, 'received')
  else if (mergedInto) status = 'merged'
  else if (typeof closedMs === 'number') {
    status = existing && isClosed(existing.status) ? existing.status : 'closed'
  } else if (existing && !has('status')) status = existing.status
  else status = hasUnit ? 'dispatched' : 'received'

  // Consistency of the row as a whole.
  const closed = isClosed(status)
  const label = `${status} (${STATUS_LABELS[status]})`
  if (closed && closedMs === null) fail('closed_at', `is required for status ${label}`)
  if (!closed && typeof closedMs === 'number') {
    fail('closed_at', `needs status closed (办结) or archived (归档); the status is ${label}`)
  }
  if (closedOnTimeGiven !== null && !(closed && typeof closedMs === 'number')) {
    fail('closed_on_time', 'needs a closed case with a close time (办结时间)')
  }
  if (rating !== null && !closed) {
    fail('rating', `needs status closed (办结) or archived (归档); the status is ${label}`)
  }
  if (typeof ratedMs === 'number' && rating === null) fail('rated_at', 'needs a rating (满意度)')
  if (OPEN_WITH_UNIT.includes(status) && !hasUnit) fail('unit', `is required for status ${label}`)
  if (status === 'merged' && !mergedInto) fail('merged_into', 'is required for status merged (重复件)')
  if (mergedInto && status !== 'merged') {
    fail('merged_into', `needs status merged (重复件); the status is ${label}`)
  }
  if (mergedInto && 'externalId' in mergedInto && mergedInto.externalId === externalId) {
    fail('merged_into', 'a case cannot be merged into itself')
  }
  if (typeof receivedMs === 'number') {
    if (typeof closedMs === 'number' && closedMs < receivedMs) {
      fail('closed_at', 'is before the time of receipt (受理时间)')
    }
    if (typeof dueGiven === 'number' && dueGiven < receivedMs) {
      fail('due_at', 'is before the time of receipt (受理时间)')
    }
  }
  if (typeof ratedMs === 'number' && typeof closedMs === 'number' && ratedMs < closedMs) {
    fail('rated_at', 'is before the close time (办结时间)')
  }
  if (problems.length > 0 || typeof receivedMs !== 'number') return { ok: false, problems }

  // Derived fields.
  const receivedAt = new Date(receivedMs).toISOString()
  const receivedDay = localDay(receivedMs, ctx.timeZone, ctx.caches)
  let dueAt: string
  let dueBaseDay = receivedDay
  let dueWorkdays: number
  let dueProvisional: boolean
  const keepDeadline =
    existing !== null &&
    !has('due_at') &&
    existing.receivedAt === receivedAt &&
    existing.kind === kind &&
    existing.urgency === urgency &&
    existing.channel === channel
  if (typeof dueGiven === 'number') {
    dueAt = new Date(dueGiven).toISOString()
    dueWorkdays = memoWorkdays(ctx, receivedDay, localDay(dueGiven, ctx.timeZone, ctx.caches))
    dueProvisional = false
  } else if (keepDeadline) {
    dueAt = existing.dueAt
    dueBaseDay = existing.dueBaseDay
    dueWorkdays = existing.dueWorkdays
    dueProvisional = existing.dueProvisional
  } else {
    dueWorkdays = slaWorkdaysFor(ctx.rules, { kind, urgency, channel })
    const due = memoDeadline(ctx, receivedDay, dueWorkdays)
    dueAt = due.dueAt
    dueProvisional = due.dueProvisional
  }

  let closedAt: string | null = null
  let closedOnTime: boolean | null = null
  let handlingWorkdays: number | null = null
  let ratedAt: string | null = null
  if (closed && typeof closedMs === 'number') {
    closedAt = new Date(closedMs).toISOString()
    closedOnTime = closedOnTimeGiven ?? closedMs <= Date.parse(dueAt)
    handlingWorkdays = memoWorkdays(ctx, receivedDay, localDay(closedMs, ctx.timeZone, ctx.caches))
    if (rating !== null) {
      if (typeof ratedMs === 'number') ratedAt = new Date(ratedMs).toISOString()
      else if (existing && existing.rating === rating && existing.ratedAt) ratedAt = existing.ratedAt
      else ratedAt = closedAt
    }
  }

  return {
    ok: true,
    value: {
      externalId,
      channel,
      kind,
      urgency,
      categoryId,
      unitId,
      districtId,
      create,
      title,
      content,
      address,
      citizenName,
      citizenPhone,
      status,
      receivedAt,
      receivedDay,
      dueAt,
      dueBaseDay,
      dueWorkdays,
      dueProvisional,
      closedAt,
      closedOnTime,
      handlingWorkdays,
      rating,
      ratedAt,
      returnCount,
      extensionCount,
      reopenCount,
      mergedInto,
    },
  }
}

function checkLength(f: ImportField, v: string, fail: (column: ImportField, reason: string) => void) {
  const max = IMPORT_MAX_LENGTH[f]
  if (max !== undefined && v.length > max) fail(f, `must be at most ${max} characters (it has ${v.length})`)
}

/**
 * The whole work order an imported row stands for: a new case (`existing` null, version 1, no
 * tracking code, nothing of the workflow in progress) or `existing` with the imported fields.
 *
 * @example const order = importedWorkOrder(value, null, { caseNumber: 'NC20250000001', mergedIntoId: null })
 */
export function importedWorkOrder(
  value: ImportedCase,
  existing: WorkOrder | null,
  extra: { caseNumber: string; mergedIntoId: number | null },
): Omit<WorkOrder, 'id'> & { id?: number } {
  const fields = {
    kind: value.kind,
    urgency: value.urgency,
    categoryId: value.categoryId,
    unitId: value.unitId,
    districtId: value.districtId,
    title: value.title,
    content: value.content,
    address: value.address,
    citizenName: value.citizenName,
    citizenPhone: value.citizenPhone,
    status: value.status,
    receivedAt: value.receivedAt,
    receivedDay: value.receivedDay,
    dueAt: value.dueAt,
    dueBaseDay: value.dueBaseDay,
    dueWorkdays: value.dueWorkdays,
    dueProvisional: value.dueProvisional,
    closedAt: value.closedAt,
    closedOnTime: value.closedOnTime,
    handlingWorkdays: value.handlingWorkdays,
    rating: value.rating,
    ratedAt: value.ratedAt,
    returnCount: value.returnCount,
    extensionCount: value.extensionCount,
    reopenCount: value.reopenCount,
    mergedIntoId: extra.mergedIntoId,
  } satisfies Pick<WorkOrder, ImportedOrderField>
  if (existing) return { ...existing, ...fields }
  return {
    ...fields,
    caseNumber: extra.caseNumber,
    channel: value.channel,
    citizenIdNumber: null,
    confidential: false,
    version: 1,
    pausedAt: null,
    statusBeforeReturn: null,
    returnReason: null,
    pendingExtensionWorkdays: null,
    pendingExtensionBasis: null,
    dispatchedAt: null,
    reply: null,
    ratingComment: null,
    urgeLevel: null,
    externalId: value.externalId,
  }
}

/**
 * The imported fields in which two versions of a case differ (empty: the row is unchanged).
 *
 * @example changedFields(before, after) // ['status', 'closedAt']
 */
export function changedFields(
  before: Pick<WorkOrder, ImportedOrderField>,
  after: Pick<WorkOrder, ImportedOrderField>,
): ImportedOrderField[] {
  return IMPORTED_ORDER_FIELDS.filter((f) => before[f] !== after[f])
}
