import { sql } from 'kysely'
import { Hono } from 'hono'

/**
 * `GET /healthz`: 200 with the dialect when the store answers, 503 when it does not.
 *
 * @example app.route('/', healthRoutes)
 */
export const healthRoutes = new Hono().get('/healthz', async (c) => {
  const { db, dialect } = c.var.deps
  try {
    await sql`select 1`.execute(db)
    return c.json({ status: 'ok', database: dialect })
  } catch {
    return c.json({ status: 'unavailable', database: dialect }, 503)
  }
})
