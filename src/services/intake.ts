import { sql, type Expression, type SqlBool } from 'kysely'
import { listCategories, type Category } from '../../db/repositories/reference-data'
import { findWorkOrder } from '../../db/repositories/work-orders'
import { z } from 'zod'
import { KINDS, URGENCIES, type Channel } from '../domain/codes'
import { HotlineError, invalidField } from '../domain/errors'
import { CLOSED_STATUSES, OPEN_STATUSES, type Status } from '../domain/status'
import type { Actor, WorkOrder } from '../domain/work-order'
import { isLocalDate, localDateOf, zonedToInstant } from '../domain/zoned-time'
import { inTransaction, nowOf, type Deps } from './deps'
import { resolveFilter } from './reports'
import { fileCase, mayView, performAction } from './work-orders'

/**
 * Intake by staff (接听登记 and the 办不成事 window): a hotline operator records a call in one form
 * and either answers it directly, dispatches it or leaves it for dispatch; a window clerk records a
 * walk-in complaint about a service that could not be delivered and solves it on the spot or sends
 * it into the normal flow. Each is one transaction: the filing and what follows it commit together.
 */

/** The channels a hotline operator records calls from (公安非警务 transfers come in as `other`). */
export const INTAKE_CHANNELS = ['hotline_12345', 'wenzheng', 'ganfutong', 'other'] as const
export type IntakeChannel = (typeof INTAKE_CHANNELS)[number]

/** Channels on which the caller is on the line: a number is required unless anonymous. */
const PHONE_CHANNELS: readonly IntakeChannel[] = ['hotline_12345', 'other']

/** What happens to a call once recorded. */
export const CALL_OUTCOMES = ['dispatch', 'direct_answer', 'receive'] as const
export type CallOutcome = (typeof CALL_OUTCOMES)[number]

/** What happens to a window visit once recorded. */
export const WINDOW_OUTCOMES = ['solved', 'dispatch'] as const
export type WindowOutcome = (typeof WINDOW_OUTCOMES)[number]

/** How far back a closed case still counts as a likely duplicate. */
const DUPLICATE_CLOSED_DAYS = 30
const DUPLICATE_LIMIT = 10

