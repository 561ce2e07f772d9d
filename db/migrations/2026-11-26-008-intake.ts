import type { Kysely } from 'kysely'

// Frozen in time: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('window_visits')
    .addColumn('work_order_id', 'integer', (c) => c.primaryKey().references('work_orders.id'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('counter', 'text', (c) => c.notNull())
    .addColumn('failure_reason', 'text', (c) => c.notNull())
    .addColumn('solved_on_spot', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('negative_answer', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('legal_basis', 'text')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('window_visits').ifExists().execute()
}
