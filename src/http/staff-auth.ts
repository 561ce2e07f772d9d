import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { StaffRole } from '../domain/codes'
import type { Actor } from '../domain/work-order'
import { sessionOf, SESSION_MAX_MS, type StaffSession } from '../services/sessions'

declare module 'hono' {
  interface ContextVariableMap {
    staff: StaffSession
    actor: Actor
  }
}

/** Whether the request came over HTTPS (then cookies get `Secure` and the `__Host-` prefix). */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:'
}

/**
 * The session cookie's name: `__Host-hotline_session` over HTTPS, `hotline_session` otherwise.
 *
 * @example getCookie(c, sessionCookieName(c))
 */
export function sessionCookieName(c: Context): string {
  return isHttps(c) ? '__Host-hotline_session' : 'hotline_session'
}

/**
 * Sets the session cookie: HttpOnly, SameSite=Lax, path /, Secure over HTTPS.
 *
 * @example setSessionCookie(c, sessionId)
 */
export function setSessionCookie(c: Context, sessionId: string): void {
  setCookie(c, sessionCookieName(c), sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c),
    maxAge: Math.floor(SESSION_MAX_MS / 1000),
  })
}

/**
 * Removes the session cookie.
 *
 * @example clearSessionCookie(c)
 */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, sessionCookieName(c), { path: '/', secure: isHttps(c) })
}

/**
 * Requires a signed-in staff member (optionally of given roles): sets `c.var.staff` and
 * `c.var.actor`; otherwise redirects HTML requests to the login page (htmx: `HX-Redirect`) and
 * answers others 401. A wrong role gets 403. State-changing requests must carry the session's CSRF
 * token (form field `_csrf` or header `X-CSRF-Token`) and, when the browser sends one, a
 * same-origin `Origin`.
 *
 * @example app.use('/staff/cases/*', requireStaff())
 */
export function requireStaff(roles?: readonly StaffRole[]) {
  return createMiddleware(async (c, next) => {
    const id = getCookie(c, sessionCookieName(c))
    const session = id ? await sessionOf(c.var.deps, id) : undefined
    if (!session) {
      if (id) clearSessionCookie(c)
      const back = encodeURIComponent(c.req.method === 'GET' ? c.req.path + new URL(c.req.url).search : '/staff/cases')
      if (c.req.header('HX-Request') === 'true') {
        c.header('HX-Redirect', `/staff/login?next=${back}`)
        return c.body(null, 401)
      }
      if (c.req.method === 'GET') return c.redirect(`/staff/login?next=${back}`, 303)
      return c.json({ error: { code: 'unauthorized', message: 'sign in first' } }, 401)
    }
    if (roles && !roles.includes(session.user.role)) {
      return c.text('403 Forbidden: your role may not open this page', 403)
    }
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
      const origin = c.req.header('Origin')
      if (origin && origin !== new URL(c.req.url).origin) {
        return c.text('403 Forbidden: cross-site request refused', 403)
      }
      const sent = c.req.header('X-CSRF-Token') ?? (await csrfField(c))
      if (sent !== session.csrfToken) return c.text('403 Forbidden: the form is stale or forged; reload the page', 403)
    }
    c.set('staff', session)
    c.set('actor', {
      id: session.user.id,
      role: session.user.role,
      unitId: session.user.unitId,
      name: session.user.displayName,
    })
    await next()
  })
}

async function csrfField(c: Context): Promise<string | undefined> {
  const type = c.req.header('Content-Type') ?? ''
  if (!type.includes('form')) return undefined
  const body = await c.req.parseBody()
  return typeof body._csrf === 'string' ? body._csrf : undefined
}
