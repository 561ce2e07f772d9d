import { Hono, type Context } from 'hono'
import { GROUPINGS, type Grouping } from '../../db/repositories/rollups'
import { invalidField } from '../domain/errors'
import { apiAuth } from '../http/api-auth'
import { summarize, type SummaryQuery } from '../services/reports'
import { summaryCsv } from '../services/summary-formats'

const REPORT_ROLES = ['dispatcher', 'supervisor', 'reporter', 'admin'] as const

function summaryQuery(c: Context): SummaryQuery {
  const from = c.req.query('from')
  const to = c.req.query('to')
  if (!from) throw invalidField('from', 'is required (YYYY-MM-DD)')
  if (!to) throw invalidField('to', 'is required (YYYY-MM-DD)')
  const by = c.req.query('by') || null
  if (by !== null && !GROUPINGS.includes(by as Grouping)) {
    throw invalidField('by', `must be one of ${GROUPINGS.join(', ')}`)
  }
  return { from, to, by: by as Grouping | null, scope: c.req.query('scope') || null }
}

/**
 * The JSON API under `/api/v1` (so far the report summary of CONTRACT.md section 5, as JSON and
 * CSV; the same document `hotline report --format json` prints).
 *
 * @example app.route('/api/v1', apiRoutes())
 */
export function apiRoutes() {
  const app = new Hono()
  app.use('/reports/*', apiAuth(REPORT_ROLES))
  app.get('/reports/summary', async (c) => c.json(await summarize(c.var.deps, summaryQuery(c))))
  app.get('/reports/summary.csv', async (c) => {
    const query = summaryQuery(c)
    const summary = await summarize(c.var.deps, query)
    return c.body(summaryCsv(summary), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="hotline-${query.from}-${query.to}${query.by ? `-${query.by}` : ''}.csv"`,
    })
  })
  return app
}