const text = (max: number) =>
  z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`)
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .optional()
    .transform((v) => (v ? v : undefined))
const id = z.coerce.number().int('must be a whole number').positive('must be positive')
const flag = z.preprocess((v) => v === true || v === 'on' || v === '1' || v === 'true', z.boolean())

/** A call as the operator's form sends it (strings; blanks are left out). */
export const callSchema = z.object({
  channel: z.enum(INTAKE_CHANNELS).default('hotline_12345'),
  kind: z.enum(KINDS, 'choose a kind'),
  urgency: z.enum(URGENCIES).default('normal'),
  categoryId: id.optional(),
  /** The category as typed: `城市管理 / 占道经营`, a leaf's name, or a code. */
  category: optionalText(100),
  districtId: id,
  address: optionalText(200),
  title: text(100),
  content: text(4000),
  /** 起因: how it came about; kept in the content as a labelled paragraph. */
  cause: optionalText(1000),
  citizenName: optionalText(50),
  citizenPhone: optionalText(30),
  anonymous: flag.default(false),
  confidential: flag.default(false),
  /** Blank for now; `HH:mm` (today), `YYYY-MM-DD HH:mm` in TZ_REPORT, or ISO-8601 with offset. */
  receivedAt: optionalText(40),
  outcome: z.enum(CALL_OUTCOMES).default('dispatch'),
  unitId: id.optional(),
  reply: optionalText(4000),
})
export type CallInput = z.input<typeof callSchema>

/** A walk-in complaint at the 办不成事 window, as the clerk's form sends it. */
export const windowSchema = z.object({
  service: text(100),
  counter: text(100),
  failureReason: text(1000),
  kind: z.enum(KINDS).default('complaint'),
  urgency: z.enum(URGENCIES).default('normal'),
  categoryId: id.optional(),
  category: optionalText(100),
  districtId: id,
  address: optionalText(200),
  /** Blank: `办不成事：{service}`. */
  title: optionalText(100),
  details: optionalText(2000),
  citizenName: optionalText(50),
  citizenPhone: optionalText(30),
  outcome: z.enum(WINDOW_OUTCOMES, 'choose solved or dispatch'),
  /** What the clerk did, when solved on the spot: the reply the citizen sees. */
  solution: optionalText(4000),
  unitId: id.optional(),
})
export type WindowInput = z.input<typeof windowSchema>

/** The close of a window case by the handling unit, optionally as a 否定答复. */
export const windowCloseSchema = z.object({
  reply: text(4000),
  negative: flag.default(false),
  legalBasis: optionalText(500),
})
export type WindowCloseInput = z.input<typeof windowCloseSchema>

/** A recorded call or visit: the case and its tracking code (shown once, never stored). */
export interface Recorded {
  order: WorkOrder
  trackingCode: string
}

/** Why a case is shown as a likely duplicate. */
export type DuplicateReason = 'phone' | 'address' | 'title'
export const DUPLICATE_REASON_LABELS: Record<DuplicateReason, string> = {
  phone: '同一电话',
  address: '同一地址',
  title: '标题相似',
}

/** A likely duplicate: no personal data, only what tells the operator which case it is. */
export interface DuplicateCandidate {
  id: number
  caseNumber: string
  title: string
  status: Status
  receivedAt: string
  reasons: DuplicateReason[]
}

/** One 否定答复 of the window, for the reports (no personal data). */
export interface NegativeAnswer {
  id: number
  caseNumber: string
  title: string
  service: string
  counter: string
  legalBasis: string
  unitName: string | null
  receivedAt: string
  closedAt: string | null
}

/** The window's figures for a period: visits, solved on the spot, and the 否定答复 listed. */
export interface WindowReport {
  visits: number
  solvedOnSpot: number
  negativeAnswers: NegativeAnswer[]
}

/** A window case's facts as the case page shows them. */
export interface WindowVisit {
  service: string
  counter: string
  failureReason: string
  solvedOnSpot: boolean
  negativeAnswer: boolean
  legalBasis: string | null
}

/**
 * A form body with blank strings dropped and text trimmed, ready for a schema.
 *
 * @example formInput({ title: ' 路灯 ', unitId: '' }) // { title: '路灯' }
 */
export function formInput(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(body)) {
    if (k === '_csrf') continue
    if (typeof v === 'string') {
      if (v.trim() !== '') out[k] = v.trim()
    } else if (v !== undefined && v !== null) out[k] = v
  }
  return out
}

/**
 * The label of a category in the type-ahead: `父类 / 子类`, or the top level's name alone.
 *
 * @example categoryLabel(categories, potholes) // '道路交通 / 道路破损'
 */
export function categoryLabel(categories: readonly Category[], category: Category): string {
  const parent = category.parentId ? categories.find((c) => c.id === category.parentId) : undefined
  return parent ? `${parent.name} / ${category.name}` : category.name
}

const squash = (s: string) => s.replace(/\s+/g, '').replace(/／/g, '/').toLowerCase()

/**
 * Resolves the category typed in the type-ahead to an active category: by its full label, by a
 * name that only one category has, or by its code. An id given alongside wins.
 *
 * @example resolveCategory(categories, { category: '噪音扰民' }) // 3
 */
export function resolveCategory(
  categories: readonly Category[],
  input: { categoryId?: number | undefined; category?: string | undefined },
): number | undefined {
  const active = categories.filter((c) => c.active)
  if (input.categoryId !== undefined) {
    if (!active.some((c) => c.id === input.categoryId))
      throw invalidField('category', 'no such category')
    return input.categoryId
  }
  if (!input.category) return undefined
  const typed = squash(input.category)
  const byLabel = active.filter((c) => squash(categoryLabel(categories, c)) === typed)
  if (byLabel.length === 1) return byLabel[0]!.id
  const byName = active.filter((c) => squash(c.name) === typed)
  if (byName.length === 1) return byName[0]!.id
  const byCode = active.find((c) => c.code.toLowerCase() === typed)
  if (byCode) return byCode.id
  throw invalidField(
    'category',
    byName.length > 1 ? 'is ambiguous; choose one from the list' : 'no such category',
  )
}

/**
 * The unit a category's cases usually go to: its own default, else its parent's.
 *
 * @example defaultUnitFor(categories, potholes) // the 城管局's id
 */
export function defaultUnitFor(
  categories: readonly Category[],
  categoryId: number | undefined,
): number | undefined {
  const category = categories.find((c) => c.id === categoryId)
  if (!category) return undefined
  const parent = category.parentId ? categories.find((c) => c.id === category.parentId) : undefined
  return category.defaultUnitId ?? parent?.defaultUnitId ?? undefined
}

/**
 * When a call came in, as the operator typed it: blank is now, `HH:mm` is today, `YYYY-MM-DD HH:mm`
 * is local time in the report zone, ISO-8601 with an offset is taken as is. Never in the future.
 *
 * @example
 * parseReceivedAt('09:30', '2025-11-12T02:00:00.000Z', 'Asia/Shanghai')
 * // '2025-11-12T01:30:00.000Z'
 */
export function parseReceivedAt(
  value: string | undefined,
  now: string,
  timeZone: string,
): string | undefined {
  if (!value) return undefined
  const v = value.trim()
  let instant: string | undefined
  const clock = /^(\d{1,2}):(\d{2})$/.exec(v)
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(v)
  const hm = (h: string, m: string, s = '0') =>
    Number(h) <= 23 && Number(m) <= 59 && Number(s) <= 59 ? `${h}:${m}:${s}` : undefined
  if (clock) {
    const time = hm(clock[1]!, clock[2]!)
    if (time) instant = zonedToInstant(localDateOf(now, timeZone), time, timeZone)
  } else if (local) {
    const time = hm(local[2]!, local[3]!, local[4])
    if (time && isLocalDate(local[1]!)) instant = zonedToInstant(local[1]!, time, timeZone)
  } else if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/.test(v) && !Number.isNaN(Date.parse(v))) {
    instant = new Date(v).toISOString()
  }
  if (!instant) throw invalidField('receivedAt', 'must be HH:mm or YYYY-MM-DD HH:mm')
  if (Date.parse(instant) > Date.parse(now))
    throw invalidField('receivedAt', 'must not be in the future')
  return instant
}

/** Field errors gathered from several checks, so a refused form names every problem at once. */
class FieldErrors {
  readonly fields: Record<string, string> = {}

  /** Records a reason for a field (the first one wins). */
  add(field: string, reason: string): void {
    this.fields[field] ??= reason
  }

  /** Parses with a schema, recording its issues; the data when it passed. */
  parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> | undefined {
    const result = schema.safeParse(input)
    if (result.success) return result.data
    for (const issue of result.error.issues) this.add(issue.path.join('.') || 'body', issue.message)
    return undefined
  }

  /** Runs a check that throws a field error, recording it instead. */
  check<T>(fn: () => T): T | undefined {
    try {
      return fn()
    } catch (err) {
      if (!(err instanceof HotlineError) || !err.fields) throw err
      for (const [f, reason] of Object.entries(err.fields)) this.add(f, reason)
      return undefined
    }
  }

  /** Throws one `validation_failed` naming every field, when there is any. */
  throwIfAny(): void {
    const list = Object.entries(this.fields)
    if (list.length === 0) return
    throw new HotlineError(
      'validation_failed',
      list.map(([f, r]) => `${f}: ${r}`).join('; '),
      this.fields,
    )
  }
}

const raw = (input: unknown, key: string): string => {
  const v = (input as Record<string, unknown> | null)?.[key]
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : ''
}
const rawFlag = (input: unknown, key: string): boolean => {
  const v = (input as Record<string, unknown> | null)?.[key]
  return v === true || v === 'on' || v === '1' || v === 'true'
}
/** The numbers `fileCase` accepts: a mainland mobile, or a landline with its area code. */
const PHONE = /^(1[3-9]\d{9}|0\d{9,11})$/
const phoneReason = (input: unknown): string | null => {
  const phone = raw(input, 'citizenPhone').replace(/[\s-]/g, '')
  return phone && !PHONE.test(phone)
    ? 'must be a mobile number or a landline with its area code'
    : null
}

function requireDispatcher(actor: Actor, what: string) {
  if (actor.role !== 'dispatcher')
    throw new HotlineError('forbidden', `only the dispatch centre ${what}`)
}

/** Runs `fn` in one transaction, with deps whose `db` is it (the caller's, when already in one). */
function atomically<T>(deps: Deps, fn: (trx: Deps) => Promise<T>): Promise<T> {
  return inTransaction(deps.db, (db) => fn({ ...deps, db }))
}

/**
 * Records a call taken by a hotline operator (接听登记) and, in the same transaction, answers it
 * directly (直接答复, closed at once), dispatches it to a unit (the chosen one, or the category's
 * default unit), or leaves it received for dispatch later. The 起因 is kept in the content as a
 * labelled paragraph. A number is required for calls (12345 and 110 transfers) unless the caller
 * stays anonymous, in which case no name or number is stored.
 *
 * @example
 * const { order } = await takeCall(deps, {
 *   kind: 'consultation', districtId: 2, title: '公积金提取', content: '咨询提取条件',
 *   citizenPhone: '13812345678', outcome: 'direct_answer', reply: '已告知提取条件和所需材料',
 * }, dispatcher)
 * order.status // 'closed'
 */
export async function takeCall(
  deps: Deps,
  input: CallInput | Record<string, unknown>,
  actor: Actor,
): Promise<Recorded> {
  requireDispatcher(actor, 'records calls')
  const errors = new FieldErrors()
  const parsed = errors.parse(callSchema, input)
  const now = nowOf(deps)
  const receivedAt = errors.check(() =>
    parseReceivedAt(raw(input, 'receivedAt') || undefined, now, deps.timeZone),
  )
  const channel = raw(input, 'channel') || 'hotline_12345'
  const anonymous = rawFlag(input, 'anonymous')
  if (
    PHONE_CHANNELS.includes(channel as IntakeChannel) &&
    !anonymous &&
    !raw(input, 'citizenPhone')
  ) {
    errors.add('citizenPhone', 'is required for a call unless the caller stays anonymous')
  }
  const badPhone = anonymous ? null : phoneReason(input)
  if (badPhone) errors.add('citizenPhone', badPhone)
  const outcome = raw(input, 'outcome') || 'dispatch'
  if (outcome === 'direct_answer' && !raw(input, 'reply'))
    errors.add('reply', 'is required for a direct answer')
  const content = parsed?.cause ? `${parsed.content}\n\n起因：${parsed.cause}` : parsed?.content
  if (content && content.length > 4000)
    errors.add('content', 'with the 起因 must be at most 4000 characters')
  const categories = await listCategories(deps.db)
  const categoryId = errors.check(() =>
    resolveCategory(categories, {
      categoryId: parsed?.categoryId,
      category: raw(input, 'category') || undefined,
    }),
  )
  const unitId =
    outcome === 'dispatch' ? (parsed?.unitId ?? defaultUnitFor(categories, categoryId)) : undefined
  if (
    outcome === 'dispatch' &&
    unitId === undefined &&
    !errors.fields.category &&
    !errors.fields.unitId
  ) {
    errors.add('unitId', 'is required to dispatch (the category has no default unit)')
  }
  errors.throwIfAny()
  const call = parsed!
  return atomically(deps, async (trx) => {
    const filed = await fileCase(
      trx,
      {
        channel: call.channel,
        kind: call.kind,
        urgency: call.urgency,
        categoryId,
        districtId: call.districtId,
        unitId,
        title: call.title,
        content: content!,
        address: call.address,
        citizenName: call.anonymous ? undefined : call.citizenName,
        citizenPhone: call.anonymous ? undefined : call.citizenPhone,
        confidential: call.confidential,
        receivedAt,
      },
      actor,
    )
    if (call.outcome !== 'direct_answer') return filed
    const order = await performAction(
      trx,
      filed.order.id,
      { action: 'direct_answer', reply: call.reply! },
      actor,
      filed.order.version,
    )
    return { order, trackingCode: filed.trackingCode }
  })
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`)

