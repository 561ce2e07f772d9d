import { Hono, type Context } from 'hono'
import { requireStaff } from '../http/staff-auth'
import { caseListCsv } from '../services/case-list-csv'
import { parseCaseListQuery, type CaseListQuery } from '../services/queues'
import { summarize } from '../services/reports'
import { caseListXlsx, summaryXlsx, XLSX_CONTENT_TYPE } from '../services/summary-xlsx'
import { REPORT_ROLES, reportQuery } from './reports'

/** The report query as `/staff/reports` reads it (defaults: this month so far). */
/** A file name for a case-list export: the period and figure when the list has them. */
function caseFileName(query: CaseListQuery, ext: 'csv' | 'xlsx'): string {
  const parts = [
    'hotline-cases',
    query.from,
    query.to,
    query.figure,
    query.queue === 'all' ? undefined : query.queue,
  ]
  return `${parts.filter((p) => p !== undefined && /^[\w-]+$/.test(p)).join('-')}.${ext}`
}

/**
 * A stream of text chunks as a response body, started before the response is: the first chunks
 * (the header and the first page, whose query may refuse the list) are read first, so that a
 * refusal is still an error page and not a cut-off file.
 */
async function streamed(chunks: AsyncGenerator<string>): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder()
  const ready: string[] = []
  let done = false
  for (let i = 0; i < 2 && !done; i++) {
    const next = await chunks.next()
    if (next.done) done = true
    else ready.push(next.value)
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const text = ready.shift()
      if (text !== undefined) return controller.enqueue(encoder.encode(text))
      const next = done ? { done: true as const, value: undefined } : await chunks.next()
      if (next.done) controller.close()
      else controller.enqueue(encoder.encode(next.value))
    },
    async cancel() {
      await chunks.return(undefined)
    },
  })
}

function download(
  c: Context,
  body: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>,
  type: string,
  name: string,
) {
  return c.body(body, 200, {
    'Content-Type': type,
    'Content-Disposition': `attachment; filename="${name}"`,
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
  })
}

/**
 * The Excel and CSV exports of the back office: the summary workbook (report roles, the same
 * parameters as `/staff/reports`) and the cases behind any figure or list (any staff role, the
 * same parameters as `/staff/cases`; caseworkers get their own unit's cases; personal data masked
 * and never for reporters). Mount before the staff routes so `/staff/cases/export.*` is not read
 * as a case id.
 *
 * @example app.route('/', exportRoutes())
 */
export function exportRoutes() {
  const app = new Hono()

  app.get('/staff/reports/summary.xlsx', requireStaff(REPORT_ROLES), async (c) => {
    const query = reportQuery(c)
    const summary = await summarize(c.var.deps, query)
    const name = `hotline-${query.from}-${query.to}${query.by ? `-${query.by}` : ''}.xlsx`
    return download(c, await summaryXlsx(summary), XLSX_CONTENT_TYPE, name)
  })

  app.get('/staff/cases/export.csv', requireStaff(), async (c) => {
    const query = parseCaseListQuery(new URL(c.req.url).searchParams)
    const csv = await streamed(caseListCsv(c.var.deps, c.var.actor, query))
    return download(c, csv, 'text/csv; charset=utf-8', caseFileName(query, 'csv'))
  })

  app.get('/staff/cases/export.xlsx', requireStaff(), async (c) => {
    const query = parseCaseListQuery(new URL(c.req.url).searchParams)
    const bytes = await caseListXlsx(c.var.deps, c.var.actor, query)
    return download(c, bytes, XLSX_CONTENT_TYPE, caseFileName(query, 'xlsx'))
  })

  return app
}
