import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listEvents } from '../../db/repositories/events'
import { HotlineError } from '../../src/domain/errors'
import { recount } from '../../src/services/recount'
import { summarize } from '../../src/services/reports'
import {
  fileCase,
  findByTrackingCode,
  getCase,
  performAction,
  rateByTrackingCode,
} from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

const complaint = {
  channel: 'web' as const,
  kind: 'complaint' as const,
  title: '路面坑洼',
  content: '长堎大道与工业大道交叉口路面坑洼，雨天积水',
  citizenName: '张三',
  citizenPhone: '13812345678',
}

async function rejects(p: Promise<unknown>): Promise<HotlineError> {
  try {
    await p
  } catch (e) {
    if (e instanceof HotlineError) return e
    throw e
  }
  throw new Error('expected a HotlineError')
}

describe.each(DIALECTS)('work-order services on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture

  beforeAll(async () => {
    store = await openTestStore(dialect, '2025-09-26T02:00:00.000Z')
    fx = await seedFixture(store.deps)
  })
  afterAll(() => store.close())

  it('files a case with a 13-working-day deadline over National Day and a tracking code', async () => {
    store.setNow('2025-09-26T02:00:00.000Z')
    const { order, trackingCode } = await fileCase(
      store.deps,
      { ...complaint, categoryId: fx.categories.potholes, districtId: fx.units.district },
      fx.actors.citizen,
    )
    expect(order.status).toBe('received')
    expect(order.caseNumber).toBe('NC20250000001')
    expect(order.receivedDay).toBe('2025-09-26')
    expect(order.dueAt).toBe('2025-10-21T15:59:59.000Z')
    expect(order.dueProvisional).toBe(false)
    expect(trackingCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{32}$/)
    const found = await findByTrackingCode(store.deps, trackingCode.toLowerCase())
    expect(found?.id).toBe(order.id)
    expect(await findByTrackingCode(store.deps, order.caseNumber)).toBeUndefined()
    const events = await listEvents(store.deps.db, order.id)
    expect(events.map((e) => [e.action, e.fromStatus, e.toStatus])).toEqual([
      ['receive', null, 'received'],
    ])
  })

  it('walks a case from dispatch to a citizen rating and keeps rollups equal to a recount', async () => {
    store.setNow('2025-10-09T01:00:00.000Z')
    const { order, trackingCode } = await fileCase(
      store.deps,
      { ...complaint, categoryId: fx.categories.noise, districtId: fx.units.district },
      fx.actors.citizen,
    )
    const { dispatcher, streetWorker } = fx.actors
    let o = await performAction(store.deps, order.id, { action: 'dispatch', unitId: fx.units.street }, dispatcher, 1)
    expect(o.status).toBe('dispatched')
    o = await performAction(store.deps, order.id, { action: 'sign' }, streetWorker, o.version)
    store.setNow('2025-10-10T03:00:00.000Z')
    o = await performAction(store.deps, order.id, { action: 'reply_and_close', reply: '已安排整改' }, streetWorker, o.version)
    expect(o.status).toBe('closed')
    expect(o.closedOnTime).toBe(true)
    expect(o.handlingWorkdays).toBe(1)
    o = await rateByTrackingCode(store.deps, trackingCode, { rating: 'satisfied', comment: '满意' })
    expect(o.rating).toBe('satisfied')
    const again = await rejects(rateByTrackingCode(store.deps, trackingCode, { rating: 'dissatisfied' }))
    expect(again.code).toBe('invalid_transition')
    const { events } = await getCase(store.deps, order.id, dispatcher)
    expect(events.map((e) => e.action)).toEqual(['receive', 'dispatch', 'sign', 'reply_and_close', 'rate'])

    const s = await summarize(store.deps, { from: '2025-10-01', to: '2025-10-31' })
    expect(s.totals.received).toBe(1)
    expect(s.totals.closed).toBe(1)
    expect(s.totals.satisfied).toBe(1)
    expect(s.totals.closureRate).toBe(1)
    expect(s.bulletin).toBe('本月累计受理诉求1件,办结率100%,满意率达100%')
    const check = await recount(store.deps, { from: '2025-01-01', to: '2025-12-31' })
    expect(check.differences).toEqual([])
    expect(check.received).toBe(2)
  })

  it('refuses a stale version with 409 and writes nothing', async () => {
    store.setNow('2025-10-13T01:00:00.000Z')
    const { order } = await fileCase(store.deps, complaint, fx.actors.citizen)
    await performAction(store.deps, order.id, { action: 'dispatch', unitId: fx.units.bureau }, fx.actors.dispatcher, 1)
    const err = await rejects(
      performAction(store.deps, order.id, { action: 'mark_invalid', note: '重复' }, fx.actors.dispatcher, 1),
    )
    expect(err.code).toBe('conflict')
    expect(err.status).toBe(409)
    const { order: after, events } = await getCase(store.deps, order.id, fx.actors.dispatcher)
    expect(after.status).toBe('dispatched')
    expect(events).toHaveLength(2)
  })

  it('hides other units’ cases from caseworkers and refuses bad input by field', async () => {
    store.setNow('2025-10-13T02:00:00.000Z')
    const { order } = await fileCase(store.deps, complaint, fx.actors.citizen)
    await performAction(store.deps, order.id, { action: 'dispatch', unitId: fx.units.bureau }, fx.actors.dispatcher)
    const hidden = await rejects(getCase(store.deps, order.id, fx.actors.otherWorker))
    expect(hidden.code).toBe('not_found')
    const forbidden = await rejects(performAction(store.deps, order.id, { action: 'sign' }, fx.actors.otherWorker))
    expect(forbidden.code).toBe('not_found')
    const bad = await rejects(fileCase(store.deps, { ...complaint, content: ' ', citizenPhone: '12345' }, fx.actors.citizen))
    expect(bad.code).toBe('validation_failed')
    expect(Object.keys(bad.fields ?? {}).sort()).toEqual(['citizenPhone', 'content'])
    const badUnit = await rejects(
      performAction(store.deps, order.id, { action: 'dispatch', unitId: 9999 }, fx.actors.dispatcher),
    )
    expect(badUnit.fields).toEqual({ unitId: 'no such unit' })
    const noUnit = await rejects(fileCase(store.deps, { ...complaint, districtId: 9999 }, fx.actors.citizen))
    expect(noUnit.fields).toEqual({ districtId: 'no such district' })
  })
})
