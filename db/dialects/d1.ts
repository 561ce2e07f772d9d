import { Kysely } from 'kysely'
import { D1Dialect } from 'kysely-d1'
import type { Database } from '../database'

/** The part of Cloudflare's D1 binding that kysely-d1 uses. */
export type D1Binding = ConstructorParameters<typeof D1Dialect>[0]['database']

/**
 * Opens Cloudflare D1 (the Workers build). D1 speaks SQLite, so the same migrations apply.
 *
 * @example const db = createD1Db(env.DB)
 */
export function createD1Db(binding: D1Binding): Kysely<Database> {
  return new Kysely<Database>({ dialect: new D1Dialect({ database: binding }) })
}
