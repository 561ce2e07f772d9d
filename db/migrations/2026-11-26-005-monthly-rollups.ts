import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Frozen in time: never edit a migration that has shipped; add a new one.

const COUNTS = [
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
]
const KEYS = ['channel', 'kind', 'category_id', 'unit_id', 'district_id']

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  let table = db.schema
    .createTable('report_rollups_monthly')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('category_id', 'integer', (c) => c.notNull())
    .addColumn('unit_id', 'integer', (c) => c.notNull())
    .addColumn('district_id', 'integer', (c) => c.notNull())
  for (const count of COUNTS) {
    table = table.addColumn(count, pg ? 'bigint' : 'integer', (c) => c.notNull().defaultTo(0))
  }
  await table
    .addPrimaryKeyConstraint('report_rollups_monthly_pk', ['month', ...KEYS] as never)
    .execute()
  const columns = sql.join([sql.ref('month'), ...KEYS.map((k) => sql.ref(k)), ...COUNTS.map((k) => sql.ref(k))])
  const sums = sql.join(COUNTS.map((k) => sql`sum(${sql.ref(k)})`))
  const keys = sql.join(KEYS.map((k) => sql.ref(k)))
  await sql`insert into report_rollups_monthly (${columns})
    select substr(day, 1, 7), ${keys}, ${sums} from report_rollups
    group by substr(day, 1, 7), ${keys}`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('report_rollups_monthly').ifExists().execute()
}
