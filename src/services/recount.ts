import { GROUPINGS, type Grouping } from '../../db/repositories/rollups'
import { ROLLUP_COUNTS } from '../domain/figures'
import type { Deps } from './deps'
import { summarize, summarizeFromCases, type SummaryQuery } from './reports'

/** One figure where the rollups and the raw cases disagree. */
export interface Difference {
  by: Grouping | 'total'
  key: string
  field: string
  rollup: number
  recount: number
}

/**
 * Recomputes the figures of a period from the raw cases and compares them with the rollups, for
 * the totals and every grouping. An empty list means they agree.
 *
 * @example const diffs = await recount(deps, { from: '2025-01-01', to: '2025-12-31' })
 */
export async function recount(
  deps: Deps,
  query: Omit<SummaryQuery, 'by'>,
): Promise<{ differences: Difference[]; received: number; groupsCompared: number }> {
  const differences: Difference[] = []
  let groupsCompared = 0
  let received = 0
  const asOf = deps.clock()
  const fixed: Deps = { ...deps, clock: () => asOf }
  for (const by of [null, ...GROUPINGS]) {
    const [fromRollups, fromCases] = await Promise.all([
      summarize(fixed, { ...query, by }),
      summarizeFromCases(fixed, { ...query, by }),
    ])
    if (by === null) {
      received = fromCases.totals.received
      compare('total', 'total', fromRollups.totals, fromCases.totals, differences)
      groupsCompared++
      continue
    }
    const keys = new Set([...fromRollups.groups, ...fromCases.groups].map((g) => g.key))
    for (const key of keys) {
      const a = fromRollups.groups.find((g) => g.key === key)
      const b = fromCases.groups.find((g) => g.key === key)
      compare(by, key, a, b, differences)
      groupsCompared++
    }
  }
  return { differences, received, groupsCompared }
}

const FIELDS = [...ROLLUP_COUNTS, 'overdueOpen'] as const

function compare(
  by: Grouping | 'total',
  key: string,
  a: Partial<Record<(typeof FIELDS)[number], number>> | undefined,
  b: Partial<Record<(typeof FIELDS)[number], number>> | undefined,
  out: Difference[],
) {
  for (const field of FIELDS) {
    const rollup = a?.[field] ?? 0
    const recount = b?.[field] ?? 0
    if (rollup !== recount) out.push({ by, key, field, rollup, recount })
  }
}
