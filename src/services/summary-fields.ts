import type { Figures } from '../domain/figures'

/** Every figure of CONTRACT.md section 5, in the order tables and CSV columns show them. */
export const FIELD_ORDER = [
  'received',
  'invalid',
  'merged',
  'valid',
  'closed',
  'closedOnTime',
  'overdueOpen',
  'rated',
  'satisfied',
  'dissatisfied',
  'returned',
  'extended',
  'reopened',
  'handlingWorkdays',
  'closureRate',
  'onTimeRate',
  'satisfactionRate',
  'callbackRate',
  'returnRate',
  'reopenRate',
  'avgHandlingWorkdays',
] as const satisfies readonly (keyof Figures)[]
