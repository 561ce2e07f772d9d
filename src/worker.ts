import { z } from 'zod'
import type { Kysely } from 'kysely'
import type { Database } from '../db/database'
import { createD1Db, type D1Binding } from '../db/dialects/d1'
import { migrateToLatest } from '../db/migrate'
import { createApp } from './app'
import { isValidTimeZone } from './domain/zoned-time'
import { createDeps } from './services/deps'

/** The Worker's bindings and variables (wrangler.toml). */
export interface WorkerEnv {
  DB: D1Binding
  TZ_REPORT?: string
  CASE_NUMBER_PREFIX?: string
}

const varsSchema = z.object({
  TZ_REPORT: z.string().default('Asia/Shanghai').refine(isValidTimeZone, 'must be an IANA time zone'),
  CASE_NUMBER_PREFIX: z.string().regex(/^[A-Z]{1,6}$/).default('NC'),
})

let ready: Promise<ReturnType<typeof createApp>> | undefined

async function appFor(env: WorkerEnv) {
  if (!env.DB) throw new Error('the D1 binding DB is missing from wrangler.toml')
  const vars = varsSchema.parse(env)
  const db: Kysely<Database> = createD1Db(env.DB)
  await migrateToLatest(db)
  return createApp(createDeps({ db, dialect: 'd1', timeZone: vars.TZ_REPORT, caseNumberPrefix: vars.CASE_NUMBER_PREFIX }))
}

/**
 * The Workers entry: validates the bindings, builds Kysely over D1 and migrates once per isolate,
 * then serves the same app as Node.
 *
 * @example export default worker
 */
const worker = {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    ready ??= appFor(env).catch((err: unknown) => {
      ready = undefined
      throw err
    })
    const app = await ready
    return app.fetch(request, env)
  },
}

export default worker
