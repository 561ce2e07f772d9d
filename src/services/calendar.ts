import type { Calendar } from '../domain/calendar'
import type { SlaRule } from '../domain/sla'
import { listSlaRules, loadCalendarOverrides } from '../../db/repositories/reference-data'
import type { Deps } from './deps'
import { officialCalendar } from './official-holidays'

interface Cached {
  at: number
  calendar: Calendar
  rules: SlaRule[]
}

const cache = new WeakMap<object, Cached>()
/** How long another server's admin change may take to be seen here. */
const TTL_MS = 30_000

/**
 * The calendar (official schedule plus the admin's overrides) and SLA rules in force, cached per
 * store for a few seconds.
 *
 * @example const { calendar, rules } = await workingRules(deps)
 */
export async function workingRules(deps: Deps): Promise<{ calendar: Calendar; rules: SlaRule[] }> {
  const hit = cache.get(deps.db)
  const now = Date.now()
  if (hit && now - hit.at < TTL_MS) return hit
  const { overrides, years } = await loadCalendarOverrides(deps.db)
  const rules = await listSlaRules(deps.db)
  const fresh = { at: now, calendar: officialCalendar(overrides, years), rules }
  cache.set(deps.db, fresh)
  return fresh
}

/**
 * Forgets the cached rules after an admin change in this process.
 *
 * @example forgetWorkingRules(deps)
 */
export function forgetWorkingRules(deps: Deps): void {
  cache.delete(deps.db)
}
