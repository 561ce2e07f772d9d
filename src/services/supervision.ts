import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../db/database'
import { toWorkOrder } from '../../db/repositories/work-orders'
import { addWorkdays } from '../domain/calendar'
import { URGE_LEVEL_LABELS, type UrgeLevel } from '../domain/codes'
import { HotlineError } from '../domain/errors'
import {
  checkSupervisionPolicy,
  dueUrgeLevel,
  isAboveLevel,
  supervisionPolicyFrom,
  SUPERVISION_SETTING_KEYS,
  type SupervisionPolicy,
} from '../domain/supervision'
import type { Actor, WorkOrder } from '../domain/work-order'
import { endOfLocalDay, localDateOf } from '../domain/zoned-time'
import { workingRules } from './calendar'
import { inTransaction, nowOf, type Deps } from './deps'
import { enqueue } from './outbox'
import { performAction } from './work-orders'

type Db = Kysely<Database> | Transaction<Database>

/** Who the scheduler acts as in the audit trail. */
export const SYSTEM_ACTOR: Readonly<Actor> = {
  id: null,
  role: 'system',
  unitId: null,
  name: '系统',
}

/** The outbox topic of an automatic or manual 督办 step. */
export const URGED_TOPIC = 'work_order.urged'

/** What one supervision run did. */
export interface SupervisionResult {
  /** Cases looked at (open, with a unit, near or past their deadline, below 红牌). */
  checked: number
  reminder: number
  yellow: number
  red: number
  /** Someone (another instance, or a person) changed the case first; the next run looks again. */
  skipped: number
  failed: number
  /** Why cases failed (case ids and error codes only, never personal data), at most ten. */
  errors: string[]
}

/**
 * The supervision policy in force: the `settings` rows `supervision.*`, with defaults for missing
 * or unreadable values.
 *
 * @example const policy = await loadSupervisionPolicy(deps.db) // { reminderWorkdaysBefore: 1, … }
 */
export async function loadSupervisionPolicy(db: Db): Promise<SupervisionPolicy> {
  const rows = await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where('key', 'in', Object.values(SUPERVISION_SETTING_KEYS))
    .execute()
  return supervisionPolicyFrom(Object.fromEntries(rows.map((r) => [r.key, r.value])))
}

/**
 * Stores a policy an admin set, after checking it (422 by field on bad values).
 *
 * @example
 * const policy = { reminderWorkdaysBefore: 2, yellowAtDeadline: true, redWorkdaysAfter: 3 }
 * await saveSupervisionPolicy(deps.db, policy, nowOf(deps))
 */
