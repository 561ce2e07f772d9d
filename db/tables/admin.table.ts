import type { Generated, Insertable, Selectable } from 'kysely'

/**
 * `admin_audit`: one row per admin change (管理操作日志), append-only. `change` is JSON
 * `{action, before, after, …}` and never holds a password or its hash.
 */
export interface AdminAuditTable {
  id: Generated<number>
  at: string
  /** The staff account that made the change; null for the command line. */
  actor_id: number | null
  actor_name: string
  /** What was changed: `user`, `unit`, `category`, `sla_rule`, `calendar_day`, … */
  entity: string
  /** Its id, code or day, as text. */
  entity_id: string
  change: string
}
export type AdminAuditRow = Selectable<AdminAuditTable>
export type NewAdminAuditRow = Insertable<AdminAuditTable>

/** `reply_templates`: answers a unit may start from (答复模板), per category or general. */
export interface ReplyTemplatesTable {
  id: Generated<number>
  category_id: number | null
  title: string
  body: string
  active: Generated<number>
  created_at: string
}
export type ReplyTemplateRow = Selectable<ReplyTemplatesTable>
export type NewReplyTemplateRow = Insertable<ReplyTemplatesTable>
