import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { URGE_LEVELS, type UrgeLevel } from '../../src/domain/codes'
import { STATUSES } from '../../src/domain/status'
import {
  checkSupervisionPolicy,
  DEFAULT_SUPERVISION_POLICY,
  dueUrgeLevel,
  isAboveLevel,
  isDueSoon,
  isOverdue,
  supervisionPolicyFrom,
  urgeMoments,
  type SupervisionPolicy,
} from '../../src/domain/supervision'
import { calendar, sh, thrown, TZ, workOrder } from './builders'

/*
 * The ladder on the official calendar around National Day 2025: Sun 09-28 is a make-up working day
 * (调休), 10-01…10-08 are holidays, Sat 10-11 is a make-up working day, Sun 10-12 is off.
 * Instants are written in Shanghai wall-clock time with `sh()` (fixed +08:00, independent of the
 * code under test).
 */

/** A case due at the end of Tue 2025-09-30, being handled. */
const dueTue = workOrder({
  status: 'in_progress',
  dueAt: sh('2025-09-30 23:59:59'),
})
const level = (now: string, policy: SupervisionPolicy = DEFAULT_SUPERVISION_POLICY) =>
  dueUrgeLevel(dueTue, now, calendar, TZ, policy)
const ms = (iso: string, delta: number) => new Date(Date.parse(iso) + delta).toISOString()

describe('the 督办 ladder of a case due Tue 2025-09-30 23:59:59 (+08:00)', () => {
  it('computes the exact instants of 催办, 黄牌 and 红牌', () => {
    expect(urgeMoments(dueTue.dueAt, calendar, TZ)).toEqual({
      // the working day one working day before the due day: Mon 09-29, from 00:00
      reminderFrom: sh('2025-09-29 00:00:00'),
      yellowAfter: sh('2025-09-30 23:59:59'),
      // five working days after the due day: 10-09, 10-10, Sat 10-11 (调休), 10-13, 10-14
      redAfter: sh('2025-10-14 23:59:59'),
    })
  })

  it('is nothing until Mon 09-29 00:00, 催办 from then on', () => {
    expect(level(sh('2025-09-26 10:00:00'))).toBeNull()
    // Sun 09-28 is a working day (调休) but it is two working days before the due day
    expect(level(sh('2025-09-28 12:00:00'))).toBeNull()
    expect(level(ms(sh('2025-09-29 00:00:00'), -1))).toBeNull()
    expect(level(sh('2025-09-29 00:00:00'))).toBe('reminder')
    expect(level(sh('2025-09-30 23:59:59'))).toBe('reminder')
  })

  it('turns 黄牌 the moment the deadline has passed (10-01 00:00)', () => {
    expect(level(ms(sh('2025-09-30 23:59:59'), 1))).toBe('yellow')
    expect(level(sh('2025-10-01 00:00:00'))).toBe('yellow')
    expect(level(sh('2025-10-08 12:00:00'))).toBe('yellow')
  })

  it('turns 红牌 after the fifth working day, skipping 10-01…10-08 and counting Sat 10-11', () => {
    expect(level(sh('2025-10-11 12:00:00'))).toBe('yellow')
    expect(level(sh('2025-10-14 23:59:59'))).toBe('yellow')
    expect(level(ms(sh('2025-10-14 23:59:59'), 1))).toBe('red')
    expect(level(sh('2025-10-15 00:00:00'))).toBe('red')
    expect(level(sh('2026-03-01 00:00:00'))).toBe('red')
  })
})

describe('the ladder across weekends and holidays', () => {
  it('reminds on the last working day before the holiday for a case due right after it', () => {
    // due Thu 10-09: the working day before it is Tue 09-30
    const m = urgeMoments(sh('2025-10-09 23:59:59'), calendar, TZ)
    expect(m.reminderFrom).toBe(sh('2025-09-30 00:00:00'))
    // red after the end of Wed 10-15: 10-10, Sat 10-11 (调休), 10-13, 10-14, 10-15
    expect(m.redAfter).toBe(sh('2025-10-15 23:59:59'))
  })

  it('counts make-up Saturdays both ways', () => {
    // due Mon 10-13: the working day before is Sat 10-11 (调休)
    expect(urgeMoments(sh('2025-10-13 23:59:59'), calendar, TZ).reminderFrom).toBe(
      sh('2025-10-11 00:00:00'),
    )
  })

  it('skips a plain weekend', () => {
    // due Mon 2025-11-03: reminder Fri 10-31; red after Mon 11-10 (11-04, 05, 06, 07, 10)
    const m = urgeMoments(sh('2025-11-03 23:59:59'), calendar, TZ)
    expect(m.reminderFrom).toBe(sh('2025-10-31 00:00:00'))
    expect(m.redAfter).toBe(sh('2025-11-10 23:59:59'))
  })
})

