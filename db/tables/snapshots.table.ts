import type { Generated, Insertable, Selectable } from 'kysely'

/**
 * `report_snapshots`: a month's figures as published (月度发布), frozen. `scope` is a unit's code,
 * `''` for the whole city; one publication per month and scope. `document` is JSON
 * `{byUnit, byChannel}`, each the whole summary document of CONTRACT.md section 5 as of `as_of`.
 */
export interface ReportSnapshotsTable {
  id: Generated<number>
  /** `YYYY-MM` in TZ_REPORT. */
  month: string
  scope: string
  published_at: string
  /** The staff account that published; null from the command line. */
  published_by: number | null
  published_by_name: string
  as_of: string
  document: string
}
export type ReportSnapshotRow = Selectable<ReportSnapshotsTable>
export type NewReportSnapshotRow = Insertable<ReportSnapshotsTable>
