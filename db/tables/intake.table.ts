import type { Insertable, Selectable } from 'kysely'

/**
 * `window_visits`: what the 办不成事 window recorded about a walk-in complaint, one row per case
 * (channel `window`). `solved_on_spot` 1 when the clerk solved it at once (the case was closed by a
 * direct answer in the same transaction); `negative_answer` 1 when the case was closed with a
 * 否定答复, and then `legal_basis` names the law or policy the answer rests on.
 */
export interface WindowVisitsTable {
  work_order_id: number
  /** The service that could not be delivered (办理事项). */
  service: string
  /** The counter where it failed (窗口). */
  counter: string
  /** Why it failed (未办成原因). */
  failure_reason: string
  solved_on_spot: number
  negative_answer: number
  legal_basis: string | null
}
export type WindowVisitRow = Selectable<WindowVisitsTable>
export type NewWindowVisitRow = Insertable<WindowVisitsTable>
