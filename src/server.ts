import { serve } from '@hono/node-server'
import sharp from 'sharp'
import { openStore } from '../db/connect'
import { migrateToLatest } from '../db/migrate'
import { createApp } from './app'
import { loadConfig, type Config } from './config'
import { createDeps } from './services/deps'
import { startScheduler, webhookFromEnv } from './services/scheduler'

/**
 * Starts the Node server: config → store → migrations → serve(createApp(deps)). Resolves once
 * listening, with a function that stops it.
 *
 * @example const { close } = await startServer(loadConfig(process.env))
 */
export async function startServer(config: Config): Promise<{ url: string; close(): Promise<void> }> {
  sharp.cache(false)
  const store = openStore(config.DATABASE_URL)
  const applied = await migrateToLatest(store.db)
  if (applied.length > 0) console.log(`[hotline] migrations applied: ${applied.join(', ')}`)
  const deps = createDeps({
    db: store.db,
    dialect: store.dialect,
    timeZone: config.TZ_REPORT,
    caseNumberPrefix: config.CASE_NUMBER_PREFIX,
    open311PublicReplies: config.OPEN311_PUBLIC_REPLIES,
  })
  const app = createApp(deps, { trustProxy: config.TRUST_PROXY })
  const stopScheduler =
    config.SCHEDULER_INTERVAL_SECONDS > 0
      ? startScheduler(deps, {
          intervalMs: config.SCHEDULER_INTERVAL_SECONDS * 1000,
          webhook: webhookFromEnv(config),
        })
      : async () => {}
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(s))
  })
  const url = `http://${config.HOST}:${config.PORT}`
  console.log(`[hotline] serving ${url} on ${store.location} (reports in ${config.TZ_REPORT})`)
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await stopScheduler()
      await store.close()
    },
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}`
if (isMain) {
  try {
    const { close } = await startServer(loadConfig(process.env))
    const stop = () => {
      close().then(() => process.exit(0), () => process.exit(1))
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  } catch (err) {
    console.error(`[hotline] cannot start: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }
}
