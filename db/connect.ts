import type { Kysely } from 'kysely'
import type { Database, DialectName } from './database'
import { createPostgresDb } from './dialects/postgres'
import { createSqliteDb, type SqliteOptions } from './dialects/sqlite'

/** An open store: the query builder, its dialect and how to close it. */
export interface Store {
  db: Kysely<Database>
  dialect: DialectName
  /** Where it is, with any password removed (safe to print). */
  location: string
  close(): Promise<void>
}

/** The SQLite file used when `DATABASE_URL` is unset. */
export const DEFAULT_SQLITE_FILE = './data/hotline.db'

/**
 * Opens the store a `DATABASE_URL` names: unset → `./data/hotline.db`; `sqlite::memory:`;
 * `sqlite:/path/file.db`; `postgres://…` or `postgresql://…`.
 *
 * @example const store = openStore(process.env.DATABASE_URL)
 */
export function openStore(
  url: string | undefined,
  options: { synchronous?: SqliteOptions['synchronous']; schema?: string } = {},
): Store {
  if (!url || url.startsWith('sqlite:')) {
    const rest = url ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : DEFAULT_SQLITE_FILE
    const filename = rest === ':memory:' || rest === '' ? ':memory:' : rest
    const { db } = createSqliteDb({ filename, synchronous: options.synchronous })
    return { db, dialect: 'sqlite', location: `sqlite:${filename}`, close: () => db.destroy() }
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const db = createPostgresDb({ connectionString: url, schema: options.schema })
    return {
      db,
      dialect: 'postgres',
      location: url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'),
      close: () => db.destroy(),
    }
  }
  throw new Error(
    `DATABASE_URL: unsupported value (use sqlite:PATH, sqlite::memory: or postgres://…)`,
  )
}