export async function saveSupervisionPolicy(
  db: Kysely<Database>,
  policy: SupervisionPolicy,
  now: string,
): Promise<SupervisionPolicy> {
  const checked = checkSupervisionPolicy(policy)
  await inTransaction(db, async (trx) => {
    for (const field of Object.keys(SUPERVISION_SETTING_KEYS) as (keyof SupervisionPolicy)[]) {
      const value = String(checked[field])
      await trx
        .insertInto('settings')
        .values({ key: SUPERVISION_SETTING_KEYS[field], value, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
        .execute()
    }
  })
  return checked
}

/**
 * One pass of automatic supervision (自动督办): every case being handled by a unit whose 督办 level
 * is below what {@link dueUrgeLevel} says gets one `urge` action at that level from the system
 * actor, and a `work_order.urged` notification in the outbox, in one transaction. A case that
 * skipped steps (the scheduler was down) gets only the highest level due. Each urge is made against
 * the version read, so when several instances run at once, or a person acts first, the loser gets
 * 409 and skips: no case is urged twice at a level. The candidates come from SQL (open, with a
 * unit, due within the reminder window, below 红牌); closed cases are never read.
 *
 * @example const { reminder, yellow, red } = await runSupervision(deps)
 */
export async function runSupervision(
  deps: Deps,
  policy?: SupervisionPolicy,
): Promise<SupervisionResult> {
  const rules = policy ?? (await loadSupervisionPolicy(deps.db))
  const now = nowOf(deps)
  const { calendar } = await workingRules(deps)
  const today = localDateOf(now, deps.timeZone)
  const reminderCutoff = endOfLocalDay(
    addWorkdays(calendar, today, rules.reminderWorkdaysBefore),
    deps.timeZone,
  )
  const rows = await deps.db
    .selectFrom('work_orders')
    .selectAll()
    .where('status', 'in', ['dispatched', 'in_progress'])
    .where('unit_id', 'is not', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('urge_level', 'is', null), eb('due_at', '<=', reminderCutoff)]),
        eb.and([eb('urge_level', 'in', ['reminder', 'yellow']), eb('due_at', '<', now)]),
      ]),
    )
    .orderBy('due_at')
    .orderBy('id')
    .execute()

  const result: SupervisionResult = {
    checked: rows.length,
    reminder: 0,
    yellow: 0,
    red: 0,
    skipped: 0,
    failed: 0,
    errors: [],
  }
  for (const row of rows) {
    const order = toWorkOrder(row)
    const level = dueUrgeLevel(order, now, calendar, deps.timeZone, rules)
    if (level === null || !isAboveLevel(level, order.urgeLevel)) continue
    try {
      await urgeWithNotice(deps, order, level, urgeNote(order, level, deps.timeZone, rules))
      result[level]++
    } catch (err) {
      if (err instanceof HotlineError && err.status !== 422) {
        result.skipped++
        continue
      }
      result.failed++
      if (result.errors.length < 10) result.errors.push(`case ${order.id}: ${safeErrorText(err)}`)
    }
  }
  return result
}

/**
 * Urges a case as the system and queues its notification, in one transaction (joining the caller's
 * when `deps.db` already is one). Throws 409 when the case is no longer at `order.version`.
 *
 * @example await urgeWithNotice(deps, order, 'yellow', '系统自动督办：黄牌')
 */
export async function urgeWithNotice(
  deps: Deps,
  order: WorkOrder,
  level: UrgeLevel,
  note: string,
  actor: Actor = SYSTEM_ACTOR,
): Promise<WorkOrder> {
  return inTransaction(deps.db, async (trx) => {
    const next = await performAction(
      { ...deps, db: trx },
      order.id,
      { action: 'urge', level, note },
      actor,
      order.version,
    )
    await enqueue(trx, {
      topic: URGED_TOPIC,
      workOrderId: next.id,
      payload: {
        caseId: next.id,
        caseNumber: next.caseNumber,
        unitId: next.unitId,
        level,
        dueAt: next.dueAt,
      },
      now: nowOf(deps),
    })
    return next
  })
}

function urgeNote(
  order: WorkOrder,
  level: UrgeLevel,
  timeZone: string,
  policy: SupervisionPolicy,
): string {
  const due = localDateOf(order.dueAt, timeZone)
  const why =
    level === 'reminder'
      ? `临近办理时限 ${due}`
      : level === 'yellow'
        ? `已超过办理时限 ${due}`
        : `超过办理时限 ${due} 已满${policy.redWorkdaysAfter}个工作日`
  return `系统自动督办：${URGE_LEVEL_LABELS[level]}（${why}）`
}

/**
 * An error as one line fit for logs: its name, code and message with long digit runs (phone or ID
 * numbers a driver might echo) masked, and never a driver's `detail` (which can hold row values).
 *
 * @example safeErrorText(new Error('call 13812345678')) // 'Error: call ***'
 */
export function safeErrorText(err: unknown): string {
  const name = err instanceof Error ? err.name : 'Error'
  const code =
    err instanceof HotlineError
      ? err.code
      : typeof err === 'object' && err !== null && 'code' in err
        ? String((err as { code: unknown }).code)
        : ''
  const message = (err instanceof Error ? err.message : String(err))
    .replace(/\d{7,}/g, '***')
    .replace(/\s+/g, ' ')
    .slice(0, 200)
  return `${name}${code ? ` [${code}]` : ''}: ${message}`
}
