import { addWorkdays, type Calendar } from './calendar'
import { URGE_LEVELS, type UrgeLevel } from './codes'
import { invalidField } from './errors'
import { isOpen } from './status'
import type { WorkOrder } from './work-order'
import { addDays, endOfLocalDay, localDateOf, startOfLocalDay, type LocalDate } from './zoned-time'

/**
 * Automatic supervision (自动督办): when a case climbs the 督办 ladder on its own — 催办 (reminder)
 * before the deadline, 黄牌 (yellow card) once it is missed, 红牌 (red card) some working days later —
 * and the 临期 (due soon) and 超期 (overdue) marks the queues show. Pure: `now`, the calendar, the
 * zone and the policy are arguments.
 */

/** When the ladder's steps fall, in working days; admins change it in `settings`. */
export interface SupervisionPolicy {
  /**
   * 催办 from the start of the working day this many working days before the due day (0: from the
   * start of the due day itself).
   */
  reminderWorkdaysBefore: number
  /** 黄牌 as soon as the deadline has passed; when false the ladder goes from 催办 to 红牌. */
  yellowAtDeadline: boolean
  /** 红牌 once the working day this many working days after the due day has ended. */
  redWorkdaysAfter: number
}

/** The ladder of the staff issue: 催办 one working day before, 黄牌 at, 红牌 five working days after. */
export const DEFAULT_SUPERVISION_POLICY: Readonly<SupervisionPolicy> = {
  reminderWorkdaysBefore: 1,
  yellowAtDeadline: true,
  redWorkdaysAfter: 5,
}

/** The `settings` keys of the policy's fields. */
export const SUPERVISION_SETTING_KEYS: Readonly<Record<keyof SupervisionPolicy, string>> = {
  reminderWorkdaysBefore: 'supervision.reminderWorkdaysBefore',
  yellowAtDeadline: 'supervision.yellowAtDeadline',
  redWorkdaysAfter: 'supervision.redWorkdaysAfter',
}

const LIMITS = { reminderWorkdaysBefore: 20, redWorkdaysAfter: 60 } as const

/**
 * Checks a policy an admin submits, refusing bad values by field.
 *
 * @example checkSupervisionPolicy({ ...DEFAULT_SUPERVISION_POLICY, redWorkdaysAfter: 3 })
 */
export function checkSupervisionPolicy(policy: SupervisionPolicy): SupervisionPolicy {
  for (const field of ['reminderWorkdaysBefore', 'redWorkdaysAfter'] as const) {
    const v = policy[field]
    if (!Number.isInteger(v) || v < 0 || v > LIMITS[field]) {
      throw invalidField(field, `must be a whole number of working days from 0 to ${LIMITS[field]}`)
    }
  }
  if (typeof policy.yellowAtDeadline !== 'boolean') {
    throw invalidField('yellowAtDeadline', 'must be true or false')
  }
  return { ...policy }
}

/**
 * The policy stored as `settings` rows (key → text), each missing or unreadable value replaced by
 * its default, so a bad row never stops the scheduler.
 *
 * @example supervisionPolicyFrom({ 'supervision.redWorkdaysAfter': '3' }).redWorkdaysAfter // 3
 */
export function supervisionPolicyFrom(
  settings: Readonly<Record<string, string | undefined>>,
): SupervisionPolicy {
  const policy: SupervisionPolicy = { ...DEFAULT_SUPERVISION_POLICY }
  for (const field of ['reminderWorkdaysBefore', 'redWorkdaysAfter'] as const) {
    const raw = settings[SUPERVISION_SETTING_KEYS[field]]?.trim()
    const n = raw && /^\d+$/.test(raw) ? Number(raw) : NaN
    if (Number.isInteger(n) && n <= LIMITS[field]) policy[field] = n
  }
  const yellow = settings[SUPERVISION_SETTING_KEYS.yellowAtDeadline]?.trim()
  if (yellow === 'true' || yellow === 'false') policy.yellowAtDeadline = yellow === 'true'
  return policy
}

/** The instants at which a deadline's ladder steps fall due. */
export interface UrgeMoments {
  /** 催办 is due from this instant on (inclusive). */
  reminderFrom: string
  /** 黄牌 is due once `now` is after this instant (the deadline itself); null when switched off. */
  yellowAfter: string | null
  /** 红牌 is due once `now` is after this instant. */
  redAfter: string
}

/**
 * When the ladder's steps fall for a deadline, with the due day taken as the local day of `dueAt`:
 *
 * - 催办 from 00:00 of the working day that is `reminderWorkdaysBefore` working days before the due
 *   day (counting back from the day before it, skipping weekends and holidays, counting 调休 days);
 * - 黄牌 once `now` is after `dueAt`;
 * - 红牌 once `now` is after 23:59:59 of the working day that is `redWorkdaysAfter` working days
 *   after the due day (as {@link addWorkdays} counts them).
 *
 * @example
 * urgeMoments('2025-09-30T15:59:59.000Z', officialCalendar(), 'Asia/Shanghai')
 * // { reminderFrom: '2025-09-28T16:00:00.000Z' (Mon 29th 00:00),
 * //   yellowAfter: '2025-09-30T15:59:59.000Z',
 * //   redAfter: '2025-10-14T15:59:59.000Z' (end of Tue 14th: 9th, 10th, Sat 11th 调休, 13th, 14th) }
 */
