import fc from 'fast-check'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { bodyLimit } from '../../src/http/body-limit'
import { clientIp, normalizeIp, UNKNOWN_CLIENT, withClientIp } from '../../src/http/client-ip'
import { errorResponse } from '../../src/http/errors'
import {
  hit,
  memoryRateLimitStore,
  peek,
  rateLimit,
  type RateLimitStore,
} from '../../src/http/rate-limit'
import {
  CONTENT_SECURITY_POLICY,
  securityHeaders,
  STRICT_TRANSPORT_SECURITY,
  type SecurityHeadersOptions,
} from '../../src/http/security'

const MINUTE = 60_000
const MiB = 1024 * 1024
const T0 = Date.parse('2026-03-02T08:00:00.000Z') // a multiple of one minute

/** The env @hono/node-server passes: a request from `remoteAddress`. */
function from(remoteAddress: string) {
  return { incoming: { socket: { remoteAddress } } }
}

/** A clock the test moves. */
function testClock(start = T0) {
  let now = start
  return {
    now: () => now,
    advance(ms: number) {
      now += ms
    },
  }
}

interface AppOptions extends SecurityHeadersOptions {
  trustedProxies?: number
  store?: RateLimitStore
  now?: () => number
}

/** A small app with the security middlewares in the order src/app.ts uses them. */
function buildApp(options: AppOptions = {}) {
  const trustedProxies = options.trustedProxies ?? 0
  const app = new Hono()
  app.use(securityHeaders({ https: options.https ?? 'auto', trustedProxies }))
  app.use(withClientIp(trustedProxies))
  app.get('/', (c) => c.text('ok'))
  app.get('/who', (c) => c.text(c.var.clientIp))
  app.get('/boom', () => {
    throw new Error('boom')
  })
  app.get('/download', (c) => {
    c.header('Content-Disposition', 'attachment; filename="cases.csv"')
    c.header('Content-Security-Policy', "default-src 'none'; sandbox")
    return c.body('a,b\n', 200, { 'Content-Type': 'text/csv; charset=utf-8' })
  })
  app.get('/elsewhere', () => Response.redirect('https://x.test/there', 302))
  app.post(
    '/cases',
    rateLimit({
      name: 'file',
      limit: 10,
      windowMs: 10 * MINUTE,
      key: (c) => c.var.clientIp,
      store: options.store ?? memoryRateLimitStore(),
      now: options.now ?? Date.now,
    }),
    (c) => c.json({ filed: true }, 201),
  )
  app.get(
    '/track',
    rateLimit({
      name: 'track',
      limit: 2,
      windowMs: MINUTE,
      key: (c) => c.var.clientIp,
      now: options.now ?? Date.now,
      onLimited: (c, seconds) => c.html(`<p>查询太频繁，请 ${seconds} 秒后再试</p>`, 429),
    }),
    (c) => c.text('tracked'),
  )
  app.post('/upload', bodyLimit({ maxSize: MiB }), async (c) => {
    const bytes = await c.req.arrayBuffer()
    return c.json({ size: bytes.byteLength, contentLength: c.req.header('content-length') ?? null })
  })
  app.post(
    '/photo',
    bodyLimit({ maxSize: 10, onTooLarge: (c, max) => c.html(`<p>最多 ${max} 字节</p>`, 413) }),
    (c) => c.text('ok'),
  )
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such route' } }, 404))
  app.onError(errorResponse)
  return app
}

