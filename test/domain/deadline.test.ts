import { describe, expect, it } from 'vitest'
import { addWorkdays, createCalendar, workdaysBetween } from '../../src/domain/calendar'
import {
  DEFAULT_SLA_RULES,
  FALLBACK_WORKDAYS,
  slaWorkdaysFor,
  type SlaRule,
} from '../../src/domain/sla'
import type { Channel, Kind, Urgency } from '../../src/domain/codes'
import { deadline, refusal, type WorkOrder } from '../../src/domain/work-order'
import { endOfLocalDay, localDateOf } from '../../src/domain/zoned-time'
import { officialCalendar } from '../../src/services/official-holidays'
import {
  calendar,
  caseworker,
  citizen,
  dispatcher,
  received,
  sh,
  step,
  supervisor,
  TZ,
  UNIT,
} from './builders'

describe('the official calendar', () => {
  it('knows National Day 2025 and its make-up working days', () => {
    for (let d = 1; d <= 8; d++) expect(calendar.isWorkday(`2025-10-0${d}`)).toBe(false)
    expect(calendar.isWorkday('2025-09-28')).toBe(true) // Sunday, 调休
    expect(calendar.isWorkday('2025-10-11')).toBe(true) // Saturday, 调休
    expect(calendar.isWorkday('2025-09-27')).toBe(false) // plain Saturday
    expect(calendar.isWorkday('2025-10-12')).toBe(false) // plain Sunday
    expect(calendar.isWorkday('2025-10-09')).toBe(true)
    expect(calendar.isProvisional('2025-06-01')).toBe(false)
    expect(calendar.isProvisional('2027-06-01')).toBe(true)
  })
})

describe('deadlines with the official calendar in Asia/Shanghai', () => {
  it('a complaint received Fri 2025-09-26 is due at the end of Tue 2025-10-21', () => {
    // Counting from the day after receipt (Fri 09-26):
    //  Sat 09-27 rest | Sun 09-28 调休 1 | Mon 09-29 2 | Tue 09-30 3 |
    //  Wed 10-01 … Wed 10-08 National Day, all off |
    //  Thu 10-09 4 | Fri 10-10 5 | Sat 10-11 调休 6 | Sun 10-12 rest |
    //  Mon 10-13 7 | Tue 10-14 8 | Wed 10-15 9 | Thu 10-16 10 | Fri 10-17 11 |
    //  Sat 10-18, Sun 10-19 rest | Mon 10-20 12 | Tue 10-21 13
    const order = received(sh('2025-09-26 10:00:00'), 13)
    expect(order.receivedDay).toBe('2025-09-26')
    expect(order.dueBaseDay).toBe('2025-09-26')
    expect(order.dueWorkdays).toBe(13)
    expect(order.dueAt).toBe('2025-10-21T15:59:59.000Z')
    expect(order.dueProvisional).toBe(false)
    expect(addWorkdays(calendar, '2025-09-26', 13)).toBe('2025-10-21')
    expect(deadline(calendar, '2025-09-26', 13, TZ)).toEqual({
      dueAt: '2025-10-21T15:59:59.000Z',
      dueProvisional: false,
    })
  })

  it('an urgent case received Tue 2025-09-30 is due at the end of Thu 2025-10-09', () => {
    // The next working day after 09-30 is 10-09: 10-01 … 10-08 are National Day.
    const order = received(sh('2025-09-30 10:00:00'), 1, calendar, { urgency: 'urgent' })
    expect(order.dueAt).toBe('2025-10-09T15:59:59.000Z')
  })

  it('a critical case is due at the end of the day of receipt', () => {
    expect(received(sh('2025-09-30 10:00:00'), 0).dueAt).toBe('2025-09-30T15:59:59.000Z')
    expect(received(sh('2025-09-30 23:59:59'), 0).dueAt).toBe('2025-09-30T15:59:59.000Z')
    // received during a holiday: still the same (calendar) day
    expect(received(sh('2025-10-03 08:00:00'), 0).dueAt).toBe('2025-10-03T15:59:59.000Z')
  })

  it('a case received on a holiday counts from the first working day after it', () => {
    // Fri 2025-10-03 (holiday): Thu 10-09 1, Fri 10-10 2, Sat 10-11 调休 3
    const order = received(sh('2025-10-03 09:00:00'), 3)
    expect(order.receivedDay).toBe('2025-10-03')
    expect(order.dueAt).toBe('2025-10-11T15:59:59.000Z')
    // 13 working days from the holiday:
    // Thu 10-09 1, Fri 10-10 2, Sat 10-11 3, Mon 10-13 4, Tue 5, Wed 6, Thu 7, Fri 10-17 8,
    // Mon 10-20 9, Tue 10, Wed 11, Thu 12, Fri 10-24 13
    expect(received(sh('2025-10-03 09:00:00'), 13).dueAt).toBe('2025-10-24T15:59:59.000Z')
  })

  it('a case received on a Saturday counts from Monday', () => {
    // Sat 2025-11-08: Mon 11-10 1, Tue 11-11 2, Wed 11-12 3
    expect(received(sh('2025-11-08 14:00:00'), 3).dueAt).toBe('2025-11-12T15:59:59.000Z')
  })

  it('New Year 2026: 01-01 … 01-03 off, Sun 01-04 调休', () => {
    // Wed 2025-12-31 + 3: Sun 01-04 调休 1, Mon 01-05 2, Tue 01-06 3
    expect(received(sh('2025-12-31 10:00:00'), 3).dueAt).toBe('2026-01-06T15:59:59.000Z')
  })
})

