import { describe, expect, it } from 'vitest'
import { ROLES, type Rating, type Role } from '../../src/domain/codes'
import {
  ACTIONS,
  actionsFor,
  STATUSES,
  transitionOf,
  type Action,
  type Status,
} from '../../src/domain/status'
import {
  applyAction,
  refusal,
  type Command,
  type RuleContext,
  type WorkOrder,
} from '../../src/domain/work-order'
import {
  actor,
  caseworker,
  citizen,
  ctx,
  dispatcher,
  OTHER_UNIT,
  received,
  sh,
  step,
  supervisor,
  thrown,
  UNIT,
  workOrder,
} from './builders'

/**
 * The workflow as CONTRACT.md sections 2 and 3 describe it, written out by hand: for each action,
 * the roles that may take it and, for each state it may be taken in, the state it leads to.
 * (A return is requested from `in_progress` in the fixtures, so a rejected return goes back there;
 * the fixtures' cases have a handling unit, so a reopen leads to `dispatched`.)
 */
const EXPECTED: Record<Action, { roles: Role[]; to: Partial<Record<Status, Status>> }> = {
  dispatch: { roles: ['dispatcher'], to: { received: 'dispatched' } },
  sign: { roles: ['caseworker'], to: { dispatched: 'in_progress' } },
  request_return: {
    roles: ['caseworker'],
    to: { dispatched: 'return_requested', in_progress: 'return_requested' },
  },
  approve_return: { roles: ['dispatcher'], to: { return_requested: 'received' } },
  reject_return: { roles: ['dispatcher'], to: { return_requested: 'in_progress' } },
  request_extension: { roles: ['caseworker'], to: { in_progress: 'in_progress' } },
  approve_extension: { roles: ['supervisor'], to: { in_progress: 'in_progress' } },
  reject_extension: { roles: ['supervisor'], to: { in_progress: 'in_progress' } },
  reply_and_close: { roles: ['caseworker'], to: { in_progress: 'closed' } },
  direct_answer: { roles: ['dispatcher'], to: { received: 'closed' } },
  rate: { roles: ['citizen', 'dispatcher'], to: { closed: 'closed' } },
  reopen: { roles: ['dispatcher'], to: { closed: 'dispatched' } },
  urge: {
    roles: ['supervisor', 'system'],
    to: {
      dispatched: 'dispatched',
      in_progress: 'in_progress',
      return_requested: 'return_requested',
    },
  },
  mark_invalid: { roles: ['dispatcher'], to: { received: 'invalid', dispatched: 'invalid' } },
  merge: { roles: ['dispatcher'], to: { received: 'merged', dispatched: 'merged' } },
  archive: { roles: ['dispatcher'], to: { closed: 'archived' } },
  note: {
    roles: ['dispatcher', 'caseworker', 'supervisor'],
    to: {
      received: 'received',
      dispatched: 'dispatched',
      in_progress: 'in_progress',
      return_requested: 'return_requested',
      closed: 'closed',
    },
  },
}

/** A valid command for each action. */
const COMMANDS: Record<Action, Command> = {
  dispatch: { action: 'dispatch', unitId: UNIT },
  sign: { action: 'sign' },
  request_return: { action: 'request_return', reason: 'wrong_function', note: '不属于本单位职能' },
  approve_return: { action: 'approve_return' },
  reject_return: { action: 'reject_return', note: '属于本单位职能' },
  request_extension: { action: 'request_extension', workdays: 5, basis: '需现场勘查' },
  approve_extension: { action: 'approve_extension' },
  reject_extension: { action: 'reject_extension' },
  reply_and_close: { action: 'reply_and_close', reply: '已协调施工方停止夜间施工' },
  direct_answer: { action: 'direct_answer', reply: '已电话答复' },
  rate: { action: 'rate', rating: 'satisfied' },
  reopen: { action: 'reopen', note: '群众不满意' },
  urge: { action: 'urge', level: 'yellow' },
  mark_invalid: { action: 'mark_invalid', note: '骚扰电话' },
  merge: { action: 'merge', masterId: 2 },
  archive: { action: 'archive' },
  note: { action: 'note', note: '已联系群众' },
}