/**
 * Likely duplicates of a call being typed: open cases, and cases closed in the last 30 days, with
 * the same phone number, an address containing the one typed, or a title sharing its first four
 * characters. Only the case number, title, status, receipt time and why it matched are returned;
 * a caseworker only ever sees their own unit's cases (and no phone match on a 保密 case), a
 * reporter gets no phone match.
 *
 * @example const list = await likelyDuplicates(deps, { phone: '13812345678' }, dispatcher)
 */
export async function likelyDuplicates(
  deps: Deps,
  keys: { phone?: string | undefined; address?: string | undefined; title?: string | undefined },
  actor: Actor,
): Promise<DuplicateCandidate[]> {
  if (actor.role === 'citizen' || actor.role === 'system')
    throw new HotlineError('forbidden', 'staff only')
  if (actor.role === 'caseworker' && actor.unitId === null) return []
  const phone = (keys.phone ?? '').replace(/[\s-]/g, '').slice(0, 20)
  const address = (keys.address ?? '').trim().slice(0, 200)
  const stem = (keys.title ?? '').replace(/\s+/g, '').slice(0, 4)
  const usePhone = /^\d{7,}$/.test(phone) && actor.role !== 'reporter'
  const useAddress = address.length >= 4
  const useTitle = stem.length >= 4
  if (!usePhone && !useAddress && !useTitle) return []
  const since = new Date(Date.parse(nowOf(deps)) - DUPLICATE_CLOSED_DAYS * 86_400_000).toISOString()
  const rows = await deps.db
    .selectFrom('work_orders')
    .select([
      'id',
      'case_number',
      'title',
      'status',
      'received_at',
      'citizen_phone',
      'address',
      'confidential',
    ])
    .where((eb) =>
      eb.or([
        eb('status', 'in', [...OPEN_STATUSES]),
        eb.and([eb('status', 'in', [...CLOSED_STATUSES]), eb('closed_at', '>=', since)]),
      ]),
    )
    .where((eb) => {
      const any: Expression<SqlBool>[] = []
      if (usePhone) {
        any.push(
          actor.role === 'caseworker'
            ? eb.and([eb('citizen_phone', '=', phone), eb('confidential', '=', 0)])
            : eb('citizen_phone', '=', phone),
        )
      }
      if (useAddress) any.push(sql<SqlBool>`address like ${`%${escapeLike(address)}%`} escape '\\'`)
      if (useTitle) any.push(sql<SqlBool>`title like ${`%${escapeLike(stem)}%`} escape '\\'`)
      return eb.or(any)
    })
    .$if(actor.role === 'caseworker', (q) => q.where('unit_id', '=', actor.unitId))
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(DUPLICATE_LIMIT)
    .execute()
  return rows.map((r) => {
    const reasons: DuplicateReason[] = []
    if (usePhone && r.citizen_phone === phone && !(actor.role === 'caseworker' && r.confidential))
      reasons.push('phone')
    if (useAddress && r.address?.includes(address)) reasons.push('address')
    if (useTitle && r.title.includes(stem)) reasons.push('title')
    return {
      id: r.id,
      caseNumber: r.case_number,
      title: r.title,
      status: r.status as Status,
      receivedAt: r.received_at,
      reasons,
    }
  })
}

