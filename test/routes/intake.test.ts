import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { summarize } from '../../src/services/reports'
import { performAction } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { createStaff, getAs, postAs, type StaffLogin, type StaffSet } from '../helpers/staff'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** A Wednesday with no holiday near it: 10:00 in Asia/Shanghai. */
const T0 = '2025-11-12T02:00:00.000Z'
const WINDOW_DUE = '2025-11-19T15:59:59.000Z'
const CASE_NUMBER = /NC2025\d{7}/

/** The opening tag of the element with this id. */
function tagOf(html: string, id: string): string {
  const tag = new RegExp(`<[a-z]+ [^>]*id="${id}"[^>]*>`).exec(html)?.[0]
  expect(tag, `no element #${id}`).toBeTruthy()
  return tag!
}

describe.each(DIALECTS)('intake routes on %s', (dialect) => {
  let store: TestStore
  let app: ReturnType<typeof createApp>
  let fx: Fixture
  let staff: StaffSet
  let seq = 0
  const freshPhone = () => `1370000${String(++seq).padStart(4, '0')}`

  const callFields = (over: Record<string, string | number | undefined> = {}) => ({
    citizenPhone: freshPhone(),
    citizenName: '张先生',
    districtId: fx.units.district,
    address: '新建区长堎大道 88 号',
    title: '咨询公积金提取',
    content: '来电咨询离职后提取住房公积金的条件。',
    kind: 'consultation',
    urgency: 'normal',
    channel: 'hotline_12345',
    outcome: 'direct_answer',
    reply: '已告知提取条件和所需材料。',
    ...over,
  })
  const windowFields = (over: Record<string, string | number | undefined> = {}) => ({
    citizenName: '李女士',
    service: '不动产登记',
    counter: '3号综合窗口',
    failureReason: '系统显示缺少完税证明',
    districtId: fx.units.district,
    kind: 'complaint',
    urgency: 'normal',
    outcome: 'solved',
    solution: '当场调取完税信息，已办结登记。',
    ...over,
  })
  const db = () => store.deps.db
  const count = async (table: 'work_orders' | 'work_order_events' | 'window_visits') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  const latest = () =>
    db()
      .selectFrom('work_orders')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
  const htmx = { 'HX-Request': 'true' }

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    staff = await createStaff(app, store.deps, fx)
  })
  beforeEach(() => store.setNow(T0))
  afterAll(() => store.close())

  it('shows dispatchers the intake form, first field focused, categories in the type-ahead', async () => {
    const res = await getAs(app, staff.dispatcher, '/staff/intake')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const html = await res.text()
    expect(tagOf(html, 'intake-citizenPhone')).toContain(' autofocus=""')
    expect(html).toContain(
      '<datalist id="intake-categories"><option value="道路交通"></option><option value="道路交通 / 道路破损"></option>',
    )
    expect(html).toContain('hx-trigger="input changed delay:400ms"')
    expect(html).toContain('<a href="/staff/intake">接听登记</a>')
    expect(html).toContain('<a href="/staff/window">办不成事窗口</a>')
    const cw = await (await getAs(app, staff.caseworkers.street, '/staff/cases')).text()
    expect(cw).not.toContain('/staff/intake')
  })

  it('refuses the intake and the window to every other role (403) and sends strangers to login', async () => {
    const others: StaffLogin[] = [
      staff.reporter,
      staff.caseworkers.street,
      staff.supervisor,
      staff.admin,
    ]
    for (const who of others) {
      for (const path of [
        '/staff/intake',
        '/staff/window',
        '/staff/intake/duplicates?citizenPhone=13800000000',
      ]) {
        expect((await getAs(app, who, path)).status, `${who.username} GET ${path}`).toBe(403)
      }
      expect((await postAs(app, who, '/staff/intake', callFields())).status).toBe(403)
      expect((await postAs(app, who, '/staff/window', windowFields())).status).toBe(403)
    }
    const anonymous = await app.request('/staff/intake')
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.get('location')).toBe('/staff/login?next=%2Fstaff%2Fintake')
  })

  it('requires the CSRF token: nothing is written without it', async () => {
    const before = await count('work_orders')
    for (const path of ['/staff/intake', '/staff/window']) {
      const res = await postAs(
        app,
        staff.dispatcher,
        path,
        path === '/staff/intake' ? callFields() : windowFields(),
        { csrf: null },
      )
      expect(res.status).toBe(403)
      const forged = await postAs(app, staff.dispatcher, path, callFields(), { csrf: 'forged' })
      expect(forged.status).toBe(403)
    }
    expect(await count('work_orders')).toBe(before)
  })

  it('answers a call directly: closed at once and on time, and the form comes back empty with the notice', async () => {
    const phone = freshPhone()
    const before = await summarize(store.deps, { from: '2025-11-12', to: '2025-11-12' })
    const res = await postAs(
      app,
      staff.dispatcher,
      '/staff/intake',
      callFields({ citizenPhone: phone, cause: '刚离职' }),
    )
    expect(res.status).toBe(200)
    const html = await res.text()
    const row = await latest()
    expect(row).toMatchObject({
      status: 'closed',
      channel: 'hotline_12345',
      closed_on_time: 1,
      citizen_phone: phone,
    })
    expect(row.content).toContain('起因：刚离职')
    expect(html).toContain(`已受理 <a href="/staff/cases/${row.id}">${row.case_number}</a>`)
    expect(html).toContain('已直接答复并办结')
    expect(html).toContain(`来电 ${phone.slice(0, 3)}****${phone.slice(-4)}`)
    expect(html).not.toContain(phone)
    expect(html).toMatch(/<code class="tracking">[0-9A-HJKMNP-TV-Z]{32}<\/code>/)
    // The form is empty again (the next call), focused on the first field.
    expect(tagOf(html, 'intake-citizenPhone')).toContain(' value="" ')
    expect(tagOf(html, 'intake-citizenPhone')).toContain(' autofocus=""')
    expect(tagOf(html, 'intake-title')).toContain(' value="" ')
    const after = await summarize(store.deps, { from: '2025-11-12', to: '2025-11-12' })
    expect(after.totals.closed - before.totals.closed).toBe(1)
    expect(after.totals.closedOnTime - before.totals.closedOnTime).toBe(1)
  })

  it('records a form once however often it is sent (double click, resend), on both forms', async () => {
    for (const [path, fields] of [
      ['/staff/intake', callFields()],
      ['/staff/window', windowFields({ service: '社保转移' })],
    ] as const) {
      const page = await (await getAs(app, staff.dispatcher, path)).text()
      const id = /name="submissionId" value="([0-9a-f]{32})"/.exec(page)?.[1]
      expect(id, `${path} carries a submission id`).toBeDefined()
      const cases = await count('work_orders')
      const sent = { ...fields, submissionId: id! }
      const [a, b] = await Promise.all([
        postAs(app, staff.dispatcher, path, sent),
        postAs(app, staff.dispatcher, path, sent),
      ])
      const again = await postAs(app, staff.dispatcher, path, sent)
      expect([a.status, b.status, again.status]).toEqual([200, 200, 200])
      expect(await count('work_orders')).toBe(cases + 1)
      const row = await latest()
      for (const html of [await a.text(), await b.text(), await again.text()]) {
        expect(html).toContain(`已受理 <a href="/staff/cases/${row.id}">${row.case_number}</a>`)
        // the fresh form after it has a new id
        expect(html).toMatch(/name="submissionId" value="[0-9a-f]{32}"/)
        expect(html).not.toContain(`value="${id}"`)
      }
    }
  })

  it('creates and dispatches in one step through htmx: a fragment, the chosen unit, two events', async () => {
    const res = await postAs(
      app,
      staff.dispatcher,
      '/staff/intake',
      callFields({
        kind: 'complaint',
        title: '夜间施工噪音',
        outcome: 'dispatch',
        reply: undefined,
        unitId: fx.units.street,
        category: '噪音扰民',
      }),
      { headers: htmx },
    )
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).not.toContain('<html')
    expect(html.startsWith('<div id="intake" class="intake">')).toBe(true)
    expect(html).toContain('已派单至 长堎街道')
    const row = await latest()
    expect(row).toMatchObject({
      status: 'dispatched',
      unit_id: fx.units.street,
      category_id: fx.categories.noise,
    })
    const events = await db()
      .selectFrom('work_order_events')
      .select('action')
      .where('work_order_id', '=', row.id)
      .orderBy('id')
      .execute()
    expect(events.map((e) => e.action)).toEqual(['receive', 'dispatch'])
  })

  it('refuses a call without a number with the values kept, the field named and focused, nothing written', async () => {
    const before = await count('work_orders')
    const res = await postAs(
      app,
      staff.dispatcher,
      '/staff/intake',
      callFields({ citizenPhone: '', title: '路灯不亮', category: '外星人' }),
    )
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain('来电号码：请填写正确的来电号码')
    expect(html).toContain('分类：没有这个分类，请从列表中选择')
    expect(tagOf(html, 'intake-citizenPhone')).toMatch(/ aria-invalid="true".* autofocus=""/)
    expect(tagOf(html, 'intake-title')).toContain(' value="路灯不亮"')
    expect(await count('work_orders')).toBe(before)
    // The same through htmx: the form fragment with the errors (200, so htmx swaps it quietly).
    const swapped = await postAs(
      app,
      staff.dispatcher,
      '/staff/intake',
      callFields({ citizenPhone: '' }),
      { headers: htmx },
    )
    expect(swapped.status).toBe(200)
    expect(await swapped.text()).toContain('aria-invalid="true"')
    // Anonymous: no number needed, none stored.
    const anonymous = await postAs(
      app,
      staff.dispatcher,
      '/staff/intake',
      callFields({ citizenPhone: '', anonymous: 'on' }),
    )
    expect(anonymous.status).toBe(200)
    expect((await latest()).citizen_phone).toBeNull()
  })

  it('lists likely duplicates by phone and by address while typing, with no personal data', async () => {
    const phone = freshPhone()
    const address = '新建区工业大道 66 号'
    await postAs(
      app,
      staff.dispatcher,
      '/staff/intake',
      callFields({
        citizenPhone: phone,
        address,
        title: '井盖缺失',
        outcome: 'receive',
        reply: undefined,
      }),
    )
    const row = await latest()
    const byPhone = await getAs(
      app,
      staff.dispatcher,
      `/staff/intake/duplicates?citizenPhone=${phone}&address=&title=`,
      htmx,
    )
    expect(byPhone.status).toBe(200)
    const html = await byPhone.text()
    expect(html).toContain(
      `<a href="/staff/cases/${row.id}" target="_blank" rel="noopener">${row.case_number}</a>`,
    )
    expect(html).toContain('同一电话')
    expect(html).not.toContain(phone)
    expect(html).not.toContain(address)
    const byAddress = await (
      await getAs(
        app,
        staff.dispatcher,
        `/staff/intake/duplicates?citizenPhone=&address=${encodeURIComponent('工业大道 66')}&title=`,
      )
    ).text()
    expect(byAddress).toContain(row.case_number)
    expect(byAddress).toContain('同一地址')
    const none = await (
      await getAs(app, staff.dispatcher, '/staff/intake/duplicates?citizenPhone=13999999999')
    ).text()
    expect(none).toContain('未发现可能重复的工单')
  })

  it('solves a window visit on the spot: closed at once, counted under the window channel in the reports', async () => {
    const res = await postAs(app, staff.dispatcher, '/staff/window', windowFields())
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('已当场解决并办结')
    expect(html).toMatch(CASE_NUMBER)
    const row = await latest()
    expect(row).toMatchObject({
      status: 'closed',
      channel: 'window',
      title: '办不成事：不动产登记',
    })
    const visit = await db()
      .selectFrom('window_visits')
      .selectAll()
      .where('work_order_id', '=', row.id)
      .executeTakeFirstOrThrow()
    expect(visit).toMatchObject({ solved_on_spot: 1, negative_answer: 0, counter: '3号综合窗口' })
    const byChannel = await summarize(store.deps, {
      from: '2025-11-12',
      to: '2025-11-12',
      by: 'channel',
    })
    expect(byChannel.groups.find((g) => g.key === 'window')?.closed).toBeGreaterThanOrEqual(1)
    const reports = await (
      await getAs(app, staff.reporter, '/staff/reports?from=2025-11-12&to=2025-11-12&by=channel')
    ).text()
    expect(reports).toMatch(
      /<th scope="row">办不成事窗口<\/th><td><a [^>]+>\d+<\/a><\/td><td>\d+<\/td><td><a [^>]+>[1-9]\d*<\/a>/,
    )
    expect(reports).toMatch(/本期窗口受理 \d+ 件，当场解决 [1-9]\d* 件/)
  })

  it('takes a window visit into the flow: dispatched, due in 5 working days', async () => {
    const res = await postAs(
      app,
      staff.dispatcher,
      '/staff/window',
      windowFields({
        outcome: 'dispatch',
        solution: undefined,
        unitId: fx.units.street,
        service: '社保关系转移',
      }),
      { headers: htmx },
    )
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('已派单至 长堎街道')
    const row = await latest()
    expect(row).toMatchObject({
      status: 'dispatched',
      channel: 'window',
      unit_id: fx.units.street,
      due_at: WINDOW_DUE,
      due_workdays: 5,
    })
    const refused = await postAs(
      app,
      staff.dispatcher,
      '/staff/window',
      windowFields({ service: '', solution: '' }),
    )
    expect(refused.status).toBe(422)
    const html = await refused.text()
    expect(html).toContain('办理事项：请填写办理事项')
    expect(html).toContain('解决情况（群众可见）：当场解决请填写解决情况')
  })

  it('closes a window case as a 否定答复 only with its legal basis, and lists it on the reports page', async () => {
    await postAs(
      app,
      staff.dispatcher,
      '/staff/window',
      windowFields({
        outcome: 'dispatch',
        solution: undefined,
        unitId: fx.units.street,
        service: '营业执照变更',
      }),
    )
    const row = await latest()
    const worker = staff.caseworkers.street
    const signed = await performAction(
      store.deps,
      row.id,
      { action: 'sign' },
      worker.actor,
      row.version,
    )

    // The panel the case page loads: facts, and the close form for the handling unit only.
    const panel = await (await getAs(app, worker, `/staff/cases/${row.id}/window`, htmx)).text()
    expect(panel.startsWith('<section class="card" id="window-panel">')).toBe(true)
    expect(panel).toContain('<dd>营业执照变更</dd>')
    expect(panel).toContain(`action="/staff/cases/${row.id}/window-close"`)
    expect(
      await (await getAs(app, staff.supervisor, `/staff/cases/${row.id}/window`, htmx)).text(),
    ).not.toContain('window-close"')
    expect(
      (await getAs(app, staff.caseworkers.otherStreet, `/staff/cases/${row.id}/window`)).status,
    ).toBe(404)
    // The case page sends the unit to the panel instead of offering the plain close.
    const page = await (await getAs(app, worker, `/staff/cases/${row.id}`)).text()
    expect(page).toContain('请在<a href="#window-panel">窗口面板</a>中答复办结')
    expect(page).not.toContain('value="reply_and_close"')
    expect(page).toContain('value="request_extension"')

    const events = await count('work_order_events')
    const path = `/staff/cases/${row.id}/window-close`
    const fields = {
      reply: '经营范围涉及前置许可，依法不能变更。',
      negative: 'on',
      version: signed.version,
    }
    expect((await postAs(app, worker, path, fields, { csrf: null })).status).toBe(403)
    const refused = await postAs(app, worker, path, fields)
    expect(refused.status).toBe(422)
    const html = await refused.text()
    expect(html).toContain('法律依据：否定答复必须写明法律依据')
    expect(tagOf(html, 'window-close-legalBasis')).toMatch(/ aria-invalid="true".* autofocus=""/)
    expect(await count('work_order_events')).toBe(events)
    expect(
      await db()
        .selectFrom('work_orders')
        .select('status')
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'in_progress' })
    expect(
      (await postAs(app, staff.caseworkers.otherStreet, path, { ...fields, legalBasis: 'x' }))
        .status,
    ).toBe(404)

    const basis = '《市场主体登记管理条例》第二十四条'
    const ok = await postAs(app, worker, path, { ...fields, legalBasis: basis })
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe(`/staff/cases/${row.id}`)
    const closed = await db()
      .selectFrom('work_orders')
      .select(['status', 'reply'])
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow()
    expect(closed.status).toBe('closed')
    expect(closed.reply).toContain(`法律依据：${basis}`)
    const stale = await postAs(
      app,
      worker,
      path,
      { ...fields, legalBasis: basis },
      { headers: htmx },
    )
    expect(stale.status).toBe(200)
    expect(await stale.text()).toMatch(/notice (warn|bad)/)

    const reports = await (
      await getAs(app, staff.reporter, '/staff/reports?from=2025-11-12&to=2025-11-12')
    ).text()
    const section = reports.slice(reports.indexOf('<section class="card" id="window-report">'))
    expect(section).toContain(`<a href="/staff/cases/${row.id}">${row.case_number}</a>`)
    expect(section).toContain(`<td>${basis}</td>`)
    expect(section).toContain('<td>营业执照变更</td>')
  })

  it('closes through htmx with a redirect to the case page', async () => {
    await postAs(
      app,
      staff.dispatcher,
      '/staff/window',
      windowFields({
        outcome: 'dispatch',
        solution: undefined,
        unitId: fx.units.street,
        service: '医保报销',
      }),
    )
    const row = await latest()
    const worker = staff.caseworkers.street
    const signed = await performAction(
      store.deps,
      row.id,
      { action: 'sign' },
      worker.actor,
      row.version,
    )
    const res = await postAs(
      app,
      worker,
      `/staff/cases/${row.id}/window-close`,
      { reply: '已协调报销。', version: signed.version },
      { headers: htmx },
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('hx-redirect')).toBe(`/staff/cases/${row.id}`)
    const visit = await db()
      .selectFrom('window_visits')
      .select(['negative_answer', 'legal_basis'])
      .where('work_order_id', '=', row.id)
      .executeTakeFirstOrThrow()
    expect(visit).toEqual({ negative_answer: 0, legal_basis: null })
  })
})
