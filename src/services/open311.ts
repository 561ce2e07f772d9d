import { listCategories, listUnits, type Category } from '../../db/repositories/reference-data'
import { KINDS, KIND_LABELS, type Kind, type StaffRole } from '../domain/codes'
import { HotlineError } from '../domain/errors'
import { CLOSED_STATUSES, EXCLUDED_STATUSES, OPEN_STATUSES, type Status } from '../domain/status'
import type { Actor } from '../domain/work-order'
import { endOfLocalDay, isLocalDate, localDateOf, startOfLocalDay } from '../domain/zoned-time'
import { sha256Hex } from './accounts'
import { nowOf, type Deps } from './deps'
import { findByTrackingCode, fileCase } from './work-orders'

/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the case desk: services are the
 * leaf categories, a service request is a case. What GET shows is public, so it is built from an
 * allow-list of columns that holds nothing about the citizen (docs/open311.md has every decision).
 */

/** One entry of GET services: the spec's fields, in its order. */
export interface Open311Service {
  service_code: string
  service_name: string
  description: string
  metadata: boolean
  type: 'realtime' | 'batch' | 'blackbox'
  keywords: string | null
  group: string | null
}

/** One attribute of a service definition. */
export interface Open311Attribute {
  variable: boolean
  code: string
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist'
  required: boolean
  datatype_description: string | null
  order: number
  description: string
  values: { key: string; name: string }[]
}

/** GET services/{service_code}: the attributes a client may send with a request. */
export interface Open311ServiceDefinition {
  service_code: string
  attributes: Open311Attribute[]
}

/** One service request as GET requests shows it: status, notes and dates, never the citizen. */
export interface Open311Request {
  service_request_id: string
  status: 'open' | 'closed'
  status_notes: string | null
  service_name: string | null
  service_code: string | null
  description: string | null
  agency_responsible: string | null
  service_notice: string | null
  requested_datetime: string
  updated_datetime: string
  expected_datetime: string
  address: string | null
  address_id: string | null
  zipcode: string | null
  lat: number | null
  long: number | null
  media_url: string | null
}

/**
 * The answer to POST requests. Realtime, so the id comes at once and no `token` (the spec allows
 * one or the other); the citizen's tracking code travels in `service_notice`.
 */
export interface Open311Created {
  service_request_id: string
  service_notice: string
  account_id: string | null
}

/** The answer to GET tokens/{token}. */
export interface Open311TokenAnswer {
  service_request_id: string
  token: string
}

/** One entry of an Open311 error document. */
export interface Open311ErrorItem {
  code: number
  description: string
}

/**
 * A refusal in the spec's terms: 400 (bad or missing parameter), 403 (api_key) or 404 (no such
 * service, request or token), with one `{code, description}` per problem.
 *
 * @example throw new Open311Error(404, 'service_code roads is not a service')
 */
export class Open311Error extends Error {
  readonly status: 400 | 403 | 404
  readonly errors: Open311ErrorItem[]

  constructor(status: 400 | 403 | 404, descriptions: string | readonly string[]) {
    const list = typeof descriptions === 'string' ? [descriptions] : [...descriptions]
    super(list.join('; '))
    this.name = 'Open311Error'
    this.status = status
    this.errors = list.map((description) => ({ code: status, description }))
  }
}

/** Roles whose API token may file through POST requests: intake is the dispatch centre's job. */
export const OPEN311_FILING_ROLES: readonly StaffRole[] = ['dispatcher']
/** The channel an Open311 filing is recorded under: another system, not the city's own web form. */
export const OPEN311_CHANNEL = 'other' as const
/** The kind of a request that does not say (attribute[kind]). */
export const OPEN311_DEFAULT_KIND: Kind = 'complaint'
/** Most requests GET requests returns, and the widest start_date..end_date span (the spec's). */
export const OPEN311_MAX_REQUESTS = 1000
export const OPEN311_MAX_SPAN_DAYS = 90
/** Characters of the description that become the case title. */
const TITLE_CHARS = 30

const DAY_MS = 24 * 3600 * 1000
const KIND_NOTE =
  `${KINDS.map((k) => KIND_LABELS[k]).join('、')}之一；` +
  `不填按${KIND_LABELS[OPEN311_DEFAULT_KIND]}受理`

/**
 * The services: every active category with no active sub-category, in id order. `group` is the
 * parent's name; every service has attributes (kind and district), so `metadata` is always true.
 *
 * @example const services = await listOpen311Services(deps) // [{ service_code: 'noise', … }]
 */
