import SqliteDatabase from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from '../database'

/** Options of {@link createSqliteDb}. */
export interface SqliteOptions {
  /** A file path or `:memory:`. */
  filename: string
  /** `FULL` (default) survives a power cut; `OFF` is for throwaway bulk loads only. */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF'
}

/**
 * Opens SQLite through better-sqlite3 in WAL mode with `synchronous=FULL` (an acknowledged case must
 * survive a power cut), foreign keys on and a busy timeout.
 *
 * @example const { db, raw } = createSqliteDb({ filename: './data/hotline.db' })
 */
export function createSqliteDb(options: SqliteOptions): {
  db: Kysely<Database>
  raw: SqliteDatabase.Database
} {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true })
  const raw = new SqliteDatabase(options.filename)
  raw.pragma('journal_mode = WAL')
  raw.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
  raw.pragma('foreign_keys = ON')
  raw.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) })
  return { db, raw }
}
