import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'

declare module 'hono' {
  interface ContextVariableMap {
    /** The client's address as `clientIp()` sees it (an IPv4 address or an IPv6 /64). */
    clientIp: string
  }
}

/** The client key when the request came without a socket (`app.request()`, a Worker). */
export const UNKNOWN_CLIENT = 'unknown'

/**
 * Who is asking: the socket's remote address, or, behind `trustedProxies` reverse proxies, the
 * address the outermost trusted proxy saw (the `trustedProxies`-th entry from the right of
 * `X-Forwarded-For`). With `trustedProxies = 0` the header is ignored, so a client cannot pick
 * its own identity. IPv6-mapped IPv4 becomes plain IPv4, and IPv6 clients are grouped by /64
 * (one subscriber usually owns a whole /64). Without a socket (`app.request()` without an env,
 * a Worker) and without a usable header the answer is `UNKNOWN_CLIENT`.
 *
 * Tests simulate clients through the env, the third argument of `app.request()`.
 *
 * @example
 * clientIp(c, 0) // '203.0.113.7', whatever X-Forwarded-For says
 * clientIp(c, 1) // behind nginx: the last X-Forwarded-For entry, e.g. '2001:db8:0:1::/64'
 * await app.request('/track', {}, { incoming: { socket: { remoteAddress: '203.0.113.7' } } })
 */
export function clientIp(c: Context, trustedProxies: number): string {
  checkTrustedProxies(trustedProxies)
  const socket = socketAddress(c.env)
  if (trustedProxies > 0) {
    const forwarded = forwardedValue(c.req.header('x-forwarded-for'), trustedProxies)
    const ip = forwarded === undefined ? undefined : normalizeIp(forwarded)
    if (ip !== undefined) return ip
  }
  if (socket === undefined) return UNKNOWN_CLIENT
  return normalizeIp(socket) ?? socket
}

/**
 * Puts `clientIp(c, trustedProxies)` on `c.var.clientIp` for every later handler, so rate-limit
 * keys and logs agree on who the client is.
 *
 * @example
 * app.use(withClientIp(config.TRUST_PROXY))
 * rateLimit({ name: 'file', limit: 10, windowMs: 3_600_000, key: (c) => c.var.clientIp })
 */
export function withClientIp(trustedProxies: number) {
  checkTrustedProxies(trustedProxies)
  return createMiddleware(async (c, next) => {
    c.set('clientIp', clientIp(c, trustedProxies))
    await next()
  })
}

/**
 * The entry a chain of `trustedProxies` proxies vouches for in a comma-separated forwarding header
 * (`X-Forwarded-For`, `X-Forwarded-Proto`): the `trustedProxies`-th from the right, or the leftmost
 * when the chain is shorter (proxies that overwrite rather than append). Undefined when there is no
 * header or no trusted proxy.
 *
 * @example forwardedValue('6.6.6.6, 198.51.100.1', 1) // '198.51.100.1'
 */
export function forwardedValue(
  header: string | undefined,
  trustedProxies: number,
): string | undefined {
  if (header === undefined || trustedProxies <= 0) return undefined
  const entries = header
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
  if (entries.length === 0) return undefined
  return entries[Math.max(0, entries.length - trustedProxies)]
}

/**
 * The rate-limit identity of an address: IPv4 in dotted decimal (also for `::ffff:1.2.3.4`), IPv6
 * as its /64 (`2001:db8:0:1::/64`); a port (`1.2.3.4:5678`, `[2001:db8::1]:443`) and an IPv6 zone
 * (`fe80::1%eth0`) are dropped. Undefined for anything that is not an IP address.
 *
 * @example
 * normalizeIp('::ffff:192.0.2.1') // '192.0.2.1'
 * normalizeIp('2001:DB8:0:1:aaaa::5') // '2001:db8:0:1::/64'
 */
export function normalizeIp(raw: string): string | undefined {
  let text = raw.trim()
  if (text === '' || text.length > 100) return undefined
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    if (end < 0) return undefined
    text = text.slice(1, end)
  } else if (/^[\d.]+:\d+$/.test(text)) {
    text = text.slice(0, text.indexOf(':'))
  }
  const v4 = parseIpv4(text)
  if (v4) return v4.join('.')
  const v6 = parseIpv6(text)
  if (!v6) return undefined
  if (v6.slice(0, 5).every((n) => n === 0) && v6[5] === 0xffff) {
    const high = v6[6] ?? 0
    const low = v6[7] ?? 0
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
  }
  return `${v6
    .slice(0, 4)
    .map((n) => n.toString(16))
    .join(':')}::/64`
}

function checkTrustedProxies(n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`trustedProxies must be a whole number ≥ 0, got ${n}`)
  }
}

/** `env.incoming.socket.remoteAddress` of @hono/node-server, read without trusting its shape. */
function socketAddress(env: unknown): string | undefined {
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return undefined
  const incoming = env.incoming
  if (typeof incoming !== 'object' || incoming === null || !('socket' in incoming)) return undefined
  const socket = incoming.socket
  if (typeof socket !== 'object' || socket === null || !('remoteAddress' in socket)) {
    return undefined
  }
  const address = socket.remoteAddress
  return typeof address === 'string' && address !== '' ? address : undefined
}

function parseIpv4(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (!m) return undefined
  const octets = m.slice(1).map(Number)
  return octets.every((o) => o <= 255) ? octets : undefined
}

/** Eight 16-bit groups, or undefined. Accepts `::` compression and a dotted IPv4 tail. */
function parseIpv6(raw: string): number[] | undefined {
  let text = raw
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  const lastColon = text.lastIndexOf(':')
  if (lastColon < 0) return undefined
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail)
    if (!v4) return undefined
    const [p = 0, q = 0, r = 0, s = 0] = v4
    const hex = (high: number, low: number) => ((high << 8) | low).toString(16)
    text = `${text.slice(0, lastColon + 1)}${hex(p, q)}:${hex(r, s)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const group = (part: string | undefined) => (part ? part.split(':') : [])
  const head = group(halves[0])
  const rest = group(halves[1])
  let groups = head
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length
    if (missing < 1) return undefined
    groups = [...head, ...Array<string>(missing).fill('0'), ...rest]
  }
  if (groups.length !== 8) return undefined
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined
  return groups.map((g) => parseInt(g, 16))
}