export async function listOpen311Services(deps: Deps): Promise<Open311Service[]> {
  const categories = await listCategories(deps.db)
  return leafCategories(categories).map((c) => {
    const parent = categories.find((p) => p.id === c.parentId)
    return {
      service_code: c.code,
      service_name: c.name,
      description: pathOf(categories, c).join(' / '),
      metadata: true,
      type: 'realtime',
      keywords: null,
      group: parent?.name ?? null,
    }
  })
}

/**
 * The definition of one service: `kind` (诉求类型, optional, complaint when absent) and
 * `district` (区域, optional, the active districts by unit code). 404 for anything not a service.
 *
 * @example const def = await open311ServiceDefinition(deps, 'roads.potholes')
 */
export async function open311ServiceDefinition(
  deps: Deps,
  serviceCode: string,
): Promise<Open311ServiceDefinition> {
  await serviceByCode(deps, serviceCode)
  const districts = (await listUnits(deps.db)).filter((u) => u.active && u.level === 'district')
  return {
    service_code: serviceCode,
    attributes: [
      {
        variable: true,
        code: 'kind',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: KIND_NOTE,
        order: 1,
        description: '诉求类型',
        values: KINDS.map((k) => ({ key: k, name: KIND_LABELS[k] })),
      },
      {
        variable: true,
        code: 'district',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: '诉求发生地所在的区；不清楚可不填',
        order: 2,
        description: '区域',
        values: districts.map((d) => ({ key: d.code, name: d.name })),
      },
    ],
  }
}

/**
 * The staff actor of an API token (`hotline token create`), by the same hash lookup as the JSON
 * API's bearer auth (and the same last-use stamp); undefined for a malformed, unknown or revoked
 * key.
 *
 * @example const actor = await tokenFromApiKey(deps, form.api_key)
 */
export async function tokenFromApiKey(deps: Deps, key: string): Promise<Actor | undefined> {
  if (!/^htk_[A-Za-z0-9_-]{20,100}$/.test(key)) return undefined
  const row = await deps.db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'unit_id', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', await sha256Hex(key))
    .executeTakeFirst()
  if (!row || row.revoked_at !== null) return undefined
  const now = nowOf(deps)
  if (!row.last_used_at || Date.parse(now) - Date.parse(row.last_used_at) > 60_000) {
    await deps.db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .execute()
  }
  return { id: null, role: row.role as StaffRole, unitId: row.unit_id, name: `token:${row.name}` }
}

/** A POST body as `parseBody({ all: true })` gives it: repeated fields as lists, files ignored. */
export type Open311Form = Record<string, unknown>

/** Where a validation failure of the filing is reported, in the spec's parameter names. */
const PARAM_OF_FIELD: Record<string, string> = {
  title: 'description',
  content: 'description',
  address: 'address_string',
  citizenName: 'first_name/last_name',
  citizenPhone: 'phone',
  districtId: 'attribute[district]',
  kind: 'attribute[kind]',
}

/**
 * The notice POST requests returns to the filer: the case number, the deadline, and the citizen's
 * tracking code (shown once, never stored) with the page it opens, to be passed on to the citizen.
 *
 * @example serviceNotice('NC20250000001', '2025-10-21T15:59:59.000Z', 'K3Q9…', 'Asia/Shanghai')
 */
export function serviceNotice(
  caseNumber: string,
  dueAt: string,
  trackingCode: string,
  timeZone: string,
): string {
  const [y, m, d] = localDateOf(dueAt, timeZone).split('-').map(Number)
  return (
    `已受理，工单编号${caseNumber}，将于${y}年${m}月${d}日前办结答复。` +
    `查询码${trackingCode}请转交诉求人：` +
    `凭查询码可在 /track/${trackingCode} 查看进度并评价（工单编号本身不能查看工单）。`
  )
}

/**
 * POST requests: checks the api_key (403), service_code (400 missing, 404 unknown), a location
 * (400) and the attributes, then files the case through `fileCase` (channel `other`) and answers
 * with its case number and a notice that carries the citizen's tracking code.
 *
 * @example const [created] = await createOpen311Request(deps, { api_key, service_code: 'noise' })
 */