function expectSecurityHeaders(res: Response) {
  expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('referrer-policy')).toBe('same-origin')
  expect(res.headers.get('x-frame-options')).toBe('DENY')
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin')
  expect(res.headers.get('permissions-policy')).toBe('camera=(), microphone=(), geolocation=()')
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('security headers', () => {
  it('the policy allows no inline script and no eval, and forbids framing', () => {
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline')
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval')
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'")
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'")
  })

  it('are on 200, 404 and error responses', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const app = buildApp()
    const ok = await app.request('/')
    expect(ok.status).toBe(200)
    expectSecurityHeaders(ok)
    const missing = await app.request('/nope')
    expect(missing.status).toBe(404)
    expectSecurityHeaders(missing)
    const failed = await app.request('/boom')
    expect(failed.status).toBe(500)
    expect(await failed.json()).toEqual({ error: { code: 'internal', message: 'internal error' } })
    expectSecurityHeaders(failed)
  })

  it('are on 413 and 429 responses', async () => {
    const app = buildApp()
    const big = await app.request('/upload', { method: 'POST', body: new Uint8Array(2 * MiB) })
    expect(big.status).toBe(413)
    expectSecurityHeaders(big)
    for (let i = 0; i < 2; i++) await app.request('/track', {}, from('192.0.2.1'))
    const limited = await app.request('/track', {}, from('192.0.2.1'))
    expect(limited.status).toBe(429)
    expectSecurityHeaders(limited)
  })

  it('leave headers the handler set alone', async () => {
    const res = await buildApp().request('/download')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="cases.csv"')
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await res.text()).toBe('a,b\n')
  })

  it('reach responses whose headers are immutable (Response.redirect)', async () => {
    const res = await buildApp().request('/elsewhere')
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://x.test/there')
    expectSecurityHeaders(res)
  })

  it('send HSTS over https:// and never over http://', async () => {
    const app = buildApp()
    const plain = await app.request('http://x.test/')
    expect(plain.headers.get('strict-transport-security')).toBeNull()
    const secure = await app.request('https://x.test/')
    expect(secure.headers.get('strict-transport-security')).toBe(STRICT_TRANSPORT_SECURITY)
    expect(STRICT_TRANSPORT_SECURITY).toBe('max-age=31536000; includeSubDomains')
    const secure404 = await app.request('https://x.test/nope')
    expect(secure404.headers.get('strict-transport-security')).toBe(STRICT_TRANSPORT_SECURITY)
  })

  it('honour X-Forwarded-Proto only behind a trusted proxy', async () => {
    const init = { headers: { 'X-Forwarded-Proto': 'https' } }
    const direct = await buildApp({ trustedProxies: 0 }).request('http://x.test/', init)
    expect(direct.headers.get('strict-transport-security')).toBeNull()
    const proxied = await buildApp({ trustedProxies: 1 }).request('http://x.test/', init)
    expect(proxied.headers.get('strict-transport-security')).toBe(STRICT_TRANSPORT_SECURITY)
    const plain = await buildApp({ trustedProxies: 1 }).request('http://x.test/', {
      headers: { 'X-Forwarded-Proto': 'http' },
    })
    expect(plain.headers.get('strict-transport-security')).toBeNull()
    // a client's own "https" in front of what the proxy appended does not count
    const spoofed = await buildApp({ trustedProxies: 1 }).request('http://x.test/', {
      headers: { 'X-Forwarded-Proto': 'https, http' },
    })
    expect(spoofed.headers.get('strict-transport-security')).toBeNull()
  })

  it('follow https: true and https: false whatever the request says', async () => {
    const always = await buildApp({ https: true }).request('http://x.test/')
    expect(always.headers.get('strict-transport-security')).toBe(STRICT_TRANSPORT_SECURITY)
    const never = await buildApp({ https: false }).request('https://x.test/')
    expect(never.headers.get('strict-transport-security')).toBeNull()
  })
})

