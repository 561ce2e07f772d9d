import { Hono, type Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { findAttachment, listAttachments } from '../../db/repositories/attachments'
import { listCategories, listUnits } from '../../db/repositories/reference-data'
import { findWorkOrderByNumber } from '../../db/repositories/work-orders'
import { CasePage, CasePanel, type CasePageProps } from '../../views/staff/case-page'
import { CaseResults, CasesPage } from '../../views/staff/cases-page'
import { LoginPage } from '../../views/staff/login-page'
import { HotlineError } from '../domain/errors'
import { ACTIONS, type Action } from '../domain/status'
import { refusal, type Actor } from '../domain/work-order'
import { clearSessionCookie, requireStaff, sessionCookieName, setSessionCookie } from '../http/staff-auth'
import type { PhotoStore } from '../services/photo-store'
import { listCases, parseCaseListQuery, queueCounts } from '../services/queues'
import { login, logout } from '../services/sessions'
import { citizenView, mergeCandidates, revealIdentity, workdaysLeft } from '../services/staff-cases'
import { replyTemplatesFor } from '../services/admin'
import { getWindowVisit } from '../services/intake'
import { getCase, performAction } from '../services/work-orders'

const isHtmx = (c: Context) => c.req.header('HX-Request') === 'true'

function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/staff') && !next.startsWith('//') ? next : '/staff/cases'
}

const HANDLING_LEVELS = new Set(['street', 'town', 'department'])
/** The actions that close a case, which the window panel offers instead on a window case. */
const WINDOW_CLOSES = new Set<Action>(['reply_and_close', 'direct_answer'])

async function casePageProps(
  c: Context,
  id: number,
  extra: { revealed?: boolean; message?: CasePageProps['message'] } = {},
): Promise<CasePageProps> {
  const { deps, actor, staff } = c.var
  const { order, events } = await getCase(deps, id, actor)
  const [units, categories, photos] = await Promise.all([
    listUnits(deps.db),
    listCategories(deps.db),
    listAttachments(deps.db, order.id),
  ])
  const allowed = ACTIONS.filter((a) => refusal(order, actor, a) === null)
  // A 办不成事 window case is closed in the window panel, which asks whether it is a 否定答复.
  const windowCase = order.channel === 'window' && (await getWindowVisit(deps, order)) !== null
  const closeInPanel = windowCase && allowed.some((a) => WINDOW_CLOSES.has(a))
  const actions = closeInPanel ? allowed.filter((a) => !WINDOW_CLOSES.has(a)) : allowed
  const category = categories.find((x) => x.id === order.categoryId)
  const parent = category?.parentId ? categories.find((x) => x.id === category.parentId) : undefined
  const suggested = category?.defaultUnitId ?? parent?.defaultUnitId ?? null
  return {
    session: staff,
    timeZone: deps.timeZone,
    order,
    events,
    unitName: units.find((u) => u.id === order.unitId)?.name ?? null,
    districtName: units.find((u) => u.id === order.districtId)?.name ?? null,
    categoryName: category ? (parent ? `${parent.name} / ${category.name}` : category.name) : null,
    citizen: citizenView(order, actor, extra.revealed ?? false),
    actions,
    closeInWindowPanel: closeInPanel,
    units: units.filter((u) => u.active && HANDLING_LEVELS.has(u.level)).map((u) => ({ id: u.id, name: u.name })),
    suggestedUnitId: suggested,
    mergeCandidates: actions.includes('merge') ? await mergeCandidates(deps, order) : [],
    workdaysLeft: await workdaysLeft(deps, order),
    photos: photos.map((p) => ({ id: p.id })),
    message: extra.message ?? null,
    replyTemplates: (await replyTemplatesFor(deps, order.categoryId)).filter((x) => x.active).map((x) => x.body),
  }
}

function caseId(c: Context): number {
  const id = Number(c.req.param('id'))
  if (!Number.isInteger(id) || id < 1) throw new HotlineError('not_found', 'no such case')
  return id
}

/** Turns a posted action form into a command (numbers parsed, blanks dropped). */
async function commandFrom(c: Context, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const command: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(body)) {
    if (k === '_csrf' || k === 'version' || k === 'masterNumber') continue
    if (typeof v === 'string' && v.trim() !== '') command[k] = v
  }
  if (command.action === 'merge' && !command.masterId && typeof body.masterNumber === 'string' && body.masterNumber.trim()) {
    const master = await findWorkOrderByNumber(c.var.deps.db, body.masterNumber.trim().toUpperCase())
    command.masterId = master?.id ?? -1
  }
  for (const k of ['unitId', 'masterId', 'workdays']) if (command[k] !== undefined) command[k] = Number(command[k])
  return command
}

function messageOf(err: HotlineError): string {
  switch (err.code) {
    case 'conflict':
      return '有人刚刚办理了这件工单，页面已更新为最新内容，请核对后再操作。'
    case 'forbidden':
      return '您无权办理此操作。'
    case 'invalid_transition':
      return `当前状态下不能办理此操作（${err.message}）。`
    default:
      return `请检查填写的内容：${err.message}`
  }
}

