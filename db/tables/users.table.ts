import type { Generated, Insertable, Selectable } from 'kysely'

/** `users`: staff accounts. Passwords are scrypt hashes. */
export interface UsersTable {
  id: Generated<number>
  username: string
  display_name: string
  password_hash: string
  role: string
  unit_id: number | null
  active: Generated<number>
  failed_logins: Generated<number>
  locked_until: string | null
  created_at: string
}
export type UserRow = Selectable<UsersTable>
export type NewUserRow = Insertable<UsersTable>

/** `sessions`: server-side staff sessions; the cookie carries the id, the table its hash. */
export interface SessionsTable {
  id_hash: string
  user_id: number
  csrf_token: string
  created_at: string
  expires_at: string
  last_seen_at: string
}
export type SessionRow = Selectable<SessionsTable>

/** `api_tokens`: bearer tokens for the JSON API, stored hashed, revocable. */
export interface ApiTokensTable {
  id: Generated<number>
  name: string
  token_hash: string
  role: string
  unit_id: number | null
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}
export type ApiTokenRow = Selectable<ApiTokensTable>

/** `idempotency_keys`: the first answer to a POST with an `Idempotency-Key`. */
export interface IdempotencyKeysTable {
  principal: string
  key: string
  request_hash: string
  status: number
  body: string
  created_at: string
}
