/** The additive counts of section 5, as stored in rollups. */
export interface RollupCountColumns {
  received: number
  invalid: number
  merged: number
  closed: number
  closed_on_time: number
  rated: number
  satisfied: number
  dissatisfied: number
  returned: number
  extended: number
  reopened: number
  handling_workdays: number
}

/**
 * `report_cube`: the counts per day (`grain` 'd', `period` YYYY-MM-DD) and per month ('m',
 * YYYY-MM) of receipt, for each grouping (`dim`: unit, channel, kind, category; `dim_key` the
 * channel or kind code or the category id, '' for unit) and each handling unit and district (0
 * where none), so any scope can be summed. Every write to a case moves its contribution here in
 * the same transaction.
 */
export interface ReportCubeTable extends RollupCountColumns {
  grain: string
  period: string
  dim: string
  dim_key: string
  unit_id: number
  district_id: number
}

/** `counters`: named sequences (the yearly case-number sequence). */
export interface CountersTable {
  name: string
  value: number
}
