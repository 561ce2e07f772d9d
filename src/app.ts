import { Hono, type Context } from 'hono'
import { except } from 'hono/combine'
import { getCookie } from 'hono/cookie'
import { pickLocale, t } from '../views/i18n'
import { MessagePage } from '../views/message-page'
import { bodyLimit } from './http/body-limit'
import { withClientIp } from './http/client-ip'
import { withDeps } from './http/deps'
import { errorResponse } from './http/errors'
import { memoryRateLimitStore, rateLimit, type RateLimitStore } from './http/rate-limit'
import { securityHeaders } from './http/security'
import { apiRoutes } from './routes/api'
import { assetRoutes } from './routes/assets'
import { healthRoutes } from './routes/health'
import { intakeRoutes } from './routes/intake'
import { open311Routes } from './routes/open311'
import { adminRoutes } from './routes/admin'
import { importRoutes, MAX_IMPORT_BYTES } from './routes/imports'
import { exportRoutes } from './routes/exports'
import { publicRoutes } from './routes/public'
import { reportRoutes } from './routes/reports'
import { snapshotRoutes } from './routes/snapshots'
import { staffRoutes } from './routes/staff'
import type { Deps } from './services/deps'
import { databasePhotoStore, type PhotoStore } from './services/photo-store'
import { MAX_PHOTO_BYTES, MAX_PHOTOS } from './services/photos'

/** Options of {@link createApp} beyond the deps. */
export interface AppOptions {
  /** Where photos are kept; the database by default. */
  photoStore?: PhotoStore
  /** Reverse proxies in front of the app (TRUST_PROXY); 0 trusts no X-Forwarded-* header. */
  trustProxy?: number
  /** Where rate-limit counts live: one in-memory store per app by default. */
  rateLimitStore?: RateLimitStore
  /** The rate limits' clock in ms (tests move it); `Date.now` by default. */
  now?: () => number
  /** Requests per API token or staff user; 300 a minute by default. */
  apiRateLimit?: { limit: number; windowMs: number }
}

/** A filing: every photo at its limit plus room for the text fields. */
const MAX_FILING_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 256 * 1024
/** The import uploads (staff page and API), which take files up to MAX_IMPORT_BYTES. */
const UPLOAD_PATHS = ['/staff/admin/import', '/api/v1/imports']
/** Every other request body (rating, forms, JSON). */
const MAX_BODY_BYTES = 64 * 1024
/** Filing attempts per client per hour (failed validation counts: fixing a form takes a few). */
const FILING_LIMIT = { limit: 20, windowMs: 60 * 60_000 }
/** Tracking-code requests (page, photos, rating) per client per 10 minutes. */
const TRACKING_LIMIT = { limit: 60, windowMs: 10 * 60_000 }

function localeOf(c: Context) {
  return pickLocale(getCookie(c, 'lang'), c.req.header('Accept-Language'))
}

function wantsHtml(c: Context): boolean {
  if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/open311/')) return false
  return (c.req.header('Accept') ?? '').includes('text/html') || c.req.header('HX-Request') === 'true'
}

function tooLargePage(c: Context) {
  const locale = localeOf(c)
  const m = t(locale).errors
  return c.html(MessagePage({ locale, path: c.req.path, title: m.tooLarge, text: m.tooLargeIntro }), 413)
}

function tooManyPage(c: Context, seconds: number) {
  const locale = localeOf(c)
  const m = t(locale).errors
  c.header('Cache-Control', 'no-store')
  const text = m.tooManyIntro(seconds)
  return c.html(MessagePage({ locale, path: c.req.path, title: m.tooMany, text }), 429)
}

/**
 * The one Hono app, shared by the Node server, the Worker and the tests (`app.request()`):
 * security headers on every response, client identification (X-Forwarded-For only behind a
 * configured proxy), body limits and rate limits before any body is read, then the routes.
 *
 * @example
 * const app = createApp(deps)
 * const res = await app.request('/healthz')
 */
export function createApp(deps: Deps, options: AppOptions = {}) {
  const trustedProxies = options.trustProxy ?? 0
  const store = options.rateLimitStore ?? memoryRateLimitStore()
  const now = options.now ?? Date.now
  const key = (c: Context) => c.var.clientIp

  const app = new Hono()
  app.use(securityHeaders({ https: 'auto', trustedProxies }))
  app.use(withClientIp(trustedProxies))
  app.post('/cases', rateLimit({ name: 'file', ...FILING_LIMIT, key, store, now, onLimited: tooManyPage }))
  app.on(
    ['GET', 'POST'],
    '/track/:code/*',
    rateLimit({ name: 'track', ...TRACKING_LIMIT, key, store, now, onLimited: tooManyPage }),
  )
  app.use('/cases', bodyLimit({ maxSize: MAX_FILING_BYTES, onTooLarge: tooLargePage }))
  const uploadLimit = bodyLimit({ maxSize: MAX_IMPORT_BYTES, onTooLarge: tooLargePage })
  app.use('/staff/admin/import', uploadLimit)
  app.use('/api/v1/imports', bodyLimit({ maxSize: MAX_IMPORT_BYTES }))
  app.use(except(['/cases', ...UPLOAD_PATHS], bodyLimit({ maxSize: MAX_BODY_BYTES })))
  app.use(withDeps(deps))

  app.route('/', healthRoutes)
  app.route('/api/v1', apiRoutes({ rateLimit: options.apiRateLimit, rateLimitStore: store, now }))
  app.route('/open311/v2', open311Routes())
  app.route('/', assetRoutes)
  const photoStore = options.photoStore ?? databasePhotoStore
  app.route('/', publicRoutes({ photoStore }))
  app.route('/', exportRoutes())
  app.route('/', snapshotRoutes())
  app.route('/', intakeRoutes())
  app.route('/', staffRoutes({ photoStore }))
  app.route('/', importRoutes())
  app.route('/', adminRoutes())
  app.route('/', reportRoutes())

  app.notFound((c) => {
    if (!wantsHtml(c)) return c.json({ error: { code: 'not_found', message: 'no such route' } }, 404)
    const locale = localeOf(c)
    const m = t(locale).errors
    return c.html(MessagePage({ locale, path: c.req.path, title: m.pageNotFound, text: '' }), 404)
  })
  app.onError((err, c) => {
    const res = errorResponse(err, c)
    if (!wantsHtml(c)) return res
    const locale = localeOf(c)
    const m = t(locale).errors
    const title = res.status === 404 ? m.pageNotFound : res.status >= 500 ? m.serverError : m.badRequest
    const text = res.status < 500 && err instanceof Error ? err.message : ''
    return c.html(MessagePage({ locale, path: c.req.path, title, text }), res.status as 400)
  })
  return app
}

/** The app's type, for typed clients. */
export type App = ReturnType<typeof createApp>
