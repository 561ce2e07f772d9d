import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { createToken } from '../../src/services/accounts'
import { errorSchema } from '../../src/services/openapi'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

type App = ReturnType<typeof createApp>

describe.each(DIALECTS)('JSON API errors on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: App
  let dispatcher: string
  let street: string
  let reporter: string

  const request = (
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.request(path, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })

  /** Asserts the status and the error shape of section 4; returns the error. */
  async function expectError(res: Response, status: number, code: string) {
    expect(res.headers.get('content-type')).toContain('application/json')
    const body = errorSchema.parse(await res.json())
    expect({ status: res.status, code: body.error.code }).toEqual({ status, code })
    expect(body.error.message.length).toBeGreaterThan(0)
    return body.error
  }

  const valid = () => ({
    channel: 'hotline_12345',
    kind: 'help',
    title: '路灯不亮',
    content: '小区门口路灯不亮',
    districtId: fx.units.district,
  })

  async function newCase(): Promise<{ id: number; version: number }> {
    const res = await request('POST', '/api/v1/cases', dispatcher, valid())
    expect(res.status).toBe(201)
    return res.json()
  }

  beforeAll(async () => {
    store = await openTestStore(dialect, '2026-03-02T02:00:00.000Z')
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    dispatcher = (await createToken(store.deps, { name: 'intake', role: 'dispatcher' })).token
    street = (await createToken(store.deps, { name: 'street', role: 'caseworker', unit: 'XJ-CB' }))
      .token
    reporter = (await createToken(store.deps, { name: 'dash', role: 'reporter' })).token
  })
  afterAll(() => store.close())

  it('names every invalid field of a filing (422)', async () => {
    const empty = await expectError(
      await request('POST', '/api/v1/cases', dispatcher, {}),
      422,
      'validation_failed',
    )
    expect(Object.keys(empty.fields ?? {}).sort()).toEqual(['channel', 'content', 'kind', 'title'])
    const bad = await expectError(
      await request('POST', '/api/v1/cases', dispatcher, {
        ...valid(),
        channel: 'fax',
        urgency: 'soon',
        title: ' ',
        content: 'x'.repeat(4001),
        citizenPhone: '12345',
        citizenIdNumber: '36010219900101',
        confidential: 'yes',
        receivedAt: 'yesterday',
        categoryId: -1,
      }),
      422,
      'validation_failed',
    )
    expect(Object.keys(bad.fields ?? {}).sort()).toEqual(
      [
        'categoryId',
        'channel',
        'citizenIdNumber',
        'citizenPhone',
        'confidential',
        'content',
        'receivedAt',
        'title',
        'urgency',
      ].sort(),
    )
    expect(bad.fields?.content).toBe('must be at most 4000 characters')
    const district = await expectError(
      await request('POST', '/api/v1/cases', dispatcher, { ...valid(), districtId: 99_999 }),
      422,
      'validation_failed',
    )
    expect(district.fields).toEqual({ districtId: 'no such district' })
    const future = await expectError(
      await request('POST', '/api/v1/cases', dispatcher, {
        ...valid(),
        receivedAt: '2027-01-01T00:00:00+08:00',
      }),
      422,
      'validation_failed',
    )
    expect(future.fields).toEqual({ receivedAt: 'must not be in the future' })
    const list = await expectError(
      await request('POST', '/api/v1/cases', dispatcher, []),
      422,
      'validation_failed',
    )
    expect(Object.keys(list.fields ?? {})).toEqual(['body'])
  })

  it('refuses a body that is not JSON (400) or too big (413)', async () => {
    await expectError(
      await request('POST', '/api/v1/cases', dispatcher, '{"title":'),
      400,
      'bad_request',
    )
    await expectError(
      await app.request('/api/v1/cases', {
        method: 'POST',
        headers: { Authorization: `Bearer ${dispatcher}`, 'Content-Type': 'text/plain' },
        body: JSON.stringify(valid()),
      }),
      400,
      'bad_request',
    )
    const big = { ...valid(), content: '很'.repeat(30_000) }
    await expectError(
      await request('POST', '/api/v1/cases', dispatcher, big),
      413,
      'payload_too_large',
    )
    const { id } = await newCase()
    await expectError(
      await request('POST', `/api/v1/cases/${id}/actions`, dispatcher, {
        action: 'note',
        note: 'x'.repeat(70_000),
        version: 1,
      }),
      413,
      'payload_too_large',
    )
  })

  it('names every invalid field of an action (422)', async () => {
    const { id } = await newCase()
    const cases: [unknown, Record<string, string> | string[]][] = [
      [{ action: 'dispatch', unitId: fx.units.street }, ['version']],
      [{ action: 'fly', version: 1 }, ['action']],
      [{ action: 'dispatch', version: 1 }, ['unitId']],
      [{ action: 'dispatch', unitId: 'street', version: 1 }, ['unitId']],
      [{ action: 'dispatch', unitId: fx.units.street, version: 0 }, ['version']],
      [{ action: 'request_extension', workdays: 0, basis: '', version: 1 }, ['basis', 'workdays']],
      [{ action: 'urge', level: 'purple', version: 1 }, ['level']],
      [{ action: 'rate', rating: 'meh', version: 1 }, ['rating']],
      [{ action: 'request_return', reason: 'bored', version: 1 }, ['note', 'reason']],
      [{ action: 'mark_invalid', version: 1 }, ['note']],
      [{ action: 'dispatch', unitId: 99_999, version: 1 }, { unitId: 'no such unit' }],
    ]
    for (const [body, fields] of cases) {
      const error = await expectError(
        await request('POST', `/api/v1/cases/${id}/actions`, dispatcher, body),
        422,
        'validation_failed',
      )
      if (Array.isArray(fields))
        expect(Object.keys(error.fields ?? {}).sort(), JSON.stringify(body)).toEqual(fields)
      else expect(error.fields).toEqual(fields)
    }
  })

  it('names every invalid list and summary parameter (422)', async () => {
    const list = async (query: string) =>
      (
        await expectError(
          await request('GET', `/api/v1/cases?${query}`, dispatcher),
          422,
          'validation_failed',
        )
      ).fields
    expect(await list('queue=later')).toEqual({ queue: expect.stringContaining('must be one of') })
    expect(await list('status=lost&channel=fax&kind=x&figure=y')).toEqual({
      status: expect.any(String),
      channel: expect.any(String),
      kind: expect.any(String),
      figure: expect.any(String),
    })
    expect(await list('limit=0')).toEqual({ limit: 'must be from 1 to 200' })
    expect(await list('limit=201')).toEqual({ limit: 'must be from 1 to 200' })
    expect(await list('limit=ten')).toEqual({ limit: 'must be a whole number' })
    expect(await list('cursor=not-a-cursor')).toEqual({ cursor: 'is not a cursor from this API' })
    expect(await list(`cursor=${Buffer.from('["x",1]').toString('base64url')}`)).toEqual({
      cursor: 'is not a cursor from this API',
    })
    expect(await list('from=2026-13&to=soon')).toEqual({
      from: 'must be a date YYYY-MM-DD',
      to: 'must be a date YYYY-MM-DD',
    })
    expect(await list('unitId=street&districtId=-2')).toEqual({
      unitId: 'must be a whole number or none',
      districtId: expect.any(String),
    })
    expect(await list('scope=NOWHERE')).toEqual({ scope: 'no unit with code NOWHERE' })

    const summary = async (query: string) =>
      (
        await expectError(
          await request('GET', `/api/v1/reports/summary?${query}`, reporter),
          422,
          'validation_failed',
        )
      ).fields
    expect(await summary('')).toEqual({
      from: 'is required (YYYY-MM-DD)',
      to: 'is required (YYYY-MM-DD)',
    })
    expect(await summary('from=2026-03-01&to=2026-02-01')).toEqual({
      to: 'must not be before from',
    })
    expect(await summary('from=2026-03-01&to=2026-03-31&by=moon')).toEqual({
      by: expect.stringContaining('must be one of'),
    })
    expect(await summary('from=2026-03-01&to=2026-03-31&scope=NOWHERE')).toEqual({
      scope: expect.stringContaining('NOWHERE'),
    })
  })

  it('answers 404 in JSON for missing cases and routes, even to a browser', async () => {
    await expectError(await request('GET', '/api/v1/cases/999999', dispatcher), 404, 'not_found')
    await expectError(await request('GET', '/api/v1/cases/abc', dispatcher), 404, 'not_found')
    await expectError(
      await request('POST', '/api/v1/cases/999999/actions', dispatcher, {
        action: 'sign',
        version: 1,
      }),
      404,
      'not_found',
    )
    await expectError(await request('GET', '/api/v1/nothing', dispatcher), 404, 'not_found')
    const html = await request('GET', '/api/v1/cases/999999', dispatcher, undefined, {
      Accept: 'text/html',
    })
    await expectError(html, 404, 'not_found')
    const htmx = await request('POST', '/api/v1/cases', dispatcher, '{', {
      Accept: 'text/html',
      'HX-Request': 'true',
    })
    await expectError(htmx, 400, 'bad_request')
  })

  it('refuses a stale version with 409 and the current version, and an impossible action with 409', async () => {
    const { id } = await newCase()
    const ok = await request('POST', `/api/v1/cases/${id}/actions`, dispatcher, {
      action: 'dispatch',
      unitId: fx.units.street,
      version: 1,
    })
    expect(ok.status).toBe(200)
    const stale = await request('POST', `/api/v1/cases/${id}/actions`, street, {
      action: 'sign',
      version: 1,
    })
    const error = await expectError(stale, 409, 'conflict')
    expect(error.currentVersion).toBe(2)
    expect(error.fields).toEqual({ version: 'is stale; current version is 2' })
    const impossible = await request('POST', `/api/v1/cases/${id}/actions`, dispatcher, {
      action: 'archive',
      version: 2,
    })
    await expectError(impossible, 409, 'invalid_transition')
    const detail = await (await request('GET', `/api/v1/cases/${id}`, dispatcher)).json()
    expect(detail).toMatchObject({ version: 2, status: 'dispatched' })
  })

  it('refuses an Idempotency-Key reused with another body (422), and a malformed key', async () => {
    const first = await request('POST', '/api/v1/cases', dispatcher, valid(), {
      'Idempotency-Key': 'reuse-me',
    })
    expect(first.status).toBe(201)
    const reused = await request(
      'POST',
      '/api/v1/cases',
      dispatcher,
      { ...valid(), title: '另一件事' },
      { 'Idempotency-Key': 'reuse-me' },
    )
    const error = await expectError(reused, 422, 'idempotency_key_reused')
    expect(error.fields).toEqual({ 'Idempotency-Key': expect.any(String) })
    const malformed = await request('POST', '/api/v1/cases', dispatcher, valid(), {
      'Idempotency-Key': 'has space',
    })
    expect((await expectError(malformed, 422, 'validation_failed')).fields).toEqual({
      'Idempotency-Key': expect.any(String),
    })
    // a refused first attempt stores nothing: the key works once the body is fixed
    const invalid = await request(
      'POST',
      '/api/v1/cases',
      dispatcher,
      { ...valid(), title: '' },
      { 'Idempotency-Key': 'fix-me' },
    )
    await expectError(invalid, 422, 'validation_failed')
    const fixed = await request('POST', '/api/v1/cases', dispatcher, valid(), {
      'Idempotency-Key': 'fix-me',
    })
    expect(fixed.status).toBe(201)
    expect(fixed.headers.get('idempotent-replayed')).toBeNull()
  })

  it('answers 401 without or with bad credentials and 403 for a role that may not', async () => {
    await expectError(await request('GET', '/api/v1/cases', null), 401, 'unauthorized')
    await expectError(await request('GET', '/api/v1/units', null), 401, 'unauthorized')
    await expectError(await request('POST', '/api/v1/cases', null, valid()), 401, 'unauthorized')
    await expectError(
      await request('GET', '/api/v1/cases', null, undefined, { Authorization: 'Basic YTpi' }),
      401,
      'unauthorized',
    )
    await expectError(
      await request('GET', '/api/v1/cases', 'htk_this_is_not_a_real_token_at_all'),
      401,
      'unauthorized',
    )
    await expectError(await request('POST', '/api/v1/cases', reporter, valid()), 403, 'forbidden')
    await expectError(await request('POST', '/api/v1/cases', street, valid()), 403, 'forbidden')
    await expectError(
      await request('GET', '/api/v1/reports/summary?from=2026-03-01&to=2026-03-31', street),
      403,
      'forbidden',
    )
    const { id } = await newCase()
    await expectError(
      await request('POST', `/api/v1/cases/${id}/actions`, reporter, {
        action: 'dispatch',
        unitId: fx.units.street,
        version: 1,
      }),
      403,
      'forbidden',
    )
  })
})
