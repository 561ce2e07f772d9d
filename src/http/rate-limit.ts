import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { ErrorBody } from './errors'

/**
 * One key's counts under the sliding-window-counter scheme: the hits in the current fixed window
 * (starting at `windowStart`, a multiple of the window length) and in the window before it.
 */
export interface RateLimitRecord {
  windowStart: number
  count: number
  previous: number
}

/**
 * Where the counts live. Synchronous on purpose: on one Node process the read-modify-write of
 * `hit()` is then atomic. A shared store (Redis, D1) would need an atomic server-side variant.
 */
export interface RateLimitStore {
  /** The record for `key`, or undefined when there is none or it has expired by `now`. */
  get(key: string, now: number): RateLimitRecord | undefined
  /** Saves the record; the store may forget it after `expiresAt`. */
  set(key: string, record: RateLimitRecord, expiresAt: number, now: number): void
  /** How many keys are held (expired ones may still count until the next sweep). */
  readonly size: number
}

/** Bounds of the in-memory store. */
export interface MemoryRateLimitStoreOptions {
  /** Most keys held; beyond it the least recently written key is dropped. Default 100 000. */
  maxKeys?: number
  /** How often (by the clock passed to `set`) expired keys are swept out. Default one minute. */
  sweepIntervalMs?: number
}

/**
 * An in-process store whose memory stays bounded: expired keys are swept out at most once per
 * `sweepIntervalMs`, and beyond `maxKeys` the least recently written key is evicted (a client
 * being limited is rewritten on every attempt, so it is never the one evicted). Per process: each
 * Node process or Worker isolate counts on its own.
 *
 * @example
 * const store = memoryRateLimitStore({ maxKeys: 100_000 })
 * hit(store, 'track:203.0.113.7', 10, 60_000, Date.now())
 */
export function memoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): RateLimitStore {
  const maxKeys = options.maxKeys ?? 100_000
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new RangeError(`maxKeys must be a whole number ≥ 1, got ${maxKeys}`)
  }
  const entries = new Map<string, { record: RateLimitRecord; expiresAt: number }>()
  let lastSweep = Number.NEGATIVE_INFINITY

  const sweep = (now: number) => {
    lastSweep = now
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key)
  }

  return {
    get(key, now) {
      const entry = entries.get(key)
      if (!entry) return undefined
      if (entry.expiresAt <= now) {
        entries.delete(key)
        return undefined
      }
      return { ...entry.record }
    },
    set(key, record, expiresAt, now) {
      entries.delete(key) // re-inserting moves the key to the young end of the Map's order
      entries.set(key, { record: { ...record }, expiresAt })
      if (now - lastSweep >= sweepIntervalMs) sweep(now)
      while (entries.size > maxKeys) {
        const oldest = entries.keys().next()
        if (oldest.done) break
        entries.delete(oldest.value)
      }
    },
    get size() {
      return entries.size
    },
  }
}

/** The verdict on one request. */
export interface RateLimitResult {
  allowed: boolean
  /** Requests still allowed right now after this one (`hit`) or including it (`peek`). */
  remaining: number
  /** 0 when allowed; otherwise whole seconds after which one request will be allowed again. */
  retryAfterSeconds: number
}

/**
 * Counts one request against `limit` per `windowMs` for `key` and says whether it is allowed.
 * Sliding window counter: the previous fixed window's count is weighted by how much of it still
 * overlaps the last `windowMs`, so there is no burst of twice the limit at a window edge, in O(1)
 * memory per key. Refused requests are not counted, so `retryAfterSeconds` is honest. `now` is
 * the caller's clock (ms), which keeps it testable.
 *
 * @example
 * // count only failed tracking-code lookups, but refuse before looking when over the limit
 * const key = `track-miss:${c.var.clientIp}`
 * if (!peek(store, key, 10, 600_000, Date.now()).allowed) return tooMany(c)
 * const order = await findByTrackingCode(deps, code)
 * if (!order) hit(store, key, 10, 600_000, Date.now())
 */
export function hit(
  store: RateLimitStore,
  key: string,
  limit: number,
  windowMs: number,
  now: number,
): RateLimitResult {
  return evaluate(store, key, limit, windowMs, now, true)
}

/**
 * Like `hit`, but only looks: whether a request would be allowed now, without counting it.
 *
 * @example if (!peek(store, `track-miss:${c.var.clientIp}`, 10, 600_000, Date.now()).allowed) …
 */
export function peek(
  store: RateLimitStore,
  key: string,
  limit: number,
  windowMs: number,
  now: number,
): RateLimitResult {
  return evaluate(store, key, limit, windowMs, now, false)
}

