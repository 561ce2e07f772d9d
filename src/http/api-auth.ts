import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { StaffRole } from '../domain/codes'
import { HotlineError } from '../domain/errors'
import { sha256Hex } from '../services/accounts'
import { nowOf } from '../services/deps'
import { sessionOf } from '../services/sessions'
import { sessionCookieName } from './staff-auth'

/**
 * Authenticates a JSON API call: `Authorization: Bearer <token>` (from `hotline token create`;
 * stored hashed, revocable, last use recorded) or the staff session cookie for same-origin calls
 * (then state-changing calls also need the CSRF header). Sets `c.var.actor`; refuses with the
 * JSON error shape (401, or 403 for a role not in `roles`).
 *
 * @example app.use('/api/v1/*', apiAuth())
 */
export function apiAuth(roles?: readonly StaffRole[]) {
  return createMiddleware(async (c, next) => {
    const { deps } = c.var
    const header = c.req.header('Authorization')
    if (header !== undefined) {
      const match = /^Bearer\s+(htk_[A-Za-z0-9_-]{20,100})$/.exec(header)
      if (!match) throw new HotlineError('unauthorized', 'Authorization must be "Bearer <token>"')
      const row = await deps.db
        .selectFrom('api_tokens')
        .select(['id', 'name', 'role', 'unit_id', 'revoked_at', 'last_used_at'])
        .where('token_hash', '=', await sha256Hex(match[1]!))
        .executeTakeFirst()
      if (!row || row.revoked_at !== null) throw new HotlineError('unauthorized', 'unknown or revoked token')
      const now = nowOf(deps)
      if (!row.last_used_at || Date.parse(now) - Date.parse(row.last_used_at) > 60_000) {
        await deps.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute()
      }
      c.set('actor', { id: null, role: row.role as StaffRole, unitId: row.unit_id, name: `token:${row.name}` })
      c.set('apiPrincipal', `token:${row.id}`)
    } else {
      const id = getCookie(c, sessionCookieName(c))
      const session = id ? await sessionOf(deps, id) : undefined
      if (!session) throw new HotlineError('unauthorized', 'send a Bearer token or sign in')
      if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
        const origin = c.req.header('Origin')
        if (origin && origin !== new URL(c.req.url).origin) throw new HotlineError('forbidden', 'cross-site request refused')
        if (c.req.header('X-CSRF-Token') !== session.csrfToken) {
          throw new HotlineError('forbidden', 'X-CSRF-Token is missing or wrong')
        }
      }
      const u = session.user
      c.set('actor', { id: u.id, role: u.role, unitId: u.unitId, name: u.displayName })
      c.set('apiPrincipal', `user:${u.id}`)
    }
    const role = c.var.actor.role
    if (roles && !roles.includes(role as StaffRole)) {
      throw new HotlineError('forbidden', `role ${role} may not use this endpoint`)
    }
    await next()
  })
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Who an API call is from (`token:ID` or `user:ID`), for idempotency keys and rate limits. */
    apiPrincipal: string
  }
}
