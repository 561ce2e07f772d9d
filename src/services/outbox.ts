import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../db/database'
import type { OutboxRow } from '../../db/tables/outbox.table'
import { nowOf, type Deps } from './deps'

/**
 * The notification outbox (通知发件箱): a notification is a row written in the same transaction as
 * the action that caused it, and delivered later, at least once, to one webhook signed with HMAC,
 * so any SMS or messaging gateway can be attached. A failing gateway never blocks or undoes an
 * action: the row is retried with backoff and, after the last attempt, kept as a dead letter that
 * admins see.
 */

type Db = Kysely<Database> | Transaction<Database>

/** A value a payload may carry: plain facts, never personal data. */
export type PayloadValue = string | number | boolean | null

/** One notification to send. */
export interface Notification {
  /** What happened, e.g. `work_order.urged`; sent as `X-Hotline-Topic`. */
  topic: string
  workOrderId: number | null
  /** Case id, number, unit, level, due time and the like — no names, phone or ID numbers. */
  payload: Readonly<Record<string, PayloadValue>>
  now: string
}

/** Where and how notifications are delivered. */
export interface WebhookOptions {
  url: string
  /** The HMAC-SHA256 key shared with the receiver. */
  secret: string
  fetch?: typeof globalThis.fetch
  /** Rows claimed per run. */
  batch?: number
  /** Attempts before a row becomes a dead letter. */
  maxAttempts?: number
  /** How long a claim keeps other instances off a row. */
  leaseMs?: number
  /** How long one POST may take. */
  timeoutMs?: number
}

/** What one delivery run did. */
export interface DeliveryResult {
  claimed: number
  delivered: number
  /** Failed and scheduled for another attempt. */
  retrying: number
  /** Failed for the last time: now dead letters. */
  dead: number
}

/** An undelivered notification that has failed at least once, for the admin page. */
export interface OutboxProblem {
  id: number
  topic: string
  workOrderId: number | null
  caseNumber: string | null
  attempts: number
  lastError: string | null
  /** When it is tried again; null for a dead letter. */
  nextAttemptAt: string | null
  dead: boolean
  createdAt: string
}

/** First retry after 30 s, then doubling. */
export const BACKOFF_BASE_MS = 30_000
/** No wait between attempts is longer than 6 hours. */
export const BACKOFF_CAP_MS = 6 * 60 * 60 * 1000

/**
 * Queues a notification. Pass the transaction of the action that caused it, so both commit or
 * neither does.
 *
 * @example
 * await enqueue(trx, { topic: 'work_order.urged', workOrderId: 42, payload: { caseId: 42 }, now })
 */
export async function enqueue(db: Db, notification: Notification): Promise<number> {
  const { id } = await db
    .insertInto('outbox')
    .values({
      topic: notification.topic,
      work_order_id: notification.workOrderId,
      payload: JSON.stringify(notification.payload),
      created_at: notification.now,
      attempts: 0,
      next_attempt_at: notification.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return id
}

/**
 * The wait before the next attempt after `failures` failed ones: 30 s × 2^(failures − 1), at most
 * 6 h.
 *
 * @example backoffMs(1) // 30_000
 */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1), BACKOFF_CAP_MS)
}

/**
 * `sha256=` and the hex HMAC-SHA256 of `${timestamp}.${body}` under `secret`: the value of
 * `X-Hotline-Signature`. Web Crypto, so it runs on Node and Workers alike. A receiver recomputes it
 * over the raw body, compares in constant time and rejects old timestamps.
 *
 * @example await signWebhook('s3cret', '1759248000', '{"id":1}') // 'sha256=…'
 */
