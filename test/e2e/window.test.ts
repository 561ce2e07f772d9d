// First: in CI a missing Chromium fails the file here, before anything else is loaded.
import { HAVE_CHROMIUM, launchChromium } from './chromium'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser } from '../../src/services/accounts'
import { localDateOf } from '../../src/domain/zoned-time'
import {
  DESKTOP,
  PHONE,
  screenshot,
  startHarness,
  watchContext,
  type Harness,
  type Watch,
} from './browser'

/**
 * The 办不成事 window end to end in Chromium: a clerk records a walk-in whose service could not be
 * delivered and sends it to the street; the street's caseworker signs it, finds that the answer is
 * truly no, is told in place that a 否定答复 needs its legal basis, closes it with the basis; the
 * reporter finds it in the period's list of 否定答复. The clerk's form is also checked on a phone.
 */

const PASSWORD = 'correct horse battery'

describe.skipIf(!HAVE_CHROMIUM)('the 办不成事 window in a real browser', () => {
  let h: Harness
  let browser: Browser
  const contexts: BrowserContext[] = []
  const watches: Watch[] = []

  beforeAll(async () => {
    ;[h, browser] = await Promise.all([startHarness(), launchChromium()])
    const users = [
      { username: 'wang.chuang', role: 'dispatcher', unit: '新建区', displayName: '窗口王敏' },
      { username: 'cw.street', role: 'caseworker', unit: '长堎街道', displayName: '街道承办人' },
      { username: 'bao.biao', role: 'reporter', displayName: '统计员' },
    ]
    for (const u of users) await addUser(h.store.deps, { ...u, password: PASSWORD })
  })

  afterAll(async () => {
    await browser?.close()
    await h?.close()
  })

  /** A signed-in page of its own (its own cookies) at `next`. */
  async function signedIn(username: string, next: string, device = DESKTOP): Promise<Page> {
    const context = await browser.newContext({ ...device, baseURL: h.origin })
    context.setDefaultTimeout(5_000)
    contexts.push(context)
    watches.push(watchContext(context))
    const page = await context.newPage()
    await page.goto(`/staff/login?next=${encodeURIComponent(next)}`)
    await page.getByLabel('用户名').fill(username)
    await page.getByLabel('密码').fill(PASSWORD)
    await Promise.all([page.waitForURL(`${h.origin}${next}`), page.getByLabel('密码').press('Enter')])
    return page
  }

  it('records a walk-in, closes it as a 否定答复 with its basis, and lists it in the reports', async () => {
    h.tick()
    // The clerk records the visit and sends it into the flow.
    const clerk = await signedIn('wang.chuang', '/staff/window')
    await clerk.getByLabel('来访人姓名').fill('李女士')
    await clerk.getByLabel('联系电话').fill('13900001111')
    await clerk.getByLabel('办理事项').fill('营业执照变更')
    await clerk.getByLabel('窗口', { exact: true }).fill('3号综合窗口')
    await clerk.getByLabel('未办成原因').fill('经营范围涉及前置许可，窗口无法受理')
    await clerk.getByLabel('区域').selectOption({ label: '新建区' })
    await clerk.getByLabel('投诉').check()
    await clerk.getByLabel('转入办理流程（派单，窗口时限）').check()
    await clerk.getByLabel('承办单位').selectOption({ label: '长堎街道' })
    await clerk.getByRole('button', { name: '登记' }).click()
    const banner = clerk.locator('#intake-filed')
    await banner.waitFor()
    const order = await h.store.deps.db
      .selectFrom('work_orders')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
    expect(order).toMatchObject({
      channel: 'window',
      status: 'dispatched',
      unit_id: h.fx.units.street,
    })
    expect(await banner.textContent()).toContain(order.case_number)
    expect(await clerk.locator('#intake-filed').evaluate((el) => el.textContent)).not.toContain(
      '13900001111',
    )

    // The caseworker signs, then closes in the window panel: first without the basis.
    const worker = await signedIn('cw.street', `/staff/cases/${order.id}`)
    await worker.locator('.actions summary', { hasText: '签收' }).click()
    await worker.locator('.actions form').getByRole('button', { name: '签收', exact: true }).click()
    await worker.locator('.notice.ok', { hasText: '已办理' }).waitFor()
    const panel = worker.locator('#window-panel')
    await panel.locator('form.window-close').waitFor()
    expect(await panel.locator('dd').first().textContent()).toBe('营业执照变更')
    expect(await worker.locator('.actions').textContent()).toContain('请在窗口面板中答复办结')
    const offered = await worker.locator('.actions summary').allTextContents()
    expect(offered).toContain('申请延期')
    expect(offered).not.toContain('办结') // the plain close, which would skip the 否定答复 question
    await panel.getByLabel('窗口件答复（群众可见）').fill('您申请变更的经营范围需先取得许可，依法不能直接变更。')
    await panel.getByLabel('否定答复（依法确实不能办理）').check()
    await panel.getByRole('button', { name: '办结' }).click()
    const basis = panel.getByLabel('法律依据')
    await worker.waitForFunction(
      () => document.activeElement?.id === 'window-close-legalBasis',
    )
    expect(await basis.getAttribute('aria-invalid')).toBe('true')
    expect(await panel.locator('[role=alert]').textContent()).toContain('法律依据')
    expect(
      (await h.store.deps.db
        .selectFrom('work_orders')
        .select('status')
        .where('id', '=', order.id)
        .executeTakeFirstOrThrow()).status,
    ).toBe('in_progress')
    await screenshot(worker, 'staff-window-close-refused')

    // With the basis: closed, and the case page comes back with the facts.
    const law = '《市场主体登记管理条例》第二十四条'
    await basis.fill(law)
    await Promise.all([
      worker.waitForURL(`${h.origin}/staff/cases/${order.id}`),
      panel.getByRole('button', { name: '办结' }).click(),
    ])
    await worker.locator('#window-panel dl.facts').waitFor()
    expect(await worker.locator('#window-panel').textContent()).toContain(`是 · 依据：${law}`)
    expect(await worker.locator('blockquote.reply').textContent()).toContain(`法律依据：${law}`)

    // The reporter finds it among the period's 否定答复.
    const day = localDateOf(Date.now(), 'Asia/Shanghai')
    const reporter = await signedIn('bao.biao', `/staff/reports?from=${day}&to=${day}`)
    const section = reporter.locator('#window-report')
    await section.waitFor()
    expect(await section.textContent()).toContain('否定答复 1 件')
    const row = section.locator('tbody tr', { hasText: order.case_number })
    expect(await row.locator('td').nth(5).textContent()).toBe(law)
    expect(await section.textContent()).not.toContain('李女士')

    // The clerk's form fits a phone.
    const small = await signedIn('wang.chuang', '/staff/window', PHONE)
    const { scroll, width } = await small.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: document.documentElement.clientWidth,
    }))
    expect(scroll, `page is ${scroll}px wide in a ${width}px viewport`).toBeLessThanOrEqual(width)
    await screenshot(small, 'staff-window-phone')

    for (const w of watches) {
      expect(w.requests.filter((url) => !url.startsWith(`${h.origin}/`))).toEqual([])
      expect(w.errors).toEqual([])
    }
  })
})
