import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../database'
import type { AttachmentRow } from '../tables/attachments.table'

type Db = Kysely<Database> | Transaction<Database>

/** A photo attached to a case: its key in the photo store and what the stored bytes are. */
export interface Attachment {
  id: number
  workOrderId: number
  /** The generated name in the photo store (`<32 chars>.jpg`), never the citizen's file name. */
  storageKey: string
  contentType: string
  /** Size of the stored (re-encoded) photo in bytes. */
  bytes: number
  width: number
  height: number
  createdAt: string
}

const toAttachment = (row: AttachmentRow): Attachment => ({
  id: row.id,
  workOrderId: row.work_order_id,
  storageKey: row.storage_key,
  contentType: row.content_type,
  bytes: row.bytes,
  width: row.width,
  height: row.height,
  createdAt: row.created_at,
})

/**
 * Records a stored photo against a case and returns it with its id. Call it in the transaction
 * that files the case, after the photo store's `put`.
 *
 * @example
 * const a = await insertAttachment(trx, {
 *   workOrderId: order.id, storageKey, contentType: 'image/jpeg',
 *   bytes: 48213, width: 1600, height: 1200, createdAt: now,
 * })
 */
export async function insertAttachment(
  db: Db,
  attachment: Omit<Attachment, 'id'>,
): Promise<Attachment> {
  const { id } = await db
    .insertInto('attachments')
    .values({
      work_order_id: attachment.workOrderId,
      storage_key: attachment.storageKey,
      content_type: attachment.contentType,
      bytes: attachment.bytes,
      width: attachment.width,
      height: attachment.height,
      created_at: attachment.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { ...attachment, id }
}

/**
 * A case's photos, in the order they were attached.
 *
 * @example const photos = await listAttachments(db, order.id)
 */
export async function listAttachments(db: Db, workOrderId: number): Promise<Attachment[]> {
  const rows = await db
    .selectFrom('attachments')
    .selectAll()
    .where('work_order_id', '=', workOrderId)
    .orderBy('id')
    .execute()
  return rows.map(toAttachment)
}

/**
 * One photo of one case, or undefined: an attachment id of another case is not found, so a URL
 * can never reach a photo through someone else's case (and an id that is not an integer, such as
 * `Number('x')`, finds nothing rather than failing on Postgres).
 *
 * @example const photo = await findAttachment(db, order.id, Number(c.req.param('photoId')))
 */
export async function findAttachment(
  db: Db,
  workOrderId: number,
  attachmentId: number,
): Promise<Attachment | undefined> {
  if (!Number.isSafeInteger(workOrderId) || !Number.isSafeInteger(attachmentId)) return undefined
  const row = await db
    .selectFrom('attachments')
    .selectAll()
    .where('id', '=', attachmentId)
    .where('work_order_id', '=', workOrderId)
    .executeTakeFirst()
  return row && toAttachment(row)
}
