import { describe, expect, it } from 'vitest'
import { isSatisfied, RATINGS, type Rating } from '../../src/domain/codes'
import {
  addCounts,
  caseCounts,
  figuresOf,
  rate,
  ROLLUP_COUNTS,
  zeroCounts,
  type Counts,
} from '../../src/domain/figures'
import { STATUSES, type Status } from '../../src/domain/status'
import { workOrder } from './builders'

type CaseFacts = Parameters<typeof caseCounts>[0]

function facts(overrides: Partial<CaseFacts>): CaseFacts {
  const {
    status,
    closedOnTime,
    rating,
    returnCount,
    extensionCount,
    reopenCount,
    handlingWorkdays,
  } = workOrder(overrides)
  return {
    status,
    closedOnTime,
    rating,
    returnCount,
    extensionCount,
    reopenCount,
    handlingWorkdays,
  }
}

function counts(overrides: Partial<Counts>): Counts {
  return { ...zeroCounts(), ...overrides }
}

/** A case with every flag set: returned, extended, reopened, closed on time, rated. */
const busy: Partial<CaseFacts> = {
  closedOnTime: true,
  rating: 'very_dissatisfied',
  returnCount: 2,
  extensionCount: 1,
  reopenCount: 1,
  handlingWorkdays: 9,
}

describe('caseCounts, state by state', () => {
  const expected: Record<Status, Counts> = {
    received: counts({ received: 1, returned: 1, extended: 1, reopened: 1 }),
    dispatched: counts({ received: 1, returned: 1, extended: 1, reopened: 1 }),
    in_progress: counts({ received: 1, returned: 1, extended: 1, reopened: 1 }),
    return_requested: counts({ received: 1, returned: 1, extended: 1, reopened: 1 }),
    closed: counts({
      received: 1,
      closed: 1,
      closedOnTime: 1,
      rated: 1,
      dissatisfied: 1,
      returned: 1,
      extended: 1,
      reopened: 1,
      handlingWorkdays: 9,
    }),
    archived: counts({
      received: 1,
      closed: 1,
      closedOnTime: 1,
      rated: 1,
      dissatisfied: 1,
      returned: 1,
      extended: 1,
      reopened: 1,
      handlingWorkdays: 9,
    }),
    invalid: counts({ received: 1, invalid: 1 }),
    merged: counts({ received: 1, merged: 1 }),
  }

  it('lists every state', () => {
    expect(Object.keys(expected).sort()).toEqual([...STATUSES].sort())
  })

  it.each(STATUSES)('%s with every flag set', (status) => {
    expect(caseCounts(facts({ ...busy, status }))).toEqual(expected[status])
  })

  it.each(STATUSES)('%s with no flag set', (status) => {
    const plain = caseCounts(facts({ status }))
    expect(plain.received).toBe(1)
    expect(plain.invalid).toBe(status === 'invalid' ? 1 : 0)
    expect(plain.merged).toBe(status === 'merged' ? 1 : 0)
    expect(plain.closed).toBe(status === 'closed' || status === 'archived' ? 1 : 0)
    expect(plain.closedOnTime + plain.rated + plain.satisfied + plain.dissatisfied).toBe(0)
    expect(plain.returned + plain.extended + plain.reopened + plain.handlingWorkdays).toBe(0)
    expect(plain.overdueOpen).toBe(0)
  })

  it('a late close counts as closed but not on time', () => {
    expect(
      caseCounts(facts({ status: 'closed', closedOnTime: false, handlingWorkdays: 15 })),
    ).toEqual(counts({ received: 1, closed: 1, handlingWorkdays: 15 }))
  })

  it('a closed case with unknown handling days adds 0 days', () => {
    expect(caseCounts(facts({ status: 'archived', closedOnTime: true })).handlingWorkdays).toBe(0)
  })

  const ratingRows: [Rating, 'satisfied' | 'dissatisfied'][] = [
    ['very_satisfied', 'satisfied'],
    ['satisfied', 'satisfied'],
    ['basically_satisfied', 'satisfied'],
    ['dissatisfied', 'dissatisfied'],
    ['very_dissatisfied', 'dissatisfied'],
  ]
  it('covers every rating', () => {
    expect(ratingRows.map(([r]) => r)).toEqual([...RATINGS])
  })
  it.each(ratingRows)('rating %s counts as %s', (rating, side) => {
    expect(isSatisfied(rating)).toBe(side === 'satisfied')
    const c = caseCounts(facts({ status: 'closed', closedOnTime: true, rating }))
    expect(c.rated).toBe(1)
    expect(c.satisfied).toBe(side === 'satisfied' ? 1 : 0)
    expect(c.dissatisfied).toBe(side === 'dissatisfied' ? 1 : 0)
  })

  it('a rating on a case that is open again (reopened) is not counted', () => {
    const c = caseCounts(facts({ status: 'dispatched', rating: 'dissatisfied', reopenCount: 1 }))
    expect(c).toEqual(counts({ received: 1, reopened: 1 }))
  })

  it.each(['returnCount', 'extensionCount', 'reopenCount'] as const)(
    '%s counts a case once however many times',
    (field) => {
      const c = caseCounts(facts({ status: 'in_progress', [field]: 3 }))
      const name = { returnCount: 'returned', extensionCount: 'extended', reopenCount: 'reopened' }[
        field
      ]
      expect(c).toEqual(counts({ received: 1, [name]: 1 }))
    },
  )
})

