import { validate } from '@readme/openapi-parser'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { createToken } from '../../src/services/accounts'
import { fileCase } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

type Json = Record<string, any>
type App = ReturnType<typeof createApp>

/** An operation of the document, found by walking `paths`. */
interface Op {
  path: string
  method: string
  operation: Json
}

function operationsOf(doc: Json): Op[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, operation]) => ({
      path,
      method,
      operation: operation as Json,
    })),
  )
}

/** Response validators over the document's own schemas (JSON Schema 2020-12, as OpenAPI 3.1 says). */
function validatorsFor(doc: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addSchema({ $id: 'https://hotline.test/openapi.json', components: doc.components })
  const cache = new Map<string, ValidateFunction>()
  return (schema: Json): ValidateFunction => {
    const key = JSON.stringify(schema)
    let fn = cache.get(key)
    if (!fn) {
      const rebased = JSON.parse(
        key.replaceAll('"#/components/', '"https://hotline.test/openapi.json#/components/'),
      )
      fn = ajv.compile(rebased)
      cache.set(key, fn)
    }
    return fn
  }
}

/** Resolves a local `$ref` of the document. */
function deref(doc: Json, schema: Json): Json {
  if (typeof schema.$ref !== 'string') return schema
  return deref(
    doc,
    schema.$ref
      .replace('#/', '')
      .split('/')
      .reduce((o: Json, k: string) => o[k], doc),
  )
}

/** The smallest value a schema accepts, built from the document alone. */
function minimalValue(doc: Json, raw: Json): unknown {
  const schema = deref(doc, raw)
  if (schema.const !== undefined) return schema.const
  if (Array.isArray(schema.enum)) return schema.enum[0]
  if (Array.isArray(schema.oneOf)) return minimalValue(doc, schema.oneOf[0])
  if (Array.isArray(schema.anyOf)) return minimalValue(doc, schema.anyOf[0])
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'object':
      return Object.fromEntries(
        ((schema.required ?? []) as string[]).map((k) => [
          k,
          minimalValue(doc, schema.properties[k]),
        ]),
      )
    case 'string':
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1))
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1, (schema.exclusiveMinimum ?? 0) + 1)
    case 'boolean':
      return false
    case 'array':
      return []
    default:
      return null
  }
}

/** Calls an operation of the document: path parameters filled in, query, token, JSON body. */
async function callOp(
  app: App,
  op: Op,
  input: {
    path?: Record<string, string | number>
    query?: Record<string, unknown>
    token?: string
    body?: unknown
    headers?: Record<string, string>
  },
): Promise<Response> {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String(input.path?.[name])),
  )
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(input.query ?? {}))
    if (v !== undefined) query.set(k, String(v))
  const url = query.size > 0 ? `${path}?${query}` : path
  return app.request(url, {
    method: op.method.toUpperCase(),
    headers: {
      ...(input.token ? { Authorization: `Bearer ${input.token}` } : {}),
      ...(input.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...input.headers,
    },
    body: input.body === undefined ? undefined : JSON.stringify(input.body),
  })
}

/** Asserts that a response is one the operation documents, body and headers included; returns the body. */
async function expectDocumented(
  doc: Json,
  validator: ReturnType<typeof validatorsFor>,
  op: Op,
  res: Response,
): Promise<unknown> {
  const label = `${op.method.toUpperCase()} ${op.path} → ${res.status}`
  const documented = op.operation.responses[String(res.status)] as Json | undefined
  expect(documented, `${label} is not a documented response`).toBeDefined()
  const media = Object.keys(documented!.content ?? {})
  const type = res.headers.get('content-type') ?? ''
  for (const header of Object.keys(documented!.headers ?? {})) {
    if (header === 'Idempotent-Replayed') continue // only on replays
    expect(res.headers.get(header), `${label}: header ${header}`).not.toBeNull()
  }
  if (media.length === 0) return undefined
  const mine = media.find((m) => type.startsWith(m))
  expect(mine, `${label}: content-type ${type} is not one of ${media.join(', ')}`).toBeDefined()
  if (mine !== 'application/json') return res.text()
  const body = await res.json()
  const check = validator(documented!.content[mine].schema)
  expect(check(body), `${label}: ${JSON.stringify(check.errors)}`).toBe(true)
  return body
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (and the validator does catch a broken one)', async () => {
    const store = await openTestStore('sqlite', '2026-03-02T02:00:00.000Z')
    try {
      const res = await createApp(store.deps).request('/api/v1/openapi.json')
      expect(res.status).toBe(200)
      const doc = (await res.json()) as Json
      expect(doc.openapi).toBe('3.1.0')
      const result = await validate(structuredClone(doc) as never)
      expect(result, JSON.stringify(result)).toMatchObject({
        valid: true,
        specification: 'OpenAPI',
      })
      const broken = structuredClone(doc)
      delete broken.paths['/api/v1/cases'].post.responses
      broken.paths['/api/v1/cases'].get.parameters[0].in = 'body'
      expect((await validate(broken as never)).valid).toBe(false)
      expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      })
    } finally {
      await store.close()
    }
  })

  it('lists every API route the app serves', async () => {
    const store = await openTestStore('sqlite', '2026-03-02T02:00:00.000Z')
    try {
      const app = createApp(store.deps)
      const doc = (await (await app.request('/api/v1/openapi.json')).json()) as Json
      const documented = new Set(
        operationsOf(doc).map((o) => `${o.method.toUpperCase()} ${o.path}`),
      )
      const served = new Set(
        app.routes
          .filter(
            (r) => r.method !== 'ALL' && (r.path.startsWith('/api/') || r.path === '/healthz'),
          )
          .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
      )
      expect([...served].sort()).toEqual([...documented].sort())
    } finally {
      await store.close()
    }
  })
})