/**
 * Records a walk-in complaint at the 办不成事 window (channel `window`): the service that could not
 * be delivered, the counter and why it failed are kept in `window_visits`, and in the same
 * transaction the case is either solved on the spot (closed at once by a direct answer with the
 * solution, counted as solved on the spot) or dispatched to a unit (the chosen one, or the
 * category's default) with the window's deadline from the SLA rules. There is no window-clerk role:
 * the dispatch centre (dispatcher) runs the window.
 *
 * @example
 * const { order } = await recordWindowVisit(deps, {
 *   service: '不动产登记', counter: '3号窗口', failureReason: '系统显示材料不全', districtId: 2,
 *   outcome: 'solved', solution: '当场补录材料，已办结',
 * }, dispatcher)
 */
export async function recordWindowVisit(
  deps: Deps,
  input: WindowInput | Record<string, unknown>,
  actor: Actor,
): Promise<Recorded> {
  requireDispatcher(actor, 'records window visits')
  const errors = new FieldErrors()
  const parsed = errors.parse(windowSchema, input)
  const outcome = raw(input, 'outcome')
  if (outcome === 'solved' && !raw(input, 'solution'))
    errors.add('solution', 'is required when solved on the spot')
  const badPhone = phoneReason(input)
  if (badPhone) errors.add('citizenPhone', badPhone)
  const categories = await listCategories(deps.db)
  const categoryId = errors.check(() =>
    resolveCategory(categories, {
      categoryId: parsed?.categoryId,
      category: raw(input, 'category') || undefined,
    }),
  )
  const unitId =
    outcome === 'dispatch' ? (parsed?.unitId ?? defaultUnitFor(categories, categoryId)) : undefined
  if (
    outcome === 'dispatch' &&
    unitId === undefined &&
    !errors.fields.category &&
    !errors.fields.unitId
  ) {
    errors.add('unitId', 'is required to dispatch (the category has no default unit)')
  }
  errors.throwIfAny()
  const visit = parsed!
  const content = [
    `办理事项：${visit.service}`,
    `窗口：${visit.counter}`,
    `未办成原因：${visit.failureReason}`,
    ...(visit.details ? ['', visit.details] : []),
  ].join('\n')
  return atomically(deps, async (trx) => {
    const filed = await fileCase(
      trx,
      {
        channel: 'window' satisfies Channel,
        kind: visit.kind,
        urgency: visit.urgency,
        categoryId,
        districtId: visit.districtId,
        unitId,
        title: visit.title ?? `办不成事：${visit.service}`.slice(0, 100),
        content,
        address: visit.address,
        citizenName: visit.citizenName,
        citizenPhone: visit.citizenPhone,
      },
      actor,
    )
    await trx.db
      .insertInto('window_visits')
      .values({
        work_order_id: filed.order.id,
        service: visit.service,
        counter: visit.counter,
        failure_reason: visit.failureReason,
        solved_on_spot: visit.outcome === 'solved' ? 1 : 0,
        negative_answer: 0,
        legal_basis: null,
      })
      .execute()
    if (visit.outcome !== 'solved') return filed
    const order = await performAction(
      trx,
      filed.order.id,
      { action: 'direct_answer', reply: visit.solution!, note: '窗口当场解决' },
      actor,
      filed.order.version,
    )
    return { order, trackingCode: filed.trackingCode }
  })
}