describe('client address', () => {
  it('is the socket address, IPv6-mapped IPv4 made plain', async () => {
    const app = buildApp()
    expect(await (await app.request('/who', {}, from('203.0.113.7'))).text()).toBe('203.0.113.7')
    expect(await (await app.request('/who', {}, from('::ffff:203.0.113.7'))).text()).toBe(
      '203.0.113.7',
    )
    expect(await (await app.request('/who')).text()).toBe(UNKNOWN_CLIENT)
  })

  it('ignores X-Forwarded-For without trusted proxies', async () => {
    const res = await buildApp().request(
      '/who',
      { headers: { 'X-Forwarded-For': '198.51.100.9' } },
      from('203.0.113.7'),
    )
    expect(await res.text()).toBe('203.0.113.7')
  })

  it('takes the entry the outermost trusted proxy wrote', async () => {
    const who = async (trustedProxies: number, xff: string | undefined) => {
      const headers: Record<string, string> = xff === undefined ? {} : { 'X-Forwarded-For': xff }
      const res = await buildApp({ trustedProxies }).request('/who', { headers }, from('10.0.0.2'))
      return res.text()
    }
    expect(await who(1, '6.6.6.6, 198.51.100.9')).toBe('198.51.100.9')
    expect(await who(2, '6.6.6.6, 198.51.100.9, 10.0.0.1')).toBe('198.51.100.9')
    expect(await who(2, '198.51.100.9')).toBe('198.51.100.9') // shorter chain: the leftmost
    expect(await who(1, undefined)).toBe('10.0.0.2') // no header: the socket
    expect(await who(1, 'not-an-ip')).toBe('10.0.0.2')
  })

  it('normalises addresses and groups IPv6 by /64', () => {
    expect(normalizeIp('192.0.2.1')).toBe('192.0.2.1')
    expect(normalizeIp(' 192.0.2.1:5678 ')).toBe('192.0.2.1')
    expect(normalizeIp('::ffff:192.0.2.1')).toBe('192.0.2.1')
    expect(normalizeIp('::FFFF:c000:0201')).toBe('192.0.2.1')
    expect(normalizeIp('2001:DB8:0:1:aaaa::5')).toBe('2001:db8:0:1::/64')
    expect(normalizeIp('2001:db8:0:1:ffff:ffff:ffff:ffff')).toBe('2001:db8:0:1::/64')
    expect(normalizeIp('[2001:db8:0:1::7]:443')).toBe('2001:db8:0:1::/64')
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    expect(normalizeIp('::1')).toBe('0:0:0:0::/64')
    expect(normalizeIp('2001:db8::1.2.3.4')).toBe('2001:db8:0:0::/64')
    const bad = ['', 'unknown', '256.1.1.1', '1.2.3', '1::2::3', '1:2:3:4:5:6:7:8:9', ':1::']
    for (const text of bad) {
      expect(normalizeIp(text), text).toBeUndefined()
    }
    expect(normalizeIp('1:2:3:4:5:6:7::')).toBe('1:2:3:4::/64')
    expect(normalizeIp('1:2:3:4:5:6:7:8::')).toBeUndefined()
  })

  it('refuses a nonsensical proxy count', async () => {
    expect(() => withClientIp(-1)).toThrow(RangeError)
    expect(() => withClientIp(1.5)).toThrow(RangeError)
    const app = new Hono().get('/', (c) => c.text(clientIp(c, 0)))
    expect(await (await app.request('/')).text()).toBe(UNKNOWN_CLIENT)
  })
})

