import type { Generated, Insertable, Selectable } from 'kysely'

/** `ratings`: every rating given (回访评价); the case keeps the latest. */
export interface RatingsTable {
  id: Generated<number>
  work_order_id: number
  rating: string
  comment: string | null
  /** `citizen`, `callback` or `import`. */
  source: string
  actor_id: number | null
  rated_at: string
}
export type RatingRow = Selectable<RatingsTable>
export type NewRatingRow = Insertable<RatingsTable>
