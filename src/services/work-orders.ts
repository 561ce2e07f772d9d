import { insertAttachment } from '../../db/repositories/attachments'
import { appendEvent, listEvents, type StoredEvent } from '../../db/repositories/events'
import { insertRating } from '../../db/repositories/ratings'
import { listUnits, nextCounter, listCategories } from '../../db/repositories/reference-data'
import { moveRollups } from '../../db/repositories/rollups'
import {
  findWorkOrder,
  findWorkOrderByTrackingHash,
  insertWorkOrder,
  updateWorkOrder,
} from '../../db/repositories/work-orders'
import { HotlineError, invalidField } from '../domain/errors'
import { slaWorkdaysFor } from '../domain/sla'
import {
  formatCaseNumber,
  normalizeTrackingCode,
  trackingCodeFrom,
  TRACKING_CODE_BYTES,
} from '../domain/tracking-code'
import { applyAction, receive, type Actor, type Command, type WorkOrder } from '../domain/work-order'
import { localDateOf } from '../domain/zoned-time'
import { workingRules } from './calendar'
import { inTransaction, nowOf, type Deps } from './deps'
import { newPhotoKey, type PhotoStore } from './photo-store'
import type { PreparedPhoto } from './photos'
import { filingSchema, parseCommand, parseInput, type FilingInput } from './schemas'

/** The result of filing: the case and its tracking code, shown once and never stored. */
export interface Filed {
  order: WorkOrder
  trackingCode: string
}

/**
 * SHA-256 of a tracking code, hex: what the database keeps instead of the code.
 *
 * @example await hashTrackingCode('K3Q9…')
 */
export async function hashTrackingCode(code: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(code))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Files a new case (受理) from any channel: validates, checks the category, district and unit
 * exist, computes the deadline from the SLA rules and the calendar, numbers it, and writes the case,
 * its first event and the rollups in one transaction. A staff filing that names a unit is
 * dispatched in the same transaction.
 *
 * @example const { order, trackingCode } = await fileCase(deps, { channel: 'web', kind: 'complaint', title, content }, citizen)
 */
export async function fileCase(
  deps: Deps,
  input: FilingInput,
  actor: Actor,
  photos?: { store: PhotoStore; items: readonly PreparedPhoto[] },
): Promise<Filed> {
  const filing = parseInput(filingSchema, input)
  const now = nowOf(deps)
  if (filing.receivedAt) {
    if (actor.role === 'citizen') throw invalidField('receivedAt', 'is set by the system')
    if (Date.parse(filing.receivedAt) > Date.parse(now)) {
      throw invalidField('receivedAt', 'must not be in the future')
    }
  }
  if (filing.unitId && actor.role !== 'dispatcher') {
    throw invalidField('unitId', 'only the dispatch centre dispatches')
  }
  const receivedAt = filing.receivedAt ? new Date(filing.receivedAt).toISOString() : now
  const [units, categories] = await Promise.all([listUnits(deps.db), listCategories(deps.db)])
  const unitIds = new Set(units.filter((u) => u.active).map((u) => u.id))
  if (filing.districtId && !units.some((u) => u.id === filing.districtId && u.active && u.level === 'district')) {
    throw invalidField('districtId', 'no such district')
  }
  if (filing.unitId && !unitIds.has(filing.unitId)) throw invalidField('unitId', 'no such unit')
  if (filing.categoryId && !categories.some((c) => c.id === filing.categoryId && c.active)) {
    throw invalidField('categoryId', 'no such category')
  }
  const { calendar, rules } = await workingRules(deps)
  const slaWorkdays = slaWorkdaysFor(rules, filing)
  const trackingCode = trackingCodeFrom(deps.randomBytes(TRACKING_CODE_BYTES))
  const trackingHash = await hashTrackingCode(trackingCode)
  const year = Number(localDateOf(receivedAt, deps.timeZone).slice(0, 4))

  const order = await inTransaction(deps.db, async (trx) => {
    const sequence = await nextCounter(trx, `case_number:${year}`)
    const received = receive(
      {
        caseNumber: formatCaseNumber(deps.caseNumberPrefix, year, sequence),
        channel: filing.channel,
        kind: filing.kind,
        urgency: filing.urgency,
        categoryId: filing.categoryId ?? null,
        unitId: null,
        districtId: filing.districtId ?? null,
        title: filing.title,
        content: filing.content,
        address: filing.address ?? null,
        citizenName: filing.citizenName ?? null,
        citizenPhone: filing.citizenPhone ?? null,
        citizenIdNumber: filing.citizenIdNumber?.toUpperCase() ?? null,
        confidential: filing.confidential,
        receivedAt,
        externalId: filing.externalId ?? null,
      },
      actor,
      { now, timeZone: deps.timeZone, calendar, slaWorkdays },
    )
    let saved = await insertWorkOrder(trx, received.order, trackingHash, now)
    await appendEvent(trx, saved.id, received.event)
    if (filing.unitId) {
      const dispatched = applyAction(
        saved,
        actor,
        { action: 'dispatch', unitId: filing.unitId },
        { now: receivedAt, timeZone: deps.timeZone, calendar, slaWorkdays },
      )
      await updateWorkOrder(trx, dispatched.order, saved.version, now)
      await appendEvent(trx, saved.id, dispatched.event)
      saved = dispatched.order
    }
    for (const photo of photos?.items ?? []) {
      const storageKey = newPhotoKey(deps.randomBytes, photo.extension)
      await photos!.store.put(trx, storageKey, photo.bytes, photo.contentType)
      await insertAttachment(trx, {
        workOrderId: saved.id,
        storageKey,
        contentType: photo.contentType,
        bytes: photo.bytes.byteLength,
        width: photo.width,
        height: photo.height,
        createdAt: now,
      })
    }
    await moveRollups(trx, null, saved)
    return saved
  })
  return { order, trackingCode }
}

