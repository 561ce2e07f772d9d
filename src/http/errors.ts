import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { HotlineError } from '../domain/errors'

/** The JSON error body of CONTRACT.md section 4. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> }
}

/**
 * Maps any thrown error to a response: a `HotlineError` to its status and body, Hono's own
 * exceptions to theirs, anything else to a 500 that reveals nothing (and is logged without data).
 *
 * @example app.onError(errorResponse)
 */
export function errorResponse(err: Error, c: Context): Response {
  if (err instanceof HotlineError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } }
    if (err.fields) body.error.fields = err.fields
    return c.json(body, err.status as 400)
  }
  if (err instanceof HTTPException) {
    const status = err.status
    const code = status === 413 ? 'payload_too_large' : status === 401 ? 'unauthorized' : 'bad_request'
    return c.json({ error: { code, message: err.message || 'bad request' } }, status)
  }
  console.error(`[hotline] unexpected error on ${c.req.method} ${c.req.path}: ${err.name}: ${err.message}`)
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500)
}
