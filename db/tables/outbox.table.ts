import type { Generated, Insertable, Selectable } from 'kysely'

/**
 * `outbox`: notifications waiting to be delivered to the webhook (通知发件箱). Written in the same
 * transaction as the action that caused them; delivered, retried and dead-lettered by the
 * scheduler.
 * `next_attempt_at` null on an undelivered row means it gave up (dead letter).
 */
export interface OutboxTable {
  id: Generated<number>
  topic: string
  work_order_id: number | null
  /** JSON object; never personal data (no names, phone or ID numbers). */
  payload: string
  created_at: string
  attempts: Generated<number>
  next_attempt_at: string | null
  delivered_at: string | null
  /** The last failure: HTTP status and the start of the answer, or the network error. */
  last_error: string | null
  /** A sender's claim on the row: other instances leave it alone until then. */
  locked_until: string | null
}
export type OutboxRow = Selectable<OutboxTable>
export type NewOutboxRow = Insertable<OutboxTable>

/** `settings`: values admins may change at run time (e.g. `supervision.redWorkdaysAfter`). */
export interface SettingsTable {
  key: string
  value: string
  updated_at: string
}
export type SettingRow = Selectable<SettingsTable>
