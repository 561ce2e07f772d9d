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

/**
 * One rollup per grouping instead of one over every dimension at once: a year by unit now reads a
 * few hundred rows instead of a hundred thousand (see bench/RESULTS.md). Backfilled from the old
 * tables, which are then dropped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  let table = db.schema
    .createTable('report_cube')
    .addColumn('grain', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('dim', 'text', (c) => c.notNull())
    .addColumn('dim_key', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'integer', (c) => c.notNull())
    .addColumn('district_id', 'integer', (c) => c.notNull())
  for (const count of COUNTS) {
    table = table.addColumn(count, pg ? 'bigint' : 'integer', (c) => c.notNull().defaultTo(0))
  }
  await table
    .addPrimaryKeyConstraint('report_cube_pk', [
      'grain',
      'period',
      'dim',
      'dim_key',
      'unit_id',
      'district_id',
    ] as never)
    .execute()
  const sums = sql.join(COUNTS.map((k) => sql`sum(${sql.ref(k)})`))
  const cols = sql.join(
    ['grain', 'period', 'dim', 'dim_key', 'unit_id', 'district_id', ...COUNTS].map((k) => sql.ref(k)),
  )
  const dims: [string, ReturnType<typeof sql> | null][] = [
    ['unit', null],
    ['channel', sql`channel`],
    ['kind', sql`kind`],
    ['category', sql`cast(category_id as text)`],
  ]
  for (const [dim, key] of dims) {
    const value = key ?? sql`''`
    const group = key ? sql`, ${key}` : sql``
    await sql`insert into report_cube (${cols})
      select 'd', day, ${dim}, ${value}, unit_id, district_id, ${sums} from report_rollups
      group by day${group}, unit_id, district_id`.execute(db)
    await sql`insert into report_cube (${cols})
      select 'm', substr(day, 1, 7), ${dim}, ${value}, unit_id, district_id, ${sums}
      from report_rollups
      group by substr(day, 1, 7)${group}, unit_id, district_id`.execute(db)
  }
  await db.schema.dropTable('report_rollups_monthly').execute()
  await db.schema.dropTable('report_rollups').execute()
}

export async function down(): Promise<void> {
  throw new Error('2026-11-26-007-report-cube cannot be undone: restore a backup instead')
}
