import type { Context } from 'hono'
import { bodyLimit as honoBodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import type { ErrorBody } from './errors'

/** Options of `bodyLimit`. */
export interface BodyLimitOptions {
  /** The largest body accepted, in bytes. */
  maxSize: number
  /** Renders the refusal (status 413). Default: the JSON error shape, code `payload_too_large`. */
  onTooLarge?: (c: Context, maxSize: number) => Response | Promise<Response>
}

/**
 * Refuses request bodies over `maxSize` bytes with 413, before the handler runs. An honest
 * `Content-Length` over the limit is refused without reading; every other body is counted as it
 * is read (via `hono/body-limit`), so a `Content-Length` smaller than the body does not get it
 * past. A body that fits is held in memory (at most `maxSize` bytes) and handed on with its true
 * `Content-Length`.
 *
 * @example
 * app.use(bodyLimit({ maxSize: 64 * 1024 }))
 * app.post('/cases/photos', bodyLimit({
 *   maxSize: 10 * 1024 * 1024,
 *   onTooLarge: (c) => c.html(<MessagePage title="照片太大" />, 413),
 * }), uploadHandler)
 */
export function bodyLimit(options: BodyLimitOptions) {
  const { maxSize, onTooLarge } = options
  if (!Number.isSafeInteger(maxSize) || maxSize < 0) {
    throw new RangeError(`maxSize must be a whole number of bytes ≥ 0, got ${maxSize}`)
  }
  const tooLarge = (c: Context): Response | Promise<Response> => {
    if (onTooLarge) return onTooLarge(c, maxSize)
    const body: ErrorBody = {
      error: {
        code: 'payload_too_large',
        message: `the request body is larger than the limit of ${maxSize} bytes`,
      },
    }
    return c.json(body, 413)
  }
  const counting = honoBodyLimit({ maxSize, onError: tooLarge })

  return createMiddleware(async (c, next) => {
    const declared = c.req.header('content-length')
    if (declared !== undefined && /^\s*\d+\s*$/.test(declared) && Number(declared) > maxSize) {
      return tooLarge(c)
    }
    if (!c.req.raw.body || declared === undefined) return counting(c, next)
    // hono/body-limit believes Content-Length; hide it so the bytes themselves are counted.
    c.req.raw = new Request(c.req.raw, { headers: headersWith(c.req.raw.headers, undefined) })
    return counting(c, async () => {
      const bytes = await c.req.raw.arrayBuffer()
      const headers = headersWith(c.req.raw.headers, bytes.byteLength)
      c.req.raw = new Request(c.req.raw, { body: bytes, headers })
      await next()
    })
  })
}

function headersWith(source: Headers, contentLength: number | undefined): Headers {
  const headers = new Headers(source)
  if (contentLength === undefined) headers.delete('content-length')
  else headers.set('content-length', String(contentLength))
  return headers
}