const MASTER: RuleContext['master'] = { id: 2, status: 'received', mergedIntoId: null }
const NOW = sh('2025-11-06 09:30:00')
const CLOSED_AT = sh('2025-11-05 16:00:00')

/** A case in `status` whose data satisfies the guards of `action`. */
function fixture(status: Status, action: Action): WorkOrder {
  const closed = status === 'closed' || status === 'archived'
  const pending = action === 'approve_extension' || action === 'reject_extension'
  const reopening = action === 'reopen'
  return workOrder({
    status,
    unitId: UNIT,
    dispatchedAt: status === 'received' ? null : sh('2025-11-03 11:00:00'),
    statusBeforeReturn: status === 'return_requested' ? 'in_progress' : null,
    returnReason: status === 'return_requested' ? 'wrong_function' : null,
    pausedAt: status === 'return_requested' ? sh('2025-11-05 10:00:00') : null,
    pendingExtensionWorkdays: pending ? 3 : null,
    pendingExtensionBasis: pending ? '需现场勘查' : null,
    closedAt: closed ? CLOSED_AT : null,
    closedOnTime: closed ? true : null,
    handlingWorkdays: closed ? 2 : null,
    reply: closed ? '已处理' : null,
    rating: reopening ? 'dissatisfied' : null,
    ratedAt: reopening ? sh('2025-11-05 18:00:00') : null,
    mergedIntoId: status === 'merged' ? 3 : null,
  })
}

function actorFor(role: Role) {
  return role === 'caseworker' ? actor('caseworker', UNIT) : actor(role)
}

const rows: [Status, Action, Role][] = []
for (const status of STATUSES)
  for (const action of ACTIONS) for (const role of ROLES) rows.push([status, action, role])

describe('the workflow table, every status × action × role', () => {
  it('covers 8 states × 17 actions × 7 roles', () => {
    expect(rows).toHaveLength(952)
    expect(Object.keys(EXPECTED).sort()).toEqual([...ACTIONS].sort())
  })

  it.each(rows)('%s · %s · %s', (status, action, role) => {
    const expected = EXPECTED[action]
    const to = expected.to[status]
    const roleAllowed = expected.roles.includes(role)
    const allowed = roleAllowed && to !== undefined
    const order = fixture(status, action)
    const who = actorFor(role)

    const why = refusal(order, who, action)
    if (allowed) expect(why).toBeNull()
    else expect(why).toEqual(expect.any(String))

    const context = ctx(NOW, { master: MASTER })
    if (allowed) {
      const { order: next, event } = applyAction(order, who, COMMANDS[action], context)
      expect(next.status).toBe(to)
      expect(next.version).toBe(order.version + 1)
      expect(event.action).toBe(action)
      expect(event.fromStatus).toBe(status)
      expect(event.toStatus).toBe(to)
      expect(event.actorRole).toBe(role)
      expect(event.actorId).toBe(who.id)
      expect(event.actorName).toBe(who.name)
      expect(event.at).toBe(NOW)
    } else {
      const before = structuredClone(order)
      const err = thrown(() => applyAction(order, who, COMMANDS[action], context))
      expect(err.code).toBe(roleAllowed ? 'invalid_transition' : 'forbidden')
      expect(err.status).toBe(roleAllowed ? 409 : 403)
      expect(order).toEqual(before)
    }
  })
})

describe('actionsFor and transitionOf', () => {
  it.each([
    ['received', 'dispatcher', ['dispatch', 'direct_answer', 'mark_invalid', 'merge', 'note']],
    ['dispatched', 'caseworker', ['sign', 'request_return', 'note']],
    [
      'in_progress',
      'caseworker',
      ['request_return', 'request_extension', 'reply_and_close', 'note'],
    ],
    ['in_progress', 'supervisor', ['approve_extension', 'reject_extension', 'urge', 'note']],
    ['return_requested', 'dispatcher', ['approve_return', 'reject_return', 'note']],
    ['closed', 'dispatcher', ['rate', 'reopen', 'archive', 'note']],
    ['closed', 'citizen', ['rate']],
    ['archived', 'dispatcher', []],
    ['invalid', 'dispatcher', []],
    ['merged', 'supervisor', []],
    ['in_progress', 'reporter', []],
    ['in_progress', 'admin', []],
    ['return_requested', 'system', ['urge']],
  ] as const)('%s, %s', (status, role, actions) => {
    expect(actionsFor(status, role)).toEqual(actions)
  })

  it('agrees with the expected table for every state and role', () => {
    for (const status of STATUSES)
      for (const role of ROLES) {
        const expected = ACTIONS.filter(
          (a) => EXPECTED[a].roles.includes(role) && EXPECTED[a].to[status] !== undefined,
        )
        expect(actionsFor(status, role)).toEqual(expected)
      }
  })

  it('throws on an unknown action', () => {
    expect(() => transitionOf('fly' as Action)).toThrow('unknown action fly')
  })
})

