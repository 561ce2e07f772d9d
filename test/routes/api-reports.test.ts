import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { createToken } from '../../src/services/accounts'
import { summarize } from '../../src/services/reports'
import { fileCase, performAction } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

describe.each(DIALECTS)('GET /api/v1/reports/summary on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let token: string
  beforeAll(async () => {
    store = await openTestStore(dialect, '2025-03-03T02:00:00.000Z')
    fx = await seedFixture(store.deps)
    for (let i = 0; i < 3; i++) {
      const { order } = await fileCase(
        store.deps,
        { channel: i === 0 ? 'window' : 'hotline_12345', kind: 'help', title: '路灯', content: '不亮', districtId: fx.units.district },
        fx.actors.dispatcher,
      )
      await performAction(store.deps, order.id, { action: 'direct_answer', reply: '已答复' }, fx.actors.dispatcher)
    }
    token = (await createToken(store.deps, { name: 'dash', role: 'reporter' })).token
  })
  afterAll(() => store.close())

  const get = (path: string, headers: Record<string, string> = {}) =>
    createApp(store.deps).request(path, { headers })

  it('returns the same document as the service, with the bearer token', async () => {
    const res = await get('/api/v1/reports/summary?from=2025-03-01&to=2025-03-31&by=channel', {
      Authorization: `Bearer ${token}`,
    })
    expect(res.status).toBe(200)
    const body = await res.json()
    const expected = await summarize(store.deps, { from: '2025-03-01', to: '2025-03-31', by: 'channel' })
    expect(body).toEqual(JSON.parse(JSON.stringify(expected)))
    expect(body.totals).toMatchObject({ received: 3, closed: 3, closureRate: 1 })
    expect(body.groups.map((g: { key: string; received: number }) => [g.key, g.received])).toEqual([
      ['hotline_12345', 2],
      ['window', 1],
    ])
  })

  it('serves CSV with a BOM and a total row', async () => {
    const res = await get('/api/v1/reports/summary.csv?from=2025-03-01&to=2025-03-31&by=kind', {
      Authorization: `Bearer ${token}`,
    })
    const bytes = new Uint8Array(await res.arrayBuffer())
    const text = new TextDecoder().decode(bytes)
    expect(res.headers.get('content-type')).toContain('text/csv')
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(text.trim().split('\r\n').at(-1)).toMatch(/^total,合计,3,0,0,3,3,/)
  })

  it('refuses without a token, with a bad or revoked token, and names bad parameters', async () => {
    expect((await get('/api/v1/reports/summary?from=2025-03-01&to=2025-03-31')).status).toBe(401)
    const bad = await get('/api/v1/reports/summary?from=2025-03-01&to=2025-03-31', { Authorization: 'Bearer htk_nope_nope_nope_nope_nope_' })
    expect(bad.status).toBe(401)
    expect((await bad.json()).error.code).toBe('unauthorized')
    const missing = await get('/api/v1/reports/summary?to=2025-03-31', { Authorization: `Bearer ${token}` })
    expect(missing.status).toBe(422)
    expect((await missing.json()).error.fields).toEqual({ from: 'is required (YYYY-MM-DD)' })
    const by = await get('/api/v1/reports/summary?from=2025-03-01&to=2025-03-31&by=moon', { Authorization: `Bearer ${token}` })
    expect((await by.json()).error.fields.by).toContain('must be one of')
    await store.deps.db.updateTable('api_tokens').set({ revoked_at: '2025-03-03T03:00:00.000Z' }).execute()
    expect((await get('/api/v1/reports/summary?from=2025-03-01&to=2025-03-31', { Authorization: `Bearer ${token}` })).status).toBe(401)
  })

  it('refuses a caseworker token (403)', async () => {
    const cw = (await createToken(store.deps, { name: 'cw', role: 'caseworker', unit: 'XJ-CB' })).token
    const res = await get('/api/v1/reports/summary?from=2025-03-01&to=2025-03-31', { Authorization: `Bearer ${cw}` })
    expect(res.status).toBe(403)
  })
})