describe('workdaysBetween', () => {
  it.each([
    ['2025-09-26', '2025-09-29', 2], // Sun 28th is 调休, Mon 29th
    ['2025-09-26', '2025-09-26', 0],
    ['2025-09-29', '2025-09-26', 0],
    ['2025-09-30', '2025-10-08', 0], // the whole holiday
    ['2025-09-30', '2025-10-09', 1],
    ['2025-09-26', '2025-10-21', 13],
    ['2025-10-03', '2025-10-12', 3], // 10-09, 10-10, 10-11
    ['2025-11-07', '2025-11-10', 1], // Fri → Mon
    ['2025-11-08', '2025-11-09', 0], // Sat → Sun
  ] as const)('from %s to %s: %i', (from, to, n) => {
    expect(workdaysBetween(calendar, from, to)).toBe(n)
  })

  it('is the inverse of addWorkdays from a working day', () => {
    for (const n of [0, 1, 2, 5, 13, 30, 60]) {
      expect(workdaysBetween(calendar, '2025-09-26', addWorkdays(calendar, '2025-09-26', n))).toBe(
        n,
      )
    }
  })
})

describe('time-zone edges', () => {
  it('the last minute of 2025 in Shanghai is still 2025-12-31', () => {
    const order = received('2025-12-31T15:59:00.000Z', 3)
    expect(sh('2025-12-31 23:59:00')).toBe('2025-12-31T15:59:00.000Z')
    expect(order.receivedDay).toBe('2025-12-31')
    expect(localDateOf('2025-12-31T15:59:00.000Z', TZ)).toBe('2025-12-31')
  })

  it('midnight of 2026-01-01 in Shanghai is 2026-01-01 (still 2025 in UTC)', () => {
    expect(sh('2026-01-01 00:00:00')).toBe('2025-12-31T16:00:00.000Z')
    const order = received('2025-12-31T16:00:00.000Z', 3)
    expect(order.receivedDay).toBe('2026-01-01')
    // Thu 01-01 (holiday): Sun 01-04 调休 1, Mon 01-05 2, Tue 01-06 3
    expect(order.dueAt).toBe('2026-01-06T15:59:59.000Z')
  })

  it('the end of a local day is 15:59:59 UTC', () => {
    expect(endOfLocalDay('2025-10-21', TZ)).toBe('2025-10-21T15:59:59.000Z')
    expect(endOfLocalDay('2025-10-21', 'UTC')).toBe('2025-10-21T23:59:59.000Z')
  })
})

/** Receive Mon 2025-11-03 10:00, dispatch at 11:00, sign Tue 11-04 09:00: due Thu 11-20. */
function signedCase(): WorkOrder {
  let order = received(sh('2025-11-03 10:00:00'), 13)
  // Tue 11-04 1, 05 2, 06 3, 07 4, Mon 10 5, 11 6, 12 7, 13 8, 14 9, Mon 17 10, 18 11, 19 12, 20 13
  expect(order.dueAt).toBe('2025-11-20T15:59:59.000Z')
  order = step(order, dispatcher, { action: 'dispatch', unitId: UNIT }, sh('2025-11-03 11:00:00'))
  return step(order, caseworker, { action: 'sign' }, sh('2025-11-04 09:00:00'))
}