/**
 * Takes an action on a case: loads it, checks the caller's `version` when given (409 when someone
 * acted first), asks the domain, and writes the new state, one audit event, the rating (if any) and
 * the rollup change in one transaction. The version check in the UPDATE also refuses a concurrent
 * writer that slipped in between.
 *
 * @example const next = await performAction(deps, 42, { action: 'sign' }, caseworker, 3)
 */
export async function performAction(
  deps: Deps,
  id: number,
  input: Command | Record<string, unknown>,
  actor: Actor,
  expectedVersion?: number,
): Promise<WorkOrder> {
  const command = parseCommand(input)
  const order = await findWorkOrder(deps.db, id)
  if (!order || !mayView(order, actor)) throw new HotlineError('not_found', `case ${id} not found`)
  if (expectedVersion !== undefined && expectedVersion !== order.version) {
    throw staleVersion(order)
  }
  return act(deps, order, command, actor)
}

/**
 * The citizen's rating through the tracking code, accepted once per close.
 *
 * @example await rateByTrackingCode(deps, code, { rating: 'satisfied', comment: '处理及时' })
 */
export async function rateByTrackingCode(
  deps: Deps,
  code: string,
  input: { rating: unknown; comment?: unknown },
): Promise<WorkOrder> {
  const order = await findByTrackingCode(deps, code)
  if (!order) throw new HotlineError('not_found', 'no case with this tracking code')
  const command = parseCommand({ action: 'rate', ...input })
  return act(deps, order, command, { id: null, role: 'citizen', unitId: null, name: '群众' })
}

/**
 * The case a tracking code opens, or undefined (also for malformed codes).
 *
 * @example const order = await findByTrackingCode(deps, code)
 */
export async function findByTrackingCode(deps: Deps, code: string): Promise<WorkOrder | undefined> {
  const normalized = normalizeTrackingCode(code)
  if (!normalized) return undefined
  return findWorkOrderByTrackingHash(deps.db, await hashTrackingCode(normalized))
}

/**
 * A case and its timeline for a staff member who may see it; 404 for anyone else, so a
 * caseworker cannot probe other units' case ids.
 *
 * @example const { order, events } = await getCase(deps, 42, actor)
 */
export async function getCase(
  deps: Deps,
  id: number,
  actor: Actor,
): Promise<{ order: WorkOrder; events: StoredEvent[] }> {
  const order = await findWorkOrder(deps.db, id)
  if (!order || !mayView(order, actor)) throw new HotlineError('not_found', `case ${id} not found`)
  return { order, events: await listEvents(deps.db, id) }
}

/**
 * Whether a role may see a case at all: caseworkers their own unit's, citizens none by id.
 *
 * @example mayView(order, { role: 'caseworker', unitId: 3, … })
 */
export function mayView(order: WorkOrder, actor: Actor): boolean {
  if (actor.role === 'citizen') return false
  if (actor.role === 'caseworker') return actor.unitId !== null && actor.unitId === order.unitId
  return true
}

function staleVersion(order: WorkOrder): HotlineError {
  return new HotlineError(
    'conflict',
    `case ${order.caseNumber} was changed by someone else (now version ${order.version}); reload it and try again`,
    { version: `is stale; current version is ${order.version}` },
  )
}

async function act(
  deps: Deps,
  order: WorkOrder,
  command: Command,
  actor: Actor,
): Promise<WorkOrder> {
  const now = nowOf(deps)
  const { calendar, rules } = await workingRules(deps)
  let master: WorkOrder | undefined
  if (command.action === 'merge') master = await findWorkOrder(deps.db, command.masterId)
  if (command.action === 'dispatch') {
    const unit = (await listUnits(deps.db)).find((u) => u.id === command.unitId && u.active)
    if (!unit) throw invalidField('unitId', 'no such unit')
  }
  const { order: next, event } = applyAction(order, actor, command, {
    now,
    timeZone: deps.timeZone,
    calendar,
    slaWorkdays: slaWorkdaysFor(rules, order),
    master: master ?? null,
  })
  return inTransaction(deps.db, async (trx) => {
    if (!(await updateWorkOrder(trx, next, order.version, now))) {
      const fresh = await findWorkOrder(trx, order.id)
      throw staleVersion(fresh ?? order)
    }
    await appendEvent(trx, order.id, event)
    if (command.action === 'rate') {
      await insertRating(trx, {
        workOrderId: order.id,
        rating: command.rating,
        comment: next.ratingComment,
        source: actor.role === 'citizen' ? 'citizen' : 'callback',
        actorId: actor.id,
        ratedAt: now,
      })
    }
    await moveRollups(trx, order, next)
    return next
  })
}
