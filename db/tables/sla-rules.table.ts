import type { Generated, Insertable, Selectable } from 'kysely'

/** `sla_rules`: working days per kind / urgency / channel (办理时限); null matches anything. */
export interface SlaRulesTable {
  id: Generated<number>
  kind: string | null
  urgency: string | null
  channel: string | null
  workdays: number
  created_at: string
}
export type SlaRuleRow = Selectable<SlaRulesTable>
export type NewSlaRuleRow = Insertable<SlaRulesTable>
