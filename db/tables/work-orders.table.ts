import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

/** `work_orders`: one row per case (工单). Booleans are 0/1 on every dialect; times are UTC ISO text. */
export interface WorkOrdersTable {
  id: Generated<number>
  case_number: string
  tracking_hash: string | null
  channel: string
  kind: string
  urgency: string
  category_id: number | null
  unit_id: number | null
  district_id: number | null
  title: string
  content: string
  address: string | null
  citizen_name: string | null
  citizen_phone: string | null
  citizen_id_number: string | null
  confidential: number
  status: string
  version: number
  received_at: string
  received_day: string
  due_at: string
  due_base_day: string
  due_workdays: number
  due_provisional: number
  paused_at: string | null
  status_before_return: string | null
  return_reason: string | null
  pending_extension_workdays: number | null
  pending_extension_basis: string | null
  dispatched_at: string | null
  closed_at: string | null
  closed_on_time: number | null
  handling_workdays: number | null
  reply: string | null
  rating: string | null
  rating_comment: string | null
  rated_at: string | null
  return_count: number
  extension_count: number
  reopen_count: number
  urge_level: string | null
  merged_into_id: number | null
  external_id: string | null
  created_at: string
  updated_at: string
}
export type WorkOrderRow = Selectable<WorkOrdersTable>
export type NewWorkOrderRow = Insertable<WorkOrdersTable>
export type WorkOrderUpdate = Updateable<WorkOrdersTable>