describe('the caseworker is bound to the handling unit', () => {
  const cases: [Action, Status][] = [
    ['sign', 'dispatched'],
    ['request_return', 'dispatched'],
    ['request_return', 'in_progress'],
    ['request_extension', 'in_progress'],
    ['reply_and_close', 'in_progress'],
    ['note', 'in_progress'],
    ['note', 'closed'],
  ]

  it.each(cases)(
    '%s in %s: own unit allowed, other unit or no unit forbidden',
    (action, status) => {
      const order = fixture(status, action)
      expect(refusal(order, actor('caseworker', UNIT), action)).toBeNull()
      for (const who of [actor('caseworker', OTHER_UNIT), actor('caseworker', null)]) {
        expect(refusal(order, who, action)).toBe(`${action} is only for the handling unit`)
        const err = thrown(() => applyAction(order, who, COMMANDS[action], ctx(NOW)))
        expect(err.code).toBe('forbidden')
      }
    },
  )

  it('a caseworker without a unit may not touch a case without a unit', () => {
    const order = fixture('received', 'note')
    const unassigned = { ...order, unitId: null }
    const who = actor('caseworker', null)
    expect(refusal(unassigned, who, 'note')).toBe('note is only for the handling unit')
    expect(thrown(() => applyAction(unassigned, who, COMMANDS.note, ctx(NOW))).code).toBe(
      'forbidden',
    )
  })

  it('another unit is forbidden even where the state would not allow the action', () => {
    const order = fixture('received', 'sign')
    const err = thrown(() =>
      applyAction(order, actor('caseworker', OTHER_UNIT), COMMANDS.sign, ctx(NOW)),
    )
    expect(err.code).toBe('forbidden')
  })
})

