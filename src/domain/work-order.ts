import { addWorkdays, spansProvisionalYear, workdaysBetween, type Calendar } from './calendar'
import {
  isSatisfied,
  URGE_LEVELS,
  type Channel,
  type Kind,
  type Rating,
  type ReturnReason,
  type Role,
  type Urgency,
  type UrgeLevel,
} from './codes'
import { HotlineError, invalidField } from './errors'
import { isClosed, transitionOf, type Action, type EventAction, type Status } from './status'
import { endOfLocalDay, localDateOf, type LocalDate } from './zoned-time'

/**
 * A work order (工单): one citizen request or complaint, from filing to archive.
 * The deadline is kept as a base day plus working days so that loading a new holiday schedule can
 * recompute it exactly (`dueAt = end of addWorkdays(dueBaseDay, dueWorkdays)`).
 */
export interface WorkOrder {
  id: number
  /** The short human number for phone calls (e.g. `NC20260001234`); never enough to see a case. */
  caseNumber: string
  channel: Channel
  kind: Kind
  urgency: Urgency
  categoryId: number | null
  /** The handling unit (承办单位), when dispatched. */
  unitId: number | null
  /** The district (区域) where the case arose. */
  districtId: number | null
  title: string
  content: string
  address: string | null
  citizenName: string | null
  citizenPhone: string | null
  citizenIdNumber: string | null
  /** 保密: the handling unit never sees the citizen's identity. */
  confidential: boolean
  status: Status
  version: number
  receivedAt: string
  receivedDay: LocalDate
  dueAt: string
  dueBaseDay: LocalDate
  dueWorkdays: number
  /** The deadline falls in a year whose official holiday schedule is not loaded yet. */
  dueProvisional: boolean
  /** When a return (退单) began waiting for arbitration: the SLA clock is paused. */
  pausedAt: string | null
  statusBeforeReturn: Status | null
  returnReason: ReturnReason | null
  pendingExtensionWorkdays: number | null
  pendingExtensionBasis: string | null
  dispatchedAt: string | null
  closedAt: string | null
  closedOnTime: boolean | null
  handlingWorkdays: number | null
  reply: string | null
  rating: Rating | null
  ratingComment: string | null
  ratedAt: string | null
  returnCount: number
  extensionCount: number
  reopenCount: number
  urgeLevel: UrgeLevel | null
  mergedIntoId: number | null
  externalId: string | null
}

/** Who acts: a person with a role, optionally bound to a unit, or the system. */
export interface Actor {
  id: number | null
  role: Role
  unitId: number | null
  name: string
}

/** An action with its arguments, as services and the API receive it. */
export type Command =
  | { action: 'dispatch'; unitId: number; note?: string }
  | { action: 'sign'; note?: string }
  | { action: 'request_return'; reason: ReturnReason; note: string }
  | { action: 'approve_return'; note?: string }
  | { action: 'reject_return'; note?: string }
  | { action: 'request_extension'; workdays: number; basis: string; note?: string }
  | { action: 'approve_extension'; note?: string }
  | { action: 'reject_extension'; note?: string }
  | { action: 'reply_and_close'; reply: string; note?: string }
  | { action: 'direct_answer'; reply: string; note?: string }
  | { action: 'rate'; rating: Rating; comment?: string; note?: string }
  | { action: 'reopen'; note?: string }
  | { action: 'urge'; level: UrgeLevel; note?: string }
  | { action: 'mark_invalid'; note: string }
  | { action: 'merge'; masterId: number; note?: string }
  | { action: 'archive'; note?: string }
  | { action: 'note'; note: string }

/** One audit event (工单日志): append-only, never updated. */
export interface WorkOrderEvent {
  action: EventAction
  fromStatus: Status | null
  toStatus: Status
  actorId: number | null
  actorRole: Role
  actorName: string
  at: string
  note: string | null
  /** Action details (unit, reason, rating, level…) as a flat record. */
  data: Record<string, string | number | boolean | null>
}

