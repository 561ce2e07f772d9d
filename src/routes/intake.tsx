import { Hono, type Context } from 'hono'
import { listCategories, listUnits, type Unit } from '../../db/repositories/reference-data'
import {
  DuplicatesList,
  fieldMessages,
  IntakeForm,
  IntakePage,
  type FiledNotice,
  type FormValues,
  type IntakeFormProps,
} from '../../views/staff/intake-page'
import { WindowPanel, WindowPanelPage, type WindowPanelProps } from '../../views/staff/window-panel'
import { WindowForm, WindowPage, type WindowFormProps } from '../../views/staff/window-page'
import { HotlineError } from '../domain/errors'
import { maskPhone } from '../domain/privacy'
import { refusal, type WorkOrder } from '../domain/work-order'
import { requireStaff } from '../http/staff-auth'
import {
  categoryLabel,
  closeWindowCase,
  formInput,
  getWindowVisit,
  likelyDuplicates,
  recordWindowVisit,
  takeCall,
  type Recorded,
} from '../services/intake'
import type { Deps } from '../services/deps'
import { idempotent } from '../services/idempotency'
import { getCase } from '../services/work-orders'

const isHtmx = (c: Context) => c.req.header('HX-Request') === 'true'
const HANDLING_LEVELS = new Set(['street', 'town', 'department'])

/** Who takes calls and runs the window: the dispatch centre (there is no window-clerk role). */
const INTAKE_ROLES = ['dispatcher'] as const

function caseId(c: Context): number {
  const id = Number(c.req.param('id'))
  if (!Number.isInteger(id) || id < 1) throw new HotlineError('not_found', 'no such case')
  return id
}

/** A fresh form's submission id: 128 random bits in hex. */
function newSubmissionId(c: Context): string {
  return Array.from(c.var.deps.randomBytes(16), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Records a form once per submission id (a double click, a resent request, a refresh of the POST):
 * the first answer is kept a day and given again, as the web form and the API's Idempotency-Key
 * do. A form without a well-formed id is simply recorded.
 */
async function oncePerSubmission(
  c: Context,
  body: Record<string, unknown>,
  work: (deps: Deps) => Promise<FiledNotice>,
): Promise<FiledNotice> {
  const { deps, actor } = c.var
  const id = body.submissionId
  if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id) || actor.id === null) return work(deps)
  const request = {
    principal: `user:${actor.id}`,
    key: `form:${id}`,
    method: 'POST',
    body: stringsOf(body),
  }
  const outcome = await idempotent(deps, { ...request, path: c.req.path }, async (d) => ({
    status: 200,
    body: await work(d),
  }))
  if (outcome.kind === 'reused') return work(deps)
  return outcome.body as FiledNotice
}

/** A posted form as strings (files and repeated fields dropped), for re-rendering it. */
function stringsOf(body: Record<string, unknown>): FormValues {
  const out: FormValues = {}
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== '_csrf') out[k] = v
  return out
}

/** The district a staff member works in: their unit if a district, else its district ancestor. */
function homeDistrict(units: readonly Unit[], unitId: number | null): number | undefined {
  let unit = units.find((u) => u.id === unitId)
  while (unit && unit.level !== 'district') unit = units.find((u) => u.id === unit!.parentId)
  return unit?.id
}

async function choices(c: Context) {
  const { db } = c.var.deps
  const [units, categories] = await Promise.all([listUnits(db), listCategories(db)])
  return {
    units,
    form: {
      categories: categories.filter((x) => x.active).map((x) => categoryLabel(categories, x)),
      districts: units
        .filter((u) => u.active && u.level === 'district')
        .map((u) => ({ id: u.id, name: u.name })),
      units: units
        .filter((u) => u.active && HANDLING_LEVELS.has(u.level))
        .map((u) => ({ id: u.id, name: u.name })),
    },
  }
}