describe('a configurable ladder', () => {
  it('reminds two working days before: Sun 09-28 (调休) for a Tue 09-30 deadline', () => {
    const policy = { ...DEFAULT_SUPERVISION_POLICY, reminderWorkdaysBefore: 2 }
    expect(urgeMoments(dueTue.dueAt, calendar, TZ, policy).reminderFrom).toBe(
      sh('2025-09-28 00:00:00'),
    )
    expect(level(sh('2025-09-27 23:59:59'), policy)).toBeNull()
    expect(level(sh('2025-09-28 00:00:00'), policy)).toBe('reminder')
  })

  it('reminds from the start of the due day with 0', () => {
    const policy = { ...DEFAULT_SUPERVISION_POLICY, reminderWorkdaysBefore: 0 }
    expect(level(sh('2025-09-29 23:59:59'), policy)).toBeNull()
    expect(level(sh('2025-09-30 00:00:00'), policy)).toBe('reminder')
  })

  it('goes from 催办 straight to 红牌 without the yellow card', () => {
    const policy = { ...DEFAULT_SUPERVISION_POLICY, yellowAtDeadline: false }
    expect(urgeMoments(dueTue.dueAt, calendar, TZ, policy).yellowAfter).toBeNull()
    expect(level(sh('2025-10-01 00:00:00'), policy)).toBe('reminder')
    expect(level(sh('2025-10-15 00:00:00'), policy)).toBe('red')
  })

  it('shows the red card at the deadline with 0 working days after', () => {
    const policy = { ...DEFAULT_SUPERVISION_POLICY, redWorkdaysAfter: 0 }
    expect(level(sh('2025-09-30 23:59:59'), policy)).toBe('reminder')
    expect(level(sh('2025-10-01 00:00:00'), policy)).toBe('red')
  })

  it('reads the policy from settings, keeping defaults for missing or bad values', () => {
    expect(supervisionPolicyFrom({})).toEqual(DEFAULT_SUPERVISION_POLICY)
    expect(
      supervisionPolicyFrom({
        'supervision.reminderWorkdaysBefore': '2',
        'supervision.yellowAtDeadline': 'false',
        'supervision.redWorkdaysAfter': ' 3 ',
      }),
    ).toEqual({ reminderWorkdaysBefore: 2, yellowAtDeadline: false, redWorkdaysAfter: 3 })
    expect(
      supervisionPolicyFrom({
        'supervision.reminderWorkdaysBefore': '-1',
        'supervision.yellowAtDeadline': 'yes',
        'supervision.redWorkdaysAfter': '1.5',
      }),
    ).toEqual(DEFAULT_SUPERVISION_POLICY)
  })

  it('refuses a bad policy by field', () => {
    const e = thrown(() =>
      checkSupervisionPolicy({
        reminderWorkdaysBefore: 1.5,
        yellowAtDeadline: true,
        redWorkdaysAfter: 61,
      }),
    )
    expect(e.code).toBe('validation_failed')
    expect(Object.keys(e.fields ?? {})).toEqual(['reminderWorkdaysBefore'])
    const e2 = thrown(() =>
      checkSupervisionPolicy({
        reminderWorkdaysBefore: 1,
        yellowAtDeadline: true,
        redWorkdaysAfter: 61,
      }),
    )
    expect(Object.keys(e2.fields ?? {})).toEqual(['redWorkdaysAfter'])
  })
})

