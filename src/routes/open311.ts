import { Hono, type Context } from 'hono'
import { HotlineError } from '../domain/errors'
import {
  createOpen311Request,
  findOpen311Request,
  findOpen311Requests,
  findOpen311Token,
  listOpen311Services,
  Open311Error,
  open311ServiceDefinition,
  type Open311ErrorItem,
  type Open311Query,
} from '../services/open311'
import { xmlDocument, type XmlValue } from '../services/xml'

/** The two formats, chosen by the resource's extension as the spec has it. */
type Format = 'json' | 'xml'
const FORMATS: readonly Format[] = ['json', 'xml']

/** The XML name of one item of each list the documents hold. */
const ITEM_NAMES: Record<string, string> = {
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  service_requests: 'request',
  errors: 'error',
}
const itemName = (list: string) => ITEM_NAMES[list] ?? 'item'

/** A resource name with its extension: `roads.potholes.json` → `roads.potholes`, json. */
function splitFormat(file: string): { name: string; format: Format } | null {
  const m = /^(.+)\.(json|xml)$/.exec(file)
  return m ? { name: m[1]!, format: m[2] as Format } : null
}

function formatOfPath(path: string): Format {
  return path.endsWith('.xml') ? 'xml' : 'json'
}

function render(c: Context, format: Format, root: string, value: XmlValue, status = 200) {
  if (format === 'xml') {
    return c.body(xmlDocument(root, value, itemName), status as 200, {
      'Content-Type': 'text/xml; charset=utf-8',
    })
  }
  return c.body(JSON.stringify(value), status as 200, {
    'Content-Type': 'application/json; charset=utf-8',
  })
}

function renderErrors(c: Context, format: Format, status: number, errors: Open311ErrorItem[]) {
  return render(c, format, 'errors', errors, status)
}

/**
 * Maps any error to the spec's error document: 404 for what does not exist, 403 for the api_key,
 * 400 for everything else, an unexpected failure included (the spec's "general service error",
 * which reveals nothing and is logged).
 */
function open311ErrorResponse(err: Error, c: Context) {
  const format = formatOfPath(c.req.path)
  if (err instanceof Open311Error) return renderErrors(c, format, err.status, err.errors)
  if (err instanceof HotlineError) {
    const status =
      err.code === 'not_found' ? 404 : ['forbidden', 'unauthorized'].includes(err.code) ? 403 : 400
    return renderErrors(c, format, status, [{ code: status, description: err.message }])
  }
  const where = `${c.req.method} ${c.req.path}`
  console.error(`[hotline] unexpected error on ${where}: ${err.name}: ${err.message}`)
  return renderErrors(c, format, 400, [{ code: 400, description: 'general service error' }])
}

/** GET requests' parameters, a repeated parameter read as one comma list. */
function requestsQuery(c: Context): Open311Query {
  const all = c.req.queries()
  const one = (name: keyof Open311Query) => all[name]?.join(',')
  return {
    service_request_id: one('service_request_id'),
    service_code: one('service_code'),
    start_date: one('start_date'),
    end_date: one('end_date'),
    status: one('status'),
  }
}

/**
 * Open311 GeoReport v2 under `/open311/v2` (CONTRACT.md section 4): `services`, `services/{code}`,
 * `requests` (GET public, POST with `api_key`), `requests/{id}` and `tokens/{token}`, each as
 * `.json` or `.xml`; errors as the spec's `[{code, description}]` / `<errors>`. `jurisdiction_id`
 * is accepted and ignored: this endpoint serves one jurisdiction.
 *
 * @example app.route('/open311/v2', open311Routes())
 */
export function open311Routes() {
  const app = new Hono()
  app.onError(open311ErrorResponse)

  for (const format of FORMATS) {
    app.get(`/services.${format}`, async (c) =>
      render(c, format, 'services', await listOpen311Services(c.var.deps)),
    )
    app.get(`/requests.${format}`, async (c) => {
      const found = await findOpen311Requests(c.var.deps, requestsQuery(c))
      return render(c, format, 'service_requests', found)
    })
    app.post(`/requests.${format}`, async (c) => {
      const form = await c.req.parseBody({ all: true })
      const created = await createOpen311Request(c.var.deps, form)
      return render(c, format, 'service_requests', created)
    })
  }

  app.get('/services/:file', async (c) => {
    const file = splitFormat(c.req.param('file'))
    if (!file) return notFound(c)
    const definition = await open311ServiceDefinition(c.var.deps, file.name)
    return render(c, file.format, 'service_definition', definition)
  })
  app.get('/requests/:file', async (c) => {
    const file = splitFormat(c.req.param('file'))
    if (!file) return notFound(c)
    const found = await findOpen311Request(c.var.deps, file.name)
    return render(c, file.format, 'service_requests', found)
  })
  app.get('/tokens/:file', async (c) => {
    const file = splitFormat(c.req.param('file'))
    if (!file) return notFound(c)
    const found = await findOpen311Token(c.var.deps, file.name)
    return render(c, file.format, 'service_requests', found)
  })
  app.all('*', notFound)
  return app
}

function notFound(c: Context) {
  const description = `no Open311 resource ${c.req.method} ${c.req.path} (use .json or .xml)`
  return renderErrors(c, formatOfPath(c.req.path), 404, [{ code: 404, description }])
}