/**
 * The window facts of a case the actor may see, or null when it has none (not a window visit).
 *
 * @example const visit = await getWindowVisit(deps, order)
 */
export async function getWindowVisit(
  deps: Deps,
  order: Pick<WorkOrder, 'id'>,
): Promise<WindowVisit | null> {
  const row = await deps.db
    .selectFrom('window_visits')
    .selectAll()
    .where('work_order_id', '=', order.id)
    .executeTakeFirst()
  if (!row) return null
  return {
    service: row.service,
    counter: row.counter,
    failureReason: row.failure_reason,
    solvedOnSpot: row.solved_on_spot !== 0,
    negativeAnswer: row.negative_answer !== 0,
    legalBasis: row.legal_basis,
  }
}

/**
 * Closes a window case, optionally as a 否定答复 (the answer is truly no): then the legal basis is
 * required, added to the reply the citizen sees and to the audit note, and recorded in
 * `window_visits`, all in one transaction with the close. The handling unit closes with
 * `reply_and_close`; a case still received (e.g. after an approved return) is closed by the
 * dispatch centre with `direct_answer`. Refused with nothing written when the basis is missing.
 *
 * @example
 * const basis = '《不动产登记暂行条例》第二十二条'
 * const close = { reply: '依法不予登记', negative: true, legalBasis: basis }
 * await closeWindowCase(deps, 42, close, caseworker, 3)
 */
