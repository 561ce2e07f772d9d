import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CHANNELS,
  KINDS,
  RATINGS,
  RETURN_REASONS,
  URGE_LEVELS,
  URGENCIES,
  type Channel,
  type Kind,
  type Rating,
  type ReturnReason,
  type Urgency,
  type UrgeLevel,
} from '../../src/domain/codes'
import { HotlineError, type ErrorCode } from '../../src/domain/errors'
import { ACTIONS, isClosed, isOpen, type Action } from '../../src/domain/status'
import { refusal, type Actor, type Command, type WorkOrder } from '../../src/domain/work-order'
import { addDays, localDateOf, zonedToInstant } from '../../src/domain/zoned-time'
import type { DialectName } from '../../db/database'
import { recount } from '../../src/services/recount'
import type { FilingInput } from '../../src/services/schemas'
import {
  fileCase,
  getCase,
  performAction,
  rateByTrackingCode,
} from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/*
 * The foundation's property: random sequences of actions, taken through the services against a real
 * store, never break the invariants — one audit event per accepted action (and none for a refused
 * one), closed cases carry their close time, and the rollups always equal a recount from the raw
 * cases. One store per dialect; the clock only moves forward, and every run starts on a new local
 * day, so each run's cases can also be recounted on their own.
 */

const TZ = 'Asia/Shanghai'
const START = '2025-09-20T00:30:00.000Z'
const WHOLE = { from: '2000-01-01', to: '2100-12-31' }
/** Runs per dialect: Postgres round trips cost more, so it gets fewer. */
const runsOn = (dialect: DialectName) => (dialect === 'postgres' ? 50 : 60)

const ACTOR_KEYS = [
  'dispatcher',
  'supervisor',
  'citizen',
  'streetWorker',
  'bureauWorker',
  'otherWorker',
  'system',
] as const
type ActorKey = (typeof ACTOR_KEYS)[number]

const UNIT_KEYS = ['street', 'bureau', 'otherStreet'] as const
type UnitKey = (typeof UNIT_KEYS)[number]

/** What a refused action may answer; anything else (a 409, a crash) fails the property. */
const REFUSALS: readonly ErrorCode[] = [
  'forbidden',
  'invalid_transition',
  'not_found',
  'validation_failed',
]

/**
 * How often a guided step takes each action when the domain allows it: actions that end a case or
 * leave it where it is come seldom, and the ends of longer chains (an approved extension, a reopen
 * after a close and a dissatisfied rating) often, so that short runs reach deep states.
 */
const WEIGHT: Record<Action, number> = {
  dispatch: 8,
  sign: 8,
  request_return: 4,
  approve_return: 8,
  reject_return: 4,
  request_extension: 12,
  approve_extension: 12,
  reject_extension: 12,
  reply_and_close: 8,
  direct_answer: 4,
  rate: 8,
  reopen: 12,
  urge: 2,
  mark_invalid: 1,
  merge: 2,
  archive: 1,
  note: 2,
}

/**
 * Accepted actions that must turn up across the runs, or the property says little (`rate` is the
 * dispatcher's callback, `rate_by_citizen` a rating through the tracking code).
 */
const MUST_HAPPEN = [
  'dispatch',
  'sign',
  'request_return',
  'approve_return',
  'reject_return',
  'request_extension',
  'approve_extension',
  'reject_extension',
  'reply_and_close',
  'direct_answer',
  'rate',
  'rate_by_citizen',
  'reopen',
  'urge',
  'mark_invalid',
  'merge',
  'archive',
  'note',
] as const

interface CaseSpec {
  channel: Channel
  kind: Kind
  urgency: Urgency
  category: 'none' | 'roads' | 'potholes' | 'noise'
  district: 'none' | 'district' | 'otherDistrict'
  /** Who files it; a dispatcher may name the handling unit at once. */
  filer: 'citizen' | 'dispatcher' | 'dispatcher_with_unit'
  unit: UnitKey
  /** Minutes the clock moves before filing. */
  minutes: number
}

interface Step {
  caseIndex: number
  /** Take an (actor, action) pair the domain allows on a case that can still move. */
  guided: boolean
  pick: number
  actor: ActorKey
  action: Action
  unit: UnitKey
  reason: ReturnReason
  workdays: number
  basis: string
  reply: string
  rating: Rating
  comment: string | null
  level: UrgeLevel
  note: string
  withNote: boolean
  masterIndex: number
  /** Send the version the caller last saw (always current here, so never a 409). */
  withVersion: boolean
  /** Minutes the clock moves before the step (0 to 72 hours). */
  minutes: number
}

