import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listUnits } from '../../db/repositories/reference-data'
import { findWorkOrder } from '../../db/repositories/work-orders'
import { createApp } from '../../src/app'
import type { StaffRole } from '../../src/domain/codes'
import { addUser } from '../../src/services/accounts'
import { createReplyTemplate, listAudit, setCalendarDay } from '../../src/services/admin'
import { login } from '../../src/services/sessions'
import { fileCase } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** Sunday 20 December 2026, 10:00 in Shanghai: 2027's schedule is not published in the package. */
const NOW = '2026-12-20T02:00:00.000Z'
const BASE = 'http://hotline.test'

interface Signed {
  id: number
  cookie: string
  csrf: string
}

const complaint = {
  channel: 'hotline_12345' as const,
  kind: 'complaint' as const,
  title: '小区路灯不亮',
  content: '幸福小区三栋门口的路灯坏了一个月',
}

describe.each(DIALECTS)('admin pages on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: ReturnType<typeof createApp>
  const as: Partial<Record<StaffRole, Signed>> = {}
  let templateId = 0
  let ruleId = 0

  async function signIn(username: string, role: StaffRole, unit?: string): Promise<Signed> {
    const password = `${username} long password`
    const { id } = await addUser(store.deps, { username, role, unit, password })
    const { sessionId, session } = await login(store.deps, username, password)
    return { id, cookie: `hotline_session=${sessionId}`, csrf: session.csrfToken }
  }

  function get(path: string, who?: Signed) {
    return app.request(`${BASE}${path}`, {
      headers: who ? { Cookie: who.cookie, Accept: 'text/html' } : { Accept: 'text/html' },
    })
  }

  function post(
    path: string,
    who: Signed,
    fields: Record<string, string>,
    csrf: string | null = who.csrf,
  ) {
    const body = new URLSearchParams(csrf === null ? fields : { _csrf: csrf, ...fields })
    return app.request(`${BASE}${path}`, {
      method: 'POST',
      headers: {
        Cookie: who.cookie,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'text/html',
      },
      body: body.toString(),
    })
  }

  async function auditTotal(): Promise<number> {
    return (await listAudit(store.deps, { page: 1, pageSize: 1 })).total
  }

  beforeAll(async () => {
    store = await openTestStore(dialect, NOW)
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    as.admin = await signIn('root', 'admin')
    as.dispatcher = await signIn('wang', 'dispatcher', 'XJ')
    as.caseworker = await signIn('zhang', 'caseworker', 'XJ-CB')
    as.supervisor = await signIn('zhao', 'supervisor')
    as.reporter = await signIn('tongji', 'reporter')
    const admin = { id: as.admin.id, name: 'root' }
    templateId = await createReplyTemplate(
      store.deps,
      { title: '已受理', body: '您的诉求已受理。' },
      admin,
    )
    await setCalendarDay(store.deps, { day: '2026-11-02', workday: '0', note: '测试' }, admin)
    ruleId = (
      await store.deps.db
        .selectFrom('sla_rules')
        .select('id')
        .orderBy('id')
        .executeTakeFirstOrThrow()
    ).id
  })
  afterAll(() => store.close())

  const pages = () => [
    '/staff/admin',
    '/staff/admin/users',
    `/staff/admin/users/${as.reporter!.id}`,
    '/staff/admin/units',
    `/staff/admin/units/${fx.units.street}`,
    '/staff/admin/categories',
    `/staff/admin/categories/${fx.categories.potholes}`,
    '/staff/admin/sla',
    '/staff/admin/calendar',
    '/staff/admin/templates',
    `/staff/admin/templates/${templateId}`,
    '/staff/admin/audit',
  ]

  /** Every admin POST with a body that would change something if it were let through. */
  const posts = (): [string, Record<string, string>][] => [
    ['/staff/admin/users', { username: 'intruder', role: 'admin' }],
    [`/staff/admin/users/${as.reporter!.id}`, { displayName: '改名', role: 'admin' }],
    [`/staff/admin/users/${as.reporter!.id}/disable`, {}],
    [`/staff/admin/users/${as.reporter!.id}/enable`, {}],
    [`/staff/admin/users/${as.reporter!.id}/password`, {}],
    [
      '/staff/admin/units',
      { code: 'EVIL', name: '假单位', level: 'street', parentId: String(fx.units.district) },
    ],
    [
      `/staff/admin/units/${fx.units.street}`,
      {
        code: 'XJ-CB',
        name: '改名街道',
        level: 'street',
        parentId: String(fx.units.district),
        active: '1',
      },
    ],
    ['/staff/admin/categories', { code: 'evil', name: '假分类' }],
    [
      `/staff/admin/categories/${fx.categories.noise}`,
      { code: 'noise', name: '改名', active: '1' },
    ],
    ['/staff/admin/sla', { kind: 'complaint', workdays: '60' }],
    [`/staff/admin/sla/${ruleId}/delete`, {}],
    ['/staff/admin/calendar', { day: '2026-12-24', workday: '0' }],
    ['/staff/admin/calendar/load', { year: '2027', schedule: '2027-01-01 休' }],
    ['/staff/admin/calendar/2026-11-02/delete', {}],
    ['/staff/admin/templates', { title: '假模板', body: '假' }],
    [`/staff/admin/templates/${templateId}`, { title: '改', body: '改', active: '1' }],
  ]

  it('sends a visitor without a session to the login page', async () => {
    const res = await get('/staff/admin/units')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/staff/login?next=%2Fstaff%2Fadmin%2Funits')
  })

  it('answers 403 to every other role on every admin page and POST, and writes nothing', async () => {
    const before = await auditTotal()
    for (const role of ['dispatcher', 'caseworker', 'supervisor', 'reporter'] as const) {
      for (const path of pages())
        expect((await get(path, as[role])).status, `${role} GET ${path}`).toBe(403)
      for (const [path, fields] of posts()) {
        expect((await post(path, as[role]!, fields)).status, `${role} POST ${path}`).toBe(403)
      }
    }
    expect(await auditTotal()).toBe(before)
  })

  it('requires the CSRF token on every admin POST', async () => {
    const before = await auditTotal()
    for (const [path, fields] of posts()) {
      expect((await post(path, as.admin!, fields, null)).status, `POST ${path} without token`).toBe(
        403,
      )
      expect(
        (await post(path, as.admin!, fields, 'forged-token')).status,
        `POST ${path} forged`,
      ).toBe(403)
    }
    expect(await auditTotal()).toBe(before)
    expect((await listUnits(store.deps.db)).some((u) => u.code === 'EVIL')).toBe(false)
  })

  it('shows every page to an admin, not cached, and warns that 2027 is not loaded', async () => {
    for (const path of pages()) {
      const res = await get(path, as.admin)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('cache-control'), path).toBe('no-store')
    }
    const index = await (await get('/staff/admin', as.admin)).text()
    expect(index).toContain('尚未载入 2027 年的节假日安排')
    expect(index).not.toContain('尚未载入 2026 年')
    const calendar = await (await get('/staff/admin/calendar', as.admin)).text()
    expect(calendar).toContain('尚未载入 2027 年的节假日安排')
    expect(calendar).toContain('2026-11-02 周一')
  })

  it('adds a unit through the form with one audit row, and redirects to the list', async () => {
    const before = await auditTotal()
    const res = await post('/staff/admin/units', as.admin!, {
      code: 'XJ-LH',
      name: '乐化镇',
      level: 'town',
      parentId: String(fx.units.district),
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/staff/admin/units?done=created#main')
    expect(await auditTotal()).toBe(before + 1)
    const page = await (await get('/staff/admin/units?done=created', as.admin)).text()
    expect(page).toContain('已添加。')
    expect(page).toContain('└ 乐化镇')
    const [row] = (await listAudit(store.deps, { page: 1, pageSize: 1 })).rows
    expect(row).toMatchObject({
      entity: 'unit',
      actorId: as.admin!.id,
      change: { action: 'create', before: null },
    })
  })

  it('shows field errors for bad input and writes nothing', async () => {
    const before = await auditTotal()
    const units = (await listUnits(store.deps.db)).length
    const res = await post('/staff/admin/units', as.admin!, {
      code: 'bad code!',
      name: '',
      level: 'village',
    })
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toMatch(/<span class="field-error" id="unit-code-error">只能用字母/)
    expect(html).toMatch(/<span class="field-error" id="unit-name-error">必填<\/span>/)
    expect(html).toMatch(/<span class="field-error" id="unit-level-error">须为/)
    expect(html).toMatch(/<input[^>]*id="unit-code"[^>]*aria-invalid="true"/)
    expect(html).toContain('value="bad code!"')
    expect(html).toContain('请修改以下内容')

    const sla = await post('/staff/admin/sla', as.admin!, { kind: 'complaint', workdays: '-3' })
    expect(sla.status).toBe(422)
    expect(await sla.text()).toContain('id="sla-workdays-error">不能小于 0')
    const load = await post('/staff/admin/calendar/load', as.admin!, {
      year: '2027',
      schedule: '2027-01-01 放假',
    })
    expect(load.status).toBe(422)
    expect(await load.text()).toContain('id="load-schedule-error">第 1 行格式不对')
    const user = await post('/staff/admin/users', as.admin!, {
      username: 'zhou',
      role: 'caseworker',
    })
    expect(user.status).toBe(422)
    expect(await user.text()).toContain('id="user-unitId-error">承办单位账号必须选择所属单位')
    const self = await post(`/staff/admin/users/${as.admin!.id}/disable`, as.admin!, {})
    expect(self.status).toBe(422)
    expect(await self.text()).toContain('不能停用自己的账号')

    expect(await auditTotal()).toBe(before)
    expect((await listUnits(store.deps.db)).length).toBe(units)
  })

  it('creates an account showing its one-time password once; it signs in', async () => {
    const res = await post('/staff/admin/users', as.admin!, {
      username: 'chen',
      displayName: '陈',
      role: 'dispatcher',
      unitId: String(fx.units.district),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const html = await res.text()
    const password = /<span class="code" id="one-time-password">([^<]+)<\/span>/.exec(html)?.[1]
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
    expect(await (await get('/staff/admin/users', as.admin)).text()).not.toContain(password!)
    const { session } = await login(store.deps, 'chen', password!)
    expect(session.user).toMatchObject({
      displayName: '陈',
      role: 'dispatcher',
      unitId: fx.units.district,
    })
  })

  it("a disabled user's session stops working at once", async () => {
    const victim = await signIn('liu', 'dispatcher', 'XJ')
    expect((await get('/staff/cases', victim)).status).toBe(200)
    const res = await post(`/staff/admin/users/${victim.id}/disable`, as.admin!, {})
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/staff/admin/users/${victim.id}?done=disabled#main`)
    const after = await get('/staff/cases', victim)
    expect(after.status).toBe(303)
    expect(after.headers.get('location')).toMatch(/^\/staff\/login/)
    const page = await (await get(`/staff/admin/users/${victim.id}?done=disabled`, as.admin)).text()
    expect(page).toContain('账号已停用')
    expect(page).toContain('重新启用')
  })

  it("an SLA change through the form sets the next filed case's deadline", async () => {
    store.setNow('2026-12-07T02:00:00.000Z') // Monday
    const res = await post('/staff/admin/sla', as.admin!, {
      kind: 'complaint',
      urgency: '',
      channel: '',
      workdays: '4',
    })
    expect(res.status).toBe(303)
    const { order } = await fileCase(store.deps, complaint, fx.actors.dispatcher)
    expect(order.dueWorkdays).toBe(4)
    expect(order.dueAt).toBe('2026-12-11T15:59:59.000Z')
    const page = await (await get('/staff/admin/sla', as.admin)).text()
    expect(page).toMatch(/投诉<\/td><td>任意<\/td><td>任意<\/td><td class="num">4 个工作日/)
    await post('/staff/admin/sla', as.admin!, { kind: 'complaint', workdays: '13' })
    store.setNow(NOW)
  })

  it("loading 2027's schedule moves a provisional deadline and clears the warning", async () => {
    const { order } = await fileCase(store.deps, complaint, fx.actors.citizen)
    expect(order).toMatchObject({
      dueProvisional: true,
      dueAt: '2027-01-06T15:59:59.000Z',
      dueWorkdays: 13,
    })
    const schedule = '2027-01-01 休 元旦\r\n2027-01-02 休\r\n2027-01-03 休\r\n\r\n2027-02-06 班'
    const res = await post('/staff/admin/calendar/load', as.admin!, { year: '2027', schedule })
    expect(res.status).toBe(303)
    const location = res.headers.get('location') ?? ''
    expect(location).toMatch(/^\/staff\/admin\/calendar\?done=loaded&year=2027&moved=\d+#main$/)
    const after = await findWorkOrder(store.deps.db, order.id)
    expect(after).toMatchObject({
      dueProvisional: false,
      dueAt: '2027-01-07T15:59:59.000Z',
      version: order.version + 1,
    })
    const page = await (await get(location, as.admin)).text()
    expect(page).toContain('已载入 2027 年节假日安排')
    expect(page).not.toContain('尚未载入 2027 年')
    expect(await (await get('/staff/admin', as.admin)).text()).not.toContain('尚未载入')
    const audit = await (await get('/staff/admin/audit?entity=calendar_year', as.admin)).text()
    expect(audit).toContain(`#${order.id}`)
  })

  it('pages the audit log newest first, 50 to a page, and filters it by entity', async () => {
    const admin = { id: as.admin!.id, name: 'root' }
    for (let d = 1; d <= 50; d++) {
      await setCalendarDay(
        store.deps,
        { day: `2028-03-${String((d % 28) + 1).padStart(2, '0')}`, workday: '0', note: `第${d}次` },
        admin,
      )
    }
    const total = await auditTotal()
    const first = await (await get('/staff/admin/audit', as.admin)).text()
    expect(first).toContain(`共 ${total} 条 · 第 1/2 页`)
    expect(first).toContain('href="/staff/admin/audit?page=2"')
    expect(first.indexOf('第50次')).toBeGreaterThan(-1)
    expect(first.indexOf('第50次')).toBeLessThan(first.indexOf('第49次'))
    expect(first).not.toContain('年度节假日安排 2027')
    const second = await (await get('/staff/admin/audit?page=2', as.admin)).text()
    expect(second).toContain('第 2/2 页')
    expect(second).toContain('年度节假日安排 2027')
    expect(second).toContain('href="/staff/admin/audit"')
    const units = await (await get('/staff/admin/audit?entity=unit', as.admin)).text()
    expect(units).toContain('共 1 条')
    expect(units).toContain('单位 ')
  })
})
