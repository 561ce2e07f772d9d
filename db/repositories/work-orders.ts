import type { Kysely, Transaction } from 'kysely'
import type { Channel, Kind, Rating, ReturnReason, Urgency, UrgeLevel } from '../../src/domain/codes'
import type { Status } from '../../src/domain/status'
import type { WorkOrder } from '../../src/domain/work-order'
import type { Database } from '../database'
import type { NewWorkOrderRow, WorkOrderRow } from '../tables/work-orders.table'

type Db = Kysely<Database> | Transaction<Database>

const bool = (v: number | null): boolean | null => (v === null ? null : v !== 0)
const int = (v: boolean | null): number | null => (v === null ? null : v ? 1 : 0)

/**
 * Maps a `work_orders` row to the domain's work order: the one place where snake_case meets
 * camelCase and 0/1 meets booleans.
 *
 * @example const order = toWorkOrder(await db.selectFrom('work_orders').selectAll().executeTakeFirstOrThrow())
 */
export function toWorkOrder(row: WorkOrderRow): WorkOrder {
  return {
    id: row.id,
    caseNumber: row.case_number,
    channel: row.channel as Channel,
    kind: row.kind as Kind,
    urgency: row.urgency as Urgency,
    categoryId: row.category_id,
    unitId: row.unit_id,
    districtId: row.district_id,
    title: row.title,
    content: row.content,
    address: row.address,
    citizenName: row.citizen_name,
    citizenPhone: row.citizen_phone,
    citizenIdNumber: row.citizen_id_number,
    confidential: row.confidential !== 0,
    status: row.status as Status,
    version: row.version,
    receivedAt: row.received_at,
    receivedDay: row.received_day,
    dueAt: row.due_at,
    dueBaseDay: row.due_base_day,
    dueWorkdays: row.due_workdays,
    dueProvisional: row.due_provisional !== 0,
    pausedAt: row.paused_at,
    statusBeforeReturn: row.status_before_return as Status | null,
    returnReason: row.return_reason as ReturnReason | null,
    pendingExtensionWorkdays: row.pending_extension_workdays,
    pendingExtensionBasis: row.pending_extension_basis,
    dispatchedAt: row.dispatched_at,
    closedAt: row.closed_at,
    closedOnTime: bool(row.closed_on_time),
    handlingWorkdays: row.handling_workdays,
    reply: row.reply,
    rating: row.rating as Rating | null,
    ratingComment: row.rating_comment,
    ratedAt: row.rated_at,
    returnCount: row.return_count,
    extensionCount: row.extension_count,
    reopenCount: row.reopen_count,
    urgeLevel: row.urge_level as UrgeLevel | null,
    mergedIntoId: row.merged_into_id,
    externalId: row.external_id,
  }
}

/** The mutable columns of a work order, from the domain object. */
function toColumns(order: Omit<WorkOrder, 'id'>) {
  return {
    case_number: order.caseNumber,
    channel: order.channel,
    kind: order.kind,
    urgency: order.urgency,
    category_id: order.categoryId,
    unit_id: order.unitId,
    district_id: order.districtId,
    title: order.title,
    content: order.content,
    address: order.address,
    citizen_name: order.citizenName,
    citizen_phone: order.citizenPhone,
    citizen_id_number: order.citizenIdNumber,
    confidential: order.confidential ? 1 : 0,
    status: order.status,
    version: order.version,
    received_at: order.receivedAt,
    received_day: order.receivedDay,
    due_at: order.dueAt,
    due_base_day: order.dueBaseDay,
    due_workdays: order.dueWorkdays,
    due_provisional: order.dueProvisional ? 1 : 0,
    paused_at: order.pausedAt,
    status_before_return: order.statusBeforeReturn,
    return_reason: order.returnReason,
    pending_extension_workdays: order.pendingExtensionWorkdays,
    pending_extension_basis: order.pendingExtensionBasis,
    dispatched_at: order.dispatchedAt,
    closed_at: order.closedAt,
    closed_on_time: int(order.closedOnTime),
    handling_workdays: order.handlingWorkdays,
    reply: order.reply,
    rating: order.rating,
    rating_comment: order.ratingComment,
    rated_at: order.ratedAt,
    return_count: order.returnCount,
    extension_count: order.extensionCount,
    reopen_count: order.reopenCount,
    urge_level: order.urgeLevel,
    merged_into_id: order.mergedIntoId,
    external_id: order.externalId,
  }
}

/**
 * Inserts a new case and returns it with its id.
 *
 * @example const saved = await insertWorkOrder(trx, order, trackingHash, now)
 */
export async function insertWorkOrder(
  db: Db,
  order: Omit<WorkOrder, 'id'>,
  trackingHash: string | null,
  now: string,
): Promise<WorkOrder> {
  const row: NewWorkOrderRow = {
    ...toColumns(order),
    tracking_hash: trackingHash,
    created_at: now,
    updated_at: now,
  }
  const { id } = await db
    .insertInto('work_orders')
    .values(row)
    .returning('id')
    .executeTakeFirstOrThrow()
  return { ...order, id }
}

/**
 * Writes a changed case if nobody changed it since `expectedVersion`; returns false when the
 * version moved on (the caller refuses with 409).
 *
 * @example if (!(await updateWorkOrder(trx, next, order.version, now))) throw conflict()
 */
export async function updateWorkOrder(
  db: Db,
  order: WorkOrder,
  expectedVersion: number,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('work_orders')
    .set({ ...toColumns(order), updated_at: now })
    .where('id', '=', order.id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/**
 * One case by id, or undefined.
 *
 * @example const order = await findWorkOrder(db, 42)
 */
export async function findWorkOrder(db: Db, id: number): Promise<WorkOrder | undefined> {
  const row = await db.selectFrom('work_orders').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toWorkOrder(row)
}

/**
 * One case by the hash of its tracking code, or undefined.
 *
 * @example const order = await findWorkOrderByTrackingHash(db, await hashTrackingCode(code))
 */
export async function findWorkOrderByTrackingHash(
  db: Db,
  trackingHash: string,
): Promise<WorkOrder | undefined> {
  const row = await db
    .selectFrom('work_orders')
    .selectAll()
    .where('tracking_hash', '=', trackingHash)
    .executeTakeFirst()
  return row && toWorkOrder(row)
}

/**
 * One case by its case number, or undefined.
 *
 * @example const order = await findWorkOrderByNumber(db, 'NC20260001234')
 */
export async function findWorkOrderByNumber(
  db: Db,
  caseNumber: string,
): Promise<WorkOrder | undefined> {
  const row = await db
    .selectFrom('work_orders')
    .selectAll()
    .where('case_number', '=', caseNumber)
    .executeTakeFirst()
  return row && toWorkOrder(row)
}
