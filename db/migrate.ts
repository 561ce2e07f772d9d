import { Migrator, PostgresAdapter, sql, type Kysely } from 'kysely'
import type { Database } from './database'
import { restoreDeferredIndexes } from './deferred-indexes'
import { migrations } from './migrations'

/**
 * Applies every pending migration, idempotently, and builds any index a bulk import killed half-way
 * left missing (see `restoreDeferredIndexes`). Refuses to touch a database that has migrations
 * this version does not know (a newer schema), naming them.
 *
 * @example const applied = await migrateToLatest(db) // ['2026-11-26-001-initial'] the first time
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(await ownSchema(db)),
  })
  const unknown = await unknownMigrations(db)
  if (unknown.length > 0) {
    throw new Error(
      `the database schema is newer than this version of Hotline (unknown migrations: ${unknown.join(', ')}); upgrade Hotline instead`,
    )
  }
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')
    throw new Error(
      `migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  await restoreDeferredIndexes(db)
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

async function unknownMigrations(db: Kysely<Database>): Promise<string[]> {
  try {
    const rows = await (db as unknown as Kysely<{ kysely_migration: { name: string } }>)
      .selectFrom('kysely_migration')
      .select('name')
      .execute()
    return rows.map((r) => r.name).filter((name) => !(name in migrations))
  } catch {
    return []
  }
}

/**
 * On Postgres, the migration tables live in the connection's own schema: Kysely otherwise looks
 * for them in every schema and trips over another app's (or another test's) tables.
 */
async function ownSchema(db: Kysely<Database>): Promise<{ migrationTableSchema?: string }> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return {}
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  const schema = rows[0]?.schema
  return schema ? { migrationTableSchema: schema } : {}
}
