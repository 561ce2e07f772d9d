import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { RATINGS, URGE_LEVELS } from '../../src/domain/codes'
import { HotlineError } from '../../src/domain/errors'
import { isClosed, isOpen } from '../../src/domain/status'
import {
  applyAction,
  deadline,
  receive,
  refusal,
  type Actor,
  type Command,
  type WorkOrder,
  type WorkOrderEvent,
} from '../../src/domain/work-order'
import { actor, calendar, ctx, filing, OTHER_UNIT, sh, TZ, UNIT } from './builders'

const ACTORS: Actor[] = [
  actor('citizen'),
  actor('dispatcher'),
  actor('caseworker', UNIT),
  actor('caseworker', OTHER_UNIT),
  actor('caseworker', null),
  actor('supervisor'),
  actor('reporter'),
  actor('admin'),
  actor('system'),
]

/** Every command with valid arguments: refusals come from the workflow, never from bad input. */
const COMMANDS: Command[] = [
  { action: 'dispatch', unitId: UNIT },
  { action: 'dispatch', unitId: OTHER_UNIT },
  { action: 'sign' },
  { action: 'request_return', reason: 'wrong_locality', note: '不在辖区' },
  { action: 'approve_return' },
  { action: 'reject_return' },
  { action: 'request_extension', workdays: 1, basis: '需勘查' },
  { action: 'request_extension', workdays: 7, basis: '需协调多部门' },
  { action: 'approve_extension' },
  { action: 'reject_extension' },
  { action: 'reply_and_close', reply: '已办结' },
  { action: 'direct_answer', reply: '已答复' },
  ...RATINGS.map((rating): Command => ({ action: 'rate', rating })),
  { action: 'reopen' },
  ...URGE_LEVELS.map((level): Command => ({ action: 'urge', level })),
  { action: 'mark_invalid', note: '无效诉求' },
  { action: 'merge', masterId: 2 },
  { action: 'archive' },
  { action: 'note', note: '备注' },
]

const MASTER = { id: 2, status: 'received', mergedIntoId: null } as const

interface Step {
  /** Take one of the allowed (actor, command) pairs rather than a random one. */
  allowedOnly: boolean
  pick: number
  actorIndex: number
  commandIndex: number
  /** Minutes the clock moves forward before the step. */
  minutes: number
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  allowedOnly: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
  pick: fc.nat(),
  actorIndex: fc.nat({ max: ACTORS.length - 1 }),
  commandIndex: fc.nat({ max: COMMANDS.length - 1 }),
  minutes: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 120 }),
    fc.integer({ min: 0, max: 4 * 24 * 60 }),
  ),
})

/** Actions after which nothing else can happen: taken only now and then, to reach deep states. */
const TERMINAL = new Set(['mark_invalid', 'merge', 'archive'])

/**
 * One of the (actor, command) pairs that `refusal` allows, chosen by `pick`: first an action
 * (uniformly, a terminal one only one time in eight), then a pair for it.
 */
function allowedPair(order: WorkOrder, pick: number): [Actor, Command] | null {
  const allowed: [Actor, Command][] = []
  for (const a of ACTORS)
    for (const c of COMMANDS) if (refusal(order, a, c.action) === null) allowed.push([a, c])
  let actions = [...new Set(allowed.map(([, c]) => c.action))]
  const lasting = actions.filter((a) => !TERMINAL.has(a))
  if (lasting.length > 0 && pick % 8 !== 0) actions = lasting
  if (actions.length === 0) return null
  const action = actions[Math.floor(pick / 8) % actions.length]
  const pairs = allowed.filter(([, c]) => c.action === action)
  return pairs[Math.floor(pick / 64) % pairs.length] ?? null
}