interface Run {
  startMinutes: number
  /** A unit subtree (by code) whose figures are recounted too, or none. */
  scope: string | null
  cases: CaseSpec[]
  steps: Step[]
}

const minutesUpTo = (hours: number) =>
  fc.oneof(fc.constant(0), fc.integer({ min: 0, max: hours * 60 }))

const caseArb: fc.Arbitrary<CaseSpec> = fc.record({
  channel: fc.constantFrom(...CHANNELS),
  kind: fc.constantFrom(...KINDS),
  urgency: fc.constantFrom(...URGENCIES),
  category: fc.constantFrom('none', 'roads', 'potholes', 'noise'),
  district: fc.constantFrom('none', 'district', 'otherDistrict'),
  filer: fc.constantFrom('citizen', 'dispatcher', 'dispatcher_with_unit'),
  unit: fc.constantFrom(...UNIT_KEYS),
  minutes: minutesUpTo(72),
})

const stepArb: fc.Arbitrary<Step> = fc.record({
  caseIndex: fc.noBias(fc.nat()),
  guided: fc.noBias(fc.nat({ max: 3 })).map((n) => n !== 0),
  pick: fc.noBias(fc.nat()),
  actor: fc.constantFrom(...ACTOR_KEYS),
  action: fc.constantFrom(...ACTIONS),
  unit: fc.constantFrom(...UNIT_KEYS),
  reason: fc.constantFrom(...RETURN_REASONS),
  workdays: fc.integer({ min: 1, max: 10 }),
  basis: fc.constantFrom('需现场勘查', '涉及多部门协调', '《信访工作条例》第三十二条'),
  reply: fc.constantFrom('已安排人员整改完毕', '经核实，已答复诉求人', '已联系诉求人并说明政策'),
  rating: fc.constantFrom(...RATINGS),
  comment: fc.constantFrom(null, '处理及时', '没有解决问题'),
  level: fc.constantFrom(...URGE_LEVELS),
  note: fc.constantFrom('不属本单位职能', '诉求人电话无人接听', '已电话联系', '重复来电'),
  withNote: fc.boolean(),
  masterIndex: fc.noBias(fc.nat()),
  withVersion: fc.boolean(),
  minutes: minutesUpTo(72),
})

const runArb: fc.Arbitrary<Run> = fc.record({
  startMinutes: fc.integer({ min: 0, max: 24 * 60 - 1 }),
  scope: fc.constantFrom(null, 'NC', 'XJ', 'HGT', 'XJ-CB', 'XJ-CG', 'HGT-WD'),
  cases: fc.array(caseArb, { minLength: 1, maxLength: 4, size: 'max' }),
  steps: fc.array(stepArb, { minLength: 5, maxLength: 40, size: 'max' }),
})

/** A case of the current run, as last read from the store. */
interface Tracked {
  order: WorkOrder
  trackingCode: string
  events: number
  /** Events the filing wrote: the receipt, plus a dispatch when a unit was named. */
  filingEvents: number
  accepted: number
}

function commandOf(step: Step, action: Action, fx: Fixture, masterId: number): Command {
  const note = step.withNote ? { note: step.note } : {}
  switch (action) {
    case 'dispatch':
      return { action, unitId: fx.units[step.unit], ...note }
    case 'request_return':
      return { action, reason: step.reason, note: step.note }
    case 'request_extension':
      return { action, workdays: step.workdays, basis: step.basis, ...note }
    case 'reply_and_close':
    case 'direct_answer':
      return { action, reply: step.reply, ...note }
    case 'rate':
      return { action, rating: step.rating, ...(step.comment ? { comment: step.comment } : {}) }
    case 'urge':
      return { action, level: step.level, ...note }
    case 'mark_invalid':
    case 'note':
      return { action, note: step.note }
    case 'merge':
      return { action, masterId, ...note }
    default:
      return { action, ...note }
  }
}

/**
 * An (actor, action) pair the domain would allow on the case as last read, chosen by `pick`: an
 * action first (by {@link WEIGHT}), then who takes it. This only steers the runs towards deep
 * states; whether the services accept the step is what the property observes.
 */
