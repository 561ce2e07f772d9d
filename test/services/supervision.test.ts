import { createHmac } from 'node:crypto'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { listEvents, type StoredEvent } from '../../db/repositories/events'
import { findWorkOrder } from '../../db/repositories/work-orders'
import type { WorkOrder } from '../../src/domain/work-order'
import {
  backoffMs,
  deliverOutbox,
  enqueue,
  pruneOutbox,
  listOutboxProblems,
  retryOutbox,
} from '../../src/services/outbox'
import { runTick, startScheduler, webhookFromEnv } from '../../src/services/scheduler'
import {
  loadSupervisionPolicy,
  runSupervision,
  saveSupervisionPolicy,
  type SupervisionResult,
} from '../../src/services/supervision'
import { fileCase, performAction } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** A wall-clock time in Shanghai (fixed +08:00), independent of the code under test. */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`).toISOString()
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString()

const SECRET = 'test-secret-0123456789abcdef'
const URL = 'https://gateway.example/hotline'
const NAME = '李四'
const PHONE = '13987654321'

/** A consultation (3 working days) filed Fri 2025-09-26 10:00: due Tue 09-30 23:59:59. */
const consultation = {
  channel: 'hotline_12345' as const,
  kind: 'consultation' as const,
  title: '公交线路咨询',
  content: '想了解新开通的公交线路',
  citizenName: NAME,
  citizenPhone: PHONE,
}
const FILED = sh('2025-09-26 10:00:00')
const DUE = sh('2025-09-30 23:59:59')

interface Sent {
  url: string
  headers: Headers
  body: string
}

/** A fake gateway answering with `status` (or throwing), recording what it was sent. */
function gateway(answer: number | (() => never), text = '') {
  const sent: Sent[] = []
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) })
    if (typeof answer === 'function') answer()
    return new Response(text || null, { status: answer as number })
  }) as typeof globalThis.fetch
  return { sent, fetch }
}

const levels = (r: SupervisionResult) => ({ reminder: r.reminder, yellow: r.yellow, red: r.red })
const urges = (events: StoredEvent[]) => events.filter((e) => e.action === 'urge')

describe.each(DIALECTS)('supervision on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture

  beforeEach(async () => {
    store = await openTestStore(dialect, FILED)
    fx = await seedFixture(store.deps)
  })
  afterEach(() => store.close())

  /** A case dispatched to the street office at filing. */
  async function dispatched(overrides: Record<string, unknown> = {}): Promise<WorkOrder> {
    store.setNow(FILED)
    const { order } = await fileCase(
      store.deps,
      { ...consultation, unitId: fx.units.street, ...overrides },
      fx.actors.dispatcher,
    )
    expect(order.status).toBe('dispatched')
    expect(order.dueAt).toBe(DUE)
    return order
  }

  async function run(at: string) {
    store.setNow(at)
    return runSupervision(store.deps)
  }

  async function outboxRows() {
    return store.deps.db.selectFrom('outbox').selectAll().orderBy('id').execute()
  }

  it('climbs 催办 → 黄牌 → 红牌 at the right moments, once each, as the system', async () => {
    const order = await dispatched()
    const none = { reminder: 0, yellow: 0, red: 0 }
    expect(levels(await run(sh('2025-09-28 23:59:59')))).toEqual(none)
    expect(levels(await run(sh('2025-09-29 00:00:00')))).toEqual({ ...none, reminder: 1 })
    expect(levels(await run(sh('2025-09-29 09:00:00')))).toEqual(none)
    expect(levels(await run(sh('2025-09-30 23:59:59')))).toEqual(none)
    expect(levels(await run(sh('2025-10-01 00:00:00')))).toEqual({ ...none, yellow: 1 })
    expect(levels(await run(sh('2025-10-14 23:59:59')))).toEqual(none)
    expect(levels(await run(sh('2025-10-15 00:00:00')))).toEqual({ ...none, red: 1 })
    const after = await run(sh('2025-10-20 09:00:00'))
    expect(levels(after)).toEqual(none)
    expect(after.checked).toBe(0) // a red case is no longer even read

    const events = urges(await listEvents(store.deps.db, order.id))
    expect(events.map((e) => [e.data.level, e.at, e.actorRole, e.actorId, e.actorName])).toEqual([
      ['reminder', sh('2025-09-29 00:00:00'), 'system', null, '系统'],
      ['yellow', sh('2025-10-01 00:00:00'), 'system', null, '系统'],
      ['red', sh('2025-10-15 00:00:00'), 'system', null, '系统'],
    ])
    expect(events.map((e) => e.note)).toEqual([
      '系统自动督办：催办（临近办理时限 2025-09-30）',
      '系统自动督办：黄牌（已超过办理时限 2025-09-30）',
      '系统自动督办：红牌（超过办理时限 2025-09-30 已满5个工作日）',
    ])
    expect(events.every((e) => e.fromStatus === 'dispatched' && e.toStatus === 'dispatched')).toBe(
      true,
    )
    const now = await findWorkOrder(store.deps.db, order.id)
    expect(now?.urgeLevel).toBe('red')
    expect(now?.version).toBe(order.version + 3)

    const rows = await outboxRows()
    expect(
      rows.map((r) => [r.topic, r.work_order_id, r.created_at, r.attempts, r.delivered_at]),
    ).toEqual([
      ['work_order.urged', order.id, sh('2025-09-29 00:00:00'), 0, null],
      ['work_order.urged', order.id, sh('2025-10-01 00:00:00'), 0, null],
      ['work_order.urged', order.id, sh('2025-10-15 00:00:00'), 0, null],
    ])
    expect(JSON.parse(rows[2]!.payload)).toEqual({
      caseId: order.id,
      caseNumber: order.caseNumber,
      unitId: fx.units.street,
      level: 'red',
      dueAt: DUE,
    })
    for (const r of rows) {
      expect(r.payload).not.toContain(NAME)
      expect(r.payload).not.toContain(PHONE)
    }
  })

  it('urges no closed, received or paused case; a late look gives the top level only', async () => {
    const closed = await dispatched()
    let c = await performAction(store.deps, closed.id, { action: 'sign' }, fx.actors.streetWorker)
    c = await performAction(
      store.deps,
      closed.id,
      { action: 'reply_and_close', reply: '已答复' },
      fx.actors.streetWorker,
      c.version,
    )
    store.setNow(FILED)
    const { order: received } = await fileCase(store.deps, consultation, fx.actors.citizen)
    const paused = await dispatched()
    await performAction(
      store.deps,
      paused.id,
      { action: 'request_return', reason: 'wrong_function', note: '非本单位职能' },
      fx.actors.streetWorker,
    )
    const late = await dispatched()

    const r = await run(sh('2025-10-20 09:00:00'))
    expect(levels(r)).toEqual({ reminder: 0, yellow: 0, red: 1 })
    expect(r.checked).toBe(1)
    for (const id of [closed.id, received.id, paused.id]) {
      expect(urges(await listEvents(store.deps.db, id))).toEqual([])
    }
    expect(urges(await listEvents(store.deps.db, late.id)).map((e) => e.data.level)).toEqual([
      'red',
    ])
    expect((await outboxRows()).map((row) => row.work_order_id)).toEqual([late.id])
  })

  it('counts a supervisor’s manual 督办 and climbs from there', async () => {
    const order = await dispatched()
    store.setNow(sh('2025-09-29 08:00:00'))
    await performAction(
      store.deps,
      order.id,
      { action: 'urge', level: 'yellow', note: '领导批示' },
      fx.actors.supervisor,
    )
    expect(levels(await run(sh('2025-10-01 00:00:00')))).toEqual({ reminder: 0, yellow: 0, red: 0 })
    expect(levels(await run(sh('2025-10-15 00:00:00')))).toEqual({ reminder: 0, yellow: 0, red: 1 })
    expect(
      urges(await listEvents(store.deps.db, order.id)).map((e) => [e.data.level, e.actorRole]),
    ).toEqual([
      ['yellow', 'supervisor'],
      ['red', 'system'],
    ])
  })

  it('two schedulers running at once never urge a case twice at a level', async () => {
    const orders: WorkOrder[] = []
    for (let i = 0; i < 6; i++) orders.push(await dispatched())
    for (const [at, level] of [
      [sh('2025-09-29 00:00:00'), 'reminder'],
      [sh('2025-10-01 00:00:00'), 'yellow'],
      [sh('2025-10-15 00:00:00'), 'red'],
    ] as const) {
      store.setNow(at)
      const [a, b] = await Promise.all([runSupervision(store.deps), runSupervision(store.deps)])
      expect(a[level] + b[level]).toBe(orders.length)
      expect(a.failed + b.failed).toBe(0)
    }
    for (const order of orders) {
      const levelsSeen = urges(await listEvents(store.deps.db, order.id)).map((e) => e.data.level)
      expect(levelsSeen).toEqual(['reminder', 'yellow', 'red'])
    }
    expect(await outboxRows()).toHaveLength(orders.length * 3)
  })

  it('writes the urge and its notification together or not at all', async () => {
    const order = await dispatched()
    await sql`alter table outbox rename to outbox_away`.execute(store.deps.db)
    const r = await run(sh('2025-10-01 00:00:00'))
    expect(levels(r)).toEqual({ reminder: 0, yellow: 0, red: 0 })
    expect(r.failed).toBe(1)
    expect(r.errors[0]).toMatch(new RegExp(`^case ${order.id}: `))
    expect(r.errors[0]).not.toContain(PHONE)
    expect(urges(await listEvents(store.deps.db, order.id))).toEqual([])
    expect((await findWorkOrder(store.deps.db, order.id))?.urgeLevel).toBeNull()
    await sql`alter table outbox_away rename to outbox`.execute(store.deps.db)
    expect(levels(await run(sh('2025-10-01 00:01:00')))).toEqual({ reminder: 0, yellow: 1, red: 0 })
  })

  it('reads the ladder from settings', async () => {
    expect(await loadSupervisionPolicy(store.deps.db)).toEqual({
      reminderWorkdaysBefore: 1,
      yellowAtDeadline: true,
      redWorkdaysAfter: 5,
    })
    const policy = { reminderWorkdaysBefore: 0, yellowAtDeadline: false, redWorkdaysAfter: 1 }
    await saveSupervisionPolicy(store.deps.db, policy, FILED)
    await saveSupervisionPolicy(store.deps.db, policy, FILED) // an upsert, not a second row
    expect(await loadSupervisionPolicy(store.deps.db)).toEqual(policy)
    await dispatched()
    expect(levels(await run(sh('2025-09-29 23:59:59')))).toEqual({ reminder: 0, yellow: 0, red: 0 })
    expect(levels(await run(sh('2025-09-30 00:00:00')))).toEqual({ reminder: 1, yellow: 0, red: 0 })
    expect(levels(await run(sh('2025-10-01 00:00:00')))).toEqual({ reminder: 0, yellow: 0, red: 0 })
    // one working day after the due day is Thu 10-09
    expect(levels(await run(sh('2025-10-09 23:59:59')))).toEqual({ reminder: 0, yellow: 0, red: 0 })
    expect(levels(await run(sh('2025-10-10 00:00:00')))).toEqual({ reminder: 0, yellow: 0, red: 1 })
  })

  it('delivers notifications to the webhook, signed with HMAC-SHA256, once', async () => {
    const order = await dispatched()
    await run(sh('2025-09-29 00:00:00'))
    const at = sh('2025-09-29 00:00:05')
    store.setNow(at)
    const gw = gateway(204)
    const result = await deliverOutbox(store.deps, { url: URL, secret: SECRET, fetch: gw.fetch })
    expect(result).toEqual({ claimed: 1, delivered: 1, retrying: 0, dead: 0 })
    expect(gw.sent).toHaveLength(1)
    const [req] = gw.sent
    const [row] = await outboxRows()
    expect(req!.url).toBe(URL)
    expect(req!.headers.get('content-type')).toMatch(/^application\/json/)
    expect(req!.headers.get('x-hotline-topic')).toBe('work_order.urged')
    expect(req!.headers.get('x-hotline-delivery')).toBe(String(row!.id))
    const timestamp = req!.headers.get('x-hotline-timestamp')!
    expect(timestamp).toBe(String(Date.parse(at) / 1000))
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${req!.body}`).digest('hex')
    expect(req!.headers.get('x-hotline-signature')).toBe(`sha256=${expected}`)
    expect(JSON.parse(req!.body)).toEqual({
      id: row!.id,
      topic: 'work_order.urged',
      workOrderId: order.id,
      createdAt: sh('2025-09-29 00:00:00'),
      data: {
        caseId: order.id,
        caseNumber: order.caseNumber,
        unitId: fx.units.street,
        level: 'reminder',
        dueAt: DUE,
      },
    })
    expect(req!.body).not.toContain(PHONE)
    expect(row).toMatchObject({
      delivered_at: at,
      attempts: 1,
      last_error: null,
      locked_until: null,
    })

    store.setNow(plus(at, 3600_000))
    expect(await deliverOutbox(store.deps, { url: URL, secret: SECRET, fetch: gw.fetch })).toEqual({
      claimed: 0,
      delivered: 0,
      retrying: 0,
      dead: 0,
    })
    expect(gw.sent).toHaveLength(1)
    expect(await listOutboxProblems(store.deps.db)).toEqual([])

    // Delivered rows are kept 30 days, then pruned; undelivered ones stay.
    const waiting = await enqueue(store.deps.db, {
      topic: 'work_order.urged',
      workOrderId: order.id,
      payload: { caseId: order.id },
      now: at,
    })
    const day = 86_400_000
    expect(await pruneOutbox(store.deps.db, plus(at, 30 * day))).toBe(0)
    expect(await pruneOutbox(store.deps.db, plus(at, 30 * day + 1))).toBe(1)
    expect((await outboxRows()).map((r) => r.id)).toEqual([waiting])
  })

  it('retries with exponential backoff, then keeps a dead letter the admins see', async () => {
    const order = await dispatched()
    await run(sh('2025-10-01 00:00:00'))
    const gw = gateway(500, `gateway down ${'x'.repeat(500)}`)
    const webhook = { url: URL, secret: SECRET, fetch: gw.fetch, maxAttempts: 3 }
    const t0 = sh('2025-10-01 00:00:10')
    store.setNow(t0)
    expect(await deliverOutbox(store.deps, webhook)).toMatchObject({ claimed: 1, retrying: 1 })
    let [row] = await outboxRows()
    expect(row).toMatchObject({
      attempts: 1,
      delivered_at: null,
      locked_until: null,
      next_attempt_at: plus(t0, 30_000),
    })
    expect(row!.last_error).toMatch(/^HTTP 500: gateway down x+…$/)
    expect(row!.last_error!.length).toBe(201)

    store.setNow(plus(t0, 29_999))
    expect((await deliverOutbox(store.deps, webhook)).claimed).toBe(0)
    const t1 = plus(t0, 30_000)
    store.setNow(t1)
    expect(await deliverOutbox(store.deps, webhook)).toMatchObject({ claimed: 1, retrying: 1 })
    ;[row] = await outboxRows()
    expect(row).toMatchObject({ attempts: 2, next_attempt_at: plus(t1, 60_000) })

    const problems = await listOutboxProblems(store.deps.db)
    expect(problems).toEqual([
      {
        id: row!.id,
        topic: 'work_order.urged',
        workOrderId: order.id,
        caseNumber: order.caseNumber,
        attempts: 2,
        lastError: row!.last_error,
        nextAttemptAt: plus(t1, 60_000),
        dead: false,
        createdAt: sh('2025-10-01 00:00:00'),
      },
    ])

    store.setNow(plus(t1, 60_000))
    expect(await deliverOutbox(store.deps, webhook)).toMatchObject({ claimed: 1, dead: 1 })
    ;[row] = await outboxRows()
    expect(row).toMatchObject({ attempts: 3, next_attempt_at: null, delivered_at: null })
    store.setNow(sh('2025-10-09 00:00:00'))
    expect((await deliverOutbox(store.deps, webhook)).claimed).toBe(0)
    expect(gw.sent).toHaveLength(3)
    const [dead] = await listOutboxProblems(store.deps.db)
    expect(dead).toMatchObject({ id: row!.id, dead: true, attempts: 3, nextAttemptAt: null })

    // an admin retries once the gateway is fixed
    expect(await retryOutbox(store.deps.db, row!.id, sh('2025-10-09 00:00:00'))).toBe(true)
    const ok = gateway(200)
    expect(await deliverOutbox(store.deps, { ...webhook, fetch: ok.fetch })).toMatchObject({
      delivered: 1,
    })
    expect(await listOutboxProblems(store.deps.db)).toEqual([])
  })

  it('records a network error; a failing webhook never blocks or undoes the urge', async () => {
    const order = await dispatched()
    const gw = gateway(() => {
      throw new TypeError('fetch failed')
    })
    const lines: string[] = []
    store.setNow(sh('2025-10-01 00:00:00'))
    const tick = await runTick(store.deps, { url: URL, secret: SECRET, fetch: gw.fetch }, (l) =>
      lines.push(l),
    )
    expect(tick.supervision && levels(tick.supervision)).toEqual({ reminder: 0, yellow: 1, red: 0 })
    expect(tick.delivery).toEqual({ claimed: 1, delivered: 0, retrying: 1, dead: 0 })
    expect(urges(await listEvents(store.deps.db, order.id)).map((e) => e.data.level)).toEqual([
      'yellow',
    ])
    expect((await findWorkOrder(store.deps.db, order.id))?.urgeLevel).toBe('yellow')
    const [row] = await outboxRows()
    expect(row!.last_error).toBe('network error: fetch failed')
    expect(lines.join('\n')).not.toMatch(new RegExp(`${NAME}|${PHONE}`))
    expect(lines).toContain('[hotline] supervision: 催办 0, 黄牌 1, 红牌 0')
  })

  it('lets two senders share the outbox without sending a row twice', async () => {
    for (let i = 0; i < 5; i++) await dispatched()
    await run(sh('2025-10-01 00:00:00'))
    store.setNow(sh('2025-10-01 00:00:30'))
    const gw = gateway(200)
    const [a, b] = await Promise.all([
      deliverOutbox(store.deps, { url: URL, secret: SECRET, fetch: gw.fetch, batch: 4 }),
      deliverOutbox(store.deps, { url: URL, secret: SECRET, fetch: gw.fetch, batch: 4 }),
    ])
    expect(a.delivered + b.delivered).toBe(5)
    const ids = gw.sent.map((s) => s.headers.get('x-hotline-delivery'))
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toHaveLength(5)
  })

  it('runs in-process on a timer that stops cleanly', async () => {
    await dispatched()
    store.setNow(sh('2025-10-01 00:00:00'))
    const gw = gateway(200)
    const stop = startScheduler(store.deps, {
      intervalMs: 5,
      webhook: { url: URL, secret: SECRET, fetch: gw.fetch },
      log: () => {},
    })
    const deadline = Date.now() + 10_000
    while (gw.sent.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10))
    await stop()
    expect(gw.sent).toHaveLength(1)
    const rows = await outboxRows()
    expect(rows.map((r) => r.delivered_at !== null)).toEqual([true])
  })
})