export async function createOpen311Request(
  deps: Deps,
  form: Open311Form,
): Promise<Open311Created[]> {
  const apiKey = field(form, 'api_key')
  if (!apiKey) throw new Open311Error(403, 'api_key is required')
  const actor = await tokenFromApiKey(deps, apiKey)
  if (!actor) throw new Open311Error(403, 'api_key is unknown or revoked')
  if (!OPEN311_FILING_ROLES.includes(actor.role as StaffRole)) {
    throw new Open311Error(403, `an api_key of role ${actor.role} may not file service requests`)
  }
  const serviceCode = field(form, 'service_code')
  if (!serviceCode) throw new Open311Error(400, 'service_code is required')
  const category = await serviceByCode(deps, serviceCode)

  const problems: string[] = []
  const address = locationText(form, problems)
  const kindKey = field(form, 'attribute[kind]') || OPEN311_DEFAULT_KIND
  if (!KINDS.includes(kindKey as Kind)) {
    problems.push(`attribute[kind] must be one of ${KINDS.join(', ')}`)
  }
  const districtCode = field(form, 'attribute[district]')
  let districtId: number | undefined
  if (districtCode) {
    const units = await listUnits(deps.db)
    const district = units.find(
      (u) => u.code === districtCode && u.active && u.level === 'district',
    )
    districtId = district?.id
    if (!district) problems.push(`attribute[district] ${districtCode} is not a district`)
  }
  const description = field(form, 'description')
  if (!description) problems.push('description is required')
  if (problems.length > 0) throw new Open311Error(400, problems)

  const name = `${field(form, 'last_name')}${field(form, 'first_name')}`.trim()
  // a mainland number may come with the country code (+86 / 0086 / 86)
  const phone = field(form, 'phone').replace(/^(?:\+|00)?86[\s-]*(?=1[3-9])/, '')
  try {
    const { order, trackingCode } = await fileCase(
      deps,
      {
        channel: OPEN311_CHANNEL,
        kind: kindKey as Kind,
        categoryId: category.id,
        districtId,
        title: titleOf(description),
        content: description,
        address,
        citizenName: name || undefined,
        citizenPhone: phone || undefined,
      },
      actor,
    )
    return [
      {
        service_request_id: order.caseNumber,
        service_notice: serviceNotice(order.caseNumber, order.dueAt, trackingCode, deps.timeZone),
        account_id: null,
      },
    ]
  } catch (err) {
    if (err instanceof HotlineError && err.code === 'validation_failed' && err.fields) {
      throw new Open311Error(
        400,
        Object.entries(err.fields).map(([f, reason]) => `${PARAM_OF_FIELD[f] ?? f}: ${reason}`),
      )
    }
    throw err
  }
}

/** The parameters of GET requests, each as the (comma-joined) text of the query. */
export interface Open311Query {
  service_request_id?: string
  service_code?: string
  start_date?: string
  end_date?: string
  status?: string
}

/**
 * GET requests: by `service_request_id` (a comma list, which overrides every other parameter), or
 * by `service_code` (comma list), `status` (open, closed) and `start_date`..`end_date` on the time
 * of receipt (default the last 90 days; a wider span is a 400), newest first, at most 1000.
 *
 * @example const open = await findOpen311Requests(deps, { status: 'open', service_code: 'noise' })
 */
export async function findOpen311Requests(
  deps: Deps,
  query: Open311Query,
): Promise<Open311Request[]> {
  const ids = list(query.service_request_id)
  if (ids.length > 0) {
    return selectRequests(deps, { caseNumbers: [...new Set(ids.map((id) => id.toUpperCase()))] })
  }
  const problems: string[] = []
  const statuses: Status[] = []
  for (const s of list(query.status)) {
    if (s === 'open') statuses.push(...OPEN_STATUSES)
    else if (s === 'closed') statuses.push(...CLOSED_STATUSES, ...EXCLUDED_STATUSES)
    else problems.push(`status must be open or closed, not ${s}`)
  }
  const tz = deps.timeZone
  const start = query.start_date ? dateParam('start_date', query.start_date, tz, problems) : null
  const end = query.end_date ? dateParam('end_date', query.end_date, tz, problems) : null
  if (problems.length > 0) throw new Open311Error(400, problems)
  const span = OPEN311_MAX_SPAN_DAYS * DAY_MS
  const to = end ?? (start !== null ? start + span : Date.parse(nowOf(deps)))
  const from = start ?? to - span
  if (to < from) throw new Open311Error(400, 'end_date must not be before start_date')
  if (to - from > span) {
    throw new Open311Error(
      400,
      `start_date and end_date may not span more than ${OPEN311_MAX_SPAN_DAYS} days`,
    )
  }
  let categoryIds: number[] | undefined
  const codes = list(query.service_code)
  if (codes.length > 0) {
    const categories = await listCategories(deps.db)
    categoryIds = categories.filter((c) => codes.includes(c.code)).map((c) => c.id)
    if (categoryIds.length === 0) return []
  }
  return selectRequests(deps, {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    statuses: statuses.length > 0 ? [...new Set(statuses)] : undefined,
    categoryIds,
  })
}

