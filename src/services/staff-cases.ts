import { sql } from 'kysely'
import { appendEvent } from '../../db/repositories/events'
import { findWorkOrder } from '../../db/repositories/work-orders'
import { workdaysBetween } from '../domain/calendar'
import { HotlineError } from '../domain/errors'
import { identityAccess, maskIdNumber, maskPhone } from '../domain/privacy'
import type { Actor, WorkOrder } from '../domain/work-order'
import { addDays, localDateOf } from '../domain/zoned-time'
import { workingRules } from './calendar'
import { nowOf, type Deps } from './deps'
import { mayView } from './work-orders'

/**
 * Working days left before the deadline (negative when overdue), counted in the report zone.
 *
 * @example await workdaysLeft(deps, order) // 3
 */
export async function workdaysLeft(deps: Deps, order: WorkOrder): Promise<number> {
  const { calendar } = await workingRules(deps)
  const today = localDateOf(nowOf(deps), deps.timeZone)
  const due = localDateOf(order.dueAt, deps.timeZone)
  if (order.dueAt < nowOf(deps)) return -Math.max(1, workdaysBetween(calendar, due, today))
  return workdaysBetween(calendar, today, due)
}

/**
 * What the staff member may see of the citizen: nothing, masked numbers, or (after an audited
 * reveal) the full numbers.
 *
 * @example citizenView(order, actor, false)
 */
export function citizenView(order: WorkOrder, actor: Actor, revealed: boolean) {
  const access = identityAccess(order, actor)
  if (access.see === 'none') {
    return { mode: 'none' as const, name: null, phone: null, idNumber: null, mayReveal: false }
  }
  const full = revealed && access.mayReveal
  return {
    mode: full ? ('revealed' as const) : ('masked' as const),
    name: order.citizenName,
    phone: full ? order.citizenPhone : maskPhone(order.citizenPhone),
    idNumber: full ? order.citizenIdNumber : maskIdNumber(order.citizenIdNumber),
    mayReveal: access.mayReveal,
  }
}

/**
 * Reveals a citizen's full phone and ID number for a call: allowed to dispatchers and the
 * handling unit (not on a 保密 case), and recorded as an audit event (`reveal`) every time.
 *
 * @example const order = await revealIdentity(deps, 42, actor)
 */
export async function revealIdentity(deps: Deps, id: number, actor: Actor): Promise<WorkOrder> {
  const order = await findWorkOrder(deps.db, id)
  if (!order || !mayView(order, actor)) throw new HotlineError('not_found', `case ${id} not found`)
  if (!identityAccess(order, actor).mayReveal) {
    throw new HotlineError('forbidden', 'your role may not reveal the citizen’s numbers on this case')
  }
  await appendEvent(deps.db, order.id, {
    action: 'reveal',
    fromStatus: order.status,
    toStatus: order.status,
    actorId: actor.id,
    actorRole: actor.role,
    actorName: actor.name,
    at: nowOf(deps),
    note: null,
    data: { fields: 'citizen_phone,citizen_id_number' },
  })
  return order
}

/**
 * Likely duplicates of a case (重复件候选): same phone, same address or a title sharing its first
 * characters, received in the 30 days before it, still valid.
 *
 * @example const candidates = await mergeCandidates(deps, order)
 */
export async function mergeCandidates(
  deps: Deps,
  order: WorkOrder,
): Promise<{ id: number; caseNumber: string; title: string; why: string }[]> {
  const since = addDays(order.receivedDay, -30)
  const stem = order.title.slice(0, 4)
  const rows = await deps.db
    .selectFrom('work_orders')
    .select(['id', 'case_number', 'title', 'citizen_phone', 'address'])
    .where('id', '!=', order.id)
    .where('status', 'not in', ['invalid', 'merged'])
    .where('received_day', '>=', since)
    .where('received_day', '<=', order.receivedDay)
    .where((eb) =>
      eb.or([
        ...(order.citizenPhone ? [eb('citizen_phone', '=', order.citizenPhone)] : []),
        ...(order.address ? [eb('address', '=', order.address)] : []),
        ...(stem.length >= 2 ? [sql<boolean>`title like ${`${stem}%`}`] : []),
      ]),
    )
    .orderBy('id', 'desc')
    .limit(10)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    caseNumber: r.case_number,
    title: r.title,
    why:
      order.citizenPhone && r.citizen_phone === order.citizenPhone
        ? '同一电话'
        : order.address && r.address === order.address
          ? '同一地址'
          : '标题相似',
  }))
}
