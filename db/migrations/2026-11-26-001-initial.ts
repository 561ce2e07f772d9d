import { PostgresAdapter, type ColumnDefinitionBuilder, type Kysely } from 'kysely'

// Frozen in time: never edit a migration that has shipped; add a new one.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db)
  const idType = pg ? 'serial' : 'integer'
  const id = (col: ColumnDefinitionBuilder) =>
    pg ? col.primaryKey() : col.primaryKey().autoIncrement()

  await db.schema
    .createTable('units')
    .addColumn('id', idType, id)
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'integer', (c) => c.references('units.id'))
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('categories')
    .addColumn('id', idType, id)
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'integer', (c) => c.references('categories.id'))
    .addColumn('default_unit_id', 'integer', (c) => c.references('units.id'))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('sla_rules')
    .addColumn('id', idType, id)
    .addColumn('kind', 'text')
    .addColumn('urgency', 'text')
    .addColumn('channel', 'text')
    .addColumn('workdays', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('calendar_days')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('workday', 'integer', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('calendar_years')
    .addColumn('year', 'integer', (c) => c.primaryKey())
    .addColumn('loaded_at', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('users')
    .addColumn('id', idType, id)
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'integer', (c) => c.references('units.id'))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute()

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', idType, id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'integer', (c) => c.references('units.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute()

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['principal', 'key'])
    .execute()

  await db.schema
    .createTable('work_orders')
    .addColumn('id', idType, id)
    .addColumn('case_number', 'text', (c) => c.notNull().unique())
    .addColumn('tracking_hash', 'text', (c) => c.unique())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('category_id', 'integer', (c) => c.references('categories.id'))
    .addColumn('unit_id', 'integer', (c) => c.references('units.id'))
    .addColumn('district_id', 'integer', (c) => c.references('units.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('citizen_name', 'text')
    .addColumn('citizen_phone', 'text')
    .addColumn('citizen_id_number', 'text')
    .addColumn('confidential', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('received_day', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('due_base_day', 'text', (c) => c.notNull())
    .addColumn('due_workdays', 'integer', (c) => c.notNull())
    .addColumn('due_provisional', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('paused_at', 'text')
    .addColumn('status_before_return', 'text')
    .addColumn('return_reason', 'text')
    .addColumn('pending_extension_workdays', 'integer')
    .addColumn('pending_extension_basis', 'text')
    .addColumn('dispatched_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('closed_on_time', 'integer')
    .addColumn('handling_workdays', 'integer')
    .addColumn('reply', 'text')
    .addColumn('rating', 'text')
    .addColumn('rating_comment', 'text')
    .addColumn('rated_at', 'text')
    .addColumn('return_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('extension_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reopen_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('urge_level', 'text')
    .addColumn('merged_into_id', 'integer', (c) => c.references('work_orders.id'))
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('work_orders_external')
    .on('work_orders')
    .columns(['channel', 'external_id'])
    .unique()
    .execute()
  await db.schema
    .createIndex('work_orders_received')
    .on('work_orders')
    .columns(['received_day', 'id'])
    .execute()
  await db.schema
    .createIndex('work_orders_unit_status')
    .on('work_orders')
    .columns(['unit_id', 'status'])
    .execute()
  await db.schema
    .createIndex('work_orders_status_due')
    .on('work_orders')
    .columns(['status', 'due_at'])
    .execute()
  await db.schema
    .createIndex('work_orders_phone')
    .on('work_orders')
    .column('citizen_phone')
    .execute()

  await db.schema
    .createTable('work_order_events')
    .addColumn('id', idType, id)
    .addColumn('work_order_id', 'integer', (c) => c.notNull().references('work_orders.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_role', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('work_order_events_order')
    .on('work_order_events')
    .columns(['work_order_id', 'id'])
    .execute()

  await db.schema
    .createTable('ratings')
    .addColumn('id', idType, id)
    .addColumn('work_order_id', 'integer', (c) => c.notNull().references('work_orders.id'))
    .addColumn('rating', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('rated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('ratings_order').on('ratings').column('work_order_id').execute()

  let rollups = db.schema
    .createTable('report_rollups')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('category_id', 'integer', (c) => c.notNull())
    .addColumn('unit_id', 'integer', (c) => c.notNull())
    .addColumn('district_id', 'integer', (c) => c.notNull())
  for (const count of [
    'received',
    'invalid',
    'merged',
    'closed',
    'closed_on_time',
    'rated',
    'satisfied',
    'dissatisfied',
    'returned',
    'extended',
    'reopened',
    'handling_workdays',
  ]) {
    rollups = rollups.addColumn(count, pg ? 'bigint' : 'integer', (c) => c.notNull().defaultTo(0))
  }
  await rollups
    .addPrimaryKeyConstraint('report_rollups_pk', [
      'day',
      'channel',
      'kind',
      'category_id',
      'unit_id',
      'district_id',
    ])
    .execute()

  await db.schema
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute()

}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'counters',
    'report_rollups',
    'ratings',
    'work_order_events',
    'work_orders',
    'idempotency_keys',
    'api_tokens',
    'sessions',
    'users',
    'calendar_years',
    'calendar_days',
    'sla_rules',
    'categories',
    'units',
  ]) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}