function filedNotice(recorded: Recorded, units: readonly Unit[], solvedText: string): FiledNotice {
  const { order } = recorded
  const outcome =
    order.status === 'closed'
      ? solvedText
      : order.status === 'dispatched'
        ? `已派单至 ${units.find((u) => u.id === order.unitId)?.name ?? ''}`
        : '已受理，待派单'
  return {
    id: order.id,
    caseNumber: order.caseNumber,
    outcome,
    maskedPhone: maskPhone(order.citizenPhone),
    trackingCode: recorded.trackingCode,
  }
}

/** Whether the actor may close the case from the window panel now. */
function mayClose(order: WorkOrder, actor: Parameters<typeof refusal>[1]): boolean {
  const action = order.status === 'received' ? 'direct_answer' : 'reply_and_close'
  return refusal(order, actor, action) === null
}

function refusalText(err: HotlineError): string {
  switch (err.code) {
    case 'conflict':
      return '有人刚刚办理了这件工单，已显示最新内容，请核对后再办结。'
    case 'forbidden':
      return '您无权办结此工单。'
    case 'invalid_transition':
      return `当前状态下不能办结（${err.message}）。`
    default:
      return `请检查填写的内容：${err.message}`
  }
}

/**
 * Intake by staff: `/staff/intake` (接听登记, the operator's fast form for a call, with likely
 * duplicates shown while typing), `/staff/window` (the 办不成事 window), and on a window case
 * `/staff/cases/{id}/window` (its facts and the close form) and
 * `POST /staff/cases/{id}/window-close` (close, optionally as a 否定答复 with its legal basis).
 * The forms work without JavaScript; htmx swaps the form back empty with a success notice so the
 * next call can be taken at once.
 *
 * @example app.route('/', intakeRoutes())
 */
