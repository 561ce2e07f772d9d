// First: in CI a missing Chromium fails the file here, before anything else is loaded.
import { HAVE_CHROMIUM, launchChromium } from './chromium'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { addUser } from '../../src/services/accounts'
import { fileCase } from '../../src/services/work-orders'
import type { FilingInput } from '../../src/services/schemas'
import { DESKTOP, screenshot, startHarness, watchContext, type Harness, type Watch } from './browser'

/**
 * The staff issue, end to end in Chromium on a desktop window: a dispatcher dispatches, a
 * caseworker signs and closes, the citizen sees the reply; plus the stale form, the audited
 * reveal, the queue filters, the reports and logout.
 */

const PASSWORD = 'correct horse battery'
const PHONE_NUMBER = '13812345678'
const MASKED = '138****5678'
const TRACK_FILED = /\/track\/([0-9A-HJKMNP-TV-Z]{32})\?filed=1$/
/** What Chromium logs for a document answered 403 (the caseworker on /staff/reports). */
const LOGGED_403 = /^console: Failed to load resource: the server responded with a status of 403\b/

const NAMES = {
  dispatcher: '派单员李娜',
  caseworker: '长堎街道王强',
  supervisor: '督查员赵敏',
  reporter: '统计员陈静',
} as const
type Who = keyof typeof NAMES

