import type { Channel, Kind, Urgency } from './codes'

/**
 * One SLA rule (办理时限): cases matching every non-null field get `workdays` working days.
 * Rules are data, edited by admins; {@link DEFAULT_SLA_RULES} seeds them.
 */
export interface SlaRule {
  kind: Kind | null
  urgency: Urgency | null
  channel: Channel | null
  workdays: number
}

/** The defaults of CONTRACT.md section 2. `critical` is 0: due at the end of the day of receipt. */
export const DEFAULT_SLA_RULES: readonly SlaRule[] = [
  { kind: 'consultation', urgency: null, channel: null, workdays: 3 },
  { kind: 'help', urgency: null, channel: null, workdays: 3 },
  { kind: 'suggestion', urgency: null, channel: null, workdays: 13 },
  { kind: 'complaint', urgency: null, channel: null, workdays: 13 },
  { kind: 'report', urgency: null, channel: null, workdays: 13 },
  { kind: null, urgency: 'urgent', channel: null, workdays: 1 },
  { kind: null, urgency: 'critical', channel: null, workdays: 0 },
  { kind: null, urgency: null, channel: 'window', workdays: 5 },
  { kind: null, urgency: null, channel: 'wenzheng', workdays: 5 },
]

/** Used when no rule matches at all (an admin deleted them): the longest default. */
export const FALLBACK_WORKDAYS = 13

/**
 * The working days a case gets: the strictest (smallest) of the rules that match it, so an urgent
 * complaint at the window gets 1, a complaint at the window 5, a consultation at the window 3.
 *
 * @example slaWorkdaysFor(DEFAULT_SLA_RULES, { kind: 'complaint', urgency: 'normal', channel: 'window' }) // 5
 */
export function slaWorkdaysFor(
  rules: readonly SlaRule[],
  order: { kind: Kind; urgency: Urgency; channel: Channel },
): number {
  let best: number | null = null
  for (const r of rules) {
    if (r.kind !== null && r.kind !== order.kind) continue
    if (r.urgency !== null && r.urgency !== order.urgency) continue
    if (r.channel !== null && r.channel !== order.channel) continue
    if (best === null || r.workdays < best) best = r.workdays
  }
  return best ?? FALLBACK_WORKDAYS
}
