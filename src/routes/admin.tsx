import { Hono, type Context } from 'hono'
import {
  listCategories,
  listUnits,
  type Category,
  type Unit,
} from '../../db/repositories/reference-data'
import { AuditPage } from '../../views/admin/audit-page'
import { CalendarPage } from '../../views/admin/calendar-page'
import { CategoriesPage, CategoryPage } from '../../views/admin/categories-page'
import { AdminIndexPage } from '../../views/admin/index-page'
import { EMPTY_FORM, type FormState, type Notice } from '../../views/admin/parts'
import { SlaPage } from '../../views/admin/sla-page'
import { TemplatePage, TemplatesPage } from '../../views/admin/templates-page'
import { TokensPage, type OneTimeToken } from '../../views/admin/tokens-page'
import { UnitPage, UnitsPage } from '../../views/admin/units-page'
import { UserPage, UsersPage, type OneTimePassword } from '../../views/admin/users-page'
import { HotlineError, invalidField } from '../domain/errors'
import { isLocalDate } from '../domain/zoned-time'
import { requireStaff } from '../http/staff-auth'
import {
  AUDIT_ENTITIES,
  calendarStatus,
  createCategory,
  createReplyTemplate,
  createTokenAudited,
  createUnit,
  createUser,
  deleteCalendarDay,
  deleteSlaRule,
  listApiTokens,
  listAudit,
  listCalendarDays,
  listReplyTemplates,
  listSlaRulesWithIds,
  listUsers,
  loadCalendarYear,
  parseSchedule,
  resetUserPassword,
  revokeTokenAudited,
  setCalendarDay,
  setSlaRule,
  setUserActive,
  updateCategory,
  updateReplyTemplate,
  updateUnit,
  updateUser,
  type AdminActor,
  type ReplyTemplate,
  type StaffAccount,
} from '../services/admin'

/** Audit rows per page. */
const AUDIT_PAGE_SIZE = 50

/** Fixed messages a redirect may ask for (`?done=…`): nothing from the URL is echoed. */
const DONE: Record<string, string> = {
  created: '已添加。',
  saved: '已保存。',
  deleted: '已删除。',
  disabled: '账号已停用，它的所有登录已结束。',
  enabled: '账号已重新启用。',
  revoked: '令牌已撤销，用它的调用立即失效。',
}

function actorOf(c: Context): AdminActor {
  const user = c.var.staff.user
  return { id: user.id, name: user.displayName }
}

function doneNotice(c: Context): Notice | null {
  const done = c.req.query('done')
  if (done === 'loaded') {
    const year = Number(c.req.query('year'))
    const moved = Number(c.req.query('moved'))
    if (!Number.isInteger(year) || !Number.isInteger(moved)) return null
    return {
      kind: 'ok',
      text: `已载入 ${year} 年节假日安排；${moved > 0 ? `重算了 ${moved} 件工单的办理时限。` : '没有需要重算的工单。'}`,
    }
  }
  const text = done ? DONE[done] : undefined
  return text ? { kind: 'ok', text } : null
}

/** The posted form as strings, without the CSRF field and files. */
async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody()
  const values: Record<string, string> = {}
  for (const [k, v] of Object.entries(body))
    if (k !== '_csrf' && typeof v === 'string') values[k] = v
  return values
}

/** The field errors of a refused change, or undefined when `err` is not bad input. */
function refusal(err: unknown): Record<string, string> | undefined {
  if (!(err instanceof HotlineError) || err.code !== 'validation_failed') return undefined
  return err.fields ?? { _: err.message }
}

function idParam(c: Context): number {
  const id = Number(c.req.param('id'))
  if (!Number.isInteger(id) || id < 1) throw new HotlineError('not_found', '没有这一项')
  return id
}

const str = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v))
const flag = (v: boolean) => (v ? '1' : '')