describe('guards on the case data', () => {
  const closedCase = () => fixture('closed', 'rate')

  it('a citizen rates once; a second rating by the citizen is refused', () => {
    const rated = step(closedCase(), citizen, { action: 'rate', rating: 'very_satisfied' }, NOW)
    expect(rated.rating).toBe('very_satisfied')
    expect(rated.ratedAt).toBe(NOW)
    expect(rated.status).toBe('closed')
    expect(refusal(rated, citizen, 'rate')).toBe('this case has already been rated')
    const later = sh('2025-11-07 09:00:00')
    const err = thrown(() =>
      step(rated, citizen, { action: 'rate', rating: 'dissatisfied' }, later),
    )
    expect(err.code).toBe('invalid_transition')
  })

  it('the dispatcher may rate again at the callback (回访)', () => {
    const rated = step(closedCase(), citizen, { action: 'rate', rating: 'satisfied' }, NOW)
    expect(refusal(rated, dispatcher, 'rate')).toBeNull()
    const later = sh('2025-11-07 09:00:00')
    const again = step(
      rated,
      dispatcher,
      { action: 'rate', rating: 'dissatisfied', comment: '  噪音仍在  ' },
      later,
    )
    expect(again.rating).toBe('dissatisfied')
    expect(again.ratingComment).toBe('噪音仍在')
    expect(again.ratedAt).toBe(later)
    expect(again.version).toBe(rated.version + 1)
  })

  it('a rating comment longer than 1000 characters is refused', () => {
    const err = thrown(() =>
      step(
        closedCase(),
        citizen,
        { action: 'rate', rating: 'satisfied', comment: 'x'.repeat(1001) },
        NOW,
      ),
    )
    expect(err.code).toBe('validation_failed')
    expect(Object.keys(err.fields ?? {})).toEqual(['comment'])
  })

  it('after a reopen and a new close the citizen may rate the new answer', () => {
    let order = fixture('closed', 'rate')
    order = step(order, citizen, { action: 'rate', rating: 'very_dissatisfied' }, NOW)
    order = step(order, dispatcher, { action: 'reopen' }, sh('2025-11-06 10:00:00'))
    expect(order.status).toBe('dispatched')
    order = step(order, caseworker, { action: 'sign' }, sh('2025-11-06 11:00:00'))
    order = step(
      order,
      caseworker,
      { action: 'reply_and_close', reply: '已复查' },
      sh('2025-11-07 11:00:00'),
    )
    expect(refusal(order, citizen, 'rate')).toBeNull()
    order = step(order, citizen, { action: 'rate', rating: 'satisfied' }, sh('2025-11-07 12:00:00'))
    expect(order.rating).toBe('satisfied')
  })

  const ratings: [Rating | null, boolean][] = [
    [null, false],
    ['very_satisfied', false],
    ['satisfied', false],
    ['basically_satisfied', false],
    ['dissatisfied', true],
    ['very_dissatisfied', true],
  ]
  it.each(ratings)('reopen after rating %s: allowed %s', (rating, allowed) => {
    const order = workOrder({
      ...fixture('closed', 'rate'),
      rating,
      ratedAt: rating === null ? null : sh('2025-11-05 18:00:00'),
    })
    const why = refusal(order, dispatcher, 'reopen')
    if (allowed) {
      expect(why).toBeNull()
      expect(step(order, dispatcher, { action: 'reopen' }, NOW).status).toBe('dispatched')
    } else {
      expect(why).toBe('only a case rated dissatisfied since it was closed can be reopened')
      expect(thrown(() => step(order, dispatcher, { action: 'reopen' }, NOW)).code).toBe(
        'invalid_transition',
      )
    }
  })

  it('a re-closed case needs a new dissatisfied rating before another reopen', () => {
    const order = workOrder({
      ...fixture('closed', 'rate'),
      rating: 'dissatisfied',
      ratedAt: sh('2025-11-05 18:00:00'),
      closedAt: sh('2025-11-06 10:00:00'),
    })
    expect(refusal(order, dispatcher, 'reopen')).toBe(
      'only a case rated dissatisfied since it was closed can be reopened',
    )
    expect(refusal({ ...order, ratedAt: sh('2025-11-06 11:00:00') }, dispatcher, 'reopen')).toBeNull()
  })

  it('a direct answer reopened goes back to the dispatch centre (received)', () => {
    const order = workOrder({
      ...fixture('closed', 'reopen'),
      unitId: null,
    })
    const next = step(order, dispatcher, { action: 'reopen' }, NOW)
    expect(next.status).toBe('received')
    expect(next.reopenCount).toBe(1)
  })

  it('approving or rejecting an extension needs one pending', () => {
    const order = fixture('in_progress', 'sign')
    expect(order.pendingExtensionWorkdays).toBeNull()
    for (const action of ['approve_extension', 'reject_extension'] as const) {
      expect(refusal(order, supervisor, action)).toBe('no extension is pending')
      expect(thrown(() => step(order, supervisor, { action }, NOW)).code).toBe('invalid_transition')
    }
  })

  it('a second extension request while one is pending is refused', () => {
    const order = fixture('in_progress', 'sign')
    const requested = step(
      order,
      caseworker,
      { action: 'request_extension', workdays: 5, basis: '需现场勘查' },
      NOW,
    )
    expect(requested.pendingExtensionWorkdays).toBe(5)
    expect(requested.pendingExtensionBasis).toBe('需现场勘查')
    expect(refusal(requested, caseworker, 'request_extension')).toBe(
      'an extension is already pending',
    )
    const err = thrown(() =>
      step(requested, caseworker, { action: 'request_extension', workdays: 2, basis: '再议' }, NOW),
    )
    expect(err.code).toBe('invalid_transition')
  })

  it('a rejected extension leaves the deadline and clears the request', () => {
    const order = fixture('in_progress', 'reject_extension')
    const next = step(order, supervisor, { action: 'reject_extension' }, NOW)
    expect(next.pendingExtensionWorkdays).toBeNull()
    expect(next.pendingExtensionBasis).toBeNull()
    expect(next.dueAt).toBe(order.dueAt)
    expect(next.extensionCount).toBe(0)
  })

  it('urging only ever raises the level', () => {
    const order = fixture('in_progress', 'urge')
    const red = step(order, supervisor, { action: 'urge', level: 'red' }, NOW)
    expect(red.urgeLevel).toBe('red')
    const reminder = step(red, actor('system'), { action: 'urge', level: 'reminder' }, NOW)
    expect(reminder.urgeLevel).toBe('red')
    expect(reminder.version).toBe(red.version + 1)
  })
})

