import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { listUnits, type Unit } from '../../db/repositories/reference-data'
import { STAFF_ROLES, type StaffRole } from '../domain/codes'
import { HotlineError, invalidField } from '../domain/errors'
import { nowOf, type Deps } from './deps'

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

/**
 * An scrypt hash of a password: `scrypt$N$r$p$salt$hash`, all in base64url.
 *
 * @example const stored = await hashPassword('correct horse battery staple')
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scrypt(password.normalize('NFKC'), salt, 32, SCRYPT)
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

/**
 * Whether a password matches a stored hash, in constant time.
 *
 * @example await verifyPassword('secret', stored) // true or false
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  })
  return timingSafeEqual(expected, actual)
}

/**
 * Finds a unit by its code or name (the CLI and imports name units either way).
 *
 * @example const unit = await findUnit(deps, '长堎街道')
 */
export async function findUnit(deps: Deps, codeOrName: string): Promise<Unit | undefined> {
  const units = await listUnits(deps.db)
  return units.find((u) => u.code === codeOrName) ?? units.find((u) => u.name === codeOrName)
}

function checkRole(role: string, unit: string | undefined): StaffRole {
  if (!STAFF_ROLES.includes(role as StaffRole)) {
    throw invalidField('role', `must be one of ${STAFF_ROLES.join(', ')}`)
  }
  if (role === 'caseworker' && !unit) throw invalidField('unit', 'is required for a caseworker')
  return role as StaffRole
}

/**
 * Creates a staff account (`hotline user add`).
 *
 * @example await addUser(deps, { username: 'wang', role: 'dispatcher', password: '…' })
 */
export async function addUser(
  deps: Deps,
  input: { username: string; role: string; unit?: string; password: string; displayName?: string },
): Promise<{ id: number; username: string; role: StaffRole; unitId: number | null }> {
  const username = input.username.trim()
  if (!/^[A-Za-z0-9_.-]{2,40}$/.test(username)) {
    throw invalidField('username', 'must be 2–40 letters, digits, dot, dash or underscore')
  }
  const role = checkRole(input.role, input.unit)
  if (input.password.length < 10) throw invalidField('password', 'must be at least 10 characters')
  const unit = input.unit ? await findUnit(deps, input.unit) : undefined
  if (input.unit && !unit) throw invalidField('unit', `no unit with code or name ${input.unit}`)
  const taken = await deps.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst()
  if (taken) throw new HotlineError('conflict', `username ${username} is taken`, { username: 'is taken' })
  const { id } = await deps.db
    .insertInto('users')
    .values({
      username,
      display_name: input.displayName?.trim() || username,
      password_hash: await hashPassword(input.password),
      role,
      unit_id: unit?.id ?? null,
      created_at: nowOf(deps),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id, username, role, unitId: unit?.id ?? null }
}

/**
 * SHA-256 hex of a secret (API tokens, session ids): the database never holds the secret itself.
 *
 * @example await sha256Hex('htk_…')
 */
export async function sha256Hex(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Creates an API token (`hotline token create`); the token is returned once and stored hashed.
 *
 * @example const { token } = await createToken(deps, { name: 'province-sync', role: 'dispatcher' })
 */
export async function createToken(
  deps: Deps,
  input: { name: string; role: string; unit?: string },
): Promise<{ id: number; token: string }> {
  const name = input.name.trim()
  if (name === '' || name.length > 100) throw invalidField('name', 'must be 1–100 characters')
  const role = checkRole(input.role, input.unit)
  const unit = input.unit ? await findUnit(deps, input.unit) : undefined
  if (input.unit && !unit) throw invalidField('unit', `no unit with code or name ${input.unit}`)
  const token = `htk_${Buffer.from(deps.randomBytes(32)).toString('base64url')}`
  const { id } = await deps.db
    .insertInto('api_tokens')
    .values({
      name,
      token_hash: await sha256Hex(token),
      role,
      unit_id: unit?.id ?? null,
      created_at: nowOf(deps),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id, token }
}

/** An API token as listed: never the token itself. */
export interface TokenInfo {
  id: number
  name: string
  role: string
  unitId: number | null
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

/**
 * Every API token, newest first (`hotline token list`).
 *
 * @example for (const t of await listTokens(deps)) console.log(t.name, t.lastUsedAt)
 */
export async function listTokens(deps: Deps): Promise<TokenInfo[]> {
  const rows = await deps.db.selectFrom('api_tokens').selectAll().orderBy('id', 'desc').execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    unitId: r.unit_id,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }))
}

/**
 * Revokes a token at once (`hotline token revoke --id N`); refuses an unknown or revoked one.
 *
 * @example await revokeToken(deps, 3)
 */
export async function revokeToken(deps: Deps, id: number): Promise<void> {
  const result = await deps.db
    .updateTable('api_tokens')
    .set({ revoked_at: nowOf(deps) })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) throw invalidField('id', `no active token with id ${id}`)
}
