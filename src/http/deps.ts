import { createMiddleware } from 'hono/factory'
import type { Deps } from '../services/deps'

declare module 'hono' {
  interface ContextVariableMap {
    deps: Deps
  }
}

/**
 * Puts the app's dependencies on `c.var.deps` for every handler (built once, never a singleton).
 *
 * @example app.use(withDeps(deps))
 */
export function withDeps(deps: Deps) {
  return createMiddleware(async (c, next) => {
    c.set('deps', deps)
    await next()
  })
}
