import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

describe.each(DIALECTS)('GET /healthz on %s', (dialect) => {
  let store: TestStore
  beforeAll(async () => {
    store = await openTestStore(dialect, '2025-01-01T00:00:00.000Z')
  })
  afterAll(() => store.close())

  it('answers 200 with the dialect and security headers', async () => {
    const res = await createApp(store.deps).request('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok', database: dialect })
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await createApp(store.deps).request('/nope')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no such route' } })
  })
})
