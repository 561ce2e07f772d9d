import pg from 'pg'
import { openStore } from '../../db/connect'
import type { DialectName } from '../../db/database'
import { migrateToLatest } from '../../db/migrate'
import { createDeps, type Deps } from '../../src/services/deps'

const postgresUrl = process.env.TEST_DATABASE_URL

if (process.env.CI && !postgresUrl) {
  throw new Error('CI must set TEST_DATABASE_URL: the Postgres suite may not be skipped in CI')
}

/**
 * The dialects every repository and service test loops over: SQLite always, Postgres whenever
 * TEST_DATABASE_URL is set (Kysely's own test habit).
 */
export const DIALECTS: DialectName[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite']

/** A fresh, migrated store for one test file, with deps on a settable clock. */
export interface TestStore {
  deps: Deps
  /** Sets the clock the services read. */
  setNow(iso: string): void
  close(): Promise<void>
}

/**
 * Opens an empty migrated store: SQLite in memory, or a new schema in the Postgres test database.
 *
 * @example const store = await openTestStore('sqlite', '2025-09-26T02:00:00.000Z')
 */
export async function openTestStore(dialect: DialectName, now: string): Promise<TestStore> {
  let clock = new Date(now)
  let dropSchema = async () => {}
  let url = 'sqlite::memory:'
  let schema: string | undefined
  if (dialect === 'postgres') {
    if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set')
    url = postgresUrl
    schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    await admin.query(`create schema ${schema}`)
    await admin.end()
    dropSchema = async () => {
      const c = new pg.Client({ connectionString: postgresUrl })
      await c.connect()
      await c.query(`drop schema ${schema} cascade`)
      await c.end()
    }
  }
  const store = openStore(url, { schema })
  try {
    await migrateToLatest(store.db)
  } catch (err) {
    await store.close()
    await dropSchema()
    throw err
  }
  const deps = createDeps({
    db: store.db,
    dialect: store.dialect,
    timeZone: 'Asia/Shanghai',
    clock: () => clock,
  })
  return {
    deps,
    setNow(iso) {
      clock = new Date(iso)
    },
    async close() {
      await store.close()
      await dropSchema()
    },
  }
}
