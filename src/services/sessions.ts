import { HotlineError } from '../domain/errors'
import type { StaffRole } from '../domain/codes'
import { hashPassword, sha256Hex, verifyPassword } from './accounts'
import { nowOf, type Deps } from './deps'

/** A signed-in staff member, as every staff route sees them. */
export interface StaffUser {
  id: number
  username: string
  displayName: string
  role: StaffRole
  unitId: number | null
  unitName: string | null
}

/** An open session: who, and the CSRF token its forms must carry. */
export interface StaffSession {
  user: StaffUser
  csrfToken: string
  expiresAt: string
}

/** Session lifetime: idle timeout and absolute cap. */
export const SESSION_IDLE_MS = 8 * 3600_000
export const SESSION_MAX_MS = 24 * 3600_000
/** Failures before an account locks, and for how long. */
export const LOCK_AFTER_FAILURES = 5
export const LOCK_MS = 15 * 60_000
/** Every refused sign-in waits this long, known account or not (no enumeration by timing). */
export const FAILURE_DELAY_MS = 400

const GENERIC_FAILURE = '用户名或密码错误，或账号已被锁定'

let dummyHash: Promise<string> | undefined

function token(deps: Deps, bytes = 32): string {
  return Buffer.from(deps.randomBytes(bytes)).toString('base64url')
}

/**
 * Signs a staff member in: checks the password in constant time (also for unknown users), counts
 * failures and locks the account for a while after five, never saying which field was wrong.
 * Returns a new session id (the cookie value, rotated at every login) and its CSRF token.
 *
 * @example const { sessionId } = await login(deps, 'wang', 'correct horse battery')
 */
export async function login(
  deps: Deps,
  username: string,
  password: string,
): Promise<{ sessionId: string; session: StaffSession }> {
  const now = nowOf(deps)
  const user = await deps.db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username.trim())
    .executeTakeFirst()
  dummyHash ??= hashPassword('not a real password, only for timing')
  const ok = await verifyPassword(password, user?.password_hash ?? (await dummyHash))
  const locked = user?.locked_until !== null && user?.locked_until !== undefined && user.locked_until > now
  if (!user || !ok || locked || user.active === 0) {
    if (user && !locked) {
      const failures = user.failed_logins + 1
      await deps.db
        .updateTable('users')
        .set({
          failed_logins: failures >= LOCK_AFTER_FAILURES ? 0 : failures,
          locked_until:
            failures >= LOCK_AFTER_FAILURES
              ? new Date(Date.parse(now) + LOCK_MS).toISOString()
              : user.locked_until,
        })
        .where('id', '=', user.id)
        .execute()
    }
    await new Promise((r) => setTimeout(r, FAILURE_DELAY_MS))
    throw new HotlineError('unauthorized', GENERIC_FAILURE)
  }
  await deps.db
    .updateTable('users')
    .set({ failed_logins: 0, locked_until: null })
    .where('id', '=', user.id)
    .execute()
  const sessionId = token(deps)
  const csrfToken = token(deps, 24)
  const expiresAt = new Date(Date.parse(now) + SESSION_MAX_MS).toISOString()
  await deps.db
    .insertInto('sessions')
    .values({
      id_hash: await sha256Hex(sessionId),
      user_id: user.id,
      csrf_token: csrfToken,
      created_at: now,
      expires_at: expiresAt,
      last_seen_at: now,
    })
    .execute()
  await deps.db.deleteFrom('sessions').where('expires_at', '<', now).execute()
  const session = await sessionOf(deps, sessionId)
  if (!session) throw new Error('session vanished after login')
  return { sessionId, session }
}

/**
 * The session a cookie value opens, or undefined when it is unknown, expired, idle too long or
 * its account is disabled. Touches `last_seen_at` at most once a minute.
 *
 * @example const session = await sessionOf(deps, cookieValue)
 */
export async function sessionOf(deps: Deps, sessionId: string): Promise<StaffSession | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(sessionId)) return undefined
  const now = nowOf(deps)
  const idHash = await sha256Hex(sessionId)
  const row = await deps.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('units', 'units.id', 'users.unit_id')
    .select([
      'sessions.csrf_token',
      'sessions.expires_at',
      'sessions.last_seen_at',
      'users.id',
      'users.username',
      'users.display_name',
      'users.role',
      'users.unit_id',
      'users.active',
      'units.name as unit_name',
    ])
    .where('sessions.id_hash', '=', idHash)
    .executeTakeFirst()
  if (!row || row.active === 0 || row.expires_at <= now) return undefined
  const idleUntil = Date.parse(row.last_seen_at) + SESSION_IDLE_MS
  if (idleUntil <= Date.parse(now)) {
    await deps.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute()
    return undefined
  }
  if (Date.parse(now) - Date.parse(row.last_seen_at) > 60_000) {
    await deps.db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute()
  }
  return {
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at,
    user: {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      role: row.role as StaffRole,
      unitId: row.unit_id,
      unitName: row.unit_name,
    },
  }
}

/**
 * Ends one session (logout).
 *
 * @example await logout(deps, cookieValue)
 */
export async function logout(deps: Deps, sessionId: string): Promise<void> {
  await deps.db.deleteFrom('sessions').where('id_hash', '=', await sha256Hex(sessionId)).execute()
}

/**
 * Disables an account and ends all its sessions at once.
 *
 * @example await disableUser(deps, userId)
 */
export async function disableUser(deps: Deps, userId: number): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ active: 0 }).where('id', '=', userId).execute()
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute()
  })
}
