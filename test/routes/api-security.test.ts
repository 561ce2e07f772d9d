import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { withDeps } from '../../src/http/deps'
import { errorResponse } from '../../src/http/errors'
import { apiRoutes } from '../../src/routes/api'
import { addUser, createToken } from '../../src/services/accounts'
import type { CaseCreatedJson } from '../../src/services/api-cases'
import { fileCase, performAction } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { signIn, STAFF_PASSWORD } from '../helpers/staff'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

type App = Pick<Hono, 'request'>

const PHONE = '13812345678'
const ID_NUMBER = '360102199001011234'

describe.each(DIALECTS)('JSON API security on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: App
  const t = {} as Record<
    'dispatcher' | 'street' | 'otherStreet' | 'reporter' | 'supervisor',
    string
  >
  let streetCase: number
  let secretCase: number
  let otherCase: number

  const get = (path: string, token: string, on: App = app) =>
    on.request(path, { headers: { Authorization: `Bearer ${token}` } })
  const post = (path: string, token: string, body: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })

  beforeAll(async () => {
    store = await openTestStore(dialect, '2026-03-02T02:00:00.000Z')
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    t.dispatcher = (await createToken(store.deps, { name: 'intake', role: 'dispatcher' })).token
    t.street = (
      await createToken(store.deps, { name: 'street', role: 'caseworker', unit: 'XJ-CB' })
    ).token
    t.otherStreet = (
      await createToken(store.deps, { name: 'wd', role: 'caseworker', unit: 'HGT-WD' })
    ).token
    t.reporter = (await createToken(store.deps, { name: 'dash', role: 'reporter' })).token
    t.supervisor = (await createToken(store.deps, { name: 'sup', role: 'supervisor' })).token
    const file = async (title: string, unitId: number, confidential = false) => {
      const { order } = await fileCase(
        store.deps,
        {
          channel: 'hotline_12345',
          kind: 'complaint',
          title,
          content: `${title}，请处理`,
          districtId: fx.units.district,
          citizenName: '李四',
          citizenPhone: PHONE,
          citizenIdNumber: ID_NUMBER,
          confidential,
        },
        fx.actors.dispatcher,
      )
      await performAction(
        store.deps,
        order.id,
        { action: 'dispatch', unitId },
        fx.actors.dispatcher,
      )
      return order.id
    }
    streetCase = await file('噪音扰民', fx.units.street)
    secretCase = await file('举报违建', fx.units.street, true)
    otherCase = await file('红谷滩路灯', fx.units.otherStreet)
  })
  afterAll(() => store.close())

  it('hides other units’ cases from a caseworker token: 404 on read and act, absent from lists and searches', async () => {
    const read = await get(`/api/v1/cases/${otherCase}`, t.street)
    expect(read.status).toBe(404)
    const act = await post(`/api/v1/cases/${otherCase}/actions`, t.street, {
      action: 'sign',
      version: 2,
    })
    expect(act.status).toBe(404)
    const list = await (await get('/api/v1/cases?limit=200', t.street)).json()
    expect(list.items.map((c: { id: number }) => c.id).sort()).toEqual(
      [streetCase, secretCase].sort(),
    )
    const search = await (await get(`/api/v1/cases?q=${PHONE}`, t.otherStreet)).json()
    expect(search.items.map((c: { id: number }) => c.id)).toEqual([otherCase])
    const byUnit = await (
      await get(`/api/v1/cases?unitId=${fx.units.street}`, t.otherStreet)
    ).json()
    expect(byUnit.items).toEqual([])
    // and the other unit's worker cannot act on ours either
    expect(
      (
        await post(`/api/v1/cases/${streetCase}/actions`, t.otherStreet, {
          action: 'sign',
          version: 2,
        })
      ).status,
    ).toBe(404)
  })

  it('never shows a reporter the citizen, and shows tokens only masked numbers', async () => {
    const asReporter = await (await get(`/api/v1/cases/${streetCase}`, t.reporter)).text()
    expect(JSON.parse(asReporter).citizen).toBeNull()
    expect(asReporter).not.toContain('李四')
    expect(asReporter).not.toContain('138****5678')
    const reporterList = await (await get('/api/v1/cases?limit=200', t.reporter)).text()
    expect(reporterList).not.toContain('李四')
    expect(reporterList).not.toContain('****')
    // a reporter's phone search finds nothing by the number
    const found = await (await get(`/api/v1/cases?q=${PHONE}`, t.reporter)).json()
    expect(found.items).toEqual([])

    for (const token of [t.dispatcher, t.street, t.supervisor]) {
      const body = await (await get(`/api/v1/cases/${streetCase}`, token)).json()
      expect(body.citizen).toEqual({
        name: '李四',
        phone: '138****5678',
        idNumber: '3601**********1234',
      })
      expect(JSON.stringify(body)).not.toContain(PHONE)
      expect(JSON.stringify(body)).not.toContain(ID_NUMBER)
    }
    // 保密: the handling unit never sees the identity; the dispatch centre sees it masked
    expect((await (await get(`/api/v1/cases/${secretCase}`, t.street)).json()).citizen).toBeNull()
    expect(
      (await (await get(`/api/v1/cases/${secretCase}`, t.dispatcher)).json()).citizen.phone,
    ).toBe('138****5678')
  })

  it('returns the tracking code once and stores it nowhere', async () => {
    const res = await post('/api/v1/cases', t.dispatcher, {
      channel: 'wenzheng',
      kind: 'help',
      title: '求助',
      content: '求助内容',
      districtId: fx.units.district,
    })
    const created = (await res.json()) as CaseCreatedJson
    const code = created.trackingCode!
    expect(code.length).toBeGreaterThanOrEqual(26)
    for (const table of ['work_orders', 'work_order_events', 'idempotency_keys'] as const) {
      const rows = await store.deps.db.selectFrom(table).selectAll().execute()
      expect(JSON.stringify(rows), table).not.toContain(code)
    }
  })

  it('refuses a revoked token with 401 and records a token’s last use', async () => {
    const { id, token } = await createToken(store.deps, { name: 'temp', role: 'supervisor' })
    expect((await get('/api/v1/units', token)).status).toBe(200)
    const row = await store.deps.db
      .selectFrom('api_tokens')
      .select(['last_used_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.last_used_at).not.toBeNull()
    await store.deps.db
      .updateTable('api_tokens')
      .set({ revoked_at: '2026-03-02T03:00:00.000Z' })
      .where('id', '=', id)
      .execute()
    const refused = await get('/api/v1/units', token)
    expect(refused.status).toBe(401)
    expect((await refused.json()).error.code).toBe('unauthorized')
  })

  it('limits each token on its own: 429 with Retry-After past the limit', async () => {
    let now = Date.parse('2026-03-02T02:00:00.000Z')
    const limited = new Hono()
    limited.use(withDeps(store.deps))
    limited.route(
      '/api/v1',
      apiRoutes({ rateLimit: { limit: 3, windowMs: 60_000 }, now: () => now }),
    )
    limited.onError(errorResponse)
    for (let i = 0; i < 3; i++)
      expect((await get('/api/v1/units', t.supervisor, limited)).status).toBe(200)
    const refused = await get('/api/v1/cases', t.supervisor, limited)
    expect(refused.status).toBe(429)
    const seconds = Number(refused.headers.get('retry-after'))
    expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true)
    expect(await refused.json()).toEqual({
      error: { code: 'rate_limited', message: expect.any(String) },
    })
    // another token has its own allowance
    expect((await get('/api/v1/units', t.reporter, limited)).status).toBe(200)
    // and the first one is allowed again once the window has moved on
    now += 2 * 60_000
    expect((await get('/api/v1/units', t.supervisor, limited)).status).toBe(200)
  })

  it('requires the CSRF header and a same origin on session POSTs', async () => {
    await addUser(store.deps, {
      username: 'sec-wang',
      role: 'dispatcher',
      password: STAFF_PASSWORD,
    })
    const { cookie, csrf } = await signIn(app, 'sec-wang')
    const body = JSON.stringify({
      channel: 'window',
      kind: 'help',
      title: '窗口',
      content: '窗口来访',
    })
    const send = (headers: Record<string, string>) =>
      app.request('http://localhost/api/v1/cases', {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/json', ...headers },
        body,
      })
    const missing = await send({})
    expect(missing.status).toBe(403)
    expect((await missing.json()).error.code).toBe('forbidden')
    expect((await send({ 'X-CSRF-Token': 'forged' })).status).toBe(403)
    expect((await send({ 'X-CSRF-Token': csrf, Origin: 'https://evil.example' })).status).toBe(403)
    const before = Number(
      (
        await store.deps.db
          .selectFrom('work_orders')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
    expect((await send({ 'X-CSRF-Token': csrf })).status).toBe(201)
    const after = Number(
      (
        await store.deps.db
          .selectFrom('work_orders')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
    expect(after).toBe(before + 1)
    // GETs need no CSRF header
    expect((await app.request('/api/v1/units', { headers: { Cookie: cookie } })).status).toBe(200)
  })
})