/** What the domain needs besides the case: time, calendar and policy, all passed in. */
export interface RuleContext {
  now: string
  timeZone: string
  calendar: Calendar
  /** Working days allowed for this case under the SLA rules (for a reopen's new deadline). */
  slaWorkdays: number
  /** The master case of a merge, loaded by the service. */
  master?: Pick<WorkOrder, 'id' | 'status' | 'mergedIntoId'> | null
}

/** The facts of a new case, before it has an id. */
export interface Filing {
  caseNumber: string
  channel: Channel
  kind: Kind
  urgency: Urgency
  categoryId: number | null
  unitId: number | null
  districtId: number | null
  title: string
  content: string
  address: string | null
  citizenName: string | null
  citizenPhone: string | null
  citizenIdNumber: string | null
  confidential: boolean
  receivedAt: string
  externalId: string | null
}

/**
 * Computes a deadline from its base day and working days.
 *
 * @example deadline(cal, '2025-09-26', 13, 'Asia/Shanghai').dueAt // '2025-10-21T15:59:59.000Z'
 */
export function deadline(
  calendar: Calendar,
  baseDay: LocalDate,
  workdays: number,
  timeZone: string,
): { dueAt: string; dueProvisional: boolean } {
  const dueDay = addWorkdays(calendar, baseDay, workdays)
  return {
    dueAt: endOfLocalDay(dueDay, timeZone),
    dueProvisional: spansProvisionalYear(calendar, baseDay, dueDay),
  }
}

/**
 * A newly received case (受理) and its first event. A unit given at filing means it is dispatched
 * at once by the services, not here.
 *
 * @example receive(filing, actor, ctx).order.status // 'received'
 */
export function receive(
  filing: Filing,
  actor: Actor,
  ctx: Omit<RuleContext, 'master'>,
): { order: Omit<WorkOrder, 'id'>; event: WorkOrderEvent } {
  const receivedDay = localDateOf(filing.receivedAt, ctx.timeZone)
  const due = deadline(ctx.calendar, receivedDay, ctx.slaWorkdays, ctx.timeZone)
  const order: Omit<WorkOrder, 'id'> = {
    ...filing,
    unitId: null,
    status: 'received',
    version: 1,
    receivedDay,
    dueAt: due.dueAt,
    dueBaseDay: receivedDay,
    dueWorkdays: ctx.slaWorkdays,
    dueProvisional: due.dueProvisional,
    pausedAt: null,
    statusBeforeReturn: null,
    returnReason: null,
    pendingExtensionWorkdays: null,
    pendingExtensionBasis: null,
    dispatchedAt: null,
    closedAt: null,
    closedOnTime: null,
    handlingWorkdays: null,
    reply: null,
    rating: null,
    ratingComment: null,
    ratedAt: null,
    returnCount: 0,
    extensionCount: 0,
    reopenCount: 0,
    urgeLevel: null,
    mergedIntoId: null,
  }
  const event: WorkOrderEvent = {
    action: 'receive',
    fromStatus: null,
    toStatus: 'received',
    actorId: actor.id,
    actorRole: actor.role,
    actorName: actor.name,
    at: filing.receivedAt,
    note: null,
    data: { channel: filing.channel, kind: filing.kind, urgency: filing.urgency },
  }
  return { order, event }
}

/**
 * Why `actor` may not take `action` on `order` now, or `null` when they may. Checks the workflow
 * table, the caseworker's unit and the guards that depend on the case's data.
 *
 * @example refusal(order, { role: 'reporter', … }, 'sign') // 'role reporter may not sign'
 */
