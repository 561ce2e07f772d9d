import type { Generated, Insertable, Selectable } from 'kysely'

/** `attachments`: photos a citizen sent with a case, re-encoded (no EXIF or GPS data). */
export interface AttachmentsTable {
  id: Generated<number>
  work_order_id: number
  storage_key: string
  content_type: string
  bytes: number
  width: number
  height: number
  created_at: string
}
export type AttachmentRow = Selectable<AttachmentsTable>
export type NewAttachmentRow = Insertable<AttachmentsTable>

/** `attachment_blobs`: the bytes, when the database is the photo store. */
export interface AttachmentBlobsTable {
  storage_key: string
  data: Uint8Array
}
