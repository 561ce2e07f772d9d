import type { Kysely, Transaction } from 'kysely'
import type { Role } from '../../src/domain/codes'
import type { EventAction, Status } from '../../src/domain/status'
import type { WorkOrderEvent } from '../../src/domain/work-order'
import type { Database } from '../database'

type Db = Kysely<Database> | Transaction<Database>

/** A stored audit event with its ids. */
export interface StoredEvent extends WorkOrderEvent {
  id: number
  workOrderId: number
}

/**
 * Appends one audit event to a case's timeline.
 *
 * @example await appendEvent(trx, order.id, event)
 */
export async function appendEvent(
  db: Db,
  workOrderId: number,
  event: WorkOrderEvent,
): Promise<void> {
  await db
    .insertInto('work_order_events')
    .values({
      work_order_id: workOrderId,
      action: event.action,
      from_status: event.fromStatus,
      to_status: event.toStatus,
      actor_id: event.actorId,
      actor_role: event.actorRole,
      actor_name: event.actorName,
      at: event.at,
      note: event.note,
      data: JSON.stringify(event.data),
    })
    .execute()
}

/**
 * A case's timeline, oldest first.
 *
 * @example const timeline = await listEvents(db, order.id)
 */
export async function listEvents(db: Db, workOrderId: number): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('work_order_events')
    .selectAll()
    .where('work_order_id', '=', workOrderId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    workOrderId: r.work_order_id,
    action: r.action as EventAction,
    fromStatus: r.from_status as Status | null,
    toStatus: r.to_status as Status,
    actorId: r.actor_id,
    actorRole: r.actor_role as Role,
    actorName: r.actor_name,
    at: r.at,
    note: r.note,
    data: JSON.parse(r.data) as WorkOrderEvent['data'],
  }))
}
