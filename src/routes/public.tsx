import { Hono, type Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { findAttachment, listAttachments } from '../../db/repositories/attachments'
import { listEvents, type StoredEvent } from '../../db/repositories/events'
import { listCategories, listUnits } from '../../db/repositories/reference-data'
import { RATINGS, type Rating } from '../domain/codes'
import { HotlineError } from '../domain/errors'
import { isClosed } from '../domain/status'
import { normalizeTrackingCode } from '../domain/tracking-code'
import type { WorkOrder } from '../domain/work-order'
import { addDays, localDateOf } from '../domain/zoned-time'
import { nowOf } from '../services/deps'
import { findByTrackingCode, rateByTrackingCode } from '../services/work-orders'
import { fileWebCase, type WebFiling } from '../services/web-filing'
import { summarize } from '../services/reports'
import type { PhotoStore } from '../services/photo-store'
import { emptyFilingValues, FilePage, FilingForm, type CategoryGroup } from '../../views/file-page'
import { pickLocale, t, type Locale } from '../../views/i18n'
import { StatsPage, type StatsRow } from '../../views/stats-page'
import { LookupPage, RatingPanel, TrackPage, type PublicCase, type PublicEvent } from '../../views/track-page'

declare module 'hono' {
  interface ContextVariableMap {
    locale: Locale
  }
}

/** What the public routes need besides the deps. */
export interface PublicRouteOptions {
  photoStore: PhotoStore
}

const isHtmx = (c: Context) => c.req.header('HX-Request') === 'true'

function randomId(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

async function formOptions(c: Context): Promise<{ categories: CategoryGroup[]; districts: { id: number; name: string }[] }> {
  const { db } = c.var.deps
  const [categories, units] = await Promise.all([listCategories(db), listUnits(db)])
  const active = categories.filter((x) => x.active)
  const groups: CategoryGroup[] = active
    .filter((x) => x.parentId === null)
    .map((g) => ({
      id: g.id,
      name: g.name,
      children: active.filter((x) => x.parentId === g.id).map((x) => ({ id: x.id, name: x.name })),
    }))
  const districts = units.filter((u) => u.active && u.level === 'district').map((u) => ({ id: u.id, name: u.name }))
  return { categories: groups, districts }
}

function publicEvents(events: StoredEvent[], locale: Locale, unitNames: Map<number, string>): PublicEvent[] {
  const m = t(locale).events
  const out: PublicEvent[] = []
  for (const e of events) {
    switch (e.action) {
      case 'dispatch':
        out.push({ at: e.at, text: m.dispatch(unitNames.get(Number(e.data.unitId)) ?? '') })
        break
      case 'approve_extension':
        out.push({ at: e.at, text: m.approve_extension(Number(e.data.workdays), String(e.data.basis ?? '')) })
        break
      case 'receive':
      case 'sign':
      case 'approve_return':
      case 'reply_and_close':
      case 'direct_answer':
      case 'rate':
      case 'reopen':
      case 'mark_invalid':
      case 'merge':
      case 'archive':
        out.push({ at: e.at, text: m[e.action] })
        break
      default:
        break
    }
  }
  return out
}

function mayCitizenRate(order: WorkOrder): boolean {
  return order.status === 'closed' && !(order.ratedAt !== null && order.ratedAt >= (order.closedAt ?? ''))
}

async function publicCase(c: Context, order: WorkOrder): Promise<{ view: PublicCase; events: PublicEvent[] }> {
  const { db } = c.var.deps
  const [units, events, photos] = await Promise.all([listUnits(db), listEvents(db, order.id), listAttachments(db, order.id)])
  const unitNames = new Map(units.map((u) => [u.id, u.name]))
  return {
    view: {
      caseNumber: order.caseNumber,
      kind: order.kind,
      title: order.title,
      content: order.content,
      status: order.status,
      dueAt: order.dueAt,
      dueProvisional: order.dueProvisional,
      unitName: order.unitId ? (unitNames.get(order.unitId) ?? null) : null,
      reply: isClosed(order.status) ? order.reply : null,
      rating: order.rating,
      ratingComment: order.ratingComment,
      mayRate: mayCitizenRate(order),
      photos: photos.map((p) => ({ id: p.id })),
    },
    events: publicEvents(events, c.var.locale, unitNames),
  }
}

function notFoundPage(c: Context, code?: string) {
  c.header('Cache-Control', 'no-store')
  return c.html(<LookupPage locale={c.var.locale} path="/track" notFound code={code} />, 404)
}

/**
 * The citizens' pages: filing (`/`, `POST /cases`), tracking and rating (`/track/{code}`), the
 * public figures (`/stats`) and the language switch. Every form works without JavaScript; htmx
 * swaps fragments when it is there.
 *
 * @example app.route('/', publicRoutes({ photoStore: databasePhotoStore }))
 */
export function publicRoutes(options: PublicRouteOptions) {
  const app = new Hono()

  app.use(async (c, next) => {
    c.set('locale', pickLocale(getCookie(c, 'lang'), c.req.header('Accept-Language')))
    await next()
  })

  app.get('/lang/:locale', (c) => {
    const locale = c.req.param('locale')
    if (locale === 'zh' || locale === 'en') {
      setCookie(c, 'lang', locale, { path: '/', sameSite: 'Lax', maxAge: 365 * 24 * 3600, httpOnly: true })
    }
    const origin = new URL(c.req.url).origin
    let target = '/'
    try {
      const next = new URL(c.req.query('next') ?? '/', origin)
      if (next.origin === origin) target = next.pathname + next.search
    } catch {
      target = '/'
    }
    return c.redirect(target, 303)
  })

  app.get('/', async (c) => {
    const { deps } = c.var
    const values = emptyFilingValues(randomId(deps.randomBytes(16)))
    return c.html(<FilePage locale={c.var.locale} path="/" values={values} errors={{}} {...await formOptions(c)} />)
  })

  app.post('/cases', async (c) => {
    const { deps } = c.var
    const locale = c.var.locale
    const body = await c.req.parseBody({ all: true })
    const outcome = await fileWebCase(deps, body as WebFiling, locale, options.photoStore)
    if (outcome.ok) {
      const location = outcome.location
      if (isHtmx(c)) {
        c.header('HX-Redirect', location)
        return c.body(null, 200)
      }
      return c.redirect(location, 303)
    }
    const props = { locale, values: outcome.values, errors: outcome.errors, ...(await formOptions(c)) }
    if (isHtmx(c)) return c.html(<FilingForm {...props} />, 200)
    return c.html(<FilePage {...props} path="/" />, 422)
  })

  app.get('/track', (c) => {
    const raw = c.req.query('code')
    if (raw === undefined) return c.html(<LookupPage locale={c.var.locale} path="/track" notFound={false} />)
    const code = normalizeTrackingCode(raw)
    if (!code) return notFoundPage(c, raw.slice(0, 64))
    return c.redirect(`/track/${code}`, 303)
  })

  app.get('/track/:code', async (c) => {
    const code = normalizeTrackingCode(c.req.param('code'))
    const order = code ? await findByTrackingCode(c.var.deps, code) : undefined
    if (!code || !order) return notFoundPage(c)
    const { view, events } = await publicCase(c, order)
    c.header('Cache-Control', 'no-store')
    return c.html(
      <TrackPage
        locale={c.var.locale}
        timeZone={c.var.deps.timeZone}
        code={code}
        path={`/track/${code}`}
        order={view}
        events={events}
        justFiled={c.req.query('filed') === '1'}
        justRated={c.req.query('rated') === '1'}
      />,
    )
  })

  app.post('/track/:code/rating', async (c) => {
    const code = normalizeTrackingCode(c.req.param('code'))
    const order = code ? await findByTrackingCode(c.var.deps, code) : undefined
    if (!code || !order) return notFoundPage(c)
    const body = await c.req.parseBody()
    const rating = typeof body.rating === 'string' ? body.rating : ''
    const comment = typeof body.comment === 'string' ? body.comment : ''
    const m = t(c.var.locale)
    const renderPanel = async (current: WorkOrder, extra: { errors?: Record<string, string>; justRated?: boolean }, status: 200 | 422) => {
      const { view } = await publicCase(c, current)
      c.header('Cache-Control', 'no-store')
      if (isHtmx(c)) {
        return c.html(
          <RatingPanel locale={c.var.locale} code={code} order={view} ratingErrors={extra.errors} ratingValues={{ rating, comment }} justRated={extra.justRated} />,
          200,
        )
      }
      if (status === 200) return c.redirect(`/track/${code}${extra.justRated ? '?rated=1' : ''}`, 303)
      const { events } = await publicCase(c, current)
      return c.html(
        <TrackPage
          locale={c.var.locale}
          timeZone={c.var.deps.timeZone}
          code={code}
          path={`/track/${code}`}
          order={view}
          events={events}
          justFiled={false}
          ratingErrors={extra.errors}
          ratingValues={{ rating, comment }}
        />,
        status,
      )
    }
    if (!RATINGS.includes(rating as Rating)) return renderPanel(order, { errors: { rating: m.errors.rateRequired } }, 422)
    if (comment.length > 1000) return renderPanel(order, { errors: { rating: m.errors.tooLong(1000) } }, 422)
    if (!mayCitizenRate(order)) return renderPanel(order, {}, 200)
    try {
      const rated = await rateByTrackingCode(c.var.deps, code, { rating, comment: comment || undefined })
      return renderPanel(rated, { justRated: true }, 200)
    } catch (err) {
      if (err instanceof HotlineError) {
        const fresh = (await findByTrackingCode(c.var.deps, code)) ?? order
        return renderPanel(fresh, {}, 200)
      }
      throw err
    }
  })

  app.get('/track/:code/photos/:id', async (c) => {
    const code = normalizeTrackingCode(c.req.param('code'))
    const order = code ? await findByTrackingCode(c.var.deps, code) : undefined
    const id = Number(c.req.param('id'))
    if (!order || !Number.isInteger(id)) return notFoundPage(c)
    const attachment = await findAttachment(c.var.deps.db, order.id, id)
    const bytes = attachment && (await options.photoStore.get(c.var.deps.db, attachment.storageKey))
    if (!attachment || !bytes) return notFoundPage(c)
    return c.body(bytes, 200, {
      'Content-Type': attachment.contentType,
      'Content-Disposition': `inline; filename="photo-${attachment.id}.${attachment.storageKey.split('.').pop()}"`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox; frame-ancestors 'none'",
      'Cache-Control': 'private, no-store',
    })
  })

  app.get('/stats', async (c) => {
    const { deps } = c.var
    const today = localDateOf(nowOf(deps), deps.timeZone)
    const from = `${addDays(`${today.slice(0, 7)}-01`, -335).slice(0, 7)}-01`
    const query = { from, to: today }
    const [months, channels, units] = await Promise.all([
      summarize(deps, { ...query, by: 'month' }),
      summarize(deps, { ...query, by: 'channel' }),
      summarize(deps, { ...query, by: 'unit' }),
    ])
    const m = t(c.var.locale)
    const rows = (s: typeof months, label: (key: string, fallback: string) => string): StatsRow[] =>
      s.groups.map((g) => ({ label: label(g.key, g.label), figures: g }))
    return c.html(
      <StatsPage
        locale={c.var.locale}
        path="/stats"
        from={from}
        to={today}
        months={rows(months, (key, fallback) => (c.var.locale === 'zh' ? fallback : key))}
        channels={rows(channels, (key, fallback) => (m.channels as Record<string, string>)[key] ?? fallback)}
        units={rows(units, (_key, fallback) => fallback)}
        total={months.totals}
      />,
    )
  })

  return app
}

