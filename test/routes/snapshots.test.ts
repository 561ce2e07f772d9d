import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { fileCase, performAction } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { createStaff, getAs, postAs, type StaffSet } from '../helpers/staff'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** A wall-clock time in Shanghai (fixed +08:00), independent of the code under test. */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`).toISOString()
const T0 = sh('2025-11-12 10:00:00')

describe.each(DIALECTS)('month-end publication pages on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: ReturnType<typeof createApp>
  let staff: StaffSet
  let caseId: number
  let location: string

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    staff = await createStaff(app, store.deps, fx)
    const d = staff.dispatcher.actor
    const sw = staff.caseworkers.street.actor
    store.setNow(sh('2025-10-09 10:00:00'))
    const { order } = await fileCase(
      store.deps,
      {
        channel: 'hotline_12345',
        kind: 'complaint',
        title: '路灯不亮',
        content: '路灯不亮',
        districtId: fx.units.district,
        unitId: fx.units.street,
      },
      d,
    )
    await performAction(store.deps, order.id, { action: 'sign' }, sw)
    await performAction(store.deps, order.id, { action: 'reply_and_close', reply: '已修复' }, sw)
    caseId = order.id
    store.setNow(T0)
  })
  afterAll(() => store.close())

  it('shows supervisors the publish form with the ended months, reporters the list only', async () => {
    const page = await (await getAs(app, staff.supervisor, '/staff/reports/snapshots')).text()
    expect(page).toContain(
      '<form class="card filters" method="post" action="/staff/reports/snapshots">',
    )
    expect(page).toContain('<option value="2025-10">2025年10月</option>')
    expect(page).not.toContain('value="2025-11"')
    expect(page).toContain('还没有发布过月度数据')
    const reporter = await getAs(app, staff.reporter, '/staff/reports/snapshots')
    expect(reporter.status).toBe(200)
    expect(await reporter.text()).not.toContain('method="post" action="/staff/reports/snapshots"')
    expect((await getAs(app, staff.caseworkers.street, '/staff/reports/snapshots')).status).toBe(
      403,
    )
  })

  it('refuses a post without the CSRF token, from a dispatcher, and for an unfinished month', async () => {
    const forged = await postAs(
      app,
      staff.supervisor,
      '/staff/reports/snapshots',
      { month: '2025-10' },
      { csrf: null },
    )
    expect(forged.status).toBe(403)
    const dispatcher = await postAs(app, staff.dispatcher, '/staff/reports/snapshots', {
      month: '2025-10',
    })
    expect(dispatcher.status).toBe(403)
    expect(await dispatcher.text()).toContain('只有督查和管理员可以发布月度数据')
    const unfinished = await postAs(app, staff.supervisor, '/staff/reports/snapshots', {
      month: '2025-11',
    })
    expect(unfinished.status).toBe(422)
    expect(await unfinished.text()).toContain('2025年11月尚未结束')
    expect(await store.deps.db.selectFrom('report_snapshots').select('id').execute()).toEqual([])
  })

  it('publishes, then shows a late rating as a difference against the frozen figures', async () => {
    const res = await postAs(app, staff.supervisor, '/staff/reports/snapshots', {
      month: '2025-10',
      scope: '',
    })
    expect(res.status).toBe(303)
    location = res.headers.get('location')!
    expect(location).toMatch(/^\/staff\/reports\/snapshots\/\d+$/)
    const fresh = await (await getAs(app, staff.reporter, location)).text()
    expect(fresh).toContain('月度发布：2025年10月 · 全部')
    expect(fresh).toContain('发布后数据没有变动')
    expect(fresh).not.toContain('<mark>')

    // An hour later (within the sessions' idle limit): the citizen's late rating.
    store.setNow(sh('2025-11-12 11:00:00'))
    await performAction(
      store.deps,
      caseId,
      { action: 'rate', rating: 'satisfied' },
      staff.dispatcher.actor,
    )
    const later = await (await getAs(app, staff.reporter, location)).text()
    expect(later).toContain('发布后数据有变动')
    expect(later).toContain('<mark>已发布 0，现为 1（+1）</mark>')
    expect(later).toContain('<mark>已发布 —，现为 100.00%（—）</mark>')
    store.setNow(T0)
    const list = await (await getAs(app, staff.reporter, '/staff/reports/snapshots')).text()
    expect(list).toContain(`<a href="${location}">2025年10月</a>`)
  })

  it('answers a second publication 409 naming the month', async () => {
    const res = await postAs(app, staff.admin, '/staff/reports/snapshots', {
      month: '2025-10',
      scope: '',
    })
    expect(res.status).toBe(409)
    expect(await res.text()).toContain('2025年10月（该范围）已经发布过')
  })

  it('answers 404 for an unknown or malformed snapshot id', async () => {
    expect((await getAs(app, staff.reporter, '/staff/reports/snapshots/999999')).status).toBe(404)
    expect((await getAs(app, staff.reporter, '/staff/reports/snapshots/abc')).status).toBe(404)
  })
})
