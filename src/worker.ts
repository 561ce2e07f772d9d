import { z } from 'zod'
import { createD1Db, type D1Binding } from '../db/dialects/d1'
import { migrateToLatest } from '../db/migrate'
import { createApp } from './app'
import { isValidTimeZone } from './domain/zoned-time'
import { createDeps, type Deps } from './services/deps'
import { scheduledTick } from './services/scheduler'

/** The Worker's bindings and variables (wrangler.toml). */
export interface WorkerEnv {
  DB: D1Binding
  TZ_REPORT?: string
  CASE_NUMBER_PREFIX?: string
  OPEN311_PUBLIC_REPLIES?: string
  WEBHOOK_URL?: string
  WEBHOOK_SECRET?: string
}

const varsSchema = z.object({
  TZ_REPORT: z.string().default('Asia/Shanghai').refine(isValidTimeZone, 'must be an IANA time zone'),
  CASE_NUMBER_PREFIX: z.string().regex(/^[A-Z]{1,6}$/).default('NC'),
  OPEN311_PUBLIC_REPLIES: z.stringbool().default(false),
})

let depsReady: Promise<Deps> | undefined
let appReady: Promise<ReturnType<typeof createApp>> | undefined

/** Deps over D1, built and migrated once per isolate (a failure is retried on the next event). */
function depsFor(env: WorkerEnv): Promise<Deps> {
  depsReady ??= (async () => {
    if (!env.DB) throw new Error('the D1 binding DB is missing from wrangler.toml')
    const vars = varsSchema.parse(env)
    const db = createD1Db(env.DB)
    await migrateToLatest(db)
    return createDeps({
      db,
      dialect: 'd1',
      timeZone: vars.TZ_REPORT,
      caseNumberPrefix: vars.CASE_NUMBER_PREFIX,
      open311PublicReplies: vars.OPEN311_PUBLIC_REPLIES,
    })
  })().catch((err: unknown) => {
    depsReady = undefined
    throw err
  })
  return depsReady
}

/**
 * The Workers entry: validates the bindings, builds Kysely over D1 and migrates once per isolate,
 * then serves the same app as Node; the cron trigger climbs the 督办 ladder and delivers
 * notifications.
 *
 * @example export default worker
 */
const worker = {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    appReady ??= depsFor(env).then((deps) => createApp(deps))
    const app = await appReady
    return app.fetch(request, env)
  },
  async scheduled(_event: unknown, env: WorkerEnv, ctx: { waitUntil(p: Promise<unknown>): void }) {
    ctx.waitUntil(depsFor(env).then((deps) => scheduledTick(deps, env)))
  },
}

export default worker