describe.skipIf(!HAVE_CHROMIUM)('staff in a real browser', () => {
  let h: Harness
  let browser: Browser
  const contexts = {} as Record<Who | 'citizen', { context: BrowserContext; watch: Watch }>
  /** Ids of every case this file created, in order (the reports count them). */
  const filed: number[] = []
  /** The case of the main flow (filed on the public form). */
  let mainCase: { id: number; code: string; title: string }

  beforeAll(async () => {
    ;[h, browser] = await Promise.all([startHarness(), launchChromium()])
    const deps = h.store.deps
    await addUser(deps, { username: 'li.na', role: 'dispatcher', password: PASSWORD, displayName: NAMES.dispatcher })
    await addUser(deps, { username: 'wang.qiang', role: 'caseworker', unit: '长堎街道', password: PASSWORD, displayName: NAMES.caseworker })
    await addUser(deps, { username: 'zhao.min', role: 'supervisor', password: PASSWORD, displayName: NAMES.supervisor })
    await addUser(deps, { username: 'chen.jing', role: 'reporter', password: PASSWORD, displayName: NAMES.reporter })
    for (const who of ['dispatcher', 'caseworker', 'supervisor', 'reporter', 'citizen'] as const) {
      const context = await browser.newContext({ ...DESKTOP, baseURL: h.origin })
      context.setDefaultTimeout(5_000)
      contexts[who] = { context, watch: watchContext(context) }
    }
  })

  afterAll(async () => {
    await browser?.close()
    await h?.close()
  })

  beforeEach(() => {
    h.tick()
    for (const { watch } of Object.values(contexts)) watch.reset()
  })

  const USERNAMES: Record<Who, string> = {
    dispatcher: 'li.na',
    caseworker: 'wang.qiang',
    supervisor: 'zhao.min',
    reporter: 'chen.jing',
  }

  /** Every request stayed on the test server; no console error or page error except `allowed`. */
  function expectClean(watch: Watch, allowed: RegExp[] = []) {
    expect(watch.requests.length).toBeGreaterThan(0)
    expect(watch.requests.filter((url) => !url.startsWith(`${h.origin}/`))).toEqual([])
    expect(watch.errors.filter((e) => !allowed.some((re) => re.test(e)))).toEqual([])
  }

  async function expectNoHorizontalScroll(page: Page) {
    const { scroll, width } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: document.documentElement.clientWidth,
    }))
    expect(scroll, `page is ${scroll}px wide in a ${width}px viewport`).toBeLessThanOrEqual(width)
  }

  /** Signs in through the login form in the person's own context; lands on /staff/cases. */
  async function signIn(who: Who): Promise<Page> {
    const page = await contexts[who].context.newPage()
    await page.goto('/staff/login')
    expect(await page.locator('h1').textContent()).toBe('工作人员登录')
    await page.getByLabel('用户名').fill(USERNAMES[who])
    await page.getByLabel('密码').fill(PASSWORD)
    await Promise.all([page.waitForURL(`${h.origin}/staff/cases`), page.getByRole('button', { name: '登录' }).click()])
    expect(await page.locator('header.site small').textContent()).toContain(NAMES[who])
    return page
  }

  /** Files a case through the services, as the dispatch centre takes a call. */
  async function serviceCase(input: Partial<FilingInput> & { title: string }): Promise<number> {
    const { order } = await fileCase(
      h.store.deps,
      {
        channel: 'hotline_12345',
        kind: 'help',
        categoryId: h.fx.categories.noise,
        districtId: h.fx.units.district,
        content: '群众来电反映的问题，请尽快核实处理。',
        citizenPhone: PHONE_NUMBER,
        ...input,
      },
      h.fx.actors.dispatcher,
    )
    filed.push(order.id)
    return order.id
  }

  const tab = (page: Page, label: string) => page.locator('#results .tabs a').filter({ hasText: label })
  const rowTitles = (page: Page) => page.locator('#results table.cases tbody tr td:nth-child(2)').allTextContents()
  const caseStatus = (page: Page) => page.locator('#case h1 .status').textContent()
  const notice = (page: Page) => page.locator('#case .notice')
  const exactly = (label: string) => new RegExp(`^${label}$`)
  const summary = (page: Page, label: string) => page.locator('#case .actions summary').filter({ hasText: exactly(label) })
  /** The form under an action's <summary>. */
  const actionForm = (page: Page, label: string): Locator =>
    page.locator('#case .actions details').filter({ has: page.locator('summary', { hasText: exactly(label) }) }).locator('form')

  /** Marks the window so a full page load (which would lose the mark) can be told from a swap. */
  async function markWindow(page: Page) {
    await page.evaluate(() => {
      ;(window as unknown as { stayed: boolean }).stayed = true
    })
  }
  const stayed = (page: Page) => page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true)

  /** Opens an action, fills it, submits it and waits for htmx to swap a new panel in. */
  async function act(page: Page, label: string, fill?: (form: Locator) => Promise<void>) {
    const url = page.url()
    await markWindow(page)
    await page.evaluate(() => {
      ;(document.getElementById('case') as HTMLElement & { old?: boolean }).old = true
    })
    await summary(page, label).click()
    const form = actionForm(page, label)
    await form.waitFor()
    if (fill) await fill(form)
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/actions') && r.request().method() === 'POST'),
      form.getByRole('button', { name: label, exact: true }).click(),
    ])
    expect(response.request().headers()['hx-request']).toBe('true')
    expect(await response.text()).not.toContain('<html')
    await page.waitForFunction(() => {
      const panel = document.getElementById('case') as (HTMLElement & { old?: boolean }) | null
      return panel !== null && panel.old !== true
    })
    await notice(page).waitFor()
    expect(page.url()).toBe(url)
    expect(await stayed(page)).toBe(true)
  }

  async function eventsOf(id: number, action?: string) {
    let q = h.store.deps.db.selectFrom('work_order_events').selectAll().where('work_order_id', '=', id)
    if (action) q = q.where('action', '=', action)
    return q.orderBy('id').execute()
  }

  it('a dispatcher dispatches, a caseworker signs and closes, the citizen sees the reply and rates', async () => {
    // 1. The citizen files on the public form.
    const title = '长堎大道路面坑洼（派单流程）'
    const citizen = await contexts.citizen.context.newPage()
    await citizen.goto('/')
    await citizen.getByRole('radio', { name: '投诉', exact: true }).check()
    await citizen.getByLabel('问题分类').selectOption({ label: '道路破损' })
    await citizen.getByLabel('标题', { exact: true }).fill(title)
    await citizen.getByLabel('诉求内容').fill('长堎大道与工业大道交叉口路面坑洼，雨天积水，电动车经过容易摔倒。')
    await citizen.getByLabel('所在区域').selectOption({ label: '新建区' })
    await citizen.getByLabel('详细地址').fill('新建区长堎大道 88 号')
    await citizen.getByLabel('手机号码').fill(PHONE_NUMBER)
    await citizen.getByLabel(/我同意热线办/).check()
    await Promise.all([citizen.waitForURL(TRACK_FILED), citizen.getByRole('button', { name: '提交诉求' }).click()])
    const code = TRACK_FILED.exec(citizen.url())![1]!
    const row = await h.store.deps.db.selectFrom('work_orders').selectAll().where('title', '=', title).executeTakeFirstOrThrow()
    filed.push(row.id)
    mainCase = { id: row.id, code, title }

    // 2. The dispatcher finds it in 待派单 (count in the tab), opens it and dispatches it.
    const page = await signIn('dispatcher')
    expect(await tab(page, '待派单').locator('.count').textContent()).toBe('1')
    await markWindow(page)
    await Promise.all([page.waitForURL(`${h.origin}/staff/cases?queue=to_dispatch`), tab(page, '待派单').click()])
    await page.locator('#results .tabs a[aria-current=page]').filter({ hasText: '待派单' }).waitFor()
    expect(await stayed(page)).toBe(true)
    expect(await rowTitles(page)).toEqual([title])
    expect(await page.locator('#results .lead').textContent()).toContain('共 1 件')
    await expectNoHorizontalScroll(page)
    await screenshot(page, 'staff-queue')

    await Promise.all([page.waitForURL(`${h.origin}/staff/cases/${row.id}`), page.getByRole('link', { name: row.case_number }).click()])
    expect(await caseStatus(page)).toBe('受理')
    expect(await page.locator('#citizen').textContent()).toContain(MASKED)
    expect(await page.content()).not.toContain(PHONE_NUMBER)
    // The category's default unit is suggested and preselected.
    await summary(page, '派单').click()
    expect(await page.locator('#dispatch-unit option:checked').textContent()).toBe('新建区城管局（建议）')
    await summary(page, '派单').click()
    await expectNoHorizontalScroll(page)
    await screenshot(page, 'staff-case-before')

    await act(page, '派单', (form) => form.getByLabel('承办单位').selectOption({ label: '长堎街道' }).then(() => undefined))
    expect(await notice(page).textContent()).toBe('已办理。')
    expect(await notice(page).getAttribute('class')).toBe('notice ok')
    expect(await caseStatus(page)).toBe('已派单')
    expect(await page.locator('#case dl.facts dt:text-is("承办单位") + dd').textContent()).toBe('长堎街道')
    const last = (await page.locator('#case ol.timeline li').allTextContents()).at(-1)!
    expect(last).toContain('派单至 长堎街道')
    expect(last).toContain(`${NAMES.dispatcher}（热线办）`)
    expect(await summary(page, '派单').count()).toBe(0)
    await expectNoHorizontalScroll(page)
    await screenshot(page, 'staff-case-dispatched')
    expect(h.hits.filter((x) => x === `POST /staff/cases/${row.id}/actions`)).toHaveLength(1)
    await Promise.all([page.waitForURL(`${h.origin}/staff/cases`), page.getByRole('link', { name: '← 返回工单列表' }).click()])
    expect(await tab(page, '待派单').locator('.count').textContent()).toBe('0')

    // 3. The caseworker signs for it and closes it with a reply.
    const reply = '经现场核查，已安排施工队于本周五前完成坑洼修补，并设置警示标志。'
    const cw = await signIn('caseworker')
    expect(await tab(cw, '待签收').locator('.count').textContent()).toBe('1')
    await Promise.all([cw.waitForURL(`${h.origin}/staff/cases?queue=to_sign`), tab(cw, '待签收').click()])
    await cw.locator('#results .tabs a[aria-current=page]').filter({ hasText: '待签收' }).waitFor()
    expect(await rowTitles(cw)).toEqual([title])
    await Promise.all([cw.waitForURL(`${h.origin}/staff/cases/${row.id}`), cw.getByRole('link', { name: row.case_number }).click()])
    expect(await caseStatus(cw)).toBe('已派单')
    await act(cw, '签收')
    expect(await notice(cw).textContent()).toBe('已办理。')
    expect(await caseStatus(cw)).toBe('办理中')
    await act(cw, '办结', (form) => form.getByLabel('答复内容（群众可见）').fill(reply))
    expect(await notice(cw).textContent()).toBe('已办理。')
    expect(await caseStatus(cw)).toBe('办结')
    expect(await cw.locator('#case blockquote.reply').textContent()).toBe(reply)
    expect((await eventsOf(row.id)).map((e) => [e.action, e.actor_name])).toEqual([
      ['receive', '群众'],
      ['dispatch', NAMES.dispatcher],
      ['sign', NAMES.caseworker],
      ['reply_and_close', NAMES.caseworker],
    ])

    // 4. The citizen sees 已办结 with the reply, and rates.
    await citizen.goto(`/track/${code}`)
    expect(await citizen.locator('.status').textContent()).toBe('已办结')
    expect(await citizen.locator('blockquote.reply').textContent()).toBe(reply)
    await citizen.getByRole('radio', { name: '满意', exact: true }).check()
    await citizen.getByRole('button', { name: '提交评价' }).click()
    await citizen.locator('#rating', { hasText: '感谢您的评价！' }).waitFor()
    const rated = await h.store.deps.db.selectFrom('work_orders').select('rating').where('id', '=', row.id).executeTakeFirstOrThrow()
    expect(rated.rating).toBe('satisfied')

    for (const who of ['citizen', 'dispatcher', 'caseworker'] as const) expectClean(contexts[who].watch)
    await Promise.all([citizen.close(), page.close(), cw.close()])
  })

  it('answers a stale 派单 form with the warning and the fresh case, and dispatches once', async () => {
    const id = await serviceCase({ title: '小区路灯不亮（并发派单）' })
    const { context, watch } = contexts.dispatcher
    const first = await context.newPage()
    const second = await context.newPage()
    await Promise.all([first.goto(`/staff/cases/${id}`), second.goto(`/staff/cases/${id}`)])

    // 噪音扰民 suggests 长堎街道: the first dispatcher takes the suggestion as it stands.
    await act(first, '派单', async (form) => {
      expect(await form.getByLabel('承办单位').inputValue()).toBe(String(h.fx.units.street))
    })
    expect(await notice(first).textContent()).toBe('已办理。')

    await act(second, '派单', (form) => form.getByLabel('承办单位').selectOption({ label: '新建区城管局' }).then(() => undefined))
    const warning = await notice(second).textContent()
    expect(warning).toMatch(/^有人刚刚办理/)
    expect(await notice(second).getAttribute('class')).toBe('notice warn')
    expect(await notice(second).getAttribute('role')).toBe('alert')
    expect(await caseStatus(second)).toBe('已派单')
    expect(await second.locator('#case dl.facts dt:text-is("承办单位") + dd').textContent()).toBe('长堎街道')
    expect(await summary(second, '派单').count()).toBe(0)
    await screenshot(second, 'staff-case-stale')

    const dispatches = await eventsOf(id, 'dispatch')
    expect(dispatches).toHaveLength(1)
    expect(JSON.parse(dispatches[0]!.data)).toMatchObject({ unitId: h.fx.units.street })
    const order = await h.store.deps.db.selectFrom('work_orders').select(['unit_id', 'status']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(order).toEqual({ unit_id: h.fx.units.street, status: 'dispatched' })
    expectClean(watch)
    await Promise.all([first.close(), second.close()])
  })

  it('masks the citizen’s phone and reveals it on request, with an audit event', async () => {
    const id = await serviceCase({ title: '夜间施工噪音（查看号码）', citizenName: '刘女士' })
    const page = await contexts.dispatcher.context.newPage()
    await page.goto(`/staff/cases/${id}`)
    const citizen = page.locator('#citizen')
    expect(await citizen.textContent()).toContain(MASKED)
    expect(await page.content()).not.toContain(PHONE_NUMBER)
    expect(await eventsOf(id, 'reveal')).toHaveLength(0)

    await markWindow(page)
    const reveal = citizen.getByRole('button', { name: '查看完整号码（留痕）' })
    await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/staff/cases/${id}/reveal`)), reveal.click()])
    await citizen.getByText(PHONE_NUMBER).waitFor()
    expect(page.url()).toBe(`${h.origin}/staff/cases/${id}`)
    expect(await stayed(page)).toBe(true)
    expect(await citizen.textContent()).not.toContain(MASKED)
    expect(await citizen.getByRole('button', { name: '查看完整号码（留痕）' }).count()).toBe(0)

    const reveals = await eventsOf(id, 'reveal')
    expect(reveals).toHaveLength(1)
    expect(reveals[0]).toMatchObject({ actor_name: NAMES.dispatcher, actor_role: 'dispatcher', to_status: 'received' })

    // A reload is masked again: the reveal lasts for the one answer.
    await page.reload()
    expect(await citizen.textContent()).toContain(MASKED)
    expectClean(contexts.dispatcher.watch)
    await page.close()
  })

  it('filters the queue through htmx and keeps the filters in the URL', async () => {
    await serviceCase({ title: '路灯闪烁（问政）', channel: 'wenzheng' })
    await serviceCase({ title: '井盖松动（问政）', channel: 'wenzheng' })
    const page = await contexts.dispatcher.context.newPage()
    await page.goto('/staff/cases')
    await markWindow(page)

    const search = page.getByLabel('搜索')
    await search.fill('路灯')
    const listed = (p: Page) =>
      p.waitForResponse((r) => new URL(r.url()).pathname === '/staff/cases' && r.request().headers()['hx-request'] === 'true')
    await Promise.all([listed(page), search.press('Enter')])
    await page.waitForURL((u) => u.searchParams.get('q') === '路灯')
    await expect.poll(async () => (await rowTitles(page)).sort()).toEqual(['小区路灯不亮（并发派单）', '路灯闪烁（问政）'])

    await Promise.all([listed(page), page.getByLabel('渠道').selectOption({ label: '问政江西' })])
    await page.waitForURL((u) => u.searchParams.get('channel') === 'wenzheng')
    await expect.poll(() => rowTitles(page)).toEqual(['路灯闪烁（问政）'])
    const url = new URL(page.url())
    expect(url.pathname).toBe('/staff/cases')
    expect(url.searchParams.get('q')).toBe('路灯')
    expect(url.searchParams.get('channel')).toBe('wenzheng')
    expect(await stayed(page)).toBe(true)
    expect(await page.locator('#results .lead').textContent()).toContain('共 1 件')
    await screenshot(page, 'staff-queue-filtered')

    await page.reload()
    expect(await stayed(page)).toBe(false)
    expect(await rowTitles(page)).toEqual(['路灯闪烁（问政）'])
    expect(await page.getByLabel('搜索').inputValue()).toBe('路灯')
    expect(await page.getByLabel('渠道').inputValue()).toBe('wenzheng')
    expectClean(contexts.dispatcher.watch)
    await page.close()
  })

  it('shows the reporter the figures, and refuses the reports to a caseworker', async () => {
    const days = await h.store.deps.db
      .selectFrom('work_orders')
      .select((eb) => [eb.fn.min('received_day').as('from'), eb.fn.max('received_day').as('to')])
      .executeTakeFirstOrThrow()
    const page = await signIn('reporter')
    expect(await page.getByRole('link', { name: '报表' }).count()).toBe(1)
    await page.goto(`/staff/reports?from=${days.from}&to=${days.to}`)
    expect(await page.locator('h1').textContent()).toBe('报表')
    const count = (label: string) =>
      page.locator('tr').filter({ has: page.locator('th[scope=row]', { hasText: new RegExp(`^${label}$`) }) }).locator('td').first().textContent()
    expect(filed).toHaveLength(5)
    expect(await count('受理')).toBe(String(filed.length))
    expect(await count('办结')).toBe('1')
    expect(await count('满意')).toBe('1')
    expect(await page.getByLabel('自').inputValue()).toBe(days.from)
    expect(await page.getByLabel('至').inputValue()).toBe(days.to)
    await expectNoHorizontalScroll(page)
    await screenshot(page, 'staff-reports')
    expectClean(contexts.reporter.watch)
    await page.close()

    const cw = await signIn('caseworker')
    expect(await cw.getByRole('link', { name: '报表' }).count()).toBe(0)
    const refused = await cw.goto('/staff/reports')
    expect(refused?.status()).toBe(403)
    expect(await cw.locator('body').textContent()).toContain('403 Forbidden')
    expectClean(contexts.caseworker.watch, [LOGGED_403])
    await cw.close()
  })

  it('logs out, and the queue then sends the browser to the login page', async () => {
    const page = await signIn('supervisor')
    // A supervisor sees the masked number but may not reveal it.
    await page.goto(`/staff/cases/${mainCase.id}`)
    expect(await page.locator('#citizen').textContent()).toContain(MASKED)
    expect(await page.getByRole('button', { name: '查看完整号码（留痕）' }).count()).toBe(0)

    const before = await h.store.deps.db.selectFrom('sessions').select('id_hash').execute()
    await Promise.all([page.waitForURL(`${h.origin}/staff/login`), page.getByRole('button', { name: '退出' }).click()])
    expect(await page.locator('h1').textContent()).toBe('工作人员登录')
    expect(await h.store.deps.db.selectFrom('sessions').select('id_hash').execute()).toHaveLength(before.length - 1)
    expect((await contexts.supervisor.context.cookies()).filter((c) => c.name === 'hotline_session')).toEqual([])

    await page.goto('/staff/cases')
    expect(page.url()).toBe(`${h.origin}/staff/login?next=%2Fstaff%2Fcases`)
    expect(await page.locator('h1').textContent()).toBe('工作人员登录')

    // Signing in again from a deep link lands back on that case.
    await page.goto(`/staff/cases/${mainCase.id}`)
    expect(page.url()).toBe(`${h.origin}/staff/login?next=%2Fstaff%2Fcases%2F${mainCase.id}`)
    await page.getByLabel('用户名').fill(USERNAMES.supervisor)
    await page.getByLabel('密码').fill(PASSWORD)
    await Promise.all([page.waitForURL(`${h.origin}/staff/cases/${mainCase.id}`), page.getByRole('button', { name: '登录' }).click()])
    expect(await page.locator('#case h2').filter({ hasText: mainCase.title }).count()).toBe(1)
    expectClean(contexts.supervisor.watch)
    await page.close()
  })

  // A queue chosen by a tab (an htmx swap of #results only) must survive a filter change.
  it('keeps the queue chosen by a tab when a filter changes', async () => {
    // Signs in afresh, so that only the assertions at the end can fail (also when run alone).
    const page = await signIn('dispatcher')
    page.setDefaultTimeout(2_000)
    try {
      await Promise.all([page.waitForURL(`${h.origin}/staff/cases?queue=to_dispatch`), tab(page, '待派单').click()])
      await page.locator('#results .tabs a[aria-current=page]').filter({ hasText: '待派单' }).waitFor()
      await page.getByLabel('渠道').selectOption({ label: '12345热线' })
      await page.waitForURL((u) => u.searchParams.get('channel') === 'hotline_12345')
      expect(new URL(page.url()).searchParams.get('queue')).toBe('to_dispatch')
      expect(await page.locator('#results .tabs a[aria-current=page]').textContent()).toContain('待派单')
    } finally {
      await page.close()
    }
  })
})