export function urgeMoments(
  dueAt: string,
  calendar: Calendar,
  timeZone: string,
  policy: SupervisionPolicy = DEFAULT_SUPERVISION_POLICY,
): UrgeMoments {
  const dueDay = localDateOf(dueAt, timeZone)
  return {
    reminderFrom: startOfLocalDay(
      workdayBefore(calendar, dueDay, policy.reminderWorkdaysBefore),
      timeZone,
    ),
    yellowAfter: policy.yellowAtDeadline ? new Date(dueAt).toISOString() : null,
    redAfter: endOfLocalDay(addWorkdays(calendar, dueDay, policy.redWorkdaysAfter), timeZone),
  }
}

/**
 * The highest 督办 level a case should have reached by `now` under the policy (see
 * {@link urgeMoments}), or null when none is due yet — and always null for a case that is not
 * being handled by a unit: closed, invalid or merged, still at the dispatch centre (`received`), or
 * paused while a return (退单) awaits arbitration.
 *
 * @example
 * dueUrgeLevel(order, '2025-10-01T00:00:00.000Z', calendar, 'Asia/Shanghai', policy) // 'yellow'
 */
export function dueUrgeLevel(
  order: Pick<WorkOrder, 'status' | 'unitId' | 'dueAt'>,
  now: string,
  calendar: Calendar,
  timeZone: string,
  policy: SupervisionPolicy = DEFAULT_SUPERVISION_POLICY,
): UrgeLevel | null {
  if (order.status !== 'dispatched' && order.status !== 'in_progress') return null
  if (order.unitId === null) return null
  const at = Date.parse(now)
  const moments = urgeMoments(order.dueAt, calendar, timeZone, policy)
  if (at > Date.parse(moments.redAfter)) return 'red'
  if (moments.yellowAfter !== null && at > Date.parse(moments.yellowAfter)) return 'yellow'
  if (at >= Date.parse(moments.reminderFrom)) return 'reminder'
  return null
}

/**
 * Whether `level` is above `current` on the ladder (anything is above no level at all).
 *
 * @example isAboveLevel('yellow', 'reminder') // true
 */
export function isAboveLevel(level: UrgeLevel, current: UrgeLevel | null): boolean {
  return URGE_LEVELS.indexOf(level) > (current === null ? -1 : URGE_LEVELS.indexOf(current))
}

/**
 * 超期 (overdue): an open case whose deadline passed before `now`. A case whose clock is paused (a
 * return awaiting arbitration) is overdue only if it already was when the pause began — the same
 * rule as the reports' `overdueOpen` and the 超期 queue.
 *
 * @example
 * const order = { status: 'in_progress', dueAt: '2025-09-30T15:59:59.000Z', pausedAt: null }
 * isOverdue(order, '2025-10-01T00:00:00.000Z') // true
 */
export function isOverdue(
  order: Pick<WorkOrder, 'status' | 'dueAt' | 'pausedAt'>,
  now: string,
): boolean {
  if (!isOpen(order.status)) return false
  const due = Date.parse(order.dueAt)
  if (!(due < Date.parse(now))) return false
  return order.pausedAt === null || due < Date.parse(order.pausedAt)
}

/**
 * 临期 (due soon): a case still being handled (not paused) whose deadline has not passed but falls
 * by the end of the next working day after today — the same rule as the 临期 queue.
 *
 * @example
 * isDueSoon(order, '2025-09-29T02:00:00.000Z', calendar, 'Asia/Shanghai') // true when due Tue 30th
 */
export function isDueSoon(
  order: Pick<WorkOrder, 'status' | 'dueAt'>,
  now: string,
  calendar: Calendar,
  timeZone: string,
): boolean {
  if (!['received', 'dispatched', 'in_progress'].includes(order.status)) return false
  const due = Date.parse(order.dueAt)
  if (due < Date.parse(now)) return false
  const soon = endOfLocalDay(addWorkdays(calendar, localDateOf(now, timeZone), 1), timeZone)
  return due <= Date.parse(soon)
}

/** Ten years of days: a calendar without working days must not hang the scheduler. */
const SEARCH_LIMIT_DAYS = 3660

/**
 * The working day `n` working days before `day`, counting back from the day before it; `n = 0` is
 * `day` itself. The mirror of {@link addWorkdays}.
 */
function workdayBefore(calendar: Calendar, day: LocalDate, n: number): LocalDate {
  let current = day
  let left = n
  for (let guard = 0; left > 0 && guard < SEARCH_LIMIT_DAYS; guard++) {
    current = addDays(current, -1)
    if (calendar.isWorkday(current)) left--
  }
  return current
}
