import { isSatisfied } from './codes'
import { isClosed } from './status'
import type { WorkOrder } from './work-order'

/**
 * The additive counts behind every figure (CONTRACT.md section 5). They add across cases, days and
 * groups, which is what lets rollups answer any period cheaply. `handlingWorkdays` is the sum over
 * closed cases; `overdueOpen` depends on the moment asked and is counted from open cases.
 */
export interface Counts {
  received: number
  invalid: number
  merged: number
  closed: number
  closedOnTime: number
  rated: number
  satisfied: number
  dissatisfied: number
  returned: number
  extended: number
  reopened: number
  handlingWorkdays: number
  overdueOpen: number
}

/** The counts kept in rollups, in storage order (all but `overdueOpen`). */
export const ROLLUP_COUNTS = [
  'received',
  'invalid',
  'merged',
  'closed',
  'closedOnTime',
  'rated',
  'satisfied',
  'dissatisfied',
  'returned',
  'extended',
  'reopened',
  'handlingWorkdays',
] as const satisfies readonly (keyof Counts)[]
export type RollupCount = (typeof ROLLUP_COUNTS)[number]

/** Counts of nothing. */
export function zeroCounts(): Counts {
  return {
    received: 0,
    invalid: 0,
    merged: 0,
    closed: 0,
    closedOnTime: 0,
    rated: 0,
    satisfied: 0,
    dissatisfied: 0,
    returned: 0,
    extended: 0,
    reopened: 0,
    handlingWorkdays: 0,
    overdueOpen: 0,
  }
}

/**
 * Adds `b` into `a` (mutates and returns `a`).
 *
 * @example addCounts(zeroCounts(), { ...zeroCounts(), received: 2 }).received // 2
 */
export function addCounts(a: Counts, b: Counts, sign: 1 | -1 = 1): Counts {
  for (const k of Object.keys(a) as (keyof Counts)[]) a[k] += sign * b[k]
  return a
}

/**
 * What one case adds to the counts, as it stands now (`overdueOpen` excluded).
 *
 * @example caseCounts(closedOnTimeCase).closedOnTime // 1
 */
export function caseCounts(
  order: Pick<
    WorkOrder,
    | 'status'
    | 'closedOnTime'
    | 'rating'
    | 'returnCount'
    | 'extensionCount'
    | 'reopenCount'
    | 'handlingWorkdays'
  >,
): Counts {
  const c = zeroCounts()
  c.received = 1
  if (order.status === 'invalid') c.invalid = 1
  if (order.status === 'merged') c.merged = 1
  if (c.invalid || c.merged) return c
  if (order.returnCount > 0) c.returned = 1
  if (order.extensionCount > 0) c.extended = 1
  if (order.reopenCount > 0) c.reopened = 1
  if (isClosed(order.status)) {
    c.closed = 1
    if (order.closedOnTime) c.closedOnTime = 1
    c.handlingWorkdays = order.handlingWorkdays ?? 0
    if (order.rating) {
      c.rated = 1
      if (isSatisfied(order.rating)) c.satisfied = 1
      else c.dissatisfied = 1
    }
  }
  return c
}

/** The figures of section 5: counts, derived counts and rates (null when the denominator is 0). */
export interface Figures extends Counts {
  valid: number
  closureRate: number | null
  onTimeRate: number | null
  satisfactionRate: number | null
  callbackRate: number | null
  returnRate: number | null
  reopenRate: number | null
  avgHandlingWorkdays: number | null
}

/**
 * A ratio, or null when there is nothing to divide by.
 *
 * @example rate(1, 0) // null
 */
export function rate(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator
}

/**
 * Derives every figure from the counts.
 *
 * @example figuresOf({ ...zeroCounts(), received: 4, closed: 4 }).closureRate // 1
 */
export function figuresOf(counts: Counts): Figures {
  const valid = counts.received - counts.invalid - counts.merged
  return {
    ...counts,
    valid,
    closureRate: rate(counts.closed, valid),
    onTimeRate: rate(counts.closedOnTime, counts.closed),
    satisfactionRate: rate(counts.satisfied, counts.rated),
    callbackRate: rate(counts.rated, counts.closed),
    returnRate: rate(counts.returned, valid),
    reopenRate: rate(counts.reopened, counts.closed),
    avgHandlingWorkdays: rate(counts.handlingWorkdays, counts.closed),
  }
}