/**
 * The back office: sign-in, the queues, the case page and its actions. Roles are enforced in the
 * services; the pages only show what the services allow.
 *
 * @example app.route('/', staffRoutes({ photoStore }))
 */
export function staffRoutes(options: { photoStore: PhotoStore }) {
  const app = new Hono()

  app.get('/staff', (c) => c.redirect('/staff/cases', 303))
  app.get('/staff/login', (c) =>
    c.html(<LoginPage next={safeNext(c.req.query('next'))} error={null} username="" />),
  )
  app.post('/staff/login', async (c) => {
    const body = await c.req.parseBody()
    const username = typeof body.username === 'string' ? body.username : ''
    const password = typeof body.password === 'string' ? body.password : ''
    const next = safeNext(body.next)
    try {
      const old = getCookie(c, sessionCookieName(c))
      if (old) await logout(c.var.deps, old)
      const { sessionId } = await login(c.var.deps, username, password)
      setSessionCookie(c, sessionId)
      return c.redirect(next, 303)
    } catch (err) {
      if (!(err instanceof HotlineError)) throw err
      return c.html(<LoginPage next={next} error={err.message} username={username.slice(0, 40)} />, 401)
    }
  })
  app.post('/staff/logout', requireStaff(), async (c) => {
    const id = getCookie(c, sessionCookieName(c))
    if (id) await logout(c.var.deps, id)
    clearSessionCookie(c)
    return c.redirect('/staff/login', 303)
  })

  app.use('/staff/cases', requireStaff())
  app.use('/staff/cases/*', requireStaff())

  app.get('/staff/cases', async (c) => {
    const { deps, actor, staff } = c.var
    const query = parseCaseListQuery(new URL(c.req.url).searchParams)
    const [counts, list, units, categories] = await Promise.all([
      queueCounts(deps, actor),
      listCases(deps, actor, query),
      listUnits(deps.db),
      listCategories(deps.db),
    ])
    const props = {
      session: staff,
      timeZone: deps.timeZone,
      query,
      counts,
      rows: list.rows,
      total: list.total,
      units: units.filter((u) => HANDLING_LEVELS.has(u.level)).map((u) => ({ id: u.id, name: u.name })),
      categories: categories.map((x) => ({ id: x.id, name: x.parentId ? `· ${x.name}` : x.name })),
      districts: units.filter((u) => u.level === 'district').map((u) => ({ id: u.id, name: u.name })),
    }
    if (isHtmx(c) && c.req.header('HX-Target')?.includes('results')) return c.html(<CaseResults {...props} />)
    return c.html(<CasesPage {...props} />)
  })

  app.get('/staff/cases/:id', async (c) => {
    c.header('Cache-Control', 'no-store')
    return c.html(<CasePage {...await casePageProps(c, caseId(c))} />)
  })

  app.post('/staff/cases/:id/actions', async (c) => {
    const id = caseId(c)
    const body = await c.req.parseBody()
    const version = Number(body.version)
    const command = await commandFrom(c, body)
    let message: CasePageProps['message']
    let status: 200 | 403 | 404 | 409 | 422 = 200
    try {
      if (!ACTIONS.includes(command.action as Action)) throw new HotlineError('validation_failed', 'action: unknown action')
      if (!Number.isInteger(version) || version < 1) throw new HotlineError('validation_failed', 'version: is required')
      await performAction(c.var.deps, id, command, c.var.actor, Number.isInteger(version) ? version : undefined)
      message = { kind: 'ok', text: '已办理。' }
    } catch (err) {
      if (!(err instanceof HotlineError)) throw err
      if (err.code === 'not_found') throw err
      message = { kind: err.code === 'conflict' ? 'warn' : 'bad', text: messageOf(err) }
      status = err.code === 'forbidden' ? 403 : err.code === 'conflict' || err.code === 'invalid_transition' ? 409 : 422
    }
    c.header('Cache-Control', 'no-store')
    const props = await casePageProps(c, id, { message })
    if (isHtmx(c)) return c.html(<CasePanel {...props} />)
    return c.html(<CasePage {...props} />, status)
  })

  app.post('/staff/cases/:id/reveal', async (c) => {
    const id = caseId(c)
    await revealIdentity(c.var.deps, id, c.var.actor)
    c.header('Cache-Control', 'no-store')
    const props = await casePageProps(c, id, { revealed: true })
    if (isHtmx(c)) return c.html(<CasePanel {...props} />)
    return c.html(<CasePage {...props} />)
  })

  app.get('/staff/cases/:id/photos/:photo', async (c) => {
    const { order } = await getCase(c.var.deps, caseId(c), c.var.actor as Actor)
    const attachment = await findAttachment(c.var.deps.db, order.id, Number(c.req.param('photo')))
    const bytes = attachment && (await options.photoStore.get(c.var.deps.db, attachment.storageKey))
    if (!attachment || !bytes) throw new HotlineError('not_found', 'no such photo')
    return c.body(bytes, 200, {
      'Content-Type': attachment.contentType,
      'Content-Disposition': `inline; filename="photo-${attachment.id}.${attachment.storageKey.split('.').pop()}"`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox; frame-ancestors 'none'",
      'Cache-Control': 'private, no-store',
    })
  })

  return app
}