export function refusal(order: WorkOrder, actor: Actor, action: Action): string | null {
  const t = transitionOf(action)
  if (!t.roles.includes(actor.role)) return `role ${actor.role} may not ${action}`
  if (!t.from.includes(order.status)) return `${action} is not possible in state ${order.status}`
  if (actor.role === 'caseworker' && (actor.unitId === null || actor.unitId !== order.unitId)) {
    return `${action} is only for the handling unit`
  }
  switch (action) {
    case 'request_extension':
      return order.pendingExtensionWorkdays !== null ? 'an extension is already pending' : null
    case 'approve_extension':
    case 'reject_extension':
      return order.pendingExtensionWorkdays === null ? 'no extension is pending' : null
    case 'rate':
      if (actor.role === 'citizen' && order.ratedAt !== null && order.ratedAt >= (order.closedAt ?? ''))
        return 'this case has already been rated'
      return null
    case 'reopen':
      return order.rating === null ||
        isSatisfied(order.rating) ||
        order.ratedAt === null ||
        order.ratedAt < (order.closedAt ?? '')
        ? 'only a case rated dissatisfied since it was closed can be reopened'
        : null
    default:
      return null
  }
}

/**
 * Applies an action: the new state of the case and its audit event. Pure: `now`, the calendar and
 * the SLA are in `ctx`. Throws `HotlineError` (`forbidden`, `invalid_transition` or
 * `validation_failed`) when the action is refused; the case is then unchanged.
 *
 * @example
 * const { order: signed, event } = applyAction(order, caseworker, { action: 'sign' }, ctx)
 * signed.status // 'in_progress'
 */