/**
 * GET requests/{service_request_id}: the one request (in a list, as the spec has it), or 404.
 *
 * @example const [request] = await findOpen311Request(deps, 'NC20250000001')
 */
export async function findOpen311Request(
  deps: Deps,
  serviceRequestId: string,
): Promise<Open311Request[]> {
  const found = await selectRequests(deps, { caseNumbers: [serviceRequestId.toUpperCase()] })
  if (found.length === 0) throw new Open311Error(404, `no service request ${serviceRequestId}`)
  return found
}

/**
 * GET tokens/{token}: the service request id behind a token, which here is a case's tracking code
 * (the one POST's notice carries), or 404. It reveals only the case number, and only to someone
 * who already holds the case's key.
 *
 * @example const [{ service_request_id }] = await findOpen311Token(deps, token)
 */
export async function findOpen311Token(deps: Deps, token: string): Promise<Open311TokenAnswer[]> {
  const order = await findByTrackingCode(deps, token)
  if (!order) throw new Open311Error(404, 'no service request for this token')
  return [{ service_request_id: order.caseNumber, token }]
}

/**
 * An instant as ISO-8601 with the offset of `timeZone` and whole seconds, as the spec asks.
 *
 * @example isoInZone('2025-10-21T15:59:59.000Z', 'Asia/Shanghai') // '2025-10-21T23:59:59+08:00'
 */
