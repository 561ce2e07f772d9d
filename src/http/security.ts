import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { forwardedValue } from './client-ip'

/**
 * The policy every page is served under: everything from our own origin, no inline script, no
 * `eval` (so htmx cannot run `hx-on` handlers or scripts inside swapped content), no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ')

/** One year, subdomains included; sent only on responses to requests that came over HTTPS. */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains'

/** The headers on every response, whatever the scheme. */
export const SECURITY_HEADERS: ReadonlyArray<readonly [name: string, value: string]> = [
  ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'same-origin'],
  ['X-Frame-Options', 'DENY'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=()'],
]

/** How `securityHeaders` decides whether a request came over HTTPS. */
export interface SecurityHeadersOptions {
  /**
   * `'auto'` (the default): HSTS when the request URL is `https:`, or, behind trusted proxies,
   * when `X-Forwarded-Proto` says `https`. `true`: always (TLS is known to end in front of us).
   * `false`: never.
   */
  https?: 'auto' | boolean
  /** Reverse proxies in front of the app (TRUST_PROXY); 0 ignores `X-Forwarded-Proto`. */
  trustedProxies?: number
}

/**
 * Adds the security headers to every response (pages, JSON, 404s, error pages, 413s and 429s),
 * plus `Strict-Transport-Security` when the request came over HTTPS. A header the handler has
 * already set is left alone, so a download can carry its own stricter policy; headers we do not
 * own (`Content-Disposition`, `Content-Type`, `Set-Cookie`…) are never touched.
 *
 * @example
 * app.use(securityHeaders({ https: 'auto', trustedProxies: config.TRUST_PROXY }))
 */
export function securityHeaders(options: SecurityHeadersOptions = {}) {
  const https = options.https ?? 'auto'
  const trustedProxies = options.trustedProxies ?? 0
  if (!Number.isInteger(trustedProxies) || trustedProxies < 0) {
    throw new RangeError(`trustedProxies must be a whole number ≥ 0, got ${trustedProxies}`)
  }
  return createMiddleware(async (c, next) => {
    const hsts = https === 'auto' ? cameOverHttps(c, trustedProxies) : https
    await next()
    const wanted = hsts
      ? [...SECURITY_HEADERS, ['Strict-Transport-Security', STRICT_TRANSPORT_SECURITY] as const]
      : SECURITY_HEADERS
    setMissingHeaders(c, wanted)
  })
}

/**
 * Whether the request reached us over HTTPS: the URL's scheme, or, only with trusted proxies, the
 * `X-Forwarded-Proto` entry the outermost trusted proxy vouches for.
 *
 * @example cameOverHttps(c, 1) // true behind a TLS-terminating nginx that sets X-Forwarded-Proto
 */
export function cameOverHttps(c: Context, trustedProxies: number): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true
  const proto = forwardedValue(c.req.header('x-forwarded-proto'), trustedProxies)
  return proto?.toLowerCase() === 'https'
}

function setMissingHeaders(c: Context, wanted: ReadonlyArray<readonly [string, string]>): void {
  const missing = wanted.filter(([name]) => !c.res.headers.has(name))
  if (missing.length === 0) return
  try {
    for (const [name, value] of missing) c.res.headers.set(name, value)
  } catch (err) {
    // Response.redirect() and fetched responses have immutable headers: copy, then set.
    if (!(err instanceof TypeError)) throw err
    c.res = new Response(c.res.body, c.res)
    for (const [name, value] of missing) c.res.headers.set(name, value)
  }
}