export function intakeRoutes() {
  const app = new Hono()
  app.use('/staff/intake', requireStaff(INTAKE_ROLES))
  app.use('/staff/intake/*', requireStaff(INTAKE_ROLES))
  app.use('/staff/window', requireStaff(INTAKE_ROLES))
  app.use('/staff/cases/:id/window', requireStaff())
  app.use('/staff/cases/:id/window-close', requireStaff())

  const intakeDefaults = (units: readonly Unit[], c: Context): FormValues => ({
    submissionId: newSubmissionId(c),
    channel: 'hotline_12345',
    urgency: 'normal',
    outcome: 'dispatch',
    districtId: String(homeDistrict(units, c.var.actor.unitId) ?? ''),
  })
  const windowDefaults = (units: readonly Unit[], c: Context): FormValues => ({
    submissionId: newSubmissionId(c),
    kind: 'complaint',
    urgency: 'normal',
    districtId: String(homeDistrict(units, c.var.actor.unitId) ?? ''),
  })

  const intake = async (
    c: Context,
    props: Omit<IntakeFormProps, 'session' | 'timeZone'>,
    status: 200 | 422 = 200,
  ) => {
    c.header('Cache-Control', 'no-store')
    const full = { ...props, session: c.var.staff, timeZone: c.var.deps.timeZone }
    if (isHtmx(c)) return c.html(<IntakeForm {...full} />)
    return c.html(<IntakePage {...full} />, status)
  }

  app.get('/staff/intake', async (c) => {
    const { units, form } = await choices(c)
    return intake(c, {
      ...form,
      values: intakeDefaults(units, c),
      errors: {},
      filed: null,
      duplicates: null,
    })
  })

  app.post('/staff/intake', async (c) => {
    const { deps, actor } = c.var
    const body = await c.req.parseBody()
    const { units, form } = await choices(c)
    try {
      const filed = await oncePerSubmission(c, body, async (d) =>
        filedNotice(await takeCall(d, formInput(body), actor), units, '已直接答复并办结'),
      )
      return intake(c, {
        ...form,
        values: intakeDefaults(units, c),
        errors: {},
        filed,
        duplicates: null,
      })
    } catch (err) {
      if (!(err instanceof HotlineError) || !err.fields) throw err
      const values = stringsOf(body)
      const duplicates = await likelyDuplicates(
        deps,
        { phone: values.citizenPhone, address: values.address, title: values.title },
        actor,
      )
      return intake(
        c,
        { ...form, values, errors: fieldMessages(err.fields), filed: null, duplicates },
        422,
      )
    }
  })

  app.get('/staff/intake/duplicates', async (c) => {
    const rows = await likelyDuplicates(
      c.var.deps,
      {
        phone: c.req.query('citizenPhone'),
        address: c.req.query('address'),
        title: c.req.query('title'),
      },
      c.var.actor,
    )
    c.header('Cache-Control', 'no-store')
    const searched = ['citizenPhone', 'address', 'title'].some(
      (k) => (c.req.query(k) ?? '').trim() !== '',
    )
    return c.html(<DuplicatesList rows={rows} timeZone={c.var.deps.timeZone} searched={searched} />)
  })

  const windowForm = async (
    c: Context,
    props: Omit<WindowFormProps, 'session'>,
    status: 200 | 422 = 200,
  ) => {
    c.header('Cache-Control', 'no-store')
    const full = { ...props, session: c.var.staff }
    if (isHtmx(c)) return c.html(<WindowForm {...full} />)
    return c.html(<WindowPage {...full} />, status)
  }

  app.get('/staff/window', async (c) => {
    const { units, form } = await choices(c)
    return windowForm(c, { ...form, values: windowDefaults(units, c), errors: {}, filed: null })
  })

  app.post('/staff/window', async (c) => {
    const body = await c.req.parseBody()
    const { units, form } = await choices(c)
    try {
      const filed = await oncePerSubmission(c, body, async (d) =>
        filedNotice(await recordWindowVisit(d, formInput(body), c.var.actor), units, '已当场解决并办结'),
      )
      return windowForm(c, { ...form, values: windowDefaults(units, c), errors: {}, filed })
    } catch (err) {
      if (!(err instanceof HotlineError) || !err.fields) throw err
      return windowForm(
        c,
        { ...form, values: stringsOf(body), errors: fieldMessages(err.fields), filed: null },
        422,
      )
    }
  })

  const panel = async (
    c: Context,
    id: number,
    extra: Pick<WindowPanelProps, 'values' | 'errors' | 'message'>,
    status: 200 | 403 | 409 | 422 = 200,
  ) => {
    const { deps, actor } = c.var
    const { order } = await getCase(deps, id, actor)
    const props: WindowPanelProps = {
      session: c.var.staff,
      order,
      visit: await getWindowVisit(deps, order),
      mayClose: mayClose(order, actor),
      ...extra,
    }
    c.header('Cache-Control', 'no-store')
    if (isHtmx(c)) return c.html(<WindowPanel {...props} />)
    return c.html(<WindowPanelPage {...props} />, status)
  }

  app.get('/staff/cases/:id/window', (c) =>
    panel(c, caseId(c), { values: {}, errors: {}, message: null }),
  )

  app.post('/staff/cases/:id/window-close', async (c) => {
    const id = caseId(c)
    const body = await c.req.parseBody()
    const version = Number(body.version)
    try {
      if (!Number.isInteger(version) || version < 1) {
        throw new HotlineError('validation_failed', 'version: is required', {
          version: 'is required',
        })
      }
      await closeWindowCase(c.var.deps, id, formInput(body), c.var.actor, version)
    } catch (err) {
      if (!(err instanceof HotlineError) || err.code === 'not_found') throw err
      const values = stringsOf(body)
      if (err.code === 'validation_failed' && err.fields && !err.fields.version) {
        return panel(c, id, { values, errors: fieldMessages(err.fields), message: null }, 422)
      }
      const status = err.code === 'forbidden' ? 403 : err.code === 'validation_failed' ? 422 : 409
      return panel(
        c,
        id,
        {
          values,
          errors: {},
          message: { kind: status === 409 ? 'warn' : 'bad', text: refusalText(err) },
        },
        status,
      )
    }
    if (isHtmx(c)) {
      c.header('HX-Redirect', `/staff/cases/${id}`)
      return c.body(null, 200)
    }
    return c.redirect(`/staff/cases/${id}`, 303)
  })

  return app
}