function guidedPair(order: WorkOrder, fx: Fixture, pick: number): [ActorKey, Action] | null {
  const pairs: [ActorKey, Action][] = []
  for (const key of ACTOR_KEYS) {
    for (const action of ACTIONS) {
      if (refusal(order, fx.actors[key], action) === null) pairs.push([key, action])
    }
  }
  const actions = [...new Set(pairs.map(([, a]) => a))]
  const total = actions.reduce((sum, a) => sum + WEIGHT[a], 0)
  if (total === 0) return null
  let ticket = pick % total
  const action = actions.find((a) => (ticket -= WEIGHT[a]) < 0)
  const forAction = pairs.filter(([, a]) => a === action)
  return forAction[Math.floor(pick / total) % forAction.length] ?? null
}

/** Closed and archived cases carry their close; no other case does. */
function expectCloseFields(order: WorkOrder) {
  const where = `case ${order.id} (${order.status})`
  if (isClosed(order.status)) {
    expect(order.closedAt, where).not.toBeNull()
    expect(order.closedOnTime, where).not.toBeNull()
    expect(order.handlingWorkdays, where).not.toBeNull()
    // No action moves the deadline of a closed case, so the stored verdict still matches it.
    const onTime = Date.parse(order.closedAt ?? '') <= Date.parse(order.dueAt)
    expect(order.closedOnTime, `${where} closed ${order.closedAt}, due ${order.dueAt}`).toBe(onTime)
  } else {
    expect(order.closedAt, where).toBeNull()
    expect(order.closedOnTime, where).toBeNull()
  }
  if (isOpen(order.status)) expect(order.handlingWorkdays, where).toBeNull()
}