describe('rate limits', () => {
  const file = (app: Hono, env: object, headers: Record<string, string> = {}) =>
    app.request('/cases', { method: 'POST', headers }, env)

  it('refuse the 11th filing in a window with 429 and Retry-After, not others', async () => {
    const clock = testClock()
    const app = buildApp({ now: clock.now })
    for (let i = 0; i < 10; i++) {
      expect((await file(app, from('203.0.113.7'))).status).toBe(201)
      clock.advance(1000)
    }
    const refused = await file(app, from('203.0.113.7'))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe(String(10 * 60 - 10))
    expect(refused.headers.get('cache-control')).toBe('no-store')
    expect(await refused.json()).toEqual({
      error: { code: 'rate_limited', message: 'too many requests; try again in 590 s' },
    })
    expect((await file(app, from('203.0.113.8'))).status).toBe(201)
  })

  it('render the routes’ own page through onLimited', async () => {
    const app = buildApp()
    expect((await app.request('/track', {}, from('192.0.2.1'))).status).toBe(200)
    expect((await app.request('/track', {}, from('192.0.2.1'))).status).toBe(200)
    const page = await app.request('/track', {}, from('192.0.2.1'))
    expect(page.status).toBe(429)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await page.text()).toMatch(/^<p>查询太频繁，请 \d+ 秒后再试<\/p>$/)
  })

  it('cannot be reset by a spoofed X-Forwarded-For without trusted proxies', async () => {
    const app = buildApp({ trustedProxies: 0 })
    for (let i = 0; i < 10; i++) {
      const res = await file(app, from('203.0.113.7'), { 'X-Forwarded-For': `198.51.100.${i}` })
      expect(res.status).toBe(201)
    }
    const spoofed = await file(app, from('203.0.113.7'), { 'X-Forwarded-For': '198.51.100.99' })
    expect(spoofed.status).toBe(429)
  })

  it('tell apart the clients behind one trusted proxy, and ignore what they prepend', async () => {
    const app = buildApp({ trustedProxies: 1 })
    const proxy = from('10.0.0.1')
    for (let i = 0; i < 10; i++) {
      // the client writes its own X-Forwarded-For; the proxy appends the address it saw
      const res = await file(app, proxy, { 'X-Forwarded-For': `6.6.6.${i}, 198.51.100.1` })
      expect(res.status).toBe(201)
    }
    expect((await file(app, proxy, { 'X-Forwarded-For': '6.6.6.99, 198.51.100.1' })).status).toBe(
      429,
    )
    expect((await file(app, proxy, { 'X-Forwarded-For': '198.51.100.2' })).status).toBe(201)
  })

  it('count an IPv6 /64 as one client, and ::ffff:IPv4 as the IPv4 client', async () => {
    const app = buildApp()
    for (let i = 1; i <= 10; i++) {
      expect((await file(app, from(`2001:db8:0:1::${i.toString(16)}`))).status).toBe(201)
    }
    expect((await file(app, from('2001:db8:0:1:ffff::1'))).status).toBe(429)
    expect((await file(app, from('2001:db8:0:2::1'))).status).toBe(201)
    for (let i = 0; i < 10; i++) await file(app, from('192.0.2.5'))
    expect((await file(app, from('::ffff:192.0.2.5'))).status).toBe(429)
  })

  it('open again when the window has passed (injected clock)', async () => {
    const clock = testClock()
    const app = buildApp({ now: clock.now })
    const client = from('203.0.113.7')
    for (let i = 0; i < 10; i++) expect((await file(app, client)).status).toBe(201)
    const refused = await file(app, client)
    expect(refused.status).toBe(429)
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBe(600)
    clock.advance(retryAfter * 1000 - 1000)
    expect((await file(app, client)).status).toBe(429)
    clock.advance(1000)
    expect((await file(app, client)).status).toBe(201)
    clock.advance(20 * MINUTE) // two whole windows later: the full quota again
    for (let i = 0; i < 10; i++) expect((await file(app, client)).status).toBe(201)
    expect((await file(app, client)).status).toBe(429)
  })

  it('slide: the previous window still weighs on the next one', () => {
    const store = memoryRateLimitStore()
    for (let i = 0; i < 10; i++) expect(hit(store, 'k', 10, MINUTE, T0 + 50_000).allowed).toBe(true)
    // the last minute, (T0 + 29.999 s, T0 + 89.999 s], covers half of the previous window:
    // half of its 10 still count, so 5 more are allowed, not 10
    const at = T0 + MINUTE + 29_999
    const results = Array.from({ length: 6 }, () => hit(store, 'k', 10, MINUTE, at))
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false])
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0])
    // a millisecond later the previous window weighs less than half: one more is allowed
    expect(results[5]?.retryAfterSeconds).toBe(1)
    expect(hit(store, 'k', 10, MINUTE, at + 1).allowed).toBe(true)
    expect(hit(store, 'k', 10, MINUTE, at + 1).allowed).toBe(false)
  })

  it('peek looks without counting', () => {
    const store = memoryRateLimitStore()
    expect(peek(store, 'k', 2, MINUTE, T0)).toEqual({
      allowed: true,
      remaining: 2,
      retryAfterSeconds: 0,
    })
    expect(store.size).toBe(0)
    hit(store, 'k', 2, MINUTE, T0)
    hit(store, 'k', 2, MINUTE, T0)
    expect(peek(store, 'k', 2, MINUTE, T0 + 1000)).toEqual({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 59,
    })
  })

  it('a client that waits Retry-After is let in, and not a second earlier', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 120 }).map((s) => s * 1000),
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 40 }),
        (limit, windowMs, gaps) => {
          const store = memoryRateLimitStore()
          let now = T0
          for (const gap of gaps) {
            now += gap
            const result = hit(store, 'k', limit, windowMs, now)
            if (result.allowed) continue
            const later = now + result.retryAfterSeconds * 1000
            expect(peek(store, 'k', limit, windowMs, later).allowed).toBe(true)
            if (result.retryAfterSeconds > 1) {
              const earlier = now + (result.retryAfterSeconds - 1) * 1000 - 1
              expect(peek(store, 'k', limit, windowMs, earlier).allowed).toBe(false)
            }
          }
        },
      ),
    )
  })

  it('never allow more than the limit within one fixed window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 100 }),
        (limit, gaps) => {
          const store = memoryRateLimitStore()
          const allowedPerWindow = new Map<number, number>()
          let now = T0
          for (const gap of gaps) {
            now += gap
            if (!hit(store, 'k', limit, MINUTE, now).allowed) continue
            const w = Math.floor(now / MINUTE)
            allowedPerWindow.set(w, (allowedPerWindow.get(w) ?? 0) + 1)
          }
          for (const n of allowedPerWindow.values()) expect(n).toBeLessThanOrEqual(limit)
        },
      ),
    )
  })

  it('keep the in-memory store bounded: 200 000 keys, at most the cap held', () => {
    const store = memoryRateLimitStore({ maxKeys: 100_000 })
    for (let i = 0; i < 200_000; i++) {
      hit(store, `ip:${i}`, 10, MINUTE, T0)
      // a client that keeps trying is rewritten each time, so a flood of new keys cannot evict
      // it (and reset its count)
      if (i % 10_000 === 0) hit(store, 'ip:7', 10, MINUTE, T0)
    }
    expect(store.size).toBeLessThanOrEqual(100_000)
    expect(store.size).toBe(100_000)
    expect(store.get('ip:0', T0)).toBeUndefined()
    expect(store.get('ip:7', T0)?.count).toBe(10)
    expect(store.get('ip:199999', T0)?.count).toBe(1)
  })

  it('sweep expired keys out of the store', () => {
    const store = memoryRateLimitStore({ sweepIntervalMs: MINUTE })
    for (let i = 0; i < 1000; i++) hit(store, `ip:${i}`, 10, MINUTE, T0)
    expect(store.size).toBe(1000)
    hit(store, 'late', 10, MINUTE, T0 + 3 * MINUTE)
    expect(store.size).toBe(1)
  })

  it('refuse nonsensical limits', () => {
    const key = () => 'k'
    expect(() => rateLimit({ name: 'x', limit: 0, windowMs: 1000, key })).toThrow(RangeError)
    expect(() => rateLimit({ name: 'x', limit: 1, windowMs: 0.5, key })).toThrow(RangeError)
    expect(() => memoryRateLimitStore({ maxKeys: 0 })).toThrow(RangeError)
  })
})

