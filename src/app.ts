import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import { withDeps } from './http/deps'
import { errorResponse } from './http/errors'
import { healthRoutes } from './routes/health'
import type { Deps } from './services/deps'

/**
 * The one Hono app, shared by the Node server, the Worker and the tests (`app.request()`).
 *
 * @example
 * const app = createApp(deps)
 * const res = await app.request('/healthz')
 */
export function createApp(deps: Deps) {
  const app = new Hono()
  app.use(secureHeaders({ crossOriginEmbedderPolicy: false, strictTransportSecurity: false }))
  app.use(withDeps(deps))
  app.route('/', healthRoutes)
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such route' } }, 404))
  app.onError(errorResponse)
  return app
}

/** The app's type, for typed clients. */
export type App = ReturnType<typeof createApp>