describe('adding counts', () => {
  it('adds and subtracts every field', () => {
    const a = caseCounts(facts({ ...busy, status: 'closed' }))
    const b = caseCounts(facts({ status: 'invalid' }))
    const sum = addCounts(addCounts(zeroCounts(), a), b)
    expect(sum).toEqual({ ...a, received: 2, invalid: 1 })
    expect(addCounts(sum, b, -1)).toEqual(a)
  })

  it('rollups keep every count but overdueOpen', () => {
    expect([...ROLLUP_COUNTS].sort()).toEqual(
      Object.keys(zeroCounts())
        .filter((k) => k !== 'overdueOpen')
        .sort(),
    )
  })
})

describe('figuresOf', () => {
  it('no cases at all: valid 0 and every rate null', () => {
    expect(figuresOf(zeroCounts())).toEqual({
      ...zeroCounts(),
      valid: 0,
      closureRate: null,
      onTimeRate: null,
      satisfactionRate: null,
      callbackRate: null,
      returnRate: null,
      reopenRate: null,
      avgHandlingWorkdays: null,
    })
  })

  it('only invalid and merged cases: valid 0, rates null', () => {
    const f = figuresOf(counts({ received: 3, invalid: 2, merged: 1 }))
    expect(f.valid).toBe(0)
    expect(f.closureRate).toBeNull()
    expect(f.returnRate).toBeNull()
  })

  it('open cases only: closure 0, the close-based rates null', () => {
    const f = figuresOf(counts({ received: 4, returned: 1 }))
    expect(f.valid).toBe(4)
    expect(f.closureRate).toBe(0)
    expect(f.returnRate).toBe(0.25)
    expect(f.onTimeRate).toBeNull()
    expect(f.callbackRate).toBeNull()
    expect(f.satisfactionRate).toBeNull()
    expect(f.reopenRate).toBeNull()
    expect(f.avgHandlingWorkdays).toBeNull()
  })

  it('a worked example with every rate', () => {
    // 20 received, 2 invalid, 2 merged → 16 valid; 10 closed (8 on time), 5 rated (4 satisfied),
    // 4 returned, 2 extended, 1 reopened, 35 working days of handling in all.
    const c = counts({
      received: 20,
      invalid: 2,
      merged: 2,
      closed: 10,
      closedOnTime: 8,
      rated: 5,
      satisfied: 4,
      dissatisfied: 1,
      returned: 4,
      extended: 2,
      reopened: 1,
      handlingWorkdays: 35,
      overdueOpen: 3,
    })
    expect(figuresOf(c)).toEqual({
      ...c,
      valid: 16,
      closureRate: 0.625, // 10 / 16
      onTimeRate: 0.8, // 8 / 10
      satisfactionRate: 0.8, // 4 / 5
      callbackRate: 0.5, // 5 / 10
      returnRate: 0.25, // 4 / 16
      reopenRate: 0.1, // 1 / 10
      avgHandlingWorkdays: 3.5, // 35 / 10
    })
  })

  it('figures of cases built one by one', () => {
    const cases: Partial<CaseFacts>[] = [
      { status: 'closed', closedOnTime: true, rating: 'satisfied', handlingWorkdays: 2 },
      {
        status: 'archived',
        closedOnTime: false,
        rating: 'dissatisfied',
        handlingWorkdays: 6,
        reopenCount: 1,
      },
      { status: 'closed', closedOnTime: true, handlingWorkdays: 1, extensionCount: 1 },
      { status: 'in_progress', returnCount: 1 },
      { status: 'invalid', returnCount: 1 },
      { status: 'merged' },
    ]
    const total = cases.reduce<Counts>(
      (sum, c) => addCounts(sum, caseCounts(facts(c))),
      zeroCounts(),
    )
    const f = figuresOf(total)
    expect(f.received).toBe(6)
    expect(f.valid).toBe(4)
    expect(f.closed).toBe(3)
    expect(f.closedOnTime).toBe(2)
    expect(f.rated).toBe(2)
    expect(f.satisfied).toBe(1)
    expect(f.dissatisfied).toBe(1)
    expect(f.returned).toBe(1) // the invalid case's return does not count
    expect(f.extended).toBe(1)
    expect(f.reopened).toBe(1)
    expect(f.closureRate).toBe(0.75)
    expect(f.onTimeRate).toBe(2 / 3)
    expect(f.satisfactionRate).toBe(0.5)
    expect(f.callbackRate).toBe(2 / 3)
    expect(f.returnRate).toBe(0.25)
    expect(f.reopenRate).toBe(1 / 3)
    expect(f.avgHandlingWorkdays).toBe(3)
  })

  it('rate divides, or is null for a zero denominator', () => {
    expect(rate(1, 4)).toBe(0.25)
    expect(rate(0, 4)).toBe(0)
    expect(rate(1, 0)).toBeNull()
    expect(rate(0, 0)).toBeNull()
  })
})
