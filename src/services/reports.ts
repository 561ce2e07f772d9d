import { listCategories, listUnits, type Unit } from '../../db/repositories/reference-data'
import {
  countFromCases,
  countOverdueOpen,
  sumRollups,
  type CaseFilter,
  type Grouping,
} from '../../db/repositories/rollups'
import { bulletinParagraph, bulletinSentence } from '../domain/bulletin'
import { CHANNEL_LABELS, KIND_LABELS } from '../domain/codes'
import { invalidField } from '../domain/errors'
import { addCounts, figuresOf, zeroCounts, type Counts, type Figures } from '../domain/figures'
import { isLocalDate } from '../domain/zoned-time'
import { nowOf, type Deps } from './deps'

/** What a summary asks for. `scope` is a unit's code or name; the report covers its subtree. */
export interface SummaryQuery {
  from: string
  to: string
  scope?: string | null
  by?: Grouping | null
}

/** One group of a summary: its code, its label and every figure. */
export interface SummaryGroup extends Figures {
  key: string
  label: string
}

/** The summary document of CONTRACT.md section 5, the same for the API and the CLI. */
export interface Summary {
  from: string
  to: string
  timezone: string
  asOf: string
  scope: { code: string; name: string } | null
  by: Grouping | null
  totals: Figures
  groups: SummaryGroup[]
  bulletin: string
}

/**
 * Checks a period and resolves the scope to the unit ids of its subtree.
 *
 * @example const filter = await resolveFilter(deps, { from: '2025-01-01', to: '2025-12-31', scope: 'XJ' })
 */
export async function resolveFilter(
  deps: Deps,
  query: Pick<SummaryQuery, 'from' | 'to' | 'scope'>,
): Promise<{ filter: CaseFilter; scopeUnit: Unit | null; units: Unit[] }> {
  if (!isLocalDate(query.from)) throw invalidField('from', 'must be a date YYYY-MM-DD')
  if (!isLocalDate(query.to)) throw invalidField('to', 'must be a date YYYY-MM-DD')
  if (query.to < query.from) throw invalidField('to', 'must not be before from')
  const units = await listUnits(deps.db)
  let scopeUnit: Unit | null = null
  let scopeUnitIds: number[] | null = null
  if (query.scope) {
    scopeUnit = units.find((u) => u.code === query.scope || u.name === query.scope) ?? null
    if (!scopeUnit) throw invalidField('scope', `no unit with code or name ${query.scope}`)
    scopeUnitIds = subtreeIds(units, scopeUnit.id)
  }
  return { filter: { from: query.from, to: query.to, scopeUnitIds }, scopeUnit, units }
}

/**
 * The ids of a unit and every unit below it.
 *
 * @example subtreeIds(units, districtId) // [district, its streets, their departments…]
 */
export function subtreeIds(units: readonly Unit[], rootId: number): number[] {
  const out = [rootId]
  for (let i = 0; i < out.length; i++) {
    for (const u of units) if (u.parentId === out[i]) out.push(u.id)
  }
  return out
}

/**
 * The summary for a period, from the rollups (cheap at any size), with overdue cases counted as of
 * now. Groups are sorted by key; the bulletin sentence comes with it.
 *
 * @example const s = await summarize(deps, { from: '2025-01-01', to: '2025-12-31', by: 'unit' })
 */
export async function summarize(deps: Deps, query: SummaryQuery): Promise<Summary> {
  const asOf = nowOf(deps)
  const { filter, scopeUnit, units } = await resolveFilter(deps, query)
  const by = query.by ?? null
  const [grouped, overdue] = await Promise.all([
    sumRollups(deps.db, filter, by),
    countOverdueOpen(deps.db, filter, by, asOf),
  ])
  for (const [key, n] of overdue) {
    const counts = grouped.get(key) ?? zeroCounts()
    counts.overdueOpen = n
    grouped.set(key, counts)
  }
  return buildSummary(deps, query, by, grouped, asOf, scopeUnit, units)
}

/**
 * The same summary computed from the raw cases (no rollups): slow, independent, the reference.
 *
 * @example const reference = await summarizeFromCases(deps, query)
 */
