import type { Generated, Insertable, Selectable } from 'kysely'

/** `categories`: the two-level category tree (分类), each with the unit cases usually go to. */
export interface CategoriesTable {
  id: Generated<number>
  code: string
  name: string
  parent_id: number | null
  default_unit_id: number | null
  active: Generated<number>
  created_at: string
}
export type CategoryRow = Selectable<CategoriesTable>
export type NewCategoryRow = Insertable<CategoriesTable>