describe('validation errors name the field', () => {
  type Case = [string, WorkOrder, ReturnType<typeof actor>, Command, string, RuleContext['master']?]
  const inProgress = fixture('in_progress', 'sign')
  const fresh = fixture('received', 'dispatch')
  const cases: Case[] = [
    [
      'dispatch without unitId',
      fresh,
      dispatcher,
      { action: 'dispatch' } as unknown as Command,
      'unitId',
    ],
    ['dispatch to unit 1.5', fresh, dispatcher, { action: 'dispatch', unitId: 1.5 }, 'unitId'],
    [
      'request_return without note',
      inProgress,
      caseworker,
      { action: 'request_return', reason: 'wrong_locality' } as unknown as Command,
      'note',
    ],
    [
      'request_return with a blank note',
      inProgress,
      caseworker,
      { action: 'request_return', reason: 'wrong_locality', note: '   ' },
      'note',
    ],
    [
      'request_extension of 0 workdays',
      inProgress,
      caseworker,
      { action: 'request_extension', workdays: 0, basis: '需勘查' },
      'workdays',
    ],
    [
      'request_extension of 61 workdays',
      inProgress,
      caseworker,
      { action: 'request_extension', workdays: 61, basis: '需勘查' },
      'workdays',
    ],
    [
      'request_extension of 1.5 workdays',
      inProgress,
      caseworker,
      { action: 'request_extension', workdays: 1.5, basis: '需勘查' },
      'workdays',
    ],
    [
      'request_extension with an empty basis',
      inProgress,
      caseworker,
      { action: 'request_extension', workdays: 5, basis: '' },
      'basis',
    ],
    [
      'reply_and_close with an empty reply',
      inProgress,
      caseworker,
      { action: 'reply_and_close', reply: '' },
      'reply',
    ],
    [
      'direct_answer with a blank reply',
      fresh,
      dispatcher,
      { action: 'direct_answer', reply: ' ' },
      'reply',
    ],
    [
      'merge into itself',
      fresh,
      dispatcher,
      { action: 'merge', masterId: 1 },
      'masterId',
      { id: 1, status: 'received', mergedIntoId: null },
    ],
    [
      'merge into an invalid master',
      fresh,
      dispatcher,
      { action: 'merge', masterId: 2 },
      'masterId',
      { id: 2, status: 'invalid', mergedIntoId: null },
    ],
    [
      'merge into a merged master',
      fresh,
      dispatcher,
      { action: 'merge', masterId: 2 },
      'masterId',
      { id: 2, status: 'merged', mergedIntoId: 5 },
    ],
    ['merge with no master', fresh, dispatcher, { action: 'merge', masterId: 2 }, 'masterId', null],
    ['mark_invalid without note', fresh, dispatcher, { action: 'mark_invalid', note: '' }, 'note'],
    ['note without text', fresh, dispatcher, { action: 'note', note: '' }, 'note'],
    [
      'urge with an unknown level',
      inProgress,
      supervisor,
      { action: 'urge', level: 'purple' } as unknown as Command,
      'level',
    ],
  ]

  it.each(cases)('%s', (_name, order, who, command, field, master) => {
    const before = structuredClone(order)
    const err = thrown(() => applyAction(order, who, command, ctx(NOW, { master })))
    expect(err.code).toBe('validation_failed')
    expect(err.status).toBe(422)
    expect(Object.keys(err.fields ?? {})).toEqual([field])
    expect(err.message.startsWith(`${field}: `)).toBe(true)
    expect(order).toEqual(before)
  })

  it('accepts extensions of 1 and 60 working days', () => {
    for (const workdays of [1, 60]) {
      const next = step(
        fixture('in_progress', 'sign'),
        caseworker,
        { action: 'request_extension', workdays, basis: '需勘查' },
        NOW,
      )
      expect(next.pendingExtensionWorkdays).toBe(workdays)
    }
  })

  it('merges into a valid master and records it', () => {
    const next = step(
      fixture('dispatched', 'merge'),
      dispatcher,
      { action: 'merge', masterId: 2 },
      NOW,
      {
        master: { id: 2, status: 'closed', mergedIntoId: null },
      },
    )
    expect(next.status).toBe('merged')
    expect(next.mergedIntoId).toBe(2)
  })
})

