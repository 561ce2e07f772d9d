import type { Role } from './codes'

/** The states of a work order (工单状态). */
export const STATUSES = [
  'received',
  'dispatched',
  'in_progress',
  'return_requested',
  'closed',
  'archived',
  'invalid',
  'merged',
] as const
export type Status = (typeof STATUSES)[number]
export const STATUS_LABELS: Record<Status, string> = {
  received: '受理',
  dispatched: '已派单',
  in_progress: '办理中',
  return_requested: '申请退单',
  closed: '办结',
  archived: '归档',
  invalid: '无效',
  merged: '重复件',
}

/** States grouped by what they mean for work and for the figures. */
export const OPEN_STATUSES: readonly Status[] = [
  'received',
  'dispatched',
  'in_progress',
  'return_requested',
]
export const CLOSED_STATUSES: readonly Status[] = ['closed', 'archived']
export const EXCLUDED_STATUSES: readonly Status[] = ['invalid', 'merged']

/**
 * Whether a state is open (still to be handled).
 *
 * @example isOpen('return_requested') // true
 */
export function isOpen(status: Status): boolean {
  return OPEN_STATUSES.includes(status)
}

/**
 * Whether a state counts as closed (办结) in the figures.
 *
 * @example isClosed('archived') // true
 */
export function isClosed(status: Status): boolean {
  return CLOSED_STATUSES.includes(status)
}

/** The actions on a work order. `receive` is the filing itself and is never applied to a case. */
export const ACTIONS = [
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
  'reopen',
  'urge',
  'mark_invalid',
  'merge',
  'archive',
  'note',
] as const
export type Action = (typeof ACTIONS)[number]
export type EventAction = Action | 'receive' | 'reveal' | 'import'

export const ACTION_LABELS: Record<EventAction, string> = {
  receive: '受理',
  dispatch: '派单',
  sign: '签收',
  request_return: '申请退单',
  approve_return: '同意退单',
  reject_return: '驳回退单',
  request_extension: '申请延期',
  approve_extension: '批准延期',
  reject_extension: '驳回延期',
  reply_and_close: '办结',
  direct_answer: '直接答复',
  rate: '回访评价',
  reopen: '重办',
  urge: '督办',
  mark_invalid: '标记无效',
  merge: '合并重复件',
  archive: '归档',
  note: '内部备注',
  reveal: '查看号码',
  import: '导入',
}

/** Where an action leads: a state, the state it was taken in, or the state before a return. */
export type Target = Status | 'same' | 'previous' | 'dispatched_or_received'

/** One row of the workflow table (Redmine's idea: the workflow is data, not `if`s). */
export interface Transition {
  action: Action
  from: readonly Status[]
  to: Target
  /** Who may take it; a caseworker only ever on their own unit's cases. */
  roles: readonly Role[]
}

/**
 * The workflow: who may take which action in which state, and where it leads.
 * Guards that depend on the case's data (a pending extension, a dissatisfied rating) live in
 * `applyAction`.
 */
export const TRANSITIONS: readonly Transition[] = [
  { action: 'dispatch', from: ['received'], to: 'dispatched', roles: ['dispatcher'] },
  { action: 'sign', from: ['dispatched'], to: 'in_progress', roles: ['caseworker'] },
  {
    action: 'request_return',
    from: ['dispatched', 'in_progress'],
    to: 'return_requested',
    roles: ['caseworker'],
  },
  { action: 'approve_return', from: ['return_requested'], to: 'received', roles: ['dispatcher'] },
  { action: 'reject_return', from: ['return_requested'], to: 'previous', roles: ['dispatcher'] },
  { action: 'request_extension', from: ['in_progress'], to: 'same', roles: ['caseworker'] },
  { action: 'approve_extension', from: ['in_progress'], to: 'same', roles: ['supervisor'] },
  { action: 'reject_extension', from: ['in_progress'], to: 'same', roles: ['supervisor'] },
  { action: 'reply_and_close', from: ['in_progress'], to: 'closed', roles: ['caseworker'] },
  { action: 'direct_answer', from: ['received'], to: 'closed', roles: ['dispatcher'] },
  { action: 'rate', from: ['closed'], to: 'same', roles: ['citizen', 'dispatcher'] },
  { action: 'reopen', from: ['closed'], to: 'dispatched_or_received', roles: ['dispatcher'] },
  {
    action: 'urge',
    from: ['dispatched', 'in_progress', 'return_requested'],
    to: 'same',
    roles: ['supervisor', 'system'],
  },
  { action: 'mark_invalid', from: ['received', 'dispatched'], to: 'invalid', roles: ['dispatcher'] },
  { action: 'merge', from: ['received', 'dispatched'], to: 'merged', roles: ['dispatcher'] },
  { action: 'archive', from: ['closed'], to: 'archived', roles: ['dispatcher'] },
  {
    action: 'note',
    from: ['received', 'dispatched', 'in_progress', 'return_requested', 'closed'],
    to: 'same',
    roles: ['dispatcher', 'caseworker', 'supervisor'],
  },
]

const byAction = new Map<Action, Transition>(TRANSITIONS.map((t) => [t.action, t]))

/**
 * The workflow row of an action.
 *
 * @example transitionOf('sign').from // ['dispatched']
 */
export function transitionOf(action: Action): Transition {
  const t = byAction.get(action)
  if (!t) throw new Error(`unknown action ${action}`)
  return t
}

/**
 * The actions a role may take in a state, before case-specific guards.
 *
 * @example actionsFor('received', 'dispatcher') // ['dispatch', 'direct_answer', 'mark_invalid', …]
 */
export function actionsFor(status: Status, role: Role): Action[] {
  return TRANSITIONS.filter((t) => t.from.includes(status) && t.roles.includes(role)).map(
    (t) => t.action,
  )
}