export async function signWebhook(
  secret: string,
  timestamp: string,
  body: string,
): Promise<string> {
  const encoder = new TextEncoder()
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${body}`))
  const hex = Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('')
  return `sha256=${hex}`
}

/**
 * Delivers due notifications: claims up to `batch` rows (a conditional UPDATE per row, so several
 * instances never send the same row at once), POSTs each as JSON
 * `{id, topic, workOrderId, createdAt, data}` with the headers `X-Hotline-Topic`,
 * `X-Hotline-Delivery` (the outbox id: receivers dedupe on it), `X-Hotline-Timestamp` (Unix
 * seconds) and `X-Hotline-Signature` ({@link signWebhook}); marks a 2xx delivered, and otherwise
 * records the status (never the payload) and retries with {@link backoffMs} until `maxAttempts`,
 * after which the row stays undelivered as a dead letter. Never throws for a failing webhook.
 *
 * @example await deliverOutbox(deps, { url: 'https://sms-gw.example/hotline', secret })
 */
export async function deliverOutbox(deps: Deps, options: WebhookOptions): Promise<DeliveryResult> {
  const {
    url,
    secret,
    fetch: send = globalThis.fetch,
    batch = 20,
    maxAttempts = 8,
    leaseMs = 5 * 60_000,
    timeoutMs = 15_000,
  } = options
  const now = nowOf(deps)
  const result: DeliveryResult = { claimed: 0, delivered: 0, retrying: 0, dead: 0 }
  const lease = new Date(Date.parse(now) + leaseMs).toISOString()
  const rows = await claim(deps.db, now, lease, batch)
  result.claimed = rows.length
  // A sender whose lease ran out (and whose row another instance took) must not overwrite it.
  const mine = (id: number) =>
    deps.db
      .updateTable('outbox')
      .where('id', '=', id)
      .where('locked_until', '=', lease)
      .where('delivered_at', 'is', null)
  await Promise.all(
    rows.map(async (row) => {
      const outcome = await post(deps, row, { url, secret, send, timeoutMs })
      const done = nowOf(deps)
      if (outcome === null) {
        await mine(row.id)
          .set({ delivered_at: done, locked_until: null, attempts: row.attempts + 1 })
          .execute()
        result.delivered++
        return
      }
      const attempts = row.attempts + 1
      const dead = attempts >= maxAttempts
      await mine(row.id)
        .set({
          attempts,
          last_error: outcome,
          locked_until: null,
          next_attempt_at: dead
            ? null
            : new Date(Date.parse(done) + backoffMs(attempts)).toISOString(),
        })
        .execute()
      if (dead) result.dead++
      else result.retrying++
    }),
  )
  return result
}

/**
 * Claims up to `batch` due rows for this sender until `lease`; returns the rows it won. It looks at
 * more candidates than it needs, so a sender racing another still fills its batch.
 */
async function claim(db: Db, now: string, lease: string, batch: number): Promise<OutboxRow[]> {
  const due = await db
    .selectFrom('outbox')
    .select('id')
    .where('delivered_at', 'is', null)
    .where('next_attempt_at', 'is not', null)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(batch * 3)
    .execute()
  const won: OutboxRow[] = []
  for (const { id } of due) {
    if (won.length >= batch) break
    const row = await db
      .updateTable('outbox')
      .set({ locked_until: lease })
      .where('id', '=', id)
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', 'is not', null)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .returningAll()
      .executeTakeFirst()
    if (row) won.push(row)
  }
  return won
}

/** POSTs one row; null on success, otherwise the error to record (no payload in it). */
async function post(
  deps: Deps,
  row: OutboxRow,
  target: { url: string; secret: string; send: typeof globalThis.fetch; timeoutMs: number },
): Promise<string | null> {
  try {
    const body = JSON.stringify({
      id: row.id,
      topic: row.topic,
      workOrderId: row.work_order_id,
      createdAt: row.created_at,
      data: JSON.parse(row.payload) as unknown,
    })
    const timestamp = String(Math.floor(deps.clock().getTime() / 1000))
    const response = await target.send(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Hotline-Outbox/1',
        'X-Hotline-Topic': row.topic,
        'X-Hotline-Delivery': String(row.id),
        'X-Hotline-Timestamp': timestamp,
        'X-Hotline-Signature': await signWebhook(target.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(target.timeoutMs),
      redirect: 'manual',
    })
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => {})
      return null
    }
    const text = await response.text().catch(() => '')
    return clip(`HTTP ${response.status}${text ? `: ${text}` : ''}`)
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error'
    const message = err instanceof Error ? err.message : String(err)
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined
    const detail = cause && 'code' in cause ? ` (${String(cause.code)})` : ''
    return clip(`${name === 'TimeoutError' ? 'timeout' : 'network error'}: ${message}${detail}`)
  }
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat
}

/** How long a delivered notification is kept (for questions about what was sent), in days. */
export const KEEP_DELIVERED_DAYS = 30

/**
 * Deletes the notifications delivered more than `KEEP_DELIVERED_DAYS` before `now`; undelivered
 * ones (waiting, retrying, dead letters) stay whatever their age. Returns how many went.
 *
 * @example await pruneOutbox(deps.db, new Date().toISOString()) // 0 when nothing is that old
 */
export async function pruneOutbox(db: Db, now: string): Promise<number> {
  const cutoff = new Date(Date.parse(now) - KEEP_DELIVERED_DAYS * 86_400_000).toISOString()
  const result = await db
    .deleteFrom('outbox')
    .where('delivered_at', 'is not', null)
    .where('delivered_at', '<', cutoff)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * Undelivered notifications that have failed at least once — retrying or dead — newest first, for
 * the admin page.
 *
 * @example const problems = await listOutboxProblems(deps.db)
 */
export async function listOutboxProblems(db: Db, limit = 100): Promise<OutboxProblem[]> {
  const rows = await db
    .selectFrom('outbox')
    .selectAll()
    .where('delivered_at', 'is', null)
    .where('attempts', '>', 0)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    topic: r.topic,
    workOrderId: r.work_order_id,
    caseNumber: caseNumberOf(r.payload),
    attempts: r.attempts,
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at,
    dead: r.next_attempt_at === null,
    createdAt: r.created_at,
  }))
}

/**
 * Puts a dead letter (or a retrying row) back in line for an immediate attempt, with a fresh count
 * of attempts; for the admin page's "retry" button once the gateway is fixed.
 *
 * @example await retryOutbox(deps.db, 17, nowOf(deps)) // true
 */
export async function retryOutbox(db: Db, id: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ attempts: 0, next_attempt_at: now, locked_until: null })
    .where('id', '=', id)
    .where('delivered_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

function caseNumberOf(payload: string): string | null {
  try {
    const data = JSON.parse(payload) as Record<string, unknown>
    return typeof data.caseNumber === 'string' ? data.caseNumber : null
  } catch {
    return null
  }
}
