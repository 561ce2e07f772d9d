import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { addUser, createToken } from '../../src/services/accounts'
import type { CaseCreatedJson, CaseDetailJson, CaseListJson } from '../../src/services/api-cases'
import { caseCreatedSchema, caseDetailSchema, caseListSchema } from '../../src/services/api-cases'
import { findByTrackingCode } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { signIn, STAFF_PASSWORD } from '../helpers/staff'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

type App = ReturnType<typeof createApp>

/** A JSON call with a bearer token (or other headers). */
function caller(app: App) {
  return (
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
      body: body === undefined ? undefined : JSON.stringify(body),
    })
}

describe.each(DIALECTS)('JSON API happy paths on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: App
  let call: ReturnType<typeof caller>
  const tokens = {} as Record<
    'dispatcher' | 'street' | 'bureau' | 'supervisor' | 'reporter',
    string
  >

  const filing = (title: string, extra: Record<string, unknown> = {}) => ({
    channel: 'hotline_12345',
    kind: 'complaint',
    title,
    content: `${title}，请尽快处理。`,
    districtId: fx.units.district,
    categoryId: fx.categories.potholes,
    citizenName: '张三',
    citizenPhone: '13812345678',
    ...extra,
  })

  async function create(
    title: string,
    extra: Record<string, unknown> = {},
  ): Promise<CaseCreatedJson> {
    const res = await call('POST', '/api/v1/cases', tokens.dispatcher, filing(title, extra))
    expect(res.status).toBe(201)
    return (await res.json()) as CaseCreatedJson
  }

  async function act(
    token: string,
    id: number,
    body: Record<string, unknown>,
  ): Promise<CaseDetailJson> {
    const res = await call('POST', `/api/v1/cases/${id}/actions`, token, body)
    const json = await res.json()
    expect(res.status, JSON.stringify(json)).toBe(200)
    return caseDetailSchema.parse(json)
  }

  beforeAll(async () => {
    store = await openTestStore(dialect, '2026-03-02T02:00:00.000Z')
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    call = caller(app)
    tokens.dispatcher = (
      await createToken(store.deps, { name: 'intake', role: 'dispatcher' })
    ).token
    tokens.street = (
      await createToken(store.deps, { name: 'street', role: 'caseworker', unit: 'XJ-CB' })
    ).token
    tokens.bureau = (
      await createToken(store.deps, { name: 'bureau', role: 'caseworker', unit: 'XJ-CG' })
    ).token
    tokens.supervisor = (await createToken(store.deps, { name: 'sup', role: 'supervisor' })).token
    tokens.reporter = (await createToken(store.deps, { name: 'dash', role: 'reporter' })).token
  })
  afterAll(() => store.close())

  it('files a case (201, Location, tracking code once), reads it, dispatches, signs and closes it with versions, and the summary counts it', async () => {
    const created = await create('路面坑洼')
    caseCreatedSchema.parse(created)
    expect(created).toMatchObject({
      status: 'received',
      version: 1,
      channel: 'hotline_12345',
      unitId: null,
    })
    expect(created.trackingCode).toMatch(/^[0-9A-Za-z-]{20,}$/)
    expect(created.citizen).toEqual({ name: '张三', phone: '138****5678', idNumber: null })
    expect(created.events.map((e) => e.action)).toEqual(['receive'])
    expect(created.actions).toContain('dispatch')
    expect((await findByTrackingCode(store.deps, created.trackingCode!))?.id).toBe(created.id)

    const read = await call('GET', `/api/v1/cases/${created.id}`, tokens.dispatcher)
    expect(read.status).toBe(200)
    expect(read.headers.get('cache-control')).toBe('no-store')
    const readBody = caseDetailSchema.parse(await read.json())
    expect(readBody).not.toHaveProperty('trackingCode')
    expect(readBody.version).toBe(1)

    const dispatched = await act(tokens.dispatcher, created.id, {
      action: 'dispatch',
      unitId: fx.units.street,
      note: '请长堎街道办理',
      version: readBody.version,
    })
    expect(dispatched).toMatchObject({ status: 'dispatched', version: 2, unitId: fx.units.street })

    const seenByUnit = caseDetailSchema.parse(
      await (await call('GET', `/api/v1/cases/${created.id}`, tokens.street)).json(),
    )
    expect(seenByUnit.actions).toEqual(expect.arrayContaining(['sign', 'request_return']))
    const signed = await act(tokens.street, created.id, {
      action: 'sign',
      version: seenByUnit.version,
    })
    expect(signed).toMatchObject({ status: 'in_progress', version: 3 })
    const closed = await act(tokens.street, created.id, {
      action: 'reply_and_close',
      reply: '已修复路面',
      version: signed.version,
    })
    expect(closed).toMatchObject({
      status: 'closed',
      version: 4,
      reply: '已修复路面',
      closedOnTime: true,
    })
    expect(closed.events.map((e) => e.action)).toEqual([
      'receive',
      'dispatch',
      'sign',
      'reply_and_close',
    ])

    const summary = await call(
      'GET',
      '/api/v1/reports/summary?from=2026-03-02&to=2026-03-02',
      tokens.reporter,
    )
    expect(summary.status).toBe(200)
    expect((await summary.json()).totals).toMatchObject({
      received: 1,
      closed: 1,
      closedOnTime: 1,
      closureRate: 1,
    })
    const csv = await call(
      'GET',
      '/api/v1/reports/summary.csv?from=2026-03-02&to=2026-03-02&by=channel',
      tokens.reporter,
    )
    expect(csv.status).toBe(200)
    expect(await csv.text()).toContain('hotline_12345')
  })

  it('takes every action of the workflow through the API', async () => {
    const d = tokens.dispatcher
    // return: requested by the unit, rejected, requested again, approved → back to received
    let c: CaseDetailJson = await create('退单流程')
    c = await act(d, c.id, { action: 'dispatch', unitId: fx.units.street, version: c.version })
    c = await act(tokens.street, c.id, {
      action: 'request_return',
      reason: 'wrong_function',
      note: '不属我街道职能',
      version: c.version,
    })
    expect(c.status).toBe('return_requested')
    c = await act(d, c.id, { action: 'reject_return', note: '属地管理', version: c.version })
    expect(c.status).toBe('dispatched')
    c = await act(tokens.street, c.id, {
      action: 'request_return',
      reason: 'wrong_function',
      note: '确不属职能',
      version: c.version,
    })
    c = await act(d, c.id, { action: 'approve_return', version: c.version })
    expect(c).toMatchObject({ status: 'received', unitId: null, returnCount: 1 })

    // extension: requested, rejected, requested, approved; urge; note; close; rate; reopen; archive
    c = await act(d, c.id, { action: 'dispatch', unitId: fx.units.bureau, version: c.version })
    c = await act(tokens.bureau, c.id, { action: 'sign', version: c.version })
    c = await act(tokens.bureau, c.id, {
      action: 'request_extension',
      workdays: 5,
      basis: '需协调施工',
      version: c.version,
    })
    expect(c.pendingExtension).toEqual({ workdays: 5, basis: '需协调施工' })
    c = await act(tokens.supervisor, c.id, { action: 'reject_extension', version: c.version })
    expect(c.pendingExtension).toBeNull()
    c = await act(tokens.bureau, c.id, {
      action: 'request_extension',
      workdays: 3,
      basis: '材料待到',
      version: c.version,
    })
    const due = c.dueAt
    c = await act(tokens.supervisor, c.id, { action: 'approve_extension', version: c.version })
    expect(c.extensionCount).toBe(1)
    expect(c.dueAt > due).toBe(true)
    c = await act(tokens.supervisor, c.id, {
      action: 'urge',
      level: 'yellow',
      note: '请加快',
      version: c.version,
    })
    expect(c.urgeLevel).toBe('yellow')
    c = await act(tokens.bureau, c.id, { action: 'note', note: '已联系施工方', version: c.version })
    c = await act(tokens.bureau, c.id, {
      action: 'reply_and_close',
      reply: '已处理',
      version: c.version,
    })
    c = await act(d, c.id, {
      action: 'rate',
      rating: 'dissatisfied',
      comment: '没修好',
      version: c.version,
    })
    expect(c.rating).toBe('dissatisfied')
    c = await act(d, c.id, { action: 'reopen', note: '群众不满意', version: c.version })
    expect(c).toMatchObject({ status: 'dispatched', reopenCount: 1 })
    c = await act(tokens.bureau, c.id, { action: 'sign', version: c.version })
    c = await act(tokens.bureau, c.id, {
      action: 'reply_and_close',
      reply: '已彻底修复',
      version: c.version,
    })
    c = await act(d, c.id, { action: 'rate', rating: 'satisfied', version: c.version })
    c = await act(d, c.id, { action: 'archive', version: c.version })
    expect(c.status).toBe('archived')

    // direct answer, invalid, merge
    const answered = await create('咨询公积金', { kind: 'consultation' })
    expect(
      (await act(d, answered.id, { action: 'direct_answer', reply: '请拨打12329', version: 1 }))
        .status,
    ).toBe('closed')
    const junk = await create('无效来电')
    expect(
      (await act(d, junk.id, { action: 'mark_invalid', note: '骚扰电话', version: 1 })).status,
    ).toBe('invalid')
    const master = await create('重复件主件')
    const duplicate = await create('重复件')
    const merged = await act(d, duplicate.id, { action: 'merge', masterId: master.id, version: 1 })
    expect(merged).toMatchObject({ status: 'merged', mergedIntoId: master.id })
  })

  it('pages the list with an opaque cursor, newest first, every case once, with filters', async () => {
    const ids: number[] = []
    for (const [i, at] of [
      '2026-03-03T01:00:00.000Z',
      '2026-03-03T01:00:00.000Z',
      '2026-03-03T01:00:00.000Z',
      '2026-03-03T03:00:00.000Z',
      '2026-03-03T02:00:00.000Z',
    ].entries()) {
      store.setNow(at)
      ids.push((await create(`分页${i}`, { channel: 'window' })).id)
    }
    store.setNow('2026-03-03T04:00:00.000Z')
    const seen: CaseListJson['items'] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = `/api/v1/cases?channel=window&limit=2${cursor ? `&cursor=${cursor}` : ''}`
      const res = await call('GET', query, tokens.dispatcher)
      expect(res.status).toBe(200)
      const page = caseListSchema.parse(await res.json())
      expect(page.items.length).toBeLessThanOrEqual(2)
      seen.push(...page.items)
      cursor = page.nextCursor
      pages++
    } while (cursor && pages < 10)
    expect(pages).toBe(3)
    expect(seen.map((x) => x.id)).toEqual([ids[3], ids[4], ids[2], ids[1], ids[0]])
    expect(seen.every((x) => typeof x.version === 'number' && x.channel === 'window')).toBe(true)
    expect(seen[0]).not.toHaveProperty('events')

    const q = caseListSchema.parse(
      await (await call('GET', '/api/v1/cases?q=分页3', tokens.dispatcher)).json(),
    )
    expect(q.items.map((x) => x.id)).toEqual([ids[3]])
    const queue = caseListSchema.parse(
      await (
        await call(
          'GET',
          `/api/v1/cases?queue=to_dispatch&districtId=${fx.units.district}&from=2026-03-03&to=2026-03-03&limit=200`,
          tokens.dispatcher,
        )
      ).json(),
    )
    expect(queue.items.map((x) => x.id).sort()).toEqual([...ids].sort())
    expect(queue.nextCursor).toBeNull()
    const byFigure = caseListSchema.parse(
      await (await call('GET', '/api/v1/cases?figure=merged&scope=XJ', tokens.reporter)).json(),
    )
    expect(byFigure.items.every((x) => x.status === 'merged')).toBe(true)
  })

  it('lists units and categories with parents and default units', async () => {
    const units = await (await call('GET', '/api/v1/units', tokens.street)).json()
    expect(units.items).toContainEqual({
      id: fx.units.street,
      code: 'XJ-CB',
      name: '长堎街道',
      parentId: fx.units.district,
      parentCode: 'XJ',
      level: 'street',
      active: true,
    })
    const categories = await (await call('GET', '/api/v1/categories', tokens.reporter)).json()
    expect(categories.items).toContainEqual({
      id: fx.categories.potholes,
      code: 'roads.potholes',
      name: '道路破损',
      parentId: fx.categories.roads,
      parentCode: 'roads',
      defaultUnitId: fx.units.bureau,
      defaultUnitCode: 'XJ-CG',
      active: true,
    })
  })

  it('replays a create with the same Idempotency-Key and body, without the tracking code', async () => {
    const body = filing('幂等创建')
    const first = await call('POST', '/api/v1/cases', tokens.dispatcher, body, {
      'Idempotency-Key': 'key-one',
    })
    expect(first.status).toBe(201)
    const firstBody = (await first.json()) as CaseCreatedJson
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    expect(firstBody.trackingCode).toBeTruthy()
    // the same body with its keys in another order is the same request
    const reordered = Object.fromEntries(Object.entries(body).reverse())
    const again = await call('POST', '/api/v1/cases', tokens.dispatcher, reordered, {
      'Idempotency-Key': 'key-one',
    })
    expect(again.status).toBe(201)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.headers.get('location')).toBe(`/api/v1/cases/${firstBody.id}`)
    const againBody = caseCreatedSchema.parse(await again.json())
    const { trackingCode, ...withoutCode } = firstBody
    expect(againBody).toEqual(withoutCode)
    const stored = await store.deps.db
      .selectFrom('idempotency_keys')
      .select('body')
      .where('key', '=', 'key-one')
      .executeTakeFirstOrThrow()
    expect(stored.body).not.toContain(trackingCode!)
    // the same key from another token is another key
    const other = await call(
      'POST',
      '/api/v1/cases',
      (await createToken(store.deps, { name: 'intake2', role: 'dispatcher' })).token,
      body,
      { 'Idempotency-Key': 'key-one' },
    )
    expect(other.status).toBe(201)
    expect((await other.json()).id).not.toBe(firstBody.id)
  })

  it('creates exactly one case from 20 concurrent requests with one Idempotency-Key', async () => {
    const count = async () =>
      Number(
        (
          await store.deps.db
            .selectFrom('work_orders')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const before = await count()
    const body = filing('并发幂等')
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        call('POST', '/api/v1/cases', tokens.dispatcher, body, { 'Idempotency-Key': 'race-1' }),
      ),
    )
    const bodies = await Promise.all(responses.map((r) => r.json()))
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201))
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1)
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(
      19,
    )
    expect(bodies.filter((b) => b.trackingCode)).toHaveLength(1)
    expect(await count()).toBe(before + 1)
  })

  it('accepts the staff session for same-origin calls, with the CSRF header on POSTs', async () => {
    await addUser(store.deps, {
      username: 'api-wang',
      role: 'dispatcher',
      password: STAFF_PASSWORD,
    })
    const { cookie, csrf } = await signIn(app, 'api-wang')
    const list = await app.request('/api/v1/cases?limit=1', { headers: { Cookie: cookie } })
    expect(list.status).toBe(200)
    const res = await app.request('http://localhost/api/v1/cases', {
      method: 'POST',
      headers: {
        Cookie: cookie,
        'X-CSRF-Token': csrf,
        'Content-Type': 'application/json',
        Origin: 'http://localhost',
      },
      body: JSON.stringify(filing('会话创建')),
    })
    expect(res.status).toBe(201)
    const created = (await res.json()) as CaseCreatedJson
    expect(created.events[0]).toMatchObject({ actorRole: 'dispatcher', actorName: 'api-wang' })
  })
})