describe('which cases the ladder applies to', () => {
  const late = sh('2025-12-01 00:00:00')

  it('only cases a unit is handling: dispatched or in progress, with a unit', () => {
    const levels = Object.fromEntries(
      STATUSES.map((status) => [status, dueUrgeLevel({ ...dueTue, status }, late, calendar, TZ)]),
    )
    expect(levels).toEqual({
      received: null,
      dispatched: 'red',
      in_progress: 'red',
      return_requested: null,
      closed: null,
      archived: null,
      invalid: null,
      merged: null,
    })
    expect(
      dueUrgeLevel({ ...dueTue, status: 'dispatched', unitId: null }, late, calendar, TZ),
    ).toBeNull()
  })

  it('orders the levels', () => {
    expect(isAboveLevel('reminder', null)).toBe(true)
    expect(isAboveLevel('yellow', 'reminder')).toBe(true)
    expect(isAboveLevel('yellow', 'yellow')).toBe(false)
    expect(isAboveLevel('reminder', 'red')).toBe(false)
  })

  it('never goes down as time passes, for any deadline and policy', () => {
    const day = fc
      .integer({ min: 0, max: 800 })
      .map((n) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000))
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: 0, max: 40 * 86_400_000 }),
        fc.integer({ min: 0, max: 40 * 86_400_000 }),
        fc.record({
          reminderWorkdaysBefore: fc.integer({ min: 0, max: 5 }),
          yellowAtDeadline: fc.boolean(),
          redWorkdaysAfter: fc.integer({ min: 0, max: 10 }),
        }),
        (due, a, b, policy) => {
          const dueAt = sh(`${due.toISOString().slice(0, 10)} 23:59:59`)
          const order = { ...dueTue, dueAt }
          const start = Date.parse(dueAt) - 20 * 86_400_000
          const at = (d: number) => new Date(start + d).toISOString()
          const rank = (l: UrgeLevel | null) => (l === null ? -1 : URGE_LEVELS.indexOf(l))
          const [t1, t2] = a <= b ? [a, b] : [b, a]
          const l1 = dueUrgeLevel(order, at(t1), calendar, TZ, policy)
          const l2 = dueUrgeLevel(order, at(t2), calendar, TZ, policy)
          expect(rank(l1)).toBeLessThanOrEqual(rank(l2))
          // 黄牌 or worse exactly when the deadline has passed (unless the yellow card is off)
          if (policy.yellowAtDeadline) expect(rank(l2) >= 1).toBe(t2 + start > Date.parse(dueAt))
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('临期 and 超期', () => {
  it('临期: due by the end of the next working day, not yet overdue', () => {
    expect(isDueSoon(dueTue, sh('2025-09-26 10:00:00'), calendar, TZ)).toBe(false)
    // Sat: the next working day is Sun 28th (调休); Sun: it is Mon 29th
    expect(isDueSoon(dueTue, sh('2025-09-27 10:00:00'), calendar, TZ)).toBe(false)
    expect(isDueSoon(dueTue, sh('2025-09-28 10:00:00'), calendar, TZ)).toBe(false)
    expect(isDueSoon(dueTue, sh('2025-09-29 00:00:00'), calendar, TZ)).toBe(true)
    expect(isDueSoon(dueTue, sh('2025-09-30 23:59:59'), calendar, TZ)).toBe(true)
    expect(isDueSoon(dueTue, sh('2025-10-01 00:00:00'), calendar, TZ)).toBe(false)
  })

  it('临期 across the holiday: a case due Thu 10-09 is due soon from Tue 09-30', () => {
    const due109 = { ...dueTue, dueAt: sh('2025-10-09 23:59:59') }
    expect(isDueSoon(due109, sh('2025-09-29 23:59:59'), calendar, TZ)).toBe(false)
    expect(isDueSoon(due109, sh('2025-09-30 09:00:00'), calendar, TZ)).toBe(true)
    expect(isDueSoon(due109, sh('2025-10-05 09:00:00'), calendar, TZ)).toBe(true)
  })

  it('临期 is for cases still being handled: received yes, paused or closed no', () => {
    const now = sh('2025-09-29 10:00:00')
    expect(isDueSoon({ ...dueTue, status: 'received' }, now, calendar, TZ)).toBe(true)
    expect(isDueSoon({ ...dueTue, status: 'return_requested' }, now, calendar, TZ)).toBe(false)
    expect(isDueSoon({ ...dueTue, status: 'closed' }, now, calendar, TZ)).toBe(false)
  })

  it('超期: open and past the deadline; a paused case only if it was late before the pause', () => {
    const after = sh('2025-10-01 00:00:00')
    expect(isOverdue(dueTue, sh('2025-09-30 23:59:59'))).toBe(false)
    expect(isOverdue(dueTue, after)).toBe(true)
    expect(isOverdue({ ...dueTue, status: 'received' }, after)).toBe(true)
    expect(isOverdue({ ...dueTue, status: 'closed' }, after)).toBe(false)
    expect(isOverdue({ ...dueTue, status: 'invalid' }, after)).toBe(false)
    const paused = { ...dueTue, status: 'return_requested' as const }
    expect(isOverdue({ ...paused, pausedAt: sh('2025-09-30 10:00:00') }, after)).toBe(false)
    expect(isOverdue({ ...paused, pausedAt: sh('2025-10-09 10:00:00') }, after)).toBe(true)
  })
})