function userValues(u: StaffAccount): Record<string, string> {
  return { displayName: u.displayName, role: u.role, unitId: str(u.unitId) }
}
function unitValues(u: Unit): Record<string, string> {
  return {
    code: u.code,
    name: u.name,
    parentId: str(u.parentId),
    level: u.level,
    active: flag(u.active),
  }
}
function categoryValues(x: Category): Record<string, string> {
  return {
    code: x.code,
    name: x.name,
    parentId: str(x.parentId),
    defaultUnitId: str(x.defaultUnitId),
    active: flag(x.active),
  }
}
function templateValues(t: ReplyTemplate): Record<string, string> {
  return { categoryId: str(t.categoryId), title: t.title, body: t.body, active: flag(t.active) }
}

async function countOf(
  c: Context,
  table: 'users' | 'units' | 'categories' | 'sla_rules' | 'reply_templates' | 'calendar_days',
) {
  const row = await c.var.deps.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function activeTokenCount(c: Context) {
  const row = await c.var.deps.db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * The admin area (系统管理) under `/staff/admin`, for the `admin` role only: users and roles,
 * units, categories, SLA rules, the holiday calendar, reply templates, API tokens and the audit
 * log. Every form works without JavaScript; every POST carries the session's CSRF token and is
 * audited.
 *
 * @example app.route('/', adminRoutes())
 */
export function adminRoutes() {
  const app = new Hono()
  // `/staff/admin/*` also matches `/staff/admin` itself
  app.use('/staff/admin/*', requireStaff(['admin']))
  app.use('/staff/admin/*', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })

  app.get('/staff/admin', async (c) => {
    const { deps, staff } = c.var
    const [status, users, units, categories, rules, templates, overrides, tokens] =
      await Promise.all([
        calendarStatus(deps),
        countOf(c, 'users'),
        countOf(c, 'units'),
        countOf(c, 'categories'),
        countOf(c, 'sla_rules'),
        countOf(c, 'reply_templates'),
        countOf(c, 'calendar_days'),
        activeTokenCount(c),
      ])
    return c.html(
      <AdminIndexPage
        session={staff}
        timeZone={deps.timeZone}
        years={status.years}
        provisionalOpen={status.provisionalOpen}
        counts={{ users, units, categories, rules, templates, overrides, tokens }}
      />,
    )
  })

  // Users ---------------------------------------------------------------------------------------

  const usersPage = async (
    c: Context,
    form: FormState,
    extra: { notice?: Notice | null; created?: OneTimePassword } = {},
  ) => {
    const { deps, staff } = c.var
    const [users, units] = await Promise.all([listUsers(deps), listUnits(deps.db)])
    return (
      <UsersPage
        session={staff}
        timeZone={deps.timeZone}
        users={users}
        units={units.filter((u) => u.active)}
        form={form}
        notice={extra.notice ?? doneNotice(c)}
        created={extra.created ?? null}
      />
    )
  }
  const userPage = async (
    c: Context,
    id: number,
    form: FormState | null,
    extra: { notice?: Notice | null; reset?: OneTimePassword } = {},
  ) => {
    const { deps, staff } = c.var
    const [users, units] = await Promise.all([listUsers(deps), listUnits(deps.db)])
    const user = users.find((u) => u.id === id)
    if (!user) throw new HotlineError('not_found', '没有这个用户')
    return (
      <UserPage
        session={staff}
        timeZone={deps.timeZone}
        user={user}
        units={units.filter((u) => u.active || u.id === user.unitId)}
        form={form ?? { values: userValues(user), errors: {} }}
        notice={extra.notice ?? doneNotice(c)}
        reset={extra.reset ?? null}
      />
    )
  }

  app.get('/staff/admin/users', async (c) => c.html(await usersPage(c, EMPTY_FORM)))
  app.post('/staff/admin/users', async (c) => {
    const values = await formOf(c)
    try {
      const created = await createUser(c.var.deps, values, actorOf(c))
      return c.html(await usersPage(c, EMPTY_FORM, { created }))
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await usersPage(c, { values, errors }), 422)
    }
  })
  app.get('/staff/admin/users/:id', async (c) => c.html(await userPage(c, idParam(c), null)))
  app.post('/staff/admin/users/:id', async (c) => {
    const id = idParam(c)
    const values = await formOf(c)
    try {
      await updateUser(c.var.deps, id, values, actorOf(c))
      return c.redirect(`/staff/admin/users/${id}?done=saved#main`, 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await userPage(c, id, { values, errors }), 422)
    }
  })
  for (const [path, active] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    app.post(`/staff/admin/users/:id/${path}`, async (c) => {
      const id = idParam(c)
      try {
        await setUserActive(c.var.deps, id, active, actorOf(c))
        return c.redirect(`/staff/admin/users/${id}?done=${path}d#main`, 303)
      } catch (err) {
        const errors = refusal(err)
        if (!errors) throw err
        const text = Object.values(errors).join('；')
        return c.html(await userPage(c, id, null, { notice: { kind: 'bad', text } }), 422)
      }
    })
  }
  app.post('/staff/admin/users/:id/password', async (c) => {
    const id = idParam(c)
    const reset = await resetUserPassword(c.var.deps, id, actorOf(c))
    return c.html(await userPage(c, id, null, { reset }))
  })

  // Units ---------------------------------------------------------------------------------------

  const unitsPage = async (c: Context, form: FormState) => (
    <UnitsPage
      session={c.var.staff}
      units={await listUnits(c.var.deps.db)}
      form={form}
      notice={doneNotice(c)}
    />
  )
  const unitPage = async (c: Context, id: number, form: FormState | null) => {
    const units = await listUnits(c.var.deps.db)
    const unit = units.find((u) => u.id === id)
    if (!unit) throw new HotlineError('not_found', '没有这个单位')
    const state = form ?? { values: unitValues(unit), errors: {} }
    return (
      <UnitPage
        session={c.var.staff}
        unit={unit}
        units={units}
        form={state}
        notice={doneNotice(c)}
      />
    )
  }
  app.get('/staff/admin/units', async (c) => c.html(await unitsPage(c, EMPTY_FORM)))
  app.post('/staff/admin/units', async (c) => {
    const values = await formOf(c)
    try {
      await createUnit(c.var.deps, { ...values, active: true }, actorOf(c))
      return c.redirect('/staff/admin/units?done=created#main', 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await unitsPage(c, { values, errors }), 422)
    }
  })
  app.get('/staff/admin/units/:id', async (c) => c.html(await unitPage(c, idParam(c), null)))
  app.post('/staff/admin/units/:id', async (c) => {
    const id = idParam(c)
    const values = await formOf(c)
    try {
      await updateUnit(c.var.deps, id, { ...values, active: values.active ?? '' }, actorOf(c))
      return c.redirect(`/staff/admin/units/${id}?done=saved#main`, 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await unitPage(c, id, { values, errors }), 422)
    }
  })

  // Categories ----------------------------------------------------------------------------------

  const categoriesPage = async (c: Context, form: FormState) => {
    const [categories, units] = await Promise.all([
      listCategories(c.var.deps.db),
      listUnits(c.var.deps.db),
    ])
    return (
      <CategoriesPage
        session={c.var.staff}
        categories={categories}
        units={units}
        form={form}
        notice={doneNotice(c)}
      />
    )
  }
  const categoryPage = async (c: Context, id: number, form: FormState | null) => {
    const [categories, units] = await Promise.all([
      listCategories(c.var.deps.db),
      listUnits(c.var.deps.db),
    ])
    const category = categories.find((x) => x.id === id)
    if (!category) throw new HotlineError('not_found', '没有这个分类')
    const state = form ?? { values: categoryValues(category), errors: {} }
    return (
      <CategoryPage
        session={c.var.staff}
        category={category}
        categories={categories}
        units={units}
        form={state}
        notice={doneNotice(c)}
      />
    )
  }
  app.get('/staff/admin/categories', async (c) => c.html(await categoriesPage(c, EMPTY_FORM)))
  app.post('/staff/admin/categories', async (c) => {
    const values = await formOf(c)
    try {
      await createCategory(c.var.deps, { ...values, active: true }, actorOf(c))
      return c.redirect('/staff/admin/categories?done=created#main', 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await categoriesPage(c, { values, errors }), 422)
    }
  })
  app.get('/staff/admin/categories/:id', async (c) =>
    c.html(await categoryPage(c, idParam(c), null)),
  )
  app.post('/staff/admin/categories/:id', async (c) => {
    const id = idParam(c)
    const values = await formOf(c)
    try {
      await updateCategory(c.var.deps, id, { ...values, active: values.active ?? '' }, actorOf(c))
      return c.redirect(`/staff/admin/categories/${id}?done=saved#main`, 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await categoryPage(c, id, { values, errors }), 422)
    }
  })

  // SLA rules -----------------------------------------------------------------------------------

  const slaPage = async (c: Context, form: FormState) => (
    <SlaPage
      session={c.var.staff}
      rules={await listSlaRulesWithIds(c.var.deps)}
      form={form}
      notice={doneNotice(c)}
    />
  )
  app.get('/staff/admin/sla', async (c) => c.html(await slaPage(c, EMPTY_FORM)))
  app.post('/staff/admin/sla', async (c) => {
    const values = await formOf(c)
    try {
      await setSlaRule(c.var.deps, values, actorOf(c))
      return c.redirect('/staff/admin/sla?done=saved#main', 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await slaPage(c, { values, errors }), 422)
    }
  })
  app.post('/staff/admin/sla/:id/delete', async (c) => {
    await deleteSlaRule(c.var.deps, idParam(c), actorOf(c))
    return c.redirect('/staff/admin/sla?done=deleted#main', 303)
  })

  // Calendar ------------------------------------------------------------------------------------

  const calendarPage = async (c: Context, forms: { day?: FormState; load?: FormState } = {}) => {
    const { deps, staff } = c.var
    const [status, days] = await Promise.all([calendarStatus(deps), listCalendarDays(deps)])
    const defaultYear =
      status.years.find((y) => y.source === null)?.year ?? status.years.at(-1)?.year
    return (
      <CalendarPage
        session={staff}
        timeZone={deps.timeZone}
        years={status.years}
        days={days}
        dayForm={forms.day ?? { values: { workday: '0' }, errors: {} }}
        loadForm={forms.load ?? { values: { year: str(defaultYear) }, errors: {} }}
        notice={doneNotice(c)}
      />
    )
  }
  app.get('/staff/admin/calendar', async (c) => c.html(await calendarPage(c)))
  app.post('/staff/admin/calendar', async (c) => {
    const values = await formOf(c)
    try {
      await setCalendarDay(c.var.deps, values, actorOf(c))
      return c.redirect('/staff/admin/calendar?done=saved#main', 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await calendarPage(c, { day: { values, errors } }), 422)
    }
  })
  app.post('/staff/admin/calendar/load', async (c) => {
    const values = await formOf(c)
    try {
      const year = Number(values.year)
      if (!Number.isInteger(year) || year < 2000 || year > 2100) {
        throw invalidField('year', '须为 2000–2100 之间的年份')
      }
      const schedule = parseSchedule(values.schedule ?? '', year)
      const result = await loadCalendarYear(c.var.deps, year, schedule.days, actorOf(c), {
        source: `admin:${c.var.staff.user.username}`,
      })
      return c.redirect(
        `/staff/admin/calendar?done=loaded&year=${year}&moved=${result.recomputed.length}#main`,
        303,
      )
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      const { days, ...rest } = errors
      const shown = days ? { ...rest, schedule: days } : rest
      return c.html(await calendarPage(c, { load: { values, errors: shown } }), 422)
    }
  })
  app.post('/staff/admin/calendar/:day/delete', async (c) => {
    const day = c.req.param('day')
    if (!isLocalDate(day)) throw new HotlineError('not_found', '没有这一天')
    await deleteCalendarDay(c.var.deps, day, actorOf(c))
    return c.redirect('/staff/admin/calendar?done=deleted#main', 303)
  })

  // Reply templates -----------------------------------------------------------------------------

  const templatesPage = async (c: Context, form: FormState) => {
    const [templates, categories] = await Promise.all([
      listReplyTemplates(c.var.deps),
      listCategories(c.var.deps.db),
    ])
    return (
      <TemplatesPage
        session={c.var.staff}
        templates={templates}
        categories={categories}
        form={form}
        notice={doneNotice(c)}
      />
    )
  }
  const templatePage = async (c: Context, id: number, form: FormState | null) => {
    const [templates, categories] = await Promise.all([
      listReplyTemplates(c.var.deps),
      listCategories(c.var.deps.db),
    ])
    const template = templates.find((t) => t.id === id)
    if (!template) throw new HotlineError('not_found', '没有这个模板')
    const state = form ?? { values: templateValues(template), errors: {} }
    return (
      <TemplatePage
        session={c.var.staff}
        template={template}
        categories={categories}
        form={state}
        notice={doneNotice(c)}
      />
    )
  }
  app.get('/staff/admin/templates', async (c) => c.html(await templatesPage(c, EMPTY_FORM)))
  app.post('/staff/admin/templates', async (c) => {
    const values = await formOf(c)
    try {
      await createReplyTemplate(c.var.deps, { ...values, active: true }, actorOf(c))
      return c.redirect('/staff/admin/templates?done=created#main', 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await templatesPage(c, { values, errors }), 422)
    }
  })
  app.get('/staff/admin/templates/:id', async (c) =>
    c.html(await templatePage(c, idParam(c), null)),
  )
  app.post('/staff/admin/templates/:id', async (c) => {
    const id = idParam(c)
    const values = await formOf(c)
    try {
      await updateReplyTemplate(
        c.var.deps,
        id,
        { ...values, active: values.active ?? '' },
        actorOf(c),
      )
      return c.redirect(`/staff/admin/templates/${id}?done=saved#main`, 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await templatePage(c, id, { values, errors }), 422)
    }
  })

  // API tokens ----------------------------------------------------------------------------------

  const tokensPage = async (
    c: Context,
    form: FormState,
    extra: { notice?: Notice | null; created?: OneTimeToken } = {},
  ) => {
    const { deps, staff } = c.var
    const [tokens, units] = await Promise.all([listApiTokens(deps), listUnits(deps.db)])
    return (
      <TokensPage
        session={staff}
        timeZone={deps.timeZone}
        tokens={tokens}
        units={units.filter((u) => u.active)}
        form={form}
        notice={extra.notice ?? doneNotice(c)}
        created={extra.created ?? null}
      />
    )
  }
  app.get('/staff/admin/tokens', async (c) => c.html(await tokensPage(c, EMPTY_FORM)))
  app.post('/staff/admin/tokens', async (c) => {
    const values = await formOf(c)
    try {
      const created = await createTokenAudited(c.var.deps, values, actorOf(c))
      return c.html(await tokensPage(c, EMPTY_FORM, { created }))
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      return c.html(await tokensPage(c, { values, errors }), 422)
    }
  })
  app.post('/staff/admin/tokens/:id/revoke', async (c) => {
    try {
      await revokeTokenAudited(c.var.deps, idParam(c), actorOf(c))
      return c.redirect('/staff/admin/tokens?done=revoked#main', 303)
    } catch (err) {
      const errors = refusal(err)
      if (!errors) throw err
      const text = Object.values(errors).join('；')
      return c.html(await tokensPage(c, EMPTY_FORM, { notice: { kind: 'bad', text } }), 422)
    }
  })

  // Audit log -----------------------------------------------------------------------------------

  app.get('/staff/admin/audit', async (c) => {
    const page = Math.max(
      1,
      Math.min(100_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1),
    )
    const wanted = c.req.query('entity') ?? ''
    const entity = (AUDIT_ENTITIES as readonly string[]).includes(wanted) ? wanted : null
    const [{ rows, total }, units, categories] = await Promise.all([
      listAudit(c.var.deps, { page, pageSize: AUDIT_PAGE_SIZE, entity }),
      listUnits(c.var.deps.db),
      listCategories(c.var.deps.db),
    ])
    const names = {
      units: new Map(units.map((u) => [u.id, u.name])),
      categories: new Map(categories.map((x) => [x.id, x.name])),
    }
    return c.html(
      <AuditPage
        session={c.var.staff}
        timeZone={c.var.deps.timeZone}
        rows={rows}
        total={total}
        page={page}
        pageSize={AUDIT_PAGE_SIZE}
        entity={entity}
        names={names}
      />,
    )
  })

  return app
}
