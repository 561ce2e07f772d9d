// First: in CI a missing Chromium fails the file here, before anything else is loaded.
import { HAVE_CHROMIUM, launchChromium } from './chromium'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { addUser } from '../../src/services/accounts'
import {
  DESKTOP,
  screenshot,
  startHarness,
  watchContext,
  type Harness,
  type Watch,
} from './browser'

/**
 * 接听登记 end to end in Chromium: an operator takes two calls with the keyboard alone (typing,
 * Tab, arrows, Space, Enter; never the mouse): one answered directly, one dispatched by pressing
 * Enter in a text field; the likely duplicate shows while typing; the form comes back empty and
 * focused after each. The operator's time is simulated per keystroke and must stay well under a
 * minute per call.
 */

const PASSWORD = 'correct horse battery'
const PHONE = '13812345678'

/**
 * What a keystroke costs a practised operator, in ms: a digit or Latin letter, a Chinese character
 * (pinyin through an IME: 100 characters a minute, the usual training target of a 12345 seat), and
 * a navigation key (Tab, arrows, Space, Enter, with a glance at the screen).
 */
const COST = { latin: 250, hanzi: 600, key: 400 }

describe.skipIf(!HAVE_CHROMIUM)('intake (接听登记) in a real browser', () => {
  let h: Harness
  let browser: Browser
  let context: BrowserContext
  let watch: Watch
  let page: Page
  /** The operator's simulated time for the current call, in ms. */
  let simulated = 0

  beforeAll(async () => {
    ;[h, browser] = await Promise.all([startHarness(), launchChromium()])
    await addUser(h.store.deps, {
      username: 'zhou.li',
      role: 'dispatcher',
      unit: '新建区',
      password: PASSWORD,
      displayName: '话务员周丽',
    })
    context = await browser.newContext({ ...DESKTOP, baseURL: h.origin })
    context.setDefaultTimeout(5_000)
    watch = watchContext(context)
    page = await context.newPage()
    await page.goto('/staff/login?next=%2Fstaff%2Fintake')
    await page.getByLabel('用户名').fill('zhou.li')
    await page.getByLabel('密码').fill(PASSWORD)
    await Promise.all([
      page.waitForURL(`${h.origin}/staff/intake`),
      page.getByLabel('密码').press('Enter'),
    ])
  })

  afterAll(async () => {
    await browser?.close()
    await h?.close()
  })

  beforeEach(() => {
    h.tick()
    watch.reset()
    simulated = 0
  })

  /** Types text as the operator would, adding its cost to the simulated clock. */
  async function type(text: string) {
    for (const ch of text)
      simulated += /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/.test(ch) ? COST.hanzi : COST.latin
    await page.keyboard.type(text, { delay: 5 })
  }

  /** Presses a navigation key `times` times. */
  async function press(key: string, times = 1) {
    for (let i = 0; i < times; i++) {
      simulated += COST.key
      await page.keyboard.press(key)
    }
  }

  const focused = () => page.evaluate(() => document.activeElement?.id ?? '')
  async function expectFocus(id: string) {
    expect(await focused()).toBe(id)
  }

  const latest = () =>
    h.store.deps.db
      .selectFrom('work_orders')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()

  it('records a call answered directly, then a dispatched one with Enter, keyboard only and well under a minute each', async () => {
    const wall = Date.now()
    await expectFocus('intake-citizenPhone')
    await expectNoHorizontalScroll(page)

    // Call 1: a consultation answered at once (直接答复).
    await type(PHONE)
    await press('Tab')
    await type('张先生')
    await press('Tab', 3) // 匿名, 保密, 来电时间 (blank: now)
    await expectFocus('intake-receivedAt')
    await press('Tab') // 区域: the operator's own district is preselected
    await expectFocus('intake-districtId')
    expect(await page.locator('#intake-districtId option:checked').textContent()).toBe('新建区')
    await press('Tab', 2) // 详细地址: none for a consultation
    await expectFocus('intake-title')
    await type('公积金提取咨询')
    await press('Tab')
    await type('离职后怎么提取公积金')
    await press('Tab', 2) // 起因 (none), then the kind group
    await expectFocus('intake-kind')
    await press('Space') // 咨询
    await press('Tab', 3) // 紧急程度 (一般), 分类 (none), 渠道 (12345)
    await expectFocus('intake-channel')
    await press('Tab') // 处理方式: 派单 is checked
    await expectFocus('intake-outcome')
    await press('ArrowRight') // 直接答复: the unit field disappears, the reply field appears
    await expectFocus('intake-outcome-direct_answer')
    await press('Tab')
    await expectFocus('intake-reply')
    await type('凭身份证和离职证明到公积金中心办理')
    await press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('受理登记')
    const [response] = await Promise.all([
      page.waitForResponse(
        (r) => r.url() === `${h.origin}/staff/intake` && r.request().method() === 'POST',
      ),
      press('Enter'),
    ])
    expect(response.request().headers()['hx-request']).toBe('true')
    const notice = page.locator('#intake-filed')
    await notice.waitFor()
    const first = await latest()
    expect(first).toMatchObject({
      status: 'closed',
      kind: 'consultation',
      channel: 'hotline_12345',
      citizen_phone: PHONE,
    })
    expect(await notice.textContent()).toContain(
      `已受理 ${first.case_number} · 已直接答复并办结 · 来电 138****5678`,
    )
    expect(await notice.getByRole('link', { name: first.case_number }).getAttribute('href')).toBe(
      `/staff/cases/${first.id}`,
    )
    const firstCall = simulated
    expect(firstCall, `simulated ${firstCall} ms`).toBeLessThan(45_000)

    // The form is back, empty and focused on the first field: the next call can start at once.
    await page.waitForFunction(() => document.activeElement?.id === 'intake-citizenPhone')
    expect(await page.locator('#intake-title').inputValue()).toBe('')
    expect(await page.content()).not.toContain(PHONE)
    await screenshot(page, 'staff-intake-filed')

    // Call 2: the same caller, a complaint dispatched to the category's unit, sent with Enter.
    simulated = 0
    await type(PHONE)
    // The likely duplicate (same number) appears while the operator goes on typing.
    await press('Tab', 6)
    await expectFocus('intake-address')
    await page.locator('#duplicates').getByText(first.case_number).waitFor()
    expect(await page.locator('#duplicates').textContent()).toContain('同一电话')
    await type('长堎大道90号')
    await press('Tab')
    await type('夜间施工噪音扰民')
    await press('Tab')
    await type('工地夜里十二点后还在施工')
    await press('Tab')
    await type('已向工地反映未果')
    await press('Tab')
    await expectFocus('intake-kind')
    await press('ArrowRight', 3) // 咨询 → 求助 → 建议 → 投诉
    expect(await page.locator('input[name=kind]:checked').getAttribute('value')).toBe('complaint')
    await press('Tab', 2)
    await expectFocus('intake-category')
    await type('噪音扰民')
    await press('Escape') // closes the type-ahead's list
    const [second] = await Promise.all([
      page.waitForResponse(
        (r) => r.url() === `${h.origin}/staff/intake` && r.request().method() === 'POST',
      ),
      press('Enter'),
    ])
    expect(second.status()).toBe(200)
    await page.locator('#intake-filed', { hasText: '已派单至 长堎街道' }).waitFor()
    const dispatched = await latest()
    expect(dispatched).toMatchObject({
      status: 'dispatched',
      kind: 'complaint',
      unit_id: h.fx.units.street,
      category_id: h.fx.categories.noise,
    })
    expect(dispatched.content).toContain('起因：已向工地反映未果')
    const events = await h.store.deps.db
      .selectFrom('work_order_events')
      .select('action')
      .where('work_order_id', '=', dispatched.id)
      .orderBy('id')
      .execute()
    expect(events.map((e) => e.action)).toEqual(['receive', 'dispatch'])
    const secondCall = simulated
    expect(secondCall, `simulated ${secondCall} ms`).toBeLessThan(45_000)
    await page.waitForFunction(() => document.activeElement?.id === 'intake-citizenPhone')

    // Nothing but the keyboard was used, and nothing went wrong on the page.
    expect(Date.now() - wall).toBeLessThan(60_000)
    expect(watch.requests.filter((url) => !url.startsWith(`${h.origin}/`))).toEqual([])
    expect(watch.errors).toEqual([])
    console.info(
      `intake: simulated operator time ${firstCall / 1000}s (direct answer), ${secondCall / 1000}s (dispatch)`,
    )
  })

  async function expectNoHorizontalScroll(p: Page) {
    const { scroll, width } = await p.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: document.documentElement.clientWidth,
    }))
    expect(scroll, `page is ${scroll}px wide in a ${width}px viewport`).toBeLessThanOrEqual(width)
  }
})
