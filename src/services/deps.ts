import type { Kysely, Transaction } from 'kysely'
import type { Database, DialectName } from '../../db/database'

/**
 * What every service needs, built once at start and passed in (never a module singleton): the
 * store, the clock, randomness and the report time zone. Tests pass a fixed clock.
 */
export interface Deps {
  db: Kysely<Database>
  dialect: DialectName
  /** The zone in which days, months and working days are cut (TZ_REPORT). */
  timeZone: string
  clock: () => Date
  randomBytes: (n: number) => Uint8Array
  /** Prefix of the human case number (`NC20260001234`). */
  caseNumberPrefix: string
  /**
   * Whether Open311's public GET shows a closed case's reply (OPEN311_PUBLIC_REPLIES). Off by
   * default: anyone may read Open311 by case number, and a reply may name the citizen.
   */
  open311PublicReplies: boolean
}

/**
 * Builds deps with defaults for the clock and randomness.
 *
 * @example const deps = createDeps({ db, dialect: 'sqlite', timeZone: 'Asia/Shanghai' })
 */
export function createDeps(
  options: Pick<Deps, 'db' | 'dialect' | 'timeZone'> & Partial<Deps>,
): Deps {
  return {
    clock: () => new Date(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    caseNumberPrefix: 'NC',
    open311PublicReplies: false,
    ...options,
  }
}

/** The current time as stored (UTC ISO-8601). */
export function nowOf(deps: Pick<Deps, 'clock'>): string {
  return deps.clock().toISOString()
}

/**
 * Runs `fn` in a transaction, or inside the caller's transaction when `db` already is one (so a
 * bulk job can batch many services into one commit).
 *
 * @example await inTransaction(deps.db, async (trx) => { … })
 */
export async function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database> | Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return fn(db)
  return db.transaction().execute(fn)
}
