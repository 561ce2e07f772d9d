import { Hono, type Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { findWorkOrder } from '../../db/repositories/work-orders'
import { ApiReferencePage } from '../../views/api-reference'
import { pickLocale } from '../../views/i18n'
import { HotlineError, invalidField } from '../domain/errors'
import { apiAuth } from '../http/api-auth'
import { rateLimit, type RateLimitStore } from '../http/rate-limit'
import {
  actOnCase,
  caseIdParamSchema,
  categoriesJson,
  createCase,
  listCasesPage,
  readCase,
  unitsJson,
} from '../services/api-cases'
import { idempotent, IDEMPOTENCY_KEY_PATTERN } from '../services/idempotency'
import {
  ACT_ROLES,
  CREATE_ROLES,
  IMPORT_ROLES,
  openApiDocument,
  READ_ROLES,
  REPORT_ROLES,
  summaryQuerySchema,
  type ApiErrorBody,
} from '../services/openapi'
import { summarize, type SummaryQuery } from '../services/reports'
import { parseInput } from '../services/schemas'
import { summaryCsv } from '../services/summary-formats'
import { importApi } from './imports'

/** Requests per token (or staff user) and window, unless the app says otherwise. */
export const API_RATE_LIMIT = { limit: 300, windowMs: 60_000 }

/** Options of {@link apiRoutes}. */
export interface ApiRoutesOptions {
  /** The per-principal limit; {@link API_RATE_LIMIT} by default. */
  rateLimit?: { limit: number; windowMs: number }
  /** Where the counts live; a fresh in-memory store by default. */
  rateLimitStore?: RateLimitStore
  /** The rate limit's clock in ms; `Date.now` by default. */
  now?: () => number
}

/** The query parameters that were given (blank ones count as absent). */
function givenQuery(c: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v.trim() !== ''))
}

function summaryQuery(c: Context): SummaryQuery {
  const q = parseInput(summaryQuerySchema, givenQuery(c))
  return { from: q.from, to: q.to, by: q.by ?? null, scope: q.scope ?? null }
}

/** The JSON body of a POST: 400 unless it is sent as JSON and parses. */
async function jsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('Content-Type') ?? ''
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new HotlineError(
      'bad_request',
      'send the body as JSON, with Content-Type: application/json',
    )
  }
  const text = await c.req.text()
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HotlineError('bad_request', 'the body is not valid JSON')
  }
}

function caseIdOf(c: Context): number {
  const raw = c.req.param('id') ?? ''
  const parsed = caseIdParamSchema.safeParse({ id: raw })
  if (!/^\d+$/.test(raw) || !parsed.success)
    throw new HotlineError('not_found', `case ${raw} not found`)
  return parsed.data.id
}

function errorJson(
  code: string,
  message: string,
  extra: Partial<ApiErrorBody['error']> = {},
): ApiErrorBody {
  return { error: { code, message, ...extra } }
}

/**
 * The JSON API under `/api/v1` (CONTRACT.md section 4): cases (file with `Idempotency-Key`, read,
 * list with a cursor, act with the case version), units and categories, the report summary as
 * JSON and CSV, and the OpenAPI document with its readable reference. Every authenticated route
 * is rate-limited per token or staff user (429 with `Retry-After`); errors are always the JSON
 * shape of section 4.
 *
 * @example app.route('/api/v1', apiRoutes())
 */
export function apiRoutes(options: ApiRoutesOptions = {}) {
  const app = new Hono()
  const limited = rateLimit({
    name: 'api',
    ...(options.rateLimit ?? API_RATE_LIMIT),
    key: (c) => c.var.apiPrincipal,
    store: options.rateLimitStore,
    now: options.now,
  })
  const noStore = async (c: Context, next: () => Promise<void>) => {
    await next()
    c.header('Cache-Control', 'no-store')
  }

  app.get('/openapi.json', (c) => c.json(openApiDocument()))
  app.get('/docs', (c) => {
    const locale = pickLocale(getCookie(c, 'lang'), c.req.header('Accept-Language'))
    return c.html(ApiReferencePage({ locale, path: c.req.path, doc: openApiDocument() }))
  })

  app.use('/reports/*', apiAuth(REPORT_ROLES), limited)
  app.get('/reports/summary', async (c) => c.json(await summarize(c.var.deps, summaryQuery(c))))
  app.get('/reports/summary.csv', async (c) => {
    const query = summaryQuery(c)
    const summary = await summarize(c.var.deps, query)
    return c.body(summaryCsv(summary), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="hotline-${query.from}-${query.to}${query.by ? `-${query.by}` : ''}.csv"`,
    })
  })

  app.get('/units', apiAuth(READ_ROLES), limited, async (c) => c.json(await unitsJson(c.var.deps)))
  app.get('/categories', apiAuth(READ_ROLES), limited, async (c) =>
    c.json(await categoriesJson(c.var.deps)),
  )

  app.post('/cases', apiAuth(CREATE_ROLES), limited, noStore, async (c) => {
    const { deps, actor } = c.var
    const body = await jsonBody(c)
    const key = c.req.header('Idempotency-Key')
    if (key === undefined) {
      const { created } = await createCase(deps, body, actor)
      c.header('Location', `/api/v1/cases/${created.id}`)
      return c.json(created, 201)
    }
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw invalidField('Idempotency-Key', 'must be 1–255 visible ASCII characters')
    }
    const request = { principal: c.var.apiPrincipal, key, method: 'POST', path: c.req.path, body }
    const outcome = await idempotent(deps, request, async (trx) => {
      const { created, stored } = await createCase(trx, body, actor)
      return { status: 201, body: created, stored }
    })
    if (outcome.kind === 'reused') {
      const message = 'this Idempotency-Key was already used with another request body'
      const fields = { 'Idempotency-Key': 'was used with another body; use a new key' }
      return c.json(errorJson('idempotency_key_reused', message, { fields }), 422)
    }
    if (outcome.kind === 'replayed') c.header('Idempotent-Replayed', 'true')
    const id = (outcome.body as { id: number }).id
    c.header('Location', `/api/v1/cases/${id}`)
    return c.json(outcome.body as object, outcome.status as 201)
  })

  app.get('/cases', apiAuth(READ_ROLES), limited, noStore, async (c) =>
    c.json(await listCasesPage(c.var.deps, c.var.actor, c.req.query())),
  )

  app.get('/cases/:id', apiAuth(READ_ROLES), limited, noStore, async (c) =>
    c.json(await readCase(c.var.deps, caseIdOf(c), c.var.actor)),
  )

  app.post('/cases/:id/actions', apiAuth(ACT_ROLES), limited, noStore, async (c) => {
    const { deps, actor } = c.var
    const id = caseIdOf(c)
    const body = await jsonBody(c)
    try {
      return c.json(await actOnCase(deps, id, body, actor))
    } catch (err) {
      if (err instanceof HotlineError && err.code === 'conflict' && err.fields?.version) {
        const current = await findWorkOrder(deps.db, id)
        const extra = {
          fields: err.fields,
          ...(current ? { currentVersion: current.version } : {}),
        }
        return c.json(errorJson('conflict', err.message, extra), 409)
      }
      throw err
    }
  })

  app.post('/imports', apiAuth(IMPORT_ROLES), limited, noStore, importApi)

  return app
}