function returnRequested(at: string): WorkOrder {
  return step(
    signedCase(),
    caseworker,
    { action: 'request_return', reason: 'wrong_function', note: '非本单位职能' },
    at,
  )
}

describe('the clock pauses while a return waits for arbitration', () => {
  it('approved three working days later: due three working days later', () => {
    // requested Wed 11-05; approved Mon 11-10: waited Thu 11-06, Fri 11-07, Mon 11-10 = 3
    const waiting = returnRequested(sh('2025-11-05 10:00:00'))
    expect(waiting.pausedAt).toBe(sh('2025-11-05 10:00:00'))
    expect(waiting.dueAt).toBe('2025-11-20T15:59:59.000Z')
    const approved = step(
      waiting,
      dispatcher,
      { action: 'approve_return' },
      sh('2025-11-10 10:00:00'),
    )
    expect(approved.status).toBe('received')
    expect(approved.pausedAt).toBeNull()
    expect(approved.dueWorkdays).toBe(16)
    expect(approved.dueBaseDay).toBe('2025-11-03')
    // 11-20 + 3 working days: Fri 11-21, Mon 11-24, Tue 11-25
    expect(approved.dueAt).toBe('2025-11-25T15:59:59.000Z')
  })

  it('rejected four working days later: due four working days later', () => {
    // requested Fri 11-07; rejected Thu 11-13: Mon 10, Tue 11, Wed 12, Thu 13 = 4
    const waiting = returnRequested(sh('2025-11-07 17:00:00'))
    const rejected = step(
      waiting,
      dispatcher,
      { action: 'reject_return' },
      sh('2025-11-13 09:00:00'),
    )
    expect(rejected.status).toBe('in_progress')
    expect(rejected.dueWorkdays).toBe(17)
    // 11-20 + 4: Fri 11-21, Mon 11-24, Tue 11-25, Wed 11-26
    expect(rejected.dueAt).toBe('2025-11-26T15:59:59.000Z')
  })

  it('arbitrated the same day: the deadline does not move', () => {
    const waiting = returnRequested(sh('2025-11-05 10:00:00'))
    for (const action of ['approve_return', 'reject_return'] as const) {
      const next = step(waiting, dispatcher, { action }, sh('2025-11-05 17:30:00'))
      expect(next.dueAt).toBe('2025-11-20T15:59:59.000Z')
      expect(next.dueWorkdays).toBe(13)
    }
  })

  it('arbitrated over a weekend only: the deadline does not move', () => {
    // requested Fri 11-07 evening, arbitrated Sun 11-09: no working day waited
    const waiting = returnRequested(sh('2025-11-07 20:00:00'))
    const next = step(waiting, dispatcher, { action: 'reject_return' }, sh('2025-11-09 10:00:00'))
    expect(next.dueAt).toBe('2025-11-20T15:59:59.000Z')
  })
})

