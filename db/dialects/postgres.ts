import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from '../database'

const INT8 = 20
const NUMERIC = 1700

/** Options of {@link createPostgresDb}. */
export interface PostgresOptions {
  connectionString: string
  /** A schema to use as the search path (tests get one each). */
  schema?: string
  max?: number
  /**
   * Told when a connection idle in the pool fails (the server restarted or ended it): `pg` drops
   * that connection and opens another when needed. Default: one line on standard error.
   */
  onIdleError?: (error: Error) => void
}

/**
 * Opens Postgres through a `pg` pool. Counts and sums (int8, numeric) come back as JS numbers: the
 * figures never exceed 2^53.
 *
 * @example const db = createPostgresDb({ connectionString: 'postgres://postgres@127.0.0.1/hotline' })
 */
export function createPostgresDb(options: PostgresOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    types: {
      getTypeParser(oid: number, format?: 'text' | 'binary') {
        if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v)
        return pg.types.getTypeParser(oid, format)
      },
    },
  })
  // Without a listener, the pool's 'error' event (an idle connection ended by the server) would
  // end the whole process.
  pool.on(
    'error',
    options.onIdleError ??
      ((err) => console.error(`[hotline] postgres: an idle connection failed: ${err.message}`)),
  )
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}
