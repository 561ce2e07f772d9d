import type { Generated, Insertable, Selectable } from 'kysely'

/** `units`: the tree of the city, its districts (区/管理局) and their streets and departments. */
export interface UnitsTable {
  id: Generated<number>
  code: string
  name: string
  parent_id: number | null
  /** `city`, `district`, `street`, `town` or `department`. */
  level: string
  active: Generated<number>
  created_at: string
}
export type UnitRow = Selectable<UnitsTable>
export type NewUnitRow = Insertable<UnitsTable>