export function applyAction(
  order: WorkOrder,
  actor: Actor,
  command: Command,
  ctx: RuleContext,
): { order: WorkOrder; event: WorkOrderEvent } {
  const t = transitionOf(command.action)
  if (!t.roles.includes(actor.role)) {
    throw new HotlineError('forbidden', `role ${actor.role} may not ${command.action}`)
  }
  if (actor.role === 'caseworker' && (actor.unitId === null || actor.unitId !== order.unitId)) {
    throw new HotlineError('forbidden', `${command.action} is only for the handling unit`)
  }
  const why = refusal(order, actor, command.action)
  if (why) throw new HotlineError('invalid_transition', why)

  const now = ctx.now
  const today = localDateOf(now, ctx.timeZone)
  const next: WorkOrder = { ...order, version: order.version + 1 }
  const data: WorkOrderEvent['data'] = {}
  const note = 'note' in command && command.note ? command.note : null

  const resume = () => {
    if (next.pausedAt) {
      const paused = workdaysBetween(ctx.calendar, localDateOf(next.pausedAt, ctx.timeZone), today)
      if (paused > 0) setDeadline(next, next.dueBaseDay, next.dueWorkdays + paused, ctx)
      data.pausedWorkdays = paused
    }
    next.pausedAt = null
  }
  const close = (reply: string) => {
    requireText('reply', reply)
    next.status = 'closed'
    next.reply = reply
    next.closedAt = now
    next.closedOnTime = Date.parse(now) <= Date.parse(next.dueAt)
    next.handlingWorkdays = workdaysBetween(ctx.calendar, next.receivedDay, today)
    next.pendingExtensionWorkdays = null
    next.pendingExtensionBasis = null
    data.onTime = next.closedOnTime
  }

  switch (command.action) {
    case 'dispatch':
      if (!Number.isInteger(command.unitId)) throw invalidField('unitId', 'is required to dispatch')
      next.status = 'dispatched'
      next.unitId = command.unitId
      next.dispatchedAt = now
      data.unitId = command.unitId
      break
    case 'sign':
      next.status = 'in_progress'
      break
    case 'request_return':
      requireText('note', command.note)
      next.statusBeforeReturn = order.status
      next.status = 'return_requested'
      next.returnReason = command.reason
      next.pausedAt = now
      data.reason = command.reason
      break
    case 'approve_return':
      resume()
      data.unitId = order.unitId
      next.status = 'received'
      next.unitId = null
      next.statusBeforeReturn = null
      next.returnReason = null
      next.pendingExtensionWorkdays = null
      next.pendingExtensionBasis = null
      next.returnCount = order.returnCount + 1
      break
    case 'reject_return':
      resume()
      next.status = order.statusBeforeReturn ?? 'dispatched'
      next.statusBeforeReturn = null
      next.returnReason = null
      break
    case 'request_extension':
      if (!Number.isInteger(command.workdays) || command.workdays < 1 || command.workdays > 60) {
        throw invalidField('workdays', 'must be a whole number of working days from 1 to 60')
      }
      requireText('basis', command.basis)
      next.pendingExtensionWorkdays = command.workdays
      next.pendingExtensionBasis = command.basis
      data.workdays = command.workdays
      data.basis = command.basis
      break
    case 'approve_extension': {
      const days = order.pendingExtensionWorkdays ?? 0
      setDeadline(next, next.dueBaseDay, next.dueWorkdays + days, ctx)
      next.extensionCount = order.extensionCount + 1
      next.urgeLevel = null
      data.workdays = days
      data.basis = order.pendingExtensionBasis
      data.dueAt = next.dueAt
      next.pendingExtensionWorkdays = null
      next.pendingExtensionBasis = null
      break
    }
    case 'reject_extension':
      data.workdays = order.pendingExtensionWorkdays
      next.pendingExtensionWorkdays = null
      next.pendingExtensionBasis = null
      break
    case 'reply_and_close':
    case 'direct_answer':
      close(command.reply)
      break
    case 'rate':
      if (command.comment !== undefined && command.comment.length > 1000) {
        throw invalidField('comment', 'must be at most 1000 characters')
      }
      next.rating = command.rating
      next.ratingComment = command.comment?.trim() || null
      next.ratedAt = now
      data.rating = command.rating
      break
    case 'reopen':
      next.status = order.unitId === null ? 'received' : 'dispatched'
      next.reopenCount = order.reopenCount + 1
      next.urgeLevel = null
      next.closedAt = null
      next.closedOnTime = null
      next.handlingWorkdays = null
      setDeadline(next, today, ctx.slaWorkdays, ctx)
      data.dueAt = next.dueAt
      break
    case 'urge': {
      if (!URGE_LEVELS.includes(command.level)) {
        throw invalidField('level', `must be one of ${URGE_LEVELS.join(', ')}`)
      }
      const current = order.urgeLevel ? URGE_LEVELS.indexOf(order.urgeLevel) : -1
      if (URGE_LEVELS.indexOf(command.level) > current) next.urgeLevel = command.level
      data.level = command.level
      break
    }
    case 'mark_invalid':
      requireText('note', command.note)
      next.status = 'invalid'
      break
    case 'merge': {
      const master = ctx.master
      if (!master) throw invalidField('masterId', 'no such case')
      if (master.id === order.id) throw invalidField('masterId', 'a case cannot be merged into itself')
      if (master.status === 'invalid' || master.status === 'merged') {
        throw invalidField('masterId', `the master case is ${master.status}`)
      }
      next.status = 'merged'
      next.mergedIntoId = master.id
      data.masterId = master.id
      break
    }
    case 'archive':
      next.status = 'archived'
      break
    case 'note':
      requireText('note', command.note)
      break
  }

  const event: WorkOrderEvent = {
    action: command.action,
    fromStatus: order.status,
    toStatus: next.status,
    actorId: actor.id,
    actorRole: actor.role,
    actorName: actor.name,
    at: now,
    note,
    data,
  }
  return { order: next, event }
}

function setDeadline(order: WorkOrder, baseDay: LocalDate, workdays: number, ctx: RuleContext) {
  const due = deadline(ctx.calendar, baseDay, workdays, ctx.timeZone)
  order.dueBaseDay = baseDay
  order.dueWorkdays = workdays
  order.dueAt = due.dueAt
  order.dueProvisional = due.dueProvisional
}

function requireText(field: string, value: string | undefined) {
  if (typeof value !== 'string' || value.trim() === '') throw invalidField(field, 'is required')
}

/**
 * Whether a case counts as closed at all (closed or archived).
 *
 * @example isClosedOrder({ status: 'archived' }) // true
 */
export function isClosedOrder(order: Pick<WorkOrder, 'status'>): boolean {
  return isClosed(order.status)
}