/** Options of the `rateLimit` middleware. */
export interface RateLimitOptions {
  /** Names the limit; keys are `${name}:${key(c)}`, so one store can serve several limits. */
  name: string
  /** Requests allowed per window. */
  limit: number
  /** The window's length in ms; windows start at multiples of it. */
  windowMs: number
  /** The client's identity, usually `(c) => c.var.clientIp`. */
  key: (c: Context) => string
  /** Default: a fresh `memoryRateLimitStore()` for this limit. */
  store?: RateLimitStore
  /** The clock in ms. Default `Date.now`. */
  now?: () => number
  /**
   * Renders the refusal (status 429). `Retry-After` is set for you. Default: the JSON error
   * shape with code `rate_limited`.
   */
  onLimited?: (c: Context, retryAfterSeconds: number) => Response | Promise<Response>
}

/**
 * Refuses a client's requests beyond `limit` per `windowMs` with 429 and `Retry-After`.
 *
 * @example
 * app.post(
 *   '/cases',
 *   rateLimit({
 *     name: 'file',
 *     limit: 10,
 *     windowMs: 60 * 60_000,
 *     key: (c) => c.var.clientIp,
 *     store,
 *     onLimited: (c, seconds) => c.html(<TooManyPage seconds={seconds} />, 429),
 *   }),
 *   fileHandler,
 * )
 */
export function rateLimit(options: RateLimitOptions) {
  const { name, limit, windowMs, key, onLimited } = options
  checkLimit(limit, windowMs)
  const store = options.store ?? memoryRateLimitStore()
  const now = options.now ?? Date.now
  return createMiddleware(async (c, next) => {
    const result = hit(store, `${name}:${key(c)}`, limit, windowMs, now())
    if (result.allowed) {
      await next()
      return
    }
    const seconds = result.retryAfterSeconds
    c.header('Retry-After', String(seconds))
    if (onLimited) return withRetryAfter(await onLimited(c, seconds), seconds)
    c.header('Cache-Control', 'no-store')
    const body: ErrorBody = {
      error: { code: 'rate_limited', message: `too many requests; try again in ${seconds} s` },
    }
    return c.json(body, 429)
  })
}

function evaluate(
  store: RateLimitStore,
  key: string,
  limit: number,
  windowMs: number,
  rawNow: number,
  count: boolean,
): RateLimitResult {
  checkLimit(limit, windowMs)
  const now = Math.floor(rawNow)
  const windowStart = now - (((now % windowMs) + windowMs) % windowMs)
  const saved = store.get(key, now)
  let current = 0
  let previous = 0
  if (saved?.windowStart === windowStart) {
    current = saved.count
    previous = saved.previous
  } else if (saved?.windowStart === windowStart - windowMs) {
    previous = saved.count
  }
  // The sliding window is the last windowMs milliseconds, now included: (now - windowMs, now].
  // It overlaps windowMs - 1 - elapsed ms of the previous fixed window, which weighs that much.
  // Everything is scaled by windowMs so the arithmetic stays exact.
  const elapsed = now - windowStart
  const capacity = limit * windowMs
  const used = previous * (windowMs - 1 - elapsed) + current * windowMs
  const allowed = used < capacity
  if (count) {
    if (allowed) current += 1
    const record = { windowStart, count: current, previous }
    store.set(key, record, windowStart + 2 * windowMs, now)
  }
  if (!allowed) {
    const wait = msUntilAllowed(previous, current, limit, windowMs) + windowStart - now
    return { allowed, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) }
  }
  const left = capacity - used - (count ? windowMs : 0)
  return { allowed, remaining: Math.max(0, Math.ceil(left / windowMs)), retryAfterSeconds: 0 }
}

/**
 * The first ms, counted from the start of the current window, at which the weighted count drops
 * below the limit if no other request comes: later in this window as `previous` fades, or else in
 * the next window, where `current` becomes the fading previous count.
 */
function msUntilAllowed(
  previous: number,
  current: number,
  limit: number,
  windowMs: number,
): number {
  if (current < limit && previous > 0) {
    // previous * (windowMs - 1 - e) + current * windowMs < limit * windowMs
    const bound = previous * (windowMs - 1) - (limit - current) * windowMs
    const e = Math.floor(bound / previous) + 1
    if (e < windowMs) return e
  }
  // current * (windowMs - 1 - e) < limit * windowMs, in the next window
  if (current === 0) return windowMs
  const e = Math.floor((current * (windowMs - 1) - limit * windowMs) / current) + 1
  return windowMs + Math.max(0, e)
}

function checkLimit(limit: number, windowMs: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`)
  }
  if (!Number.isInteger(windowMs) || windowMs < 1) {
    throw new RangeError(`windowMs must be a whole number of ms ≥ 1, got ${windowMs}`)
  }
  if (!Number.isSafeInteger(limit * windowMs * 2)) {
    throw new RangeError('limit × windowMs is too large to count exactly')
  }
}

function withRetryAfter(res: Response, seconds: number): Response {
  if (res.headers.has('retry-after')) return res
  try {
    res.headers.set('Retry-After', String(seconds))
    return res
  } catch {
    const copy = new Response(res.body, res)
    copy.headers.set('Retry-After', String(seconds))
    return copy
  }
}