describe('body limit', () => {
  const post = (app: Hono, path: string, body: BodyInit, headers: Record<string, string> = {}) =>
    app.request(path, { method: 'POST', body, headers })

  it('refuses a 2 MB body on a 1 MB route with 413 and the JSON error shape', async () => {
    const res = await post(buildApp(), '/upload', new Uint8Array(2 * 1000 * 1000))
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({
      error: {
        code: 'payload_too_large',
        message: `the request body is larger than the limit of ${MiB} bytes`,
      },
    })
  })

  it('refuses an honest Content-Length over the limit without reading the body', async () => {
    const res = await post(buildApp(), '/upload', 'tiny', { 'Content-Length': String(2 * MiB) })
    expect(res.status).toBe(413)
  })

  it('refuses a body larger than its lying Content-Length', async () => {
    const body = new Uint8Array(2 * MiB)
    const res = await post(buildApp(), '/upload', body, { 'Content-Length': '10' })
    expect(res.status).toBe(413)
  })

  it('lets a body under the limit through whole, with its true Content-Length', async () => {
    const app = buildApp()
    const chunked = await post(app, '/upload', new Uint8Array(MiB))
    expect(chunked.status).toBe(200)
    expect(await chunked.json()).toEqual({ size: MiB, contentLength: null })
    const declared = await post(app, '/upload', new Uint8Array(1000), { 'Content-Length': '1000' })
    expect(await declared.json()).toEqual({ size: 1000, contentLength: '1000' })
    const understated = await post(app, '/upload', new Uint8Array(1000), { 'Content-Length': '10' })
    expect(await understated.json()).toEqual({ size: 1000, contentLength: '1000' })
  })

  it('lets routes render their own 413 page', async () => {
    const res = await post(buildApp(), '/photo', 'x'.repeat(11))
    expect(res.status).toBe(413)
    expect(await res.text()).toBe('<p>最多 10 字节</p>')
    expect((await post(buildApp(), '/photo', 'x'.repeat(10))).status).toBe(200)
  })
})