describe('extensions, reopening and closing', () => {
  it('an approved extension moves the deadline by the approved working days', () => {
    let order = signedCase()
    order = step(
      order,
      caseworker,
      { action: 'request_extension', workdays: 5, basis: '《信访工作条例》第三十二条' },
      sh('2025-11-10 10:00:00'),
    )
    expect(order.dueAt).toBe('2025-11-20T15:59:59.000Z')
    order = step(order, supervisor, { action: 'approve_extension' }, sh('2025-11-11 10:00:00'))
    expect(order.dueWorkdays).toBe(18)
    expect(order.extensionCount).toBe(1)
    expect(order.pendingExtensionWorkdays).toBeNull()
    // 11-20 + 5: Fri 11-21, Mon 24, Tue 25, Wed 26, Thu 11-27
    expect(order.dueAt).toBe('2025-11-27T15:59:59.000Z')
  })

  it('an extension across National Day skips the holiday', () => {
    // received Fri 09-26 due Tue 10-21 (13); +2 → Wed 10-22, Thu 10-23
    let order = received(sh('2025-09-26 10:00:00'), 13)
    order = step(order, dispatcher, { action: 'dispatch', unitId: UNIT }, sh('2025-09-26 11:00:00'))
    order = step(order, caseworker, { action: 'sign' }, sh('2025-09-26 12:00:00'))
    order = step(
      order,
      caseworker,
      { action: 'request_extension', workdays: 2, basis: '需勘查' },
      sh('2025-09-29 10:00:00'),
    )
    order = step(order, supervisor, { action: 'approve_extension' }, sh('2025-09-30 10:00:00'))
    expect(order.dueAt).toBe('2025-10-23T15:59:59.000Z')
  })

  it('reopen sets a new deadline counted from the reopen day', () => {
    let order = signedCase()
    order = step(
      order,
      caseworker,
      { action: 'reply_and_close', reply: '已处理' },
      sh('2025-11-06 10:00:00'),
    )
    order = step(
      order,
      citizen,
      { action: 'rate', rating: 'dissatisfied' },
      sh('2025-11-07 10:00:00'),
    )
    order = step(order, dispatcher, { action: 'reopen' }, sh('2025-11-12 15:00:00'), {
      slaWorkdays: 3,
    })
    expect(order.status).toBe('dispatched')
    expect(order.reopenCount).toBe(1)
    expect(order.closedAt).toBeNull()
    expect(order.closedOnTime).toBeNull()
    expect(order.handlingWorkdays).toBeNull()
    expect(order.dueBaseDay).toBe('2025-11-12')
    expect(order.dueWorkdays).toBe(3)
    // Wed 11-12 + 3: Thu 13, Fri 14, Mon 11-17
    expect(order.dueAt).toBe('2025-11-17T15:59:59.000Z')
  })

  it('closing exactly at the deadline is on time, one second later is late', () => {
    const order = signedCase()
    const onTime = step(
      order,
      caseworker,
      { action: 'reply_and_close', reply: '已处理' },
      '2025-11-20T15:59:59.000Z',
    )
    expect(onTime.closedOnTime).toBe(true)
    expect(onTime.handlingWorkdays).toBe(13)
    const late = step(
      order,
      caseworker,
      { action: 'reply_and_close', reply: '已处理' },
      '2025-11-20T16:00:00.000Z',
    )
    expect(late.closedOnTime).toBe(false)
    expect(late.closedAt).toBe('2025-11-20T16:00:00.000Z')
    // closed on Fri 11-21 (local): 14 working days
    expect(late.handlingWorkdays).toBe(14)
  })

  it('a direct answer on the day of receipt took 0 working days', () => {
    const order = received(sh('2025-11-03 10:00:00'), 3)
    const closed = step(
      order,
      dispatcher,
      { action: 'direct_answer', reply: '已答复' },
      sh('2025-11-03 23:59:59'),
    )
    expect(closed.status).toBe('closed')
    expect(closed.handlingWorkdays).toBe(0)
    expect(closed.closedOnTime).toBe(true)
  })

  it('handling days skip holidays: received 09-26, closed 10-10 = 5 working days', () => {
    let order = received(sh('2025-09-26 10:00:00'), 13)
    order = step(
      order,
      dispatcher,
      { action: 'direct_answer', reply: '已答复' },
      sh('2025-10-10 09:00:00'),
    )
    // Sun 09-28, Mon 29, Tue 30, Thu 10-09, Fri 10-10
    expect(order.handlingWorkdays).toBe(5)
    expect(refusal(order, citizen, 'rate')).toBeNull()
  })
})

describe('provisional deadlines (a year whose schedule is not loaded)', () => {
  it('a 13-day case received 2026-12-20 runs into 2027 and is provisional', () => {
    // Sun 2026-12-20: Mon 12-21 1, 22 2, 23 3, 24 4, Fri 25 5, Mon 28 6, 29 7, 30 8, Thu 31 9,
    // Fri 2027-01-01 10 (weekends only: New Year is not known yet), Mon 01-04 11, 05 12, Wed 01-06 13
    const order = received(sh('2026-12-20 10:00:00'), 13)
    expect(order.dueProvisional).toBe(true)
    expect(order.dueAt).toBe('2027-01-06T15:59:59.000Z')
  })

  it('once 2027 is loaded (here: declared scheduled) it is no longer provisional', () => {
    const loaded = officialCalendar([], [2027])
    const order = received(sh('2026-12-20 10:00:00'), 13, loaded)
    expect(order.dueProvisional).toBe(false)
    expect(order.dueAt).toBe('2027-01-06T15:59:59.000Z')
  })

  it('with an actual 2027 schedule the New Year holiday is skipped', () => {
    const loaded = officialCalendar([{ day: '2027-01-01', workday: false }], [2027])
    const order = received(sh('2026-12-20 10:00:00'), 13, loaded)
    expect(order.dueProvisional).toBe(false)
    expect(order.dueAt).toBe('2027-01-07T15:59:59.000Z')
  })

  it('a case due within 2026 is not provisional', () => {
    expect(received(sh('2026-12-01 10:00:00'), 13).dueProvisional).toBe(false)
  })
})

