import type { Kysely } from 'kysely'

// Frozen in time: never edit a migration that has shipped; add a new one.

/**
 * Case lists and exports are ordered by the time of receipt: with this index a list page or an
 * export page reads its rows in order instead of sorting every case of the period.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('work_orders_received_at')
    .ifNotExists()
    .on('work_orders')
    .columns(['received_at', 'id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('work_orders_received_at').ifExists().execute()
}