describe.each(DIALECTS)('service invariants over random action sequences on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture

  beforeAll(async () => {
    store = await openTestStore(dialect, START)
    fx = await seedFixture(store.deps)
  })
  afterAll(() => store.close())

  it('keeps events = actions, close times and rollups = recount', async () => {
    const { deps } = store
    const dispatcher = fx.actors.dispatcher
    let clock = Date.parse(START)
    let filedSoFar = 0
    let wholeStoreConsistent = true
    const acceptedTotal = new Map<string, number>()
    const count = (key: string) => acceptedTotal.set(key, (acceptedTotal.get(key) ?? 0) + 1)

    const tick = (minutes: number) => {
      clock += minutes * 60_000
      const now = new Date(clock).toISOString()
      store.setNow(now)
      return now
    }

    const property = fc.asyncProperty(runArb, async (run) => {
      // A new local day for every run, so no two runs share a received day.
      const firstDay = addDays(localDateOf(new Date(clock), TZ), 1)
      clock = Date.parse(zonedToInstant(firstDay, '00:00:00', TZ))
      tick(run.startMinutes)

      const cases: Tracked[] = []
      for (const spec of run.cases) {
        tick(spec.minutes)
        const input: FilingInput = {
          channel: spec.channel,
          kind: spec.kind,
          urgency: spec.urgency,
          title: '路灯不亮',
          content: '小区门口路灯连续一周不亮，夜间出行不便',
          citizenName: '李四',
          citizenPhone: '13912345678',
        }
        if (spec.category !== 'none') input.categoryId = fx.categories[spec.category]
        if (spec.district !== 'none') input.districtId = fx.units[spec.district]
        if (spec.filer === 'dispatcher_with_unit') input.unitId = fx.units[spec.unit]
        const filer = spec.filer === 'citizen' ? fx.actors.citizen : dispatcher
        const { order, trackingCode } = await fileCase(deps, input, filer)
        filedSoFar++
        const filingEvents = spec.filer === 'dispatcher_with_unit' ? 2 : 1
        expect(order.status).toBe(filingEvents === 2 ? 'dispatched' : 'received')
        cases.push({ order, trackingCode, events: filingEvents, filingEvents, accepted: 0 })
      }

      for (const step of run.steps) {
        const now = tick(step.minutes)
        // A guided step acts on a case that can still move; a free one on any case.
        const live = step.guided ? cases.filter((c) => guidedPair(c.order, fx, step.pick)) : []
        const pool = live.length > 0 ? live : cases
        const target = pool[step.caseIndex % pool.length] as Tracked
        let actorKey = step.actor
        let action = step.action
        const pair = live.length > 0 ? guidedPair(target.order, fx, step.pick) : null
        if (pair) [actorKey, action] = pair
        const who: Actor = fx.actors[actorKey]
        const others = cases.filter((c) => c !== target)
        const master = others.length > 0 ? others[step.masterIndex % others.length] : target
        const command = commandOf(step, action, fx, (master ?? target).order.id)
        const before = target.order
        const version = step.withVersion ? before.version : undefined

        let result: WorkOrder | null = null
        let error: HotlineError | null = null
        try {
          result =
            who.role === 'citizen' && command.action === 'rate'
              ? await rateByTrackingCode(deps, target.trackingCode, {
                  rating: command.rating,
                  comment: command.comment,
                })
              : await performAction(deps, before.id, command, who, version)
        } catch (e) {
          if (!(e instanceof HotlineError)) throw e
          error = e
        }
        const { order: after, events } = await getCase(deps, before.id, dispatcher)
        const what = `${who.name} ${action} on case ${before.id} (${before.status}) at ${now}`

        if (error) {
          expect(REFUSALS, `${what}: ${error.code} ${error.message}`).toContain(error.code)
          expect(after, `${what} was refused but changed the case`).toEqual(before)
          expect(events, `${what} was refused but wrote an event`).toHaveLength(target.events)
          continue
        }

        target.accepted++
        target.events++
        count(action === 'rate' && who.role === 'citizen' ? 'rate_by_citizen' : action)
        expect(after, `${what}: the returned case is what was stored`).toEqual(result)
        expect(after.version, what).toBe(before.version + 1)
        const { receivedAt, receivedDay, channel, kind, categoryId, districtId } = before
        expect(after, `${what} changed what the case was filed as`).toMatchObject({
          receivedAt,
          receivedDay,
          channel,
          kind,
          categoryId,
          districtId,
        })
        expect(events, what).toHaveLength(target.events)
        const last = events[events.length - 1]
        expect(last, what).toMatchObject({
          action,
          fromStatus: before.status,
          toStatus: after.status,
          actorRole: who.role,
          at: now,
        })
        expectCloseFields(after)
        target.order = after
      }

      for (const c of cases) {
        const { order, events } = await getCase(deps, c.order.id, dispatcher)
        const where = `case ${order.id}`
        expect(events, where).toHaveLength(c.filingEvents + c.accepted)
        expect(order.version, where).toBe(events.length)
        expect(events[0]?.action, where).toBe('receive')
        expect(events[0]?.fromStatus, where).toBeNull()
        events.forEach((e, i) => {
          if (i > 0) expect(e.fromStatus, `${where} event ${i}`).toBe(events[i - 1]?.toStatus)
        })
        expect(events[events.length - 1]?.toStatus, where).toBe(order.status)
        expectCloseFields(order)
        if (order.status === 'merged') {
          expect(cases.map((m) => m.order.id)).toContain(order.mergedIntoId)
        } else {
          expect(order.mergedIntoId, where).toBeNull()
        }
      }

      const own = await recount(deps, { from: firstDay, to: WHOLE.to })
      const whole = await recount(deps, WHOLE)
      const checkWhole = wholeStoreConsistent
      wholeStoreConsistent = whole.differences.length === 0
      expect(own.differences, 'rollups differ from a recount of this run').toEqual([])
      expect(own.received).toBe(cases.length)
      if (run.scope) {
        const scoped = await recount(deps, { from: firstDay, to: WHOLE.to, scope: run.scope })
        expect(scoped.differences, `rollups differ from a recount of ${run.scope}`).toEqual([])
      }
      // Once a run broke the rollups, later runs (fast-check's shrinking) are judged on their own.
      if (checkWhole) expect(whole.differences, 'rollups differ from a recount').toEqual([])
      expect(whole.received).toBe(filedSoFar)
    })

    // A failure's shrinking replays runs against the same store; keep it within the test's timeout.
    await fc.assert(property, { numRuns: runsOn(dialect), interruptAfterTimeLimit: 40_000 })

    const counts = Object.fromEntries(
      [...acceptedTotal.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    )
    for (const action of MUST_HAPPEN) {
      const seen = acceptedTotal.get(action) ?? 0
      expect(seen, `accepted ${action}: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(1)
    }
  }, 60_000)
})
