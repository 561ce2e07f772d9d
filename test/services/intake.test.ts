import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { listEvents } from '../../db/repositories/events'
import { HotlineError } from '../../src/domain/errors'
import type { Actor } from '../../src/domain/work-order'
import {
  closeWindowCase,
  getWindowVisit,
  likelyDuplicates,
  listNegativeAnswers,
  parseReceivedAt,
  recordWindowVisit,
  resolveCategory,
  takeCall,
  windowReport,
  type CallInput,
  type WindowInput,
} from '../../src/services/intake'
import { recount } from '../../src/services/recount'
import { summarize } from '../../src/services/reports'
import { fileCase, performAction } from '../../src/services/work-orders'
import { listCategories } from '../../db/repositories/reference-data'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** A Wednesday with no holiday near it: 10:00 in Asia/Shanghai. */
const T0 = '2025-11-12T02:00:00.000Z'
/** Five working days after 2025-11-12 (Thu 13, Fri 14, Mon 17, Tue 18, Wed 19), end of day in Shanghai. */
const WINDOW_DUE = '2025-11-19T15:59:59.000Z'
const DAY = { from: '2025-11-12', to: '2025-11-12' }

async function rejects(p: Promise<unknown>): Promise<HotlineError> {
  try {
    await p
  } catch (e) {
    if (e instanceof HotlineError) return e
    throw e
  }
  throw new Error('expected a HotlineError')
}

