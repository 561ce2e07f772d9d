import type { Figures } from './figures'

/**
 * The published weights of the unit league table (红黑榜). Each component is a rate in [0, 1];
 * return and reopen rates count inverted (fewer is better). A component whose rate is empty (no
 * denominator) is left out and the others are re-weighted, so a unit is never scored on nothing.
 */
export const LEAGUE_WEIGHTS = {
  closureRate: 0.3,
  onTimeRate: 0.25,
  satisfactionRate: 0.3,
  returnRate: 0.075,
  reopenRate: 0.075,
} as const

/** Units with fewer valid cases than this are listed but not ranked. */
export const LEAGUE_MIN_VOLUME = 20

/** How many units the red and black lists highlight. */
export const LEAGUE_HIGHLIGHT = 5

/** One unit's line in the league table. */
export interface LeagueRow<T> {
  unit: T
  figures: Figures
  /** 0–100, two decimals; null when the unit has no figure to score. */
  score: number | null
  rank: number | null
  band: 'red' | 'black' | null
}

/**
 * A unit's score: the weighted mean of its rates, as points out of 100.
 *
 * @example leagueScore({ ...figures, closureRate: 1, onTimeRate: 1, satisfactionRate: 1, returnRate: 0, reopenRate: 0 }) // 100
 */
export function leagueScore(f: Figures): number | null {
  let total = 0
  let weights = 0
  for (const [key, weight] of Object.entries(LEAGUE_WEIGHTS) as [keyof typeof LEAGUE_WEIGHTS, number][]) {
    const value = f[key]
    if (value === null) continue
    const good = key === 'returnRate' || key === 'reopenRate' ? 1 - value : value
    total += weight * good
    weights += weight
  }
  return weights === 0 ? null : Math.round((total / weights) * 10000) / 100
}

/**
 * Ranks units by score (ties: more valid cases first, then the given order); units under the
 * minimum volume are listed after the ranked ones without a rank. The top and bottom
 * {@link LEAGUE_HIGHLIGHT} ranked units are the red (红榜) and black (黑榜) lists.
 *
 * @example const table = leagueTable(units.map((u) => ({ unit: u, figures: byUnit[u.id] })))
 */
export function leagueTable<T>(
  entries: { unit: T; figures: Figures }[],
  minVolume = LEAGUE_MIN_VOLUME,
): LeagueRow<T>[] {
  const scored = entries.map((e, i) => ({ ...e, i, score: leagueScore(e.figures) }))
  const ranked = scored
    .filter((e) => e.figures.valid >= minVolume && e.score !== null)
    .sort((a, b) => b.score! - a.score! || b.figures.valid - a.figures.valid || a.i - b.i)
  const rest = scored.filter((e) => !ranked.includes(e))
  const highlight = Math.min(LEAGUE_HIGHLIGHT, Math.floor(ranked.length / 2))
  return [
    ...ranked.map((e, index) => ({
      unit: e.unit,
      figures: e.figures,
      score: e.score,
      rank: index + 1,
      band:
        index < highlight ? ('red' as const) : index >= ranked.length - highlight ? ('black' as const) : null,
    })),
    ...rest.map((e) => ({ unit: e.unit, figures: e.figures, score: e.score, rank: null, band: null })),
  ]
}