describe('the life of a case, event by event', () => {
  it('receive → dispatch → sign → reply_and_close → rate → archive', () => {
    const t = (s: string) => sh(s)
    let order = received(t('2025-11-03 10:00:00'))
    expect(order.status).toBe('received')
    expect(order.version).toBe(1)
    expect(order.unitId).toBeNull()

    const d = applyAction(
      order,
      dispatcher,
      { action: 'dispatch', unitId: UNIT, note: '请核实' },
      ctx(t('2025-11-03 11:00:00')),
    )
    expect(d.order.unitId).toBe(UNIT)
    expect(d.order.dispatchedAt).toBe(t('2025-11-03 11:00:00'))
    expect(d.event.note).toBe('请核实')
    expect(d.event.data).toEqual({ unitId: UNIT })
    order = d.order

    order = step(order, caseworker, { action: 'sign' }, t('2025-11-04 09:00:00'))
    const c = applyAction(
      order,
      caseworker,
      { action: 'reply_and_close', reply: '已处理完毕' },
      ctx(t('2025-11-05 15:00:00')),
    )
    expect(c.order.status).toBe('closed')
    expect(c.order.reply).toBe('已处理完毕')
    expect(c.order.closedAt).toBe(t('2025-11-05 15:00:00'))
    expect(c.order.closedOnTime).toBe(true)
    expect(c.order.handlingWorkdays).toBe(2)
    expect(c.event.data).toEqual({ onTime: true })
    expect(c.event.note).toBeNull()
    order = step(
      c.order,
      citizen,
      { action: 'rate', rating: 'basically_satisfied' },
      t('2025-11-06 10:00:00'),
    )
    order = step(order, dispatcher, { action: 'archive' }, t('2025-11-10 10:00:00'))
    expect(order.status).toBe('archived')
    expect(order.version).toBe(6)
    expect(order.rating).toBe('basically_satisfied')
  })

  it('approve_return sends the case back to the centre without a unit and counts the return', () => {
    let order = received(sh('2025-11-03 10:00:00'))
    order = step(order, dispatcher, { action: 'dispatch', unitId: UNIT }, sh('2025-11-03 11:00:00'))
    order = step(
      order,
      caseworker,
      { action: 'request_return', reason: 'wrong_locality', note: '不在辖区' },
      sh('2025-11-03 15:00:00'),
    )
    expect(order.status).toBe('return_requested')
    expect(order.statusBeforeReturn).toBe('dispatched')
    expect(order.returnReason).toBe('wrong_locality')
    expect(order.pausedAt).toBe(sh('2025-11-03 15:00:00'))
    const a = applyAction(
      order,
      dispatcher,
      { action: 'approve_return' },
      ctx(sh('2025-11-03 16:00:00')),
    )
    expect(a.order.status).toBe('received')
    expect(a.order.unitId).toBeNull()
    expect(a.order.statusBeforeReturn).toBeNull()
    expect(a.order.pausedAt).toBeNull()
    expect(a.order.returnCount).toBe(1)
    expect(a.event.data).toEqual({ pausedWorkdays: 0, unitId: UNIT })
  })

  it('reject_return puts the case back in the state it was in', () => {
    let order = received(sh('2025-11-03 10:00:00'))
    order = step(order, dispatcher, { action: 'dispatch', unitId: UNIT }, sh('2025-11-03 11:00:00'))
    order = step(
      order,
      caseworker,
      { action: 'request_return', reason: 'other', note: '不归我们管' },
      sh('2025-11-03 15:00:00'),
    )
    order = step(order, dispatcher, { action: 'reject_return' }, sh('2025-11-03 16:00:00'))
    expect(order.status).toBe('dispatched')
    expect(order.unitId).toBe(UNIT)
    expect(order.returnCount).toBe(0)
    expect(order.returnReason).toBeNull()
    expect(order.pausedAt).toBeNull()
  })
})