export async function summarizeFromCases(deps: Deps, query: SummaryQuery): Promise<Summary> {
  const asOf = nowOf(deps)
  const { filter, scopeUnit, units } = await resolveFilter(deps, query)
  const by = query.by ?? null
  const grouped = await countFromCases(deps.db, filter, by, asOf)
  return buildSummary(deps, query, by, grouped, asOf, scopeUnit, units)
}

async function buildSummary(
  deps: Deps,
  query: SummaryQuery,
  by: Grouping | null,
  grouped: Map<string, Counts>,
  asOf: string,
  scopeUnit: Unit | null,
  units: Unit[],
): Promise<Summary> {
  const totals = zeroCounts()
  for (const counts of grouped.values()) addCounts(totals, counts)
  const names = by ? await groupNames(deps, by, units) : new Map<string, GroupName>()
  const groups: SummaryGroup[] = by
    ? [...grouped.entries()]
        .filter(([, c]) => c.received > 0 || c.overdueOpen > 0)
        .sort(([a], [b]) => canonicalOrder(a, b, names))
        .map(([raw, counts]) => ({ ...nameOf(by, raw, names), ...figuresOf(counts) }))
    : []
  const totalFigures = figuresOf(totals)
  return {
    from: query.from,
    to: query.to,
    timezone: deps.timeZone,
    asOf,
    scope: scopeUnit && { code: scopeUnit.code, name: scopeUnit.name },
    by,
    totals: totalFigures,
    groups,
    bulletin: bulletinSentence(query.from, query.to, totalFigures),
  }
}

/** Channels and kinds in their listed order, units and categories in tree order, months in time. */
function canonicalOrder(a: string, b: string, names: Map<string, GroupName>): number {
  const order = [...names.keys()]
  const ia = order.indexOf(a)
  const ib = order.indexOf(b)
  if (ia !== ib && (ia === -1 || ib === -1)) return ia === -1 ? 1 : -1
  if (ia !== ib) return ia - ib
  return a < b ? -1 : a > b ? 1 : 0
}

interface GroupName {
  key: string
  label: string
}

function nameOf(by: Grouping, raw: string, names: Map<string, GroupName>): GroupName {
  const known = names.get(raw)
  if (known) return known
  if (by === 'month') return { key: raw, label: `${raw.slice(0, 4)}年${Number(raw.slice(5, 7))}月` }
  return { key: raw, label: raw }
}

async function groupNames(
  deps: Deps,
  by: Grouping,
  units: Unit[],
): Promise<Map<string, GroupName>> {
  const names = new Map<string, GroupName>()
  switch (by) {
    case 'channel':
      for (const [key, label] of Object.entries(CHANNEL_LABELS)) names.set(key, { key, label })
      break
    case 'kind':
      for (const [key, label] of Object.entries(KIND_LABELS)) names.set(key, { key, label })
      break
    case 'unit':
      for (const u of units) names.set(String(u.id), { key: u.code, label: u.name })
      names.set('0', { key: 'none', label: '热线办（未派单）' })
      break
    case 'category':
      for (const c of await listCategories(deps.db)) {
        names.set(String(c.id), { key: c.code, label: c.name })
      }
      names.set('0', { key: 'none', label: '未分类' })
      break
    case 'month':
      break
  }
  return names
}

/**
 * The briefing paragraph for a period (volume, closure, on-time and satisfaction rates, the
 * merged channels, the 办不成事 window and enterprise visits), from the rollups.
 *
 * @example const text = await briefingParagraph(deps, { from: '2025-01-01', to: '2025-12-31', scope: 'XJ' })
 */
export async function briefingParagraph(deps: Deps, query: Omit<SummaryQuery, 'by'>): Promise<string> {
  const byChannel = await summarize(deps, { ...query, by: 'channel' })
  return bulletinParagraph({
    from: query.from,
    to: query.to,
    scopeName: byChannel.scope?.name ?? null,
    totals: byChannel.totals,
    channels: Object.fromEntries(byChannel.groups.map((g) => [g.key, g])),
  })
}
