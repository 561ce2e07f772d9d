import type { Kysely } from 'kysely'
import type { AdminAuditTable, ReplyTemplatesTable } from './tables/admin.table'
import type { AttachmentBlobsTable, AttachmentsTable } from './tables/attachments.table'
import type { CalendarDaysTable, CalendarYearsTable } from './tables/calendar.table'
import type { CategoriesTable } from './tables/categories.table'
import type { WindowVisitsTable } from './tables/intake.table'
import type { OutboxTable, SettingsTable } from './tables/outbox.table'
import type { RatingsTable } from './tables/ratings.table'
import type { CountersTable, ReportCubeTable } from './tables/report-rollups.table'
import type { SlaRulesTable } from './tables/sla-rules.table'
import type { ReportSnapshotsTable } from './tables/snapshots.table'
import type { UnitsTable } from './tables/units.table'
import type {
  ApiTokensTable,
  IdempotencyKeysTable,
  SessionsTable,
  UsersTable,
} from './tables/users.table'
import type { WorkOrderEventsTable } from './tables/work-order-events.table'
import type { WorkOrdersTable } from './tables/work-orders.table'

/** Every table of the schema, for Kysely's typing. */
export interface Database {
  work_orders: WorkOrdersTable
  work_order_events: WorkOrderEventsTable
  units: UnitsTable
  categories: CategoriesTable
  sla_rules: SlaRulesTable
  calendar_days: CalendarDaysTable
  calendar_years: CalendarYearsTable
  users: UsersTable
  sessions: SessionsTable
  api_tokens: ApiTokensTable
  idempotency_keys: IdempotencyKeysTable
  ratings: RatingsTable
  report_cube: ReportCubeTable
  counters: CountersTable
  attachments: AttachmentsTable
  attachment_blobs: AttachmentBlobsTable
  outbox: OutboxTable
  settings: SettingsTable
  admin_audit: AdminAuditTable
  reply_templates: ReplyTemplatesTable
  report_snapshots: ReportSnapshotsTable
  window_visits: WindowVisitsTable
}

/** The typed query builder the repositories take first. */
export type Db = Kysely<Database>

/** The SQL dialects Hotline runs on. */
export type DialectName = 'sqlite' | 'postgres' | 'd1'
