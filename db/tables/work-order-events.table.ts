import type { Generated, Insertable, Selectable } from 'kysely'

/** `work_order_events`: the append-only audit trail (工单日志); rows are never updated or deleted. */
export interface WorkOrderEventsTable {
  id: Generated<number>
  work_order_id: number
  action: string
  from_status: string | null
  to_status: string
  actor_id: number | null
  actor_role: string
  actor_name: string
  at: string
  note: string | null
  /** JSON object of the action's details. */
  data: string
}
export type WorkOrderEventRow = Selectable<WorkOrderEventsTable>
export type NewWorkOrderEventRow = Insertable<WorkOrderEventsTable>
