import { PostgresAdapter, type Kysely } from 'kysely'

// Frozen in time: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const idType = pg ? 'serial' : 'integer'
  await db.schema
    .createTable('admin_audit')
    .addColumn('id', idType, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('admin_audit_entity')
    .on('admin_audit')
    .columns(['entity', 'entity_id'])
    .execute()
  await db.schema
    .createTable('reply_templates')
    .addColumn('id', idType, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('category_id', 'integer', (c) => c.references('categories.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('reply_templates_category')
    .on('reply_templates')
    .column('category_id')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reply_templates').ifExists().execute()
  await db.schema.dropTable('admin_audit').ifExists().execute()
}