describe.each(DIALECTS)('every operation of the document on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: App
  let doc: Json
  let validator: ReturnType<typeof validatorsFor>
  const tokens = {} as Record<'dispatcher' | 'caseworker' | 'reporter', string>

  beforeAll(async () => {
    store = await openTestStore(dialect, '2026-03-02T02:00:00.000Z')
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    doc = (await (await app.request('/api/v1/openapi.json')).json()) as Json
    validator = validatorsFor(doc)
    tokens.dispatcher = (
      await createToken(store.deps, { name: 'walker', role: 'dispatcher' })
    ).token
    tokens.caseworker = (
      await createToken(store.deps, { name: 'walker-cw', role: 'caseworker', unit: 'XJ-CB' })
    ).token
    tokens.reporter = (
      await createToken(store.deps, { name: 'walker-rep', role: 'reporter' })
    ).token
  })
  afterAll(() => store.close())

  const freshCase = async () =>
    (
      await fileCase(
        store.deps,
        {
          channel: 'hotline_12345',
          kind: 'help',
          title: '走查',
          content: '走查用例',
          districtId: fx.units.district,
        },
        fx.actors.dispatcher,
      )
    ).order.id

  it('answers each operation, called with minimal valid input built from the document, as documented', async () => {
    const ops = operationsOf(doc)
    expect(ops.length).toBeGreaterThanOrEqual(11)
    for (const op of ops) {
      const params = (op.operation.parameters ?? []) as Json[]
      const path: Record<string, number> = {}
      for (const p of params.filter((p) => p.in === 'path')) path[p.name] = await freshCase()
      const query = Object.fromEntries(
        params
          .filter((p) => p.in === 'query' && p.required)
          .map((p) => [p.name, p.example ?? minimalValue(doc, p.schema)]),
      )
      const bodySchema = op.operation.requestBody?.content?.['application/json']?.schema
      const body = bodySchema ? minimalValue(doc, bodySchema) : undefined
      // A file upload (multipart) has no minimal value the document could give: called without
      // its file it must refuse as documented, naming the required fields (its happy path is
      // tested with real files in its own test).
      const upload = op.operation.requestBody?.content?.['multipart/form-data']?.schema
      const secured = (op.operation.security as Json[]).length > 0
      const res = await callOp(app, op, {
        path,
        query,
        body,
        token: secured ? tokens.dispatcher : undefined,
      })
      const label = `${op.method.toUpperCase()} ${op.path} with ${JSON.stringify({ query, body })}`
      if (upload) {
        expect(res.status, label).toBe(422)
        const error = (await expectDocumented(doc, validator, op, res)) as Json
        expect(Object.keys(error.error.fields)).toEqual(deref(doc, upload).required)
      } else {
        expect(res.status, label).toBeLessThan(300)
        await expectDocumented(doc, validator, op, res)
      }

      if (secured) {
        const anonymous = await callOp(app, op, { path, query, body })
        expect(anonymous.status, label).toBe(401)
        await expectDocumented(doc, validator, op, anonymous)
        const roles = op.operation['x-roles'] as string[]
        const outsider = (['reporter', 'caseworker'] as const).find((r) => !roles.includes(r))
        if (outsider) {
          const refused = await callOp(app, op, { path, query, body, token: tokens[outsider] })
          expect(refused.status, `${label} as ${outsider}`).toBe(403)
          await expectDocumented(doc, validator, op, refused)
        }
      }
      if (Object.keys(query).length > 0) {
        const missing = await callOp(app, op, {
          path,
          token: secured ? tokens.dispatcher : undefined,
        })
        expect(missing.status, label).toBe(422)
        await expectDocumented(doc, validator, op, missing)
      }
      if (body !== undefined) {
        const invalid = await callOp(app, op, { path, query, body: {}, token: tokens.dispatcher })
        expect(invalid.status, label).toBe(422)
        const error = (await expectDocumented(doc, validator, op, invalid)) as Json
        expect(Object.keys(error.error.fields).length).toBeGreaterThan(0)
      }
    }
  })

  it('lets a client that knows only openapi.json file a case, follow it to closure and read the figures', async () => {
    const byId = new Map(operationsOf(doc).map((o) => [o.operation.operationId as string, o]))
    const call = async (
      operationId: string,
      input: Parameters<typeof callOp>[2],
      expected: number,
    ) => {
      const op = byId.get(operationId)
      expect(op, operationId).toBeDefined()
      const res = await callOp(app, op!, input)
      const body = (await expectDocumented(doc, validator, op!, res)) as Json
      expect(res.status, `${operationId}: ${JSON.stringify(body)}`).toBe(expected)
      return { res, body }
    }
    const dispatcher = tokens.dispatcher
    const caseworker = tokens.caseworker

    // reference data: the district to file in, the category, and the unit the category suggests
    const units = (await call('listUnits', { token: dispatcher }, 200)).body.items as Json[]
    const categories = (await call('listCategories', { token: dispatcher }, 200)).body
      .items as Json[]
    const district = units.find((u) => u.level === 'district' && u.code === 'XJ')!
    const category = categories.find((c) => c.code === 'noise')!
    expect(category.defaultUnitCode).toBe('XJ-CB')

    // file it (the action and field names all come from the document's schemas)
    const channels = deref(doc, doc.components.schemas.CaseCreate).properties.channel
      .enum as string[]
    const filing = {
      channel: channels.find((c) => c === 'wenzheng'),
      kind: 'complaint',
      title: '夜间施工噪音',
      content: '工地每晚施工到凌晨两点。',
      districtId: district.id,
      categoryId: category.id,
      citizenPhone: '13912345678',
    }
    const created = await call(
      'createCase',
      { token: dispatcher, body: filing, headers: { 'Idempotency-Key': 'client-1' } },
      201,
    )
    expect(created.body.trackingCode).toEqual(expect.any(String))
    const again = await call(
      'createCase',
      { token: dispatcher, body: filing, headers: { 'Idempotency-Key': 'client-1' } },
      201,
    )
    expect(again.body.id).toBe(created.body.id)
    const location = created.res.headers.get('location')!
    expect(location).toBe(byId.get('getCase')!.path.replace('{id}', String(created.body.id)))

    // follow it: each step uses the actions the case offers and the version it carries
    const actionNames = (deref(doc, doc.components.schemas.CaseAction).oneOf as Json[]).map(
      (v) => v.properties.action.const,
    )
    expect(actionNames).toEqual(
      expect.arrayContaining(['dispatch', 'sign', 'reply_and_close', 'rate', 'archive']),
    )
    let current = (await call('getCase', { token: dispatcher, path: { id: created.body.id } }, 200))
      .body
    const step = async (token: string, action: string, args: Json) => {
      expect(current.actions).toContain(action)
      current = (
        await call(
          'actOnCase',
          { token, path: { id: current.id }, body: { action, version: current.version, ...args } },
          200,
        )
      ).body
      return current
    }
    await step(dispatcher, 'dispatch', { unitId: category.defaultUnitId })
    current = (await call('getCase', { token: caseworker, path: { id: current.id } }, 200)).body
    await step(caseworker, 'sign', {})
    await step(caseworker, 'reply_and_close', { reply: '已责令工地夜间停工。' })
    current = (await call('getCase', { token: dispatcher, path: { id: current.id } }, 200)).body
    await step(dispatcher, 'rate', { rating: 'very_satisfied' })
    expect(current).toMatchObject({
      status: 'closed',
      closedOnTime: true,
      rating: 'very_satisfied',
    })

    // a stale version is refused with the current one, as documented
    const stale = await call(
      'actOnCase',
      { token: dispatcher, path: { id: current.id }, body: { action: 'archive', version: 1 } },
      409,
    )
    expect(stale.body.error.currentVersion).toBe(current.version)

    // find it in the list, then read the figures of the day
    const listed = await call(
      'listCases',
      { token: dispatcher, query: { channel: 'wenzheng', status: 'closed' } },
      200,
    )
    expect(listed.body.items.map((c: Json) => c.id)).toContain(current.id)
    const summary = await call(
      'getSummary',
      { token: dispatcher, query: { from: '2026-03-02', to: '2026-03-02', by: 'channel' } },
      200,
    )
    const group = (summary.body.groups as Json[]).find((g) => g.key === 'wenzheng')!
    expect(group).toMatchObject({
      received: 1,
      closed: 1,
      closedOnTime: 1,
      rated: 1,
      satisfied: 1,
      closureRate: 1,
      satisfactionRate: 1,
    })
    const csv = await call(
      'getSummaryCsv',
      { token: dispatcher, query: { from: '2026-03-02', to: '2026-03-02', by: 'channel' } },
      200,
    )
    expect(csv.body).toContain('wenzheng')
  })

  it('serves a readable reference of the same document, with no script and nothing from elsewhere', async () => {
    const res = await app.request('/api/v1/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    const html = await res.text()
    for (const op of operationsOf(doc)) {
      expect(html).toContain(`id="${op.operation.operationId}"`)
      expect(html).toContain(`${op.method.toUpperCase()} ${op.path}`)
    }
    for (const name of Object.keys(doc.components.schemas))
      expect(html).toContain(`id="schema-${name}"`)
    expect(html).toContain('Idempotency-Key')
    expect(html).not.toMatch(/<script[^>]*src="https?:/)
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
  })
})
