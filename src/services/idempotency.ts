import { HotlineError } from '../domain/errors'
import { sha256Hex } from './accounts'
import { inTransaction, nowOf, type Deps } from './deps'

/**
 * `Idempotency-Key` for API POSTs: the first answer to a key is stored with a hash of the request
 * it answered, per principal (a token or a staff user). The same key with the same request gets
 * the stored answer again; with another request it is refused. The key row is inserted first, in
 * the same transaction as the work it guards, so of two concurrent requests with one key exactly
 * one does the work and the other waits for it and replays its answer.
 */

/** How long a key is remembered: a retry after that is a new request. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000

/** What an idempotent call is about. */
export interface IdempotentRequest {
  /** `token:ID` or `user:ID` (c.var.apiPrincipal). */
  principal: string
  key: string
  method: string
  path: string
  /** The parsed JSON body. */
  body: unknown
}

/** The work's answer: `body` goes to the caller, `stored` (default `body`) into the record. */
export interface IdempotentAnswer<T> {
  status: number
  body: T
  stored?: unknown
}

/** The outcome: a fresh answer, a replayed one, or a refusal of a reused key. */
export type IdempotentOutcome<T> =
  | { kind: 'fresh'; status: number; body: T }
  | { kind: 'replayed'; status: number; body: unknown }
  | { kind: 'reused' }

/** An `Idempotency-Key` header value: 1–255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/

/**
 * JSON with object keys sorted at every depth, so that key order and whitespace do not make two
 * equal bodies differ.
 *
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const sorted: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k]
    return sorted
  })
}

/**
 * SHA-256 (hex) of the method, path and canonical JSON body.
 *
 * @example await requestHash('POST', '/api/v1/cases', { title: '路灯' })
 */
export async function requestHash(method: string, path: string, body: unknown): Promise<string> {
  return sha256Hex(`${method.toUpperCase()}\n${path}\n${canonicalJson(body ?? null)}`)
}

const LOST = Symbol('idempotency key taken by a concurrent request')
const ATTEMPTS = 40
const WAIT_MS = 50

/**
 * Runs `work` at most once per (principal, key). Answers below 300 are stored (without what
 * `stored` leaves out); a refusal (a thrown error) stores nothing, so the key can be retried.
 *
 * @example
 * const outcome = await idempotent(deps, { principal, key, method: 'POST', path, body }, async (trx) => {
 *   const { created, stored } = await createCase(trx, body, actor)
 *   return { status: 201, body: created, stored }
 * })
 */
export async function idempotent<T>(
  deps: Deps,
  request: IdempotentRequest,
  work: (deps: Deps) => Promise<IdempotentAnswer<T>>,
): Promise<IdempotentOutcome<T>> {
  const { principal, key } = request
  const hash = await requestHash(request.method, request.path, request.body)
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const cutoff = new Date(Date.parse(nowOf(deps)) - IDEMPOTENCY_TTL_MS).toISOString()
    const earlier = await deps.db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status', 'body', 'created_at'])
      .where('principal', '=', principal)
      .where('key', '=', key)
      .executeTakeFirst()
    if (earlier && earlier.created_at >= cutoff) {
      if (earlier.request_hash !== hash) return { kind: 'reused' }
      if (earlier.status !== 0) {
        return { kind: 'replayed', status: earlier.status, body: JSON.parse(earlier.body) }
      }
      // Only where transactions are not isolated (D1) can a claim be seen before its answer.
      await sleep(WAIT_MS)
      continue
    }
    try {
      const answer = await inTransaction(deps.db, async (trx) => {
        await trx
          .deleteFrom('idempotency_keys')
          .where('principal', '=', principal)
          .where('key', '=', key)
          .where('created_at', '<', cutoff)
          .execute()
        const claim = await trx
          .insertInto('idempotency_keys')
          .values({
            principal,
            key,
            request_hash: hash,
            status: 0,
            body: '',
            created_at: nowOf(deps),
          })
          .onConflict((oc) => oc.columns(['principal', 'key']).doNothing())
          .executeTakeFirst()
        if (Number(claim.numInsertedOrUpdatedRows ?? 0) !== 1) throw LOST
        const result = await work({ ...deps, db: trx })
        if (result.status >= 300) throw new Error('idempotent work must answer 2xx or throw')
        await trx
          .updateTable('idempotency_keys')
          .set({ status: result.status, body: JSON.stringify(result.stored ?? result.body) })
          .where('principal', '=', principal)
          .where('key', '=', key)
          .execute()
        return result
      })
      await forgetExpired(deps, principal, cutoff)
      return { kind: 'fresh', status: answer.status, body: answer.body }
    } catch (err) {
      if (err === LOST || isUniqueViolation(err)) continue
      throw err
    }
  }
  throw new HotlineError(
    'conflict',
    'another request with this Idempotency-Key is still being handled; retry in a moment',
    { 'Idempotency-Key': 'is in use by a request still in progress' },
  )
}

/** Drops this principal's expired keys; best effort, outside the request's transaction. */
async function forgetExpired(deps: Deps, principal: string, cutoff: string): Promise<void> {
  try {
    await deps.db
      .deleteFrom('idempotency_keys')
      .where('principal', '=', principal)
      .where('created_at', '<', cutoff)
      .execute()
  } catch {
    // another request is purging the same rows; the next one will finish the job
  }
}

function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const code = (err as { code?: unknown }).code
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  )
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