export function isoInZone(instant: string, timeZone: string): string {
  const ms = Math.floor(Date.parse(instant) / 1000) * 1000
  const parts = zoneFormatter(timeZone).formatToParts(new Date(ms))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const wall = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  )
  const offset = Math.round((wall - ms) / 60_000)
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  const date = new Date(wall).toISOString().slice(0, 19)
  return `${date}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

// ---------------------------------------------------------------------------------------------

interface RequestFilter {
  caseNumbers?: string[]
  from?: string
  to?: string
  statuses?: Status[]
  categoryIds?: number[]
}

const NOTE_INVALID = '经核实为无效诉求，不予办理。'
const NOTE_CONFIDENTIAL = '已办结。本件为保密件，答复内容不公开。'
const NOTE_CLOSED = '已办结，答复已告知诉求人；诉求人可凭查询码查看答复。'

/**
 * The one query behind every GET: an allow-list of columns with nothing about the citizen (no
 * name, phone, ID number, address, title or content).
 */
async function selectRequests(deps: Deps, filter: RequestFilter): Promise<Open311Request[]> {
  let q = deps.db
    .selectFrom('work_orders as w')
    .leftJoin('categories as c', 'c.id', 'w.category_id')
    .leftJoin('units as u', 'u.id', 'w.unit_id')
    .leftJoin('work_orders as m', 'm.id', 'w.merged_into_id')
    .select([
      'w.case_number',
      'w.status',
      'w.reply',
      'w.confidential',
      'w.received_at',
      'w.updated_at',
      'w.closed_at',
      'w.due_at',
      'c.code as service_code',
      'c.name as service_name',
      'u.name as agency',
      'm.case_number as master_number',
    ])
  if (filter.caseNumbers) q = q.where('w.case_number', 'in', filter.caseNumbers)
  if (filter.from) q = q.where('w.received_at', '>=', filter.from)
  if (filter.to) q = q.where('w.received_at', '<=', filter.to)
  if (filter.statuses) q = q.where('w.status', 'in', filter.statuses)
  if (filter.categoryIds) q = q.where('w.category_id', 'in', filter.categoryIds)
  const rows = await q
    .orderBy('w.received_at', 'desc')
    .orderBy('w.id', 'desc')
    .limit(OPEN311_MAX_REQUESTS)
    .execute()
  return rows.map((r) => {
    const status = r.status as Status
    let notes: string | null = null
    if (status === 'invalid') notes = NOTE_INVALID
    else if (status === 'merged') notes = `重复件，已并入${r.master_number ?? '另一工单'}一并办理。`
    else if (CLOSED_STATUSES.includes(status)) {
      notes = r.confidential
        ? NOTE_CONFIDENTIAL
        : deps.open311PublicReplies
          ? r.reply
          : NOTE_CLOSED
    }
    // the spec: "for requests with status=closed, this will be the date the request was closed"
    const updated = CLOSED_STATUSES.includes(status) ? (r.closed_at ?? r.updated_at) : r.updated_at
    return {
      service_request_id: r.case_number,
      status: OPEN_STATUSES.includes(status) ? 'open' : 'closed',
      status_notes: notes,
      service_name: r.service_name,
      service_code: r.service_code,
      description: null,
      agency_responsible: r.agency,
      service_notice: null,
      requested_datetime: isoInZone(r.received_at, deps.timeZone),
      updated_datetime: isoInZone(updated, deps.timeZone),
      expected_datetime: isoInZone(r.due_at, deps.timeZone),
      address: null,
      address_id: null,
      zipcode: null,
      lat: null,
      long: null,
      media_url: null,
    }
  })
}

function leafCategories(categories: readonly Category[]): Category[] {
  const active = categories.filter((c) => c.active)
  return active.filter((c) => !active.some((child) => child.parentId === c.id))
}

function pathOf(categories: readonly Category[], category: Category): string[] {
  const names = [category.name]
  let parent = categories.find((p) => p.id === category.parentId)
  while (parent && names.length < 10) {
    names.unshift(parent.name)
    parent = categories.find((p) => p.id === parent!.parentId)
  }
  return names
}

async function serviceByCode(deps: Deps, code: string): Promise<Category> {
  const service = leafCategories(await listCategories(deps.db)).find((c) => c.code === code)
  if (!service) throw new Open311Error(404, `service_code ${code} is not a service`)
  return service
}

/** A form field's first value as trimmed text ('' when absent or a file). */
function field(form: Open311Form, name: string): string {
  const v = form[name]
  const first = Array.isArray(v) ? v[0] : v
  return typeof first === 'string' ? first.trim() : ''
}

/** The case's address text from the spec's location: address_string, address_id and lat/long. */
function locationText(form: Open311Form, problems: string[]): string | undefined {
  const addressString = field(form, 'address_string')
  const addressId = field(form, 'address_id')
  const latText = field(form, 'lat')
  const longText = field(form, 'long')
  const parts: string[] = []
  if (addressString) parts.push(addressString)
  if (addressId) parts.push(`地址编号 ${addressId}`)
  if (latText || longText) {
    const lat = Number(latText)
    const long = Number(longText)
    if (!latText || !longText) problems.push('lat and long must be given together')
    else if (!(Math.abs(lat) <= 90)) problems.push('lat must be a WGS84 latitude in degrees')
    else if (!(Math.abs(long) <= 180)) problems.push('long must be a WGS84 longitude in degrees')
    else parts.push(`经纬度 ${lat},${long}`)
  } else if (parts.length === 0) {
    problems.push('a location is required: lat and long, address_string or address_id')
  }
  return parts.length > 0 ? parts.join('；') : undefined
}

/** The case title: the description's first 30 characters, on one line. */
function titleOf(description: string): string {
  return Array.from(description.replace(/\s+/g, ' ').trim()).slice(0, TITLE_CHARS).join('')
}

/** The non-empty items of a comma list. */
function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/i

/**
 * A start_date or end_date in ms: ISO-8601 with `Z` or an offset (a `+` that arrived as a space,
 * because the client did not encode it, is read as `+`), or a bare `YYYY-MM-DD` meaning the start
 * (or end) of that day in TZ_REPORT.
 */
function dateParam(name: string, raw: string, timeZone: string, problems: string[]): number | null {
  const value = raw.trim().replace(/^(.*T[\d:.]+) (\d{2}:?\d{2})$/, '$1+$2')
  if (isLocalDate(value)) {
    const edge = name === 'end_date' ? endOfLocalDay : startOfLocalDay
    return Date.parse(edge(value, timeZone))
  }
  const m = DATE_TIME.exec(value)
  const zone = m?.[2]?.toUpperCase()
  const offset = zone === 'Z' ? 'Z' : zone?.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2')
  const ms = m ? Date.parse(`${m[1]}${offset}`) : NaN
  if (Number.isNaN(ms)) {
    problems.push(
      `${name} must be an ISO-8601 time with Z or an offset, e.g. 2025-10-01T00:00:00+08:00`,
    )
    return null
  }
  return ms
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>()

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = zoneFormatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    zoneFormatters.set(timeZone, f)
  }
  return f
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}