export async function closeWindowCase(
  deps: Deps,
  id: number,
  input: WindowCloseInput | Record<string, unknown>,
  actor: Actor,
  version?: number,
): Promise<WorkOrder> {
  const order = await findWorkOrder(deps.db, id)
  if (!order || !mayView(order, actor)) throw new HotlineError('not_found', `case ${id} not found`)
  const visit = await getWindowVisit(deps, order)
  if (!visit)
    throw new HotlineError(
      'invalid_transition',
      `case ${order.caseNumber} is not a 办不成事 window case`,
    )
  const errors = new FieldErrors()
  const parsed = errors.parse(windowCloseSchema, input)
  if (rawFlag(input, 'negative') && !raw(input, 'legalBasis'))
    errors.add('legalBasis', 'is required for a 否定答复')
  errors.throwIfAny()
  const close = parsed!
  const basis = close.negative ? close.legalBasis! : null
  const reply =
    basis && !close.reply.includes(basis) ? `${close.reply}\n\n法律依据：${basis}` : close.reply
  const action = order.status === 'received' ? 'direct_answer' : 'reply_and_close'
  return atomically(deps, async (trx) => {
    const closed = await performAction(
      trx,
      id,
      { action, reply, ...(basis ? { note: `否定答复，法律依据：${basis}` } : {}) },
      actor,
      version,
    )
    await trx.db
      .updateTable('window_visits')
      .set({ negative_answer: basis ? 1 : 0, legal_basis: basis })
      .where('work_order_id', '=', id)
      .execute()
    return closed
  })
}