describe.each(DIALECTS)('intake by staff on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let dispatcher: Actor
  let phoneSeq = 0
  /** A fresh mobile number per case, so duplicate checks only see what a test made. */
  const freshPhone = () => `1390000${String(++phoneSeq).padStart(4, '0')}`

  const call = (over: Partial<CallInput> = {}): CallInput => ({
    kind: 'consultation',
    districtId: fx.units.district,
    title: '公积金提取条件咨询',
    content: '来电咨询离职后提取住房公积金需要哪些材料。',
    citizenPhone: freshPhone(),
    ...over,
  })
  const visit = (over: Partial<WindowInput> = {}): WindowInput => ({
    service: '不动产登记',
    counter: '3号综合窗口',
    failureReason: '系统显示缺少完税证明，窗口无法受理',
    districtId: fx.units.district,
    outcome: 'solved',
    solution: '当场联系税务窗口调取完税信息，已办结登记。',
    ...over,
  })
  const count = async (table: 'work_orders' | 'work_order_events' | 'window_visits') =>
    Number(
      (
        await store.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    fx = await seedFixture(store.deps)
    dispatcher = fx.actors.dispatcher
  })
  beforeEach(() => store.setNow(T0))
  afterAll(() => store.close())

  it('answers a call directly: closed at once, on time, counted closed in the summary', async () => {
    const before = await summarize(store.deps, { ...DAY, by: 'channel' })
    const { order, trackingCode } = await takeCall(
      store.deps,
      call({
        outcome: 'direct_answer',
        reply: '已告知所需材料：身份证、离职证明、银行卡。',
        cause: '刚离职，单位让自行办理',
      }),
      dispatcher,
    )
    expect(trackingCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{32}$/)
    expect(order).toMatchObject({
      status: 'closed',
      channel: 'hotline_12345',
      closedOnTime: true,
      unitId: null,
    })
    expect(order.content).toBe(
      '来电咨询离职后提取住房公积金需要哪些材料。\n\n起因：刚离职，单位让自行办理',
    )
    const events = await listEvents(store.deps.db, order.id)
    expect(events.map((e) => [e.action, e.toStatus])).toEqual([
      ['receive', 'received'],
      ['direct_answer', 'closed'],
    ])
    const after = await summarize(store.deps, { ...DAY, by: 'channel' })
    expect(after.totals.closed - before.totals.closed).toBe(1)
    expect(after.totals.closedOnTime - before.totals.closedOnTime).toBe(1)
    expect(after.groups.find((g) => g.key === 'hotline_12345')?.closed).toBeGreaterThanOrEqual(1)
    expect((await recount(store.deps, DAY)).differences).toEqual([])
  })

  it('creates and dispatches in one step: the chosen unit, or the category’s default unit', async () => {
    const chosen = await takeCall(
      store.deps,
      call({
        kind: 'complaint',
        title: '夜间施工噪音',
        outcome: 'dispatch',
        unitId: fx.units.street,
      }),
      dispatcher,
    )
    expect(chosen.order).toMatchObject({
      status: 'dispatched',
      unitId: fx.units.street,
      dispatchedAt: T0,
    })
    expect((await listEvents(store.deps.db, chosen.order.id)).map((e) => e.action)).toEqual([
      'receive',
      'dispatch',
    ])

    const byDefault = await takeCall(
      store.deps,
      call({
        kind: 'complaint',
        title: '路面坑洼',
        category: '道路交通 / 道路破损',
        outcome: 'dispatch',
      }),
      dispatcher,
    )
    expect(byDefault.order).toMatchObject({
      status: 'dispatched',
      unitId: fx.units.bureau,
      categoryId: fx.categories.potholes,
    })

    const left = await takeCall(store.deps, call({ outcome: 'receive' }), dispatcher)
    expect(left.order.status).toBe('received')
    expect(await listEvents(store.deps.db, left.order.id)).toHaveLength(1)

    const before = await count('work_orders')
    const noUnit = await rejects(takeCall(store.deps, call({ outcome: 'dispatch' }), dispatcher))
    expect(noUnit.fields).toHaveProperty('unitId')
    expect(await count('work_orders')).toBe(before)
  })

  it('requires a number for a phone call unless anonymous, and stores nothing personal when anonymous', async () => {
    const before = await count('work_orders')
    const missing = await rejects(
      takeCall(store.deps, call({ citizenPhone: undefined, outcome: 'receive' }), dispatcher),
    )
    expect(missing.code).toBe('validation_failed')
    expect(Object.keys(missing.fields ?? {})).toEqual(['citizenPhone'])
    // Every problem of the form at once: the number, the missing reply, the unknown category.
    const bad = await rejects(
      takeCall(
        store.deps,
        call({ citizenPhone: '12345', outcome: 'direct_answer', category: '外星人', title: '' }),
        dispatcher,
      ),
    )
    expect(Object.keys(bad.fields ?? {}).sort()).toEqual([
      'category',
      'citizenPhone',
      'reply',
      'title',
    ])
    expect(await count('work_orders')).toBe(before)

    const anonymous = await takeCall(
      store.deps,
      call({
        citizenPhone: '13812345678',
        citizenName: '王先生',
        anonymous: 'on',
        outcome: 'receive',
      }),
      dispatcher,
    )
    expect(anonymous.order).toMatchObject({ citizenPhone: null, citizenName: null })
    const online = await takeCall(
      store.deps,
      call({ channel: 'wenzheng', citizenPhone: undefined, outcome: 'receive' }),
      dispatcher,
    )
    expect(online.order.channel).toBe('wenzheng')
    const transfer = await rejects(
      takeCall(store.deps, call({ channel: 'other', citizenPhone: undefined }), dispatcher),
    )
    expect(transfer.fields).toHaveProperty('citizenPhone')
  })

  it('takes the time of a call typed as HH:mm or a local date-time, never in the future', async () => {
    expect(parseReceivedAt(undefined, T0, 'Asia/Shanghai')).toBeUndefined()
    expect(parseReceivedAt('09:30', T0, 'Asia/Shanghai')).toBe('2025-11-12T01:30:00.000Z')
    expect(parseReceivedAt('2025-11-11 18:05', T0, 'Asia/Shanghai')).toBe(
      '2025-11-11T10:05:00.000Z',
    )
    expect(parseReceivedAt('2025-11-11T18:05:00+08:00', T0, 'Asia/Shanghai')).toBe(
      '2025-11-11T10:05:00.000Z',
    )
    for (const wrong of ['25:00', '9.30', '2025-02-30 10:00', 'yesterday']) {
      expect(() => parseReceivedAt(wrong, T0, 'Asia/Shanghai'), wrong).toThrow(/receivedAt/)
    }
    const future = await rejects(
      takeCall(store.deps, call({ receivedAt: '10:30', outcome: 'receive' }), dispatcher),
    )
    expect(future.fields).toEqual({ receivedAt: 'must not be in the future' })
    const { order } = await takeCall(
      store.deps,
      call({ receivedAt: '09:30', outcome: 'receive' }),
      dispatcher,
    )
    expect(order.receivedAt).toBe('2025-11-12T01:30:00.000Z')
  })

  it('resolves the typed category by label, unique name or code, and refuses unknown ones', async () => {
    const categories = await listCategories(store.deps.db)
    expect(resolveCategory(categories, { category: '道路交通 / 道路破损' })).toBe(
      fx.categories.potholes,
    )
    expect(resolveCategory(categories, { category: '道路交通/道路破损' })).toBe(
      fx.categories.potholes,
    )
    expect(resolveCategory(categories, { category: '噪音扰民' })).toBe(fx.categories.noise)
    expect(resolveCategory(categories, { category: 'roads.potholes' })).toBe(fx.categories.potholes)
    expect(resolveCategory(categories, {})).toBeUndefined()
    expect(() => resolveCategory(categories, { category: '外星人' })).toThrow(/category/)
  })

  it('is for the dispatch centre only', async () => {
    for (const who of [
      fx.actors.streetWorker,
      fx.actors.supervisor,
      fx.actors.reporter,
      fx.actors.admin,
    ]) {
      expect((await rejects(takeCall(store.deps, call(), who))).code).toBe('forbidden')
      expect((await rejects(recordWindowVisit(store.deps, visit(), who))).code).toBe('forbidden')
    }
  })

  it('finds likely duplicates by phone, address and title, without personal data or other units’ cases', async () => {
    const phone = freshPhone()
    const address = '新建区长堎大道 188 号'
    const { order: open } = await takeCall(
      store.deps,
      call({
        kind: 'complaint',
        title: '垃圾清运不及时',
        citizenPhone: phone,
        address,
        outcome: 'dispatch',
        unitId: fx.units.street,
      }),
      dispatcher,
    )
    const byPhone = await likelyDuplicates(store.deps, { phone }, dispatcher)
    expect(byPhone).toEqual([
      {
        id: open.id,
        caseNumber: open.caseNumber,
        title: '垃圾清运不及时',
        status: 'dispatched',
        receivedAt: T0,
        reasons: ['phone'],
      },
    ])
    const byAddress = await likelyDuplicates(store.deps, { address: '长堎大道 188' }, dispatcher)
    expect(byAddress.map((d) => [d.id, d.reasons])).toEqual([[open.id, ['address']]])
    const byTitle = await likelyDuplicates(store.deps, { title: '垃圾清运又没来' }, dispatcher)
    expect(byTitle.map((d) => d.id)).toContain(open.id)
    expect(
      await likelyDuplicates(
        store.deps,
        { phone: '139', address: '长堎', title: '垃圾' },
        dispatcher,
      ),
    ).toEqual([])

    // The handling unit sees it; another unit's caseworker sees nothing, whatever they type.
    expect(
      (await likelyDuplicates(store.deps, { phone, address }, fx.actors.streetWorker)).map(
        (d) => d.id,
      ),
    ).toEqual([open.id])
    expect(
      await likelyDuplicates(
        store.deps,
        { phone, address, title: '垃圾清运' },
        fx.actors.otherWorker,
      ),
    ).toEqual([])
    expect(await likelyDuplicates(store.deps, { phone }, fx.actors.reporter)).toEqual([])

    // Closed within 30 days still counts; closed longer ago does not.
    store.setNow('2025-10-01T02:00:00.000Z')
    const oldPhone = freshPhone()
    await takeCall(
      store.deps,
      call({
        citizenPhone: oldPhone,
        receivedAt: '09:00',
        outcome: 'direct_answer',
        reply: '已答复',
      }),
      dispatcher,
    )
    store.setNow('2025-11-05T02:00:00.000Z')
    const recentPhone = freshPhone()
    await takeCall(
      store.deps,
      call({
        citizenPhone: recentPhone,
        receivedAt: '09:00',
        outcome: 'direct_answer',
        reply: '已答复',
      }),
      dispatcher,
    )
    store.setNow(T0)
    expect(await likelyDuplicates(store.deps, { phone: oldPhone }, dispatcher)).toEqual([])
    expect(await likelyDuplicates(store.deps, { phone: recentPhone }, dispatcher)).toHaveLength(1)
  })

  it('solves a window visit on the spot: closed at once, counted under the window channel and as solved', async () => {
    const before = await windowReport(store.deps, DAY)
    const { order } = await recordWindowVisit(store.deps, visit(), dispatcher)
    expect(order).toMatchObject({
      status: 'closed',
      channel: 'window',
      kind: 'complaint',
      closedOnTime: true,
      title: '办不成事：不动产登记',
    })
    expect(order.content).toContain('未办成原因：系统显示缺少完税证明')
    expect(await getWindowVisit(store.deps, order)).toEqual({
      service: '不动产登记',
      counter: '3号综合窗口',
      failureReason: '系统显示缺少完税证明，窗口无法受理',
      solvedOnSpot: true,
      negativeAnswer: false,
      legalBasis: null,
    })
    const byChannel = await summarize(store.deps, { ...DAY, by: 'channel' })
    expect(byChannel.groups.find((g) => g.key === 'window')).toMatchObject({
      closed: 1,
      closedOnTime: 1,
    })
    const after = await windowReport(store.deps, DAY)
    expect(after.visits - before.visits).toBe(1)
    expect(after.solvedOnSpot - before.solvedOnSpot).toBe(1)
    const refused = await rejects(
      recordWindowVisit(store.deps, visit({ solution: undefined }), dispatcher),
    )
    expect(refused.fields).toHaveProperty('solution')
  })

  it('takes a window visit into the flow with the window deadline of 5 working days', async () => {
    const { order } = await recordWindowVisit(
      store.deps,
      visit({
        outcome: 'dispatch',
        solution: undefined,
        unitId: fx.units.street,
        service: '社保关系转移',
      }),
      dispatcher,
    )
    expect(order).toMatchObject({
      status: 'dispatched',
      unitId: fx.units.street,
      dueWorkdays: 5,
      dueAt: WINDOW_DUE,
    })
    expect((await getWindowVisit(store.deps, order))?.solvedOnSpot).toBe(false)
    expect((await recount(store.deps, DAY)).differences).toEqual([])
  })

  it('refuses a 否定答复 without its legal basis and writes nothing; with it, lists it for the reports', async () => {
    const { order } = await recordWindowVisit(
      store.deps,
      visit({
        outcome: 'dispatch',
        solution: undefined,
        unitId: fx.units.street,
        service: '个体户营业执照变更',
      }),
      dispatcher,
    )
    const worker = fx.actors.streetWorker
    const signed = await performAction(
      store.deps,
      order.id,
      { action: 'sign' },
      worker,
      order.version,
    )
    const events = await count('work_order_events')

    const refused = await rejects(
      closeWindowCase(
        store.deps,
        order.id,
        { reply: '经核实不能办理。', negative: 'on' },
        worker,
        signed.version,
      ),
    )
    expect(refused.code).toBe('validation_failed')
    expect(Object.keys(refused.fields ?? {})).toEqual(['legalBasis'])
    const unchanged = await store.deps.db
      .selectFrom('work_orders')
      .select(['status', 'version'])
      .where('id', '=', order.id)
      .executeTakeFirstOrThrow()
    expect(unchanged).toEqual({ status: 'in_progress', version: signed.version })
    expect(await count('work_order_events')).toBe(events)
    expect((await getWindowVisit(store.deps, order))?.negativeAnswer).toBe(false)

    // Another unit may not, and a case that is not a window visit has no such close.
    expect(
      (
        await rejects(
          closeWindowCase(
            store.deps,
            order.id,
            { reply: 'x' },
            fx.actors.otherWorker,
            signed.version,
          ),
        )
      ).code,
    ).toBe('not_found')
    const { order: plain } = await fileCase(
      store.deps,
      { channel: 'web', kind: 'help', title: '求助', content: '求助内容' },
      fx.actors.citizen,
    )
    expect(
      (await rejects(closeWindowCase(store.deps, plain.id, { reply: 'x' }, dispatcher))).code,
    ).toBe('invalid_transition')

    const basis = '《市场主体登记管理条例》第二十四条'
    const closed = await closeWindowCase(
      store.deps,
      order.id,
      {
        reply: '经营范围涉及前置许可，未取得许可前依法不能变更。',
        negative: 'on',
        legalBasis: basis,
      },
      worker,
      signed.version,
    )
    expect(closed.status).toBe('closed')
    expect(closed.reply).toBe(
      `经营范围涉及前置许可，未取得许可前依法不能变更。\n\n法律依据：${basis}`,
    )
    expect(await getWindowVisit(store.deps, order)).toMatchObject({
      negativeAnswer: true,
      legalBasis: basis,
    })
    const last = (await listEvents(store.deps.db, order.id)).at(-1)!
    expect(last).toMatchObject({ action: 'reply_and_close', note: `否定答复，法律依据：${basis}` })

    const listed = await listNegativeAnswers(store.deps, DAY)
    expect(listed.map((r) => [r.caseNumber, r.service, r.legalBasis, r.unitName])).toContainEqual([
      order.caseNumber,
      '个体户营业执照变更',
      basis,
      '长堎街道',
    ])
    expect(JSON.stringify(listed)).not.toMatch(/1390000/)
    expect(await listNegativeAnswers(store.deps, { ...DAY, scope: 'XJ' })).toHaveLength(
      listed.length,
    )
    expect(await listNegativeAnswers(store.deps, { ...DAY, scope: 'HGT' })).toEqual([])
    expect(await listNegativeAnswers(store.deps, { from: '2025-11-13', to: '2025-11-30' })).toEqual(
      [],
    )
    expect((await windowReport(store.deps, DAY)).negativeAnswers).toEqual(listed)
    expect((await recount(store.deps, DAY)).differences).toEqual([])
  })

  it('lets the dispatch centre close a window case still received, and an ordinary close is not negative', async () => {
    const { order } = await recordWindowVisit(
      store.deps,
      visit({
        outcome: 'dispatch',
        solution: undefined,
        unitId: fx.units.street,
        service: '医保报销',
      }),
      dispatcher,
    )
    const signed = await performAction(
      store.deps,
      order.id,
      { action: 'sign' },
      fx.actors.streetWorker,
      order.version,
    )
    const back = await performAction(
      store.deps,
      order.id,
      { action: 'request_return', reason: 'wrong_function', note: '不属于本单位' },
      fx.actors.streetWorker,
      signed.version,
    )
    const received = await performAction(
      store.deps,
      order.id,
      { action: 'approve_return' },
      dispatcher,
      back.version,
    )
    expect(received.status).toBe('received')
    const closed = await closeWindowCase(
      store.deps,
      order.id,
      { reply: '已协调医保窗口当场报销。' },
      dispatcher,
      received.version,
    )
    expect(closed.status).toBe('closed')
    expect((await listEvents(store.deps.db, order.id)).at(-1)?.action).toBe('direct_answer')
    expect((await getWindowVisit(store.deps, order))?.negativeAnswer).toBe(false)
  })
})
