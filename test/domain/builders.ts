/**
 * Builders shared by the domain tests: a filing, actors, a full work order with every field set,
 * a rule context and a helper that captures the HotlineError an action throws.
 */
import type { Calendar } from '../../src/domain/calendar'
import type { Role } from '../../src/domain/codes'
import { HotlineError } from '../../src/domain/errors'
import {
  applyAction,
  receive,
  type Actor,
  type Command,
  type Filing,
  type RuleContext,
  type WorkOrder,
} from '../../src/domain/work-order'
import { officialCalendar } from '../../src/services/official-holidays'

export const TZ = 'Asia/Shanghai'

/** The unit that handles the cases in these tests. */
export const UNIT = 7
/** Another unit, whose caseworkers must never touch UNIT's cases. */
export const OTHER_UNIT = 8

/** The official calendar (the `chinese-days` package, no overrides). */
export const calendar: Calendar = officialCalendar()

/**
 * The UTC instant of a wall-clock time in Shanghai, computed with a fixed +08:00 offset (China has
 * no daylight saving time), independently of the code under test.
 */
export function sh(local: string): string {
  return new Date(`${local.replace(' ', 'T')}+08:00`).toISOString()
}

export function actor(role: Role, unitId: number | null = null): Actor {
  return { id: 100 + ROLE_IDS[role], role, unitId, name: `${role}-${unitId ?? 'none'}` }
}

const ROLE_IDS: Record<Role, number> = {
  citizen: 0,
  dispatcher: 1,
  caseworker: 2,
  supervisor: 3,
  reporter: 4,
  admin: 5,
  system: 6,
}

export const dispatcher = actor('dispatcher')
export const caseworker = actor('caseworker', UNIT)
export const supervisor = actor('supervisor')
export const citizen = actor('citizen')

export function filing(overrides: Partial<Filing> = {}): Filing {
  return {
    caseNumber: 'NC20250000001',
    channel: 'hotline_12345',
    kind: 'complaint',
    urgency: 'normal',
    categoryId: 3,
    unitId: null,
    districtId: 2,
    title: '小区噪音扰民',
    content: '夜间施工噪音',
    address: '红谷滩区某路1号',
    citizenName: '张三',
    citizenPhone: '13812345678',
    citizenIdNumber: null,
    confidential: false,
    receivedAt: sh('2025-09-26 10:00:00'),
    externalId: null,
    ...overrides,
  }
}

export function ctx(
  now: string,
  options: { calendar?: Calendar; slaWorkdays?: number; master?: RuleContext['master'] } = {},
): RuleContext {
  return {
    now,
    timeZone: TZ,
    calendar: options.calendar ?? calendar,
    slaWorkdays: options.slaWorkdays ?? 13,
    master: options.master,
  }
}

/** A case received at `receivedAt` with `slaWorkdays`, as the domain builds it, with id 1. */
export function received(
  receivedAt: string,
  slaWorkdays = 13,
  cal: Calendar = calendar,
  overrides: Partial<Filing> = {},
): WorkOrder {
  const { order } = receive(filing({ receivedAt, ...overrides }), dispatcher, {
    now: receivedAt,
    timeZone: TZ,
    calendar: cal,
    slaWorkdays,
  })
  return { id: 1, ...order }
}

/** Applies a command and returns the new case (throws what applyAction throws). */
export function step(
  order: WorkOrder,
  who: Actor,
  command: Command,
  now: string,
  options: { calendar?: Calendar; slaWorkdays?: number; master?: RuleContext['master'] } = {},
): WorkOrder {
  return applyAction(order, who, command, ctx(now, options)).order
}

/** A complete work order with plain values, for tests that need a case in any state. */
export function workOrder(overrides: Partial<WorkOrder> = {}): WorkOrder {
  return {
    id: 1,
    caseNumber: 'NC20250000001',
    channel: 'hotline_12345',
    kind: 'complaint',
    urgency: 'normal',
    categoryId: 3,
    unitId: UNIT,
    districtId: 2,
    title: '小区噪音扰民',
    content: '夜间施工噪音',
    address: null,
    citizenName: '张三',
    citizenPhone: '13812345678',
    citizenIdNumber: null,
    confidential: false,
    status: 'received',
    version: 1,
    receivedAt: sh('2025-11-03 10:00:00'),
    receivedDay: '2025-11-03',
    dueAt: '2025-11-20T15:59:59.000Z',
    dueBaseDay: '2025-11-03',
    dueWorkdays: 13,
    dueProvisional: false,
    pausedAt: null,
    statusBeforeReturn: null,
    returnReason: null,
    pendingExtensionWorkdays: null,
    pendingExtensionBasis: null,
    dispatchedAt: null,
    closedAt: null,
    closedOnTime: null,
    handlingWorkdays: null,
    reply: null,
    rating: null,
    ratingComment: null,
    ratedAt: null,
    returnCount: 0,
    extensionCount: 0,
    reopenCount: 0,
    urgeLevel: null,
    mergedIntoId: null,
    externalId: null,
    ...overrides,
  }
}

/** The HotlineError `fn` throws; fails the test when it throws nothing or something else. */
export function thrown(fn: () => unknown): HotlineError {
  try {
    fn()
  } catch (err) {
    if (err instanceof HotlineError) return err
    throw err
  }
  throw new Error('expected a HotlineError, but nothing was thrown')
}