function scoped(query: {
  scopeUnitIds?: readonly number[] | null | undefined
}): Expression<SqlBool> {
  const ids = query.scopeUnitIds
  if (!ids) return sql<SqlBool>`1 = 1`
  if (ids.length === 0) return sql<SqlBool>`1 = 0`
  const list = sql.join(ids.map((x) => sql`${x}`))
  return sql<SqlBool>`(work_orders.unit_id in (${list}) or work_orders.district_id in (${list}))`
}

/**
 * The 否定答复 of the window for cases received in a period (and a scope: a unit's code or name),
 * closed or archived, oldest close first. No personal data.
 *
 * @example
 * const november = { from: '2025-11-01', to: '2025-11-30', scope: 'XJ' }
 * const rows = await listNegativeAnswers(deps, november)
 */
export async function listNegativeAnswers(
  deps: Deps,
  query: { from: string; to: string; scope?: string | null },
): Promise<NegativeAnswer[]> {
  const { filter } = await resolveFilter(deps, query)
  const rows = await deps.db
    .selectFrom('window_visits')
    .innerJoin('work_orders', 'work_orders.id', 'window_visits.work_order_id')
    .leftJoin('units', 'units.id', 'work_orders.unit_id')
    .select([
      'work_orders.id',
      'work_orders.case_number',
      'work_orders.title',
      'work_orders.received_at',
      'work_orders.closed_at',
      'window_visits.service',
      'window_visits.counter',
      'window_visits.legal_basis',
      'units.name as unit_name',
    ])
    .where('window_visits.negative_answer', '=', 1)
    .where('work_orders.status', 'in', [...CLOSED_STATUSES])
    .where('work_orders.received_day', '>=', filter.from)
    .where('work_orders.received_day', '<=', filter.to)
    .where(scoped(filter))
    .orderBy('work_orders.closed_at')
    .orderBy('work_orders.id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    caseNumber: r.case_number,
    title: r.title,
    service: r.service,
    counter: r.counter,
    legalBasis: r.legal_basis ?? '',
    unitName: r.unit_name,
    receivedAt: r.received_at,
    closedAt: r.closed_at,
  }))
}

/**
 * The window's figures for the reports page: valid visits received in the period, how many were
 * solved on the spot, and the 否定答复 listed.
 *
 * @example
 * const w = await windowReport(deps, { from: '2025-11-01', to: '2025-11-30' })
 * // { visits: 12, solvedOnSpot: 7, negativeAnswers: [...] }
 */
export async function windowReport(
  deps: Deps,
  query: { from: string; to: string; scope?: string | null },
): Promise<WindowReport> {
  const { filter } = await resolveFilter(deps, query)
  const [counts, negativeAnswers] = await Promise.all([
    deps.db
      .selectFrom('window_visits')
      .innerJoin('work_orders', 'work_orders.id', 'window_visits.work_order_id')
      .select([
        sql<number>`count(*)`.as('visits'),
        sql<number>`coalesce(sum(window_visits.solved_on_spot), 0)`.as('solved'),
      ])
      .where('work_orders.status', 'not in', ['invalid', 'merged'])
      .where('work_orders.received_day', '>=', filter.from)
      .where('work_orders.received_day', '<=', filter.to)
      .where(scoped(filter))
      .executeTakeFirst(),
    listNegativeAnswers(deps, query),
  ])
  return {
    visits: Number(counts?.visits ?? 0),
    solvedOnSpot: Number(counts?.solved ?? 0),
    negativeAnswers,
  }
}
