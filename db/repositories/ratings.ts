import type { Kysely, Transaction } from 'kysely'
import type { Rating } from '../../src/domain/codes'
import type { Database } from '../database'

type Db = Kysely<Database> | Transaction<Database>

/** One rating as given. */
export interface RatingRecord {
  workOrderId: number
  rating: Rating
  comment: string | null
  source: 'citizen' | 'callback' | 'import'
  actorId: number | null
  ratedAt: string
}

/**
 * Records a rating; the case row keeps the latest one for the figures.
 *
 * @example await insertRating(trx, { workOrderId: 1, rating: 'satisfied', comment: null, source: 'citizen', actorId: null, ratedAt: now })
 */
export async function insertRating(db: Db, r: RatingRecord): Promise<void> {
  await db
    .insertInto('ratings')
    .values({
      work_order_id: r.workOrderId,
      rating: r.rating,
      comment: r.comment,
      source: r.source,
      actor_id: r.actorId,
      rated_at: r.ratedAt,
    })
    .execute()
}