describe('admin overrides', () => {
  it('declaring 2025-10-09 a day off moves the deadline one working day later', () => {
    const cal = officialCalendar([{ day: '2025-10-09', workday: false }])
    expect(cal.isWorkday('2025-10-09')).toBe(false)
    const order = received(sh('2025-09-26 10:00:00'), 13, cal)
    expect(order.dueAt).toBe('2025-10-22T15:59:59.000Z')
  })

  it('declaring a holiday a working day moves the deadline earlier', () => {
    const cal = officialCalendar([{ day: '2025-10-08', workday: true }])
    const order = received(sh('2025-09-26 10:00:00'), 13, cal)
    expect(order.dueAt).toBe('2025-10-20T15:59:59.000Z')
  })

  it('an override wins over a make-up working day', () => {
    const cal = createCalendar({
      holidays: ['2025-10-01'],
      makeUpWorkdays: ['2025-09-28'],
      scheduledYears: [2025],
      overrides: [{ day: '2025-09-28', workday: false }],
    })
    expect(cal.isWorkday('2025-09-28')).toBe(false)
    expect(cal.isWorkday('2025-10-01')).toBe(false)
    expect(cal.isWorkday('2025-10-02')).toBe(true)
  })
})

describe('slaWorkdaysFor with the default rules', () => {
  const cases: [Kind, Urgency, Channel, number][] = [
    ['consultation', 'normal', 'hotline_12345', 3],
    ['help', 'normal', 'hotline_12345', 3],
    ['suggestion', 'normal', 'hotline_12345', 13],
    ['complaint', 'normal', 'hotline_12345', 13],
    ['report', 'normal', 'hotline_12345', 13],
    ['complaint', 'urgent', 'hotline_12345', 1],
    ['consultation', 'urgent', 'web', 1],
    ['complaint', 'critical', 'hotline_12345', 0],
    ['consultation', 'critical', 'ganfutong', 0],
    ['complaint', 'normal', 'window', 5],
    ['report', 'normal', 'wenzheng', 5],
    ['consultation', 'normal', 'window', 3],
    ['help', 'normal', 'wenzheng', 3],
    ['complaint', 'urgent', 'window', 1],
    ['suggestion', 'critical', 'wenzheng', 0],
    ['suggestion', 'normal', 'enterprise_visit', 13],
    ['report', 'normal', 'other', 13],
  ]
  it.each(cases)('%s, %s, %s: %i working days', (kind, urgency, channel, n) => {
    expect(slaWorkdaysFor(DEFAULT_SLA_RULES, { kind, urgency, channel })).toBe(n)
  })

  it('falls back to 13 when no rule matches', () => {
    expect(FALLBACK_WORKDAYS).toBe(13)
    expect(slaWorkdaysFor([], { kind: 'consultation', urgency: 'urgent', channel: 'window' })).toBe(
      13,
    )
    const rules: SlaRule[] = [{ kind: 'help', urgency: null, channel: null, workdays: 2 }]
    expect(slaWorkdaysFor(rules, { kind: 'complaint', urgency: 'normal', channel: 'web' })).toBe(13)
    expect(slaWorkdaysFor(rules, { kind: 'help', urgency: 'normal', channel: 'web' })).toBe(2)
  })

  it('a rule matches only when every non-null field matches', () => {
    const rules: SlaRule[] = [
      { kind: 'complaint', urgency: null, channel: 'web', workdays: 7 },
      { kind: null, urgency: null, channel: null, workdays: 20 },
    ]
    expect(slaWorkdaysFor(rules, { kind: 'complaint', urgency: 'normal', channel: 'web' })).toBe(7)
    expect(slaWorkdaysFor(rules, { kind: 'complaint', urgency: 'normal', channel: 'window' })).toBe(
      20,
    )
    expect(slaWorkdaysFor(rules, { kind: 'report', urgency: 'normal', channel: 'web' })).toBe(20)
  })
})
