/**
 * `report_rollups`: the additive counts of section 5 per local day of receipt and per channel,
 * kind, category, handling unit and district (0 where none). Every write to a case moves its
 * contribution here in the same transaction, so a report for any period sums a few rows.
 */
export interface ReportRollupsTable {
  day: string
  channel: string
  kind: string
  category_id: number
  unit_id: number
  district_id: number
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

/** `counters`: named sequences (the yearly case-number sequence). */
export interface CountersTable {
  name: string
  value: number
}

/** `report_rollups_monthly`: the same counts per local month, so a year reads 12 months of rows. */
export interface ReportRollupsMonthlyTable extends Omit<ReportRollupsTable, 'day'> {
  month: string
}