function checkInvariants(order: WorkOrder) {
  const due = deadline(calendar, order.dueBaseDay, order.dueWorkdays, TZ)
  expect(order.dueAt).toBe(due.dueAt)
  expect(order.dueProvisional).toBe(due.dueProvisional)
  if (isClosed(order.status)) {
    expect(order.closedAt).not.toBeNull()
    expect(order.closedOnTime).not.toBeNull()
    expect(order.handlingWorkdays).not.toBeNull()
  }
  if (isOpen(order.status)) {
    expect(order.closedAt).toBeNull()
    expect(order.closedOnTime).toBeNull()
    expect(order.handlingWorkdays).toBeNull()
  }
  expect(order.pausedAt !== null).toBe(order.status === 'return_requested')
  expect(order.statusBeforeReturn !== null).toBe(order.status === 'return_requested')
  if (order.status === 'received') expect(order.unitId).toBeNull()
  if (order.status === 'merged') expect(order.mergedIntoId).toBe(MASTER.id)
  else expect(order.mergedIntoId).toBeNull()
}

const seen = new Map<string, number>()
afterAll(() => console.log([...seen].sort()))
describe('invariants over random histories', () => {
  it('hold after every step', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 3, 5, 13),
        fc.integer({ min: 0, max: 120 * 24 * 60 }),
        fc.array(stepArb, { minLength: 1, maxLength: 80 }),
        (slaWorkdays, startMinutes, steps) => {
          let clock = Date.parse(sh('2025-09-20 08:00:00')) + startMinutes * 60_000
          const receivedAt = new Date(clock).toISOString()
          const filed = receive(filing({ receivedAt }), actor('dispatcher'), {
            now: receivedAt,
            timeZone: TZ,
            calendar,
            slaWorkdays,
          })
          let order: WorkOrder = { id: 1, ...filed.order }
          const events: WorkOrderEvent[] = [filed.event]
          checkInvariants(order)

          for (const s of steps) {
            clock += s.minutes * 60_000
            const now = new Date(clock).toISOString()
            const context = ctx(now, { slaWorkdays, master: MASTER })

            let who = ACTORS[s.actorIndex] as Actor
            let command = COMMANDS[s.commandIndex] as Command
            if (s.allowedOnly) {
              const pair = allowedPair(order, s.pick)
              if (pair === null) break
              ;[who, command] = pair
            }

            if (refusal(order, who, command.action) !== null) {
              const before = structuredClone(order)
              let error: unknown = null
              try {
                applyAction(order, who, command, context)
              } catch (err) {
                error = err
              }
              expect(error).toBeInstanceOf(HotlineError)
              expect(['forbidden', 'invalid_transition']).toContain((error as HotlineError).code)
              expect(order).toEqual(before)
              continue
            }

            const prev = order
            const { order: next, event } = applyAction(prev, who, command, context)
            events.push(event); seen.set(command.action + ':' + next.status, (seen.get(command.action + ':' + next.status) ?? 0) + 1)
            order = next

            expect(next.version).toBe(prev.version + 1)
            expect(next.version).toBe(events.length)
            expect(event.action).toBe(command.action)
            expect(event.fromStatus).toBe(prev.status)
            expect(event.toStatus).toBe(next.status)
            expect(event.at).toBe(now)
            expect(event.actorRole).toBe(who.role)
            expect(next.returnCount).toBeGreaterThanOrEqual(prev.returnCount)
            expect(next.extensionCount).toBeGreaterThanOrEqual(prev.extensionCount)
            expect(next.reopenCount).toBeGreaterThanOrEqual(prev.reopenCount)
            expect(next.receivedAt).toBe(prev.receivedAt)
            expect(next.receivedDay).toBe(prev.receivedDay)
            if (isClosed(next.status) && !isClosed(prev.status)) {
              expect(next.closedAt).toBe(now)
              expect(next.closedOnTime).toBe(now <= next.dueAt)
            }
            if (isClosed(prev.status) && isClosed(next.status)) {
              expect(next.closedAt).toBe(prev.closedAt)
              expect(next.closedOnTime).toBe(prev.closedOnTime)
            }
            checkInvariants(next)
          }
        },
      ),
      { numRuns: 1000 },
    )
  })
})