describe('the outbox’s backoff and the webhook configuration', () => {
  it('backs off 30 s × 2^(attempts − 1), at most 6 hours', () => {
    expect([1, 2, 3, 4, 9, 10, 11, 30].map(backoffMs)).toEqual([
      30_000, 60_000, 120_000, 240_000, 7_680_000, 15_360_000, 21_600_000, 21_600_000,
    ])
  })

  it('takes both variables or neither', () => {
    expect(webhookFromEnv({})).toBeUndefined()
    expect(webhookFromEnv({ WEBHOOK_URL: '', WEBHOOK_SECRET: '' })).toBeUndefined()
    expect(webhookFromEnv({ WEBHOOK_URL: URL, WEBHOOK_SECRET: SECRET })).toEqual({
      url: URL,
      secret: SECRET,
    })
    expect(() => webhookFromEnv({ WEBHOOK_URL: URL })).toThrow(/set both or neither/)
    expect(() => webhookFromEnv({ WEBHOOK_URL: 'ftp://x', WEBHOOK_SECRET: SECRET })).toThrow(
      /WEBHOOK_URL/,
    )
    expect(() => webhookFromEnv({ WEBHOOK_URL: URL, WEBHOOK_SECRET: 'short' })).toThrow(
      /WEBHOOK_SECRET/,
    )
  })
})
