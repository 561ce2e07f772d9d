import { Hono, type Context } from 'hono'
import { GROUPINGS, type Grouping } from '../../db/repositories/rollups'
import { listUnits } from '../../db/repositories/reference-data'
import { ReportsPage } from '../../views/staff/reports-page'
import { invalidField } from '../domain/errors'
import { figuresOf, zeroCounts } from '../domain/figures'
import { leagueTable } from '../domain/league'
import { addDays, isLocalDate, localDateOf } from '../domain/zoned-time'
import { requireStaff } from '../http/staff-auth'
import { nowOf } from '../services/deps'
import { briefingParagraph, summarize, type SummaryQuery } from '../services/reports'
import { windowReport } from '../services/intake'
import { summaryCsv } from '../services/summary-formats'

const HANDLING_LEVELS = new Set(['street', 'town', 'department'])

/** Who may read reports: everyone but caseworkers (whose figures are their unit's, on the list). */
export const REPORT_ROLES = ['dispatcher', 'supervisor', 'reporter', 'admin'] as const

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

/**
 * The period before a period, of the same length (环比).
 *
 * @example previousPeriod('2025-03-01', '2025-03-31') // { from: '2025-01-29', to: '2025-02-28' }
 */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const length = daysBetween(from, to)
  const prevTo = addDays(from, -1)
  return { from: addDays(prevTo, -length), to: prevTo }
}

/**
 * The same period a year earlier (同比); 29 February becomes the 28th.
 *
 * @example lastYearPeriod('2024-02-01', '2024-02-29') // { from: '2023-02-01', to: '2023-02-28' }
 */
export function lastYearPeriod(from: string, to: string): { from: string; to: string } {
  const back = (d: string) => {
    const candidate = `${Number(d.slice(0, 4)) - 1}${d.slice(4)}`
    return isLocalDate(candidate) ? candidate : `${candidate.slice(0, 8)}28`
  }
  return { from: back(from), to: back(to) }
}

/**
 * The period, grouping and scope of a report request, defaulting to this month so far.
 *
 * @example const query = reportQuery(c)
 */
export function reportQuery(c: Context): SummaryQuery & { by: Grouping | null; scope: string | null } {
  const today = localDateOf(nowOf(c.var.deps), c.var.deps.timeZone)
  const from = c.req.query('from') || `${today.slice(0, 7)}-01`
  const to = c.req.query('to') || today
  const by = c.req.query('by') || null
  if (by !== null && !GROUPINGS.includes(by as Grouping)) {
    throw invalidField('by', `must be one of ${GROUPINGS.join(', ')}`)
  }
  return { from, to, by: by as Grouping | null, scope: c.req.query('scope') || null }
}

/**
 * `/staff/reports` and its CSV export, from the rollups.
 *
 * @example app.route('/', reportRoutes())
 */
export function reportRoutes() {
  const app = new Hono()
  app.use('/staff/reports', requireStaff(REPORT_ROLES))
  app.use('/staff/reports/*', requireStaff(REPORT_ROLES))

  app.get('/staff/reports', async (c) => {
    const { deps } = c.var
    const query = reportQuery(c)
    const summary = await summarize(deps, query)
    const trendFrom = `${addDays(`${query.to.slice(0, 7)}-01`, -335).slice(0, 7)}-01`
    const [trend, paragraph, previous, lastYear, units, byUnit, windowFigures] = await Promise.all([
      summarize(deps, { ...query, from: trendFrom, by: 'month' }),
      briefingParagraph(deps, query),
      summarize(deps, { ...query, ...previousPeriod(query.from, query.to), by: null }),
      summarize(deps, { ...query, ...lastYearPeriod(query.from, query.to), by: null }),
      listUnits(deps.db),
      query.by === 'unit' ? Promise.resolve(summary) : summarize(deps, { ...query, by: 'unit' }),
      windowReport(deps, query),
    ])
    const league = leagueTable(
      units
        .filter((u) => HANDLING_LEVELS.has(u.level))
        .map((u) => ({
          unit: { id: u.id, code: u.code, name: u.name },
          figures: byUnit.groups.find((g) => g.key === u.code) ?? figuresOf(zeroCounts()),
        }))
        .filter((e) => e.figures.received > 0),
    )
    const caseLink = (figure: string, group: Record<string, string> = {}) => {
      const p = new URLSearchParams({ from: query.from, to: query.to, figure })
      if (query.scope) p.set('scope', query.scope)
      for (const [k, v] of Object.entries(group)) p.set(k, v)
      return `/staff/cases?${p}`
    }
    const params = new URLSearchParams(
      Object.entries({ from: query.from, to: query.to, by: query.by ?? '', scope: query.scope ?? '' }).filter(
        ([, v]) => v !== '',
      ),
    )
    return c.html(
      <ReportsPage
        session={c.var.staff}
        summary={summary}
        previous={previous}
        lastYear={lastYear}
        scopes={units.filter((u) => u.level === 'city' || u.level === 'district').map((u) => ({ code: u.code, name: u.name }))}
        query={query}
        league={league}
        paragraph={paragraph}
        trend={trend}
        caseLink={caseLink}
        csvUrl={`/staff/reports/summary.csv?${params}`}
        windowReport={windowFigures}
      />,
    )
  })

  app.get('/staff/reports/summary.csv', async (c) => {
    const query = reportQuery(c)
    const summary = await summarize(c.var.deps, query)
    const name = `hotline-${query.from}-${query.to}${query.by ? `-${query.by}` : ''}.csv`
    return c.body(summaryCsv(summary), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
    })
  })

  return app
}
