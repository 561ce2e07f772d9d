import { sql, type KyselyPlugin, type RootOperationNode } from 'kysely'
import { QueryNode, SelectQueryNode, TableNode } from 'kysely'
import { z } from 'zod'
import type { StoredEvent } from '../../db/repositories/events'
import { listCategories, listUnits } from '../../db/repositories/reference-data'
import { toWorkOrder } from '../../db/repositories/work-orders'
import {
  CHANNELS,
  KINDS,
  RATINGS,
  RETURN_REASONS,
  ROLES,
  URGE_LEVELS,
  URGENCIES,
} from '../domain/codes'
import { invalidField } from '../domain/errors'
import { ACTIONS, OPEN_STATUSES, STATUSES } from '../domain/status'
import { refusal, type Actor, type Command, type WorkOrder } from '../domain/work-order'
import { nowOf, type Deps } from './deps'
import { FIGURE_FILTERS, listCases, parseCaseListQuery, QUEUES } from './queues'
import { commandSchema, filingSchema, parseInput } from './schemas'
import { citizenView } from './staff-cases'
import { fileCase, getCase, performAction } from './work-orders'

/*
 * The cases of the JSON API (CONTRACT.md section 4): the zod schemas that validate requests and
 * describe responses (the OpenAPI document is generated from these very schemas), and the mapping
 * of a work order to its JSON for the caller's role.
 */

const id = z.number().int().positive()
const time = z.iso.datetime({ offset: true })
const nullableTime = time.nullable()

/** The body of `POST /api/v1/cases`: the filing of any channel (the schema the services use). */
export const caseCreateSchema = filingSchema.meta({
  description:
    'A new case. `unitId` dispatches it at once (dispatchers only); `receivedAt` records a call or ' +
    'visit after the fact (never in the future); ids come from `GET /api/v1/units` and ' +
    '`GET /api/v1/categories`.',
  examples: [
    {
      channel: 'hotline_12345',
      kind: 'complaint',
      title: '小区门口路灯不亮',
      content: '长堎大道某小区门口路灯连续一周不亮，夜间出行不便。',
      districtId: 2,
      categoryId: 1,
      citizenPhone: '13812345678',
    },
  ],
})

/** The `version` every action carries: the case's version as the caller last read it. */
const versionField = id.meta({
  description: 'The case version the caller last read; a stale one is refused with 409.',
})

/**
 * The body of `POST /api/v1/cases/{id}/actions`: one action of CONTRACT.md section 2 with its
 * arguments (the services' command schema) and the case `version`.
 */
export const caseActionSchema = z
  .discriminatedUnion(
    'action',
    commandSchema.options.map((option) => option.extend({ version: versionField })) as unknown as [
      (typeof commandSchema.options)[number],
      ...(typeof commandSchema.options)[number][],
    ],
  )
  .meta({
    description:
      'An action and its arguments, with the case `version`. Which actions the caller may take ' +
      "now is listed in the case's `actions`.",
    examples: [{ action: 'dispatch', unitId: 4, version: 1 }],
  })
export type CaseActionInput = Command & { version: number }

const whole = 'must be a whole number'
const digits = (field: string) =>
  z.coerce
    .number({ error: whole })
    .int(whole)
    .positive('must be positive')
    .optional()
    .meta({ description: `Only cases with this ${field}.` })
const date = (description: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .optional()
    .meta({ description, examples: ['2026-01-01'] })
const oneOf = <T extends readonly [string, ...string[]]>(values: T, description: string) =>
  z
    .enum(values, { error: `must be one of ${values.join(', ')}` })
    .optional()
    .meta({ description })

/** The largest page of `GET /api/v1/cases`. */
export const MAX_LIMIT = 200

/** The query of `GET /api/v1/cases`: the staff queue's filters, a cursor and a page size. */
export const caseListQuerySchema = z.object({
  queue: oneOf(
    QUEUES,
    'A work queue (待派单 to_dispatch, 待签收 to_sign, 超期 overdue…); default all.',
  ),
  channel: oneOf(CHANNELS, 'Only cases from this channel.'),
  kind: oneOf(KINDS, 'Only cases of this kind.'),
  urgency: oneOf(URGENCIES, 'Only cases of this urgency.'),
  status: oneOf(STATUSES, 'Only cases in this state.'),
  unitId: z
    .string()
    .regex(/^(\d+|none)$/, 'must be a whole number or none')
    .optional()
    .meta({ description: 'Only cases handled by this unit (`none`: not dispatched).' }),
  categoryId: digits('category (or a child of it)'),
  districtId: digits('district'),
  from: date('Received on or after this day (TZ_REPORT).'),
  to: date('Received on or before this day (TZ_REPORT).'),
  q: z
    .string()
    .max(100, 'must be at most 100 characters')
    .optional()
    .meta({ description: 'A case number, words of the title or content, or a phone number.' }),
  figure: oneOf(FIGURE_FILTERS, 'Only the cases counted in this figure of the summary.'),
  scope: z
    .string()
    .max(100, 'must be at most 100 characters')
    .optional()
    .meta({ description: "A unit's code: cases whose unit or district lies in its subtree." }),
  cursor: z
    .string()
    .max(200, 'is not a cursor from this API')
    .optional()
    .meta({ description: 'The `nextCursor` of the previous page.' }),
  limit: z.coerce
    .number({ error: whole })
    .int(whole)
    .min(1, `must be from 1 to ${MAX_LIMIT}`)
    .max(MAX_LIMIT, `must be from 1 to ${MAX_LIMIT}`)
    .optional()
    .meta({ description: `Cases per page, 1–${MAX_LIMIT}; default 50.` }),
})

/** The `{id}` of a case in a path. */
export const caseIdParamSchema = z.object({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .meta({ description: 'The case id.', examples: [1] }),
})

/** What the caller may see of the citizen: null for reporters and for the unit on a 保密 case. */
const citizenSchema = z
  .object({
    name: z.string().nullable(),
    phone: z.string().nullable().meta({ description: 'Masked: `138****5678`.' }),
    idNumber: z.string().nullable().meta({ description: 'Masked: first and last four kept.' }),
  })
  .nullable()
  .meta({ description: 'Null when the caller may not see the citizen at all.' })

/** A case as the API returns it (lists and reads). */
export const caseSchema = z.object({
  id,
  caseNumber: z.string().meta({ description: 'The human number for phone calls (NC20260001234).' }),
  version: z.number().int().min(1).meta({ description: 'Send it back with every action.' }),
  status: z.enum(STATUSES),
  channel: z.enum(CHANNELS),
  kind: z.enum(KINDS),
  urgency: z.enum(URGENCIES),
  title: z.string(),
  content: z.string(),
  address: z.string().nullable(),
  categoryId: id.nullable(),
  districtId: id.nullable(),
  unitId: id.nullable().meta({ description: 'The handling unit, once dispatched.' }),
  confidential: z
    .boolean()
    .meta({ description: '保密: the handling unit never sees the citizen.' }),
  citizen: citizenSchema,
  receivedAt: time,
  dueAt: time,
  dueProvisional: z.boolean(),
  overdue: z.boolean(),
  pausedAt: nullableTime.meta({ description: 'Set while a return waits for arbitration.' }),
  dispatchedAt: nullableTime,
  closedAt: nullableTime,
  closedOnTime: z.boolean().nullable(),
  handlingWorkdays: z.number().int().nullable(),
  reply: z.string().nullable().meta({ description: 'The reply the citizen sees.' }),
  rating: z.enum(RATINGS).nullable(),
  ratingComment: z.string().nullable(),
  ratedAt: nullableTime,
  returnReason: z.enum(RETURN_REASONS).nullable(),
  pendingExtension: z
    .object({ workdays: z.number().int(), basis: z.string().nullable() })
    .nullable(),
  returnCount: z.number().int(),
  extensionCount: z.number().int(),
  reopenCount: z.number().int(),
  urgeLevel: z.enum(URGE_LEVELS).nullable(),
  mergedIntoId: id.nullable(),
  externalId: z.string().nullable(),
  actions: z
    .array(z.enum(ACTIONS))
    .meta({ description: 'The actions the caller may take on the case now.' }),
})
export type CaseJson = z.output<typeof caseSchema>

/** One audit event of a case's timeline. */
export const caseEventSchema = z.object({
  id,
  action: z.enum([...ACTIONS, 'receive', 'reveal', 'import'] as const),
  fromStatus: z.enum(STATUSES).nullable(),
  toStatus: z.enum(STATUSES),
  actorRole: z.enum(ROLES),
  actorName: z.string(),
  at: time,
  note: z.string().nullable(),
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
})

/** A case with its timeline (`GET /api/v1/cases/{id}` and the answer to an action). */
export const caseDetailSchema = caseSchema.extend({ events: z.array(caseEventSchema) })
export type CaseDetailJson = z.output<typeof caseDetailSchema>

/** The answer to `POST /api/v1/cases`: the case, and its tracking code the first time only. */
export const caseCreatedSchema = caseDetailSchema.extend({
  trackingCode: z
    .string()
    .optional()
    .meta({
      description:
        "The citizen's tracking code for /track/{code}: in the first answer only. It is never " +
        'stored, so an idempotent replay does not carry it.',
    }),
})
export type CaseCreatedJson = z.output<typeof caseCreatedSchema>

/** One page of `GET /api/v1/cases`, newest received first. */
export const caseListSchema = z.object({
  items: z.array(caseSchema),
  nextCursor: z
    .string()
    .nullable()
    .meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
})
export type CaseListJson = z.output<typeof caseListSchema>

/** A unit of the tree. */
export const unitSchema = z.object({
  id,
  code: z.string(),
  name: z.string(),
  parentId: id.nullable(),
  parentCode: z.string().nullable(),
  level: z.string().meta({ description: 'city, district, street, town or department.' }),
  active: z.boolean(),
})

/** A category with the unit its cases usually go to. */
export const categorySchema = z.object({
  id,
  code: z.string(),
  name: z.string(),
  parentId: id.nullable(),
  parentCode: z.string().nullable(),
  defaultUnitId: id.nullable(),
  defaultUnitCode: z.string().nullable(),
  active: z.boolean(),
})

/** `GET /api/v1/units`. */
export const unitListSchema = z.object({ items: z.array(unitSchema) })
/** `GET /api/v1/categories`. */
export const categoryListSchema = z.object({ items: z.array(categorySchema) })

/**
 * A case as JSON for `actor`: camelCase, the citizen masked or left out by role (reporters never
 * see them; the handling unit not on a 保密 case), the actions the actor may take now.
 *
 * @example const json = caseJson(order, actor, nowOf(deps))
 */
export function caseJson(order: WorkOrder, actor: Actor, now: string): CaseJson {
  const citizen = citizenView(order, actor, false)
  return {
    id: order.id,
    caseNumber: order.caseNumber,
    version: order.version,
    status: order.status,
    channel: order.channel,
    kind: order.kind,
    urgency: order.urgency,
    title: order.title,
    content: order.content,
    address: order.address,
    categoryId: order.categoryId,
    districtId: order.districtId,
    unitId: order.unitId,
    confidential: order.confidential,
    citizen:
      citizen.mode === 'none'
        ? null
        : { name: citizen.name, phone: citizen.phone, idNumber: citizen.idNumber },
    receivedAt: order.receivedAt,
    dueAt: order.dueAt,
    dueProvisional: order.dueProvisional,
    overdue:
      OPEN_STATUSES.includes(order.status) &&
      order.dueAt < now &&
      (order.pausedAt === null || order.dueAt < order.pausedAt),
    pausedAt: order.pausedAt,
    dispatchedAt: order.dispatchedAt,
    closedAt: order.closedAt,
    closedOnTime: order.closedOnTime,
    handlingWorkdays: order.handlingWorkdays,
    reply: order.reply,
    rating: order.rating,
    ratingComment: order.ratingComment,
    ratedAt: order.ratedAt,
    returnReason: order.returnReason,
    pendingExtension:
      order.pendingExtensionWorkdays === null
        ? null
        : { workdays: order.pendingExtensionWorkdays, basis: order.pendingExtensionBasis },
    returnCount: order.returnCount,
    extensionCount: order.extensionCount,
    reopenCount: order.reopenCount,
    urgeLevel: order.urgeLevel,
    mergedIntoId: order.mergedIntoId,
    externalId: order.externalId,
    actions: ACTIONS.filter((a) => refusal(order, actor, a) === null),
  }
}

function eventJson(event: StoredEvent): CaseDetailJson['events'][number] {
  return {
    id: event.id,
    action: event.action,
    fromStatus: event.fromStatus,
    toStatus: event.toStatus,
    actorRole: event.actorRole,
    actorName: event.actorName,
    at: event.at,
    note: event.note,
    data: event.data,
  }
}

/**
 * A case with its timeline, for a caller who may see it (404 otherwise, so ids cannot be probed).
 *
 * @example const json = await readCase(deps, 42, actor)
 */
export async function readCase(deps: Deps, caseId: number, actor: Actor): Promise<CaseDetailJson> {
  const { order, events } = await getCase(deps, caseId, actor)
  return { ...caseJson(order, actor, nowOf(deps)), events: events.map(eventJson) }
}

/**
 * Files a case from the API. The tracking code is in the answer and nowhere else (the database
 * keeps its hash); `stored` is the same answer without it, for the idempotency record.
 *
 * @example const { created } = await createCase(deps, body, actor)
 */
export async function createCase(
  deps: Deps,
  body: unknown,
  actor: Actor,
): Promise<{ created: CaseCreatedJson; stored: CaseDetailJson }> {
  const filing = parseInput(caseCreateSchema, body)
  const { order, trackingCode } = await fileCase(deps, filing, actor)
  const stored = await readCase(deps, order.id, actor)
  return { created: { ...stored, trackingCode }, stored }
}

/**
 * Takes an action on a case with the caller's `version` (409 when stale) and returns the case as
 * it now stands.
 *
 * @example await actOnCase(deps, 42, { action: 'sign', version: 2 }, caseworker)
 */
export async function actOnCase(
  deps: Deps,
  caseId: number,
  body: unknown,
  actor: Actor,
): Promise<CaseDetailJson> {
  const { version, ...command } = parseInput(caseActionSchema, body) as CaseActionInput
  await performAction(deps, caseId, command as Command, actor, version)
  return readCase(deps, caseId, actor)
}

/** Where a page of the list ends: the last case's receipt time and id (the sort key). */
interface Cursor {
  receivedAt: string
  id: number
}

/**
 * The opaque cursor of a list position: base64url of `[receivedAt, id]`.
 *
 * @example encodeCursor({ receivedAt: '2026-01-05T01:00:00.000Z', id: 42 })
 */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.receivedAt, cursor.id])).toString('base64url')
}

function decodeCursor(raw: string): Cursor {
  const bad = () => invalidField('cursor', 'is not a cursor from this API')
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw bad()
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
  } catch {
    throw bad()
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== 'string' ||
    !time.safeParse(value[0]).success ||
    !Number.isSafeInteger(value[1]) ||
    value[1] < 1
  ) {
    throw bad()
  }
  return { receivedAt: value[0], id: value[1] as number }
}

/**
 * Adds "after the cursor" to the top-level queries on `work_orders`, so that `listCases` (the
 * staff queue's filters, visibility and search, unchanged) pages by keyset instead of by offset.
 * Its order is `received_at desc, id desc`, which is what the condition continues.
 */
class AfterCursor implements KyselyPlugin {
  readonly #cursor: Cursor

  constructor(cursor: Cursor) {
    this.#cursor = cursor
  }

  transformQuery({ node }: { node: RootOperationNode }): RootOperationNode {
    if (!SelectQueryNode.is(node)) return node
    const froms = node.from?.froms ?? []
    const onCases = froms.some((f) => TableNode.is(f) && f.table.identifier.name === 'work_orders')
    if (!onCases) return node
    const { receivedAt, id: lastId } = this.#cursor
    const after = sql`(work_orders.received_at < ${receivedAt} or (work_orders.received_at = ${receivedAt} and work_orders.id < ${lastId}))`
    return QueryNode.cloneWithWhere(node, after.toOperationNode())
  }

  async transformResult<R>({ result }: { result: R }): Promise<R> {
    return result
  }
}

/**
 * One page of cases the actor may see, newest received first, with the staff queue's filters
 * (`parseCaseListQuery` / `listCases` semantics: a caseworker sees only their unit's cases) and an
 * opaque keyset cursor instead of page numbers.
 *
 * @example const page = await listCasesPage(deps, actor, { queue: 'to_sign', limit: '50' })
 */
export async function listCasesPage(
  deps: Deps,
  actor: Actor,
  rawQuery: Record<string, string>,
): Promise<CaseListJson> {
  const given = Object.entries(rawQuery).filter(([, v]) => v.trim() !== '')
  const query = parseInput(caseListQuerySchema, Object.fromEntries(given))
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (k !== 'cursor' && k !== 'limit' && v !== undefined) params.set(k, String(v))
  }
  const limit = query.limit ?? 50
  const cursor = query.cursor ? decodeCursor(query.cursor) : null
  const listQuery = {
    ...parseCaseListQuery(params),
    sort: 'received_at' as const,
    dir: 'desc' as const,
    page: 1,
    pageSize: limit + 1,
  }
  const scoped = cursor ? { ...deps, db: deps.db.withPlugin(new AfterCursor(cursor)) } : deps
  const { rows } = await listCases(scoped, actor, listQuery)
  const page = rows.slice(0, limit)
  const ids = page.map((r) => r.id)
  const full =
    ids.length === 0
      ? []
      : await deps.db.selectFrom('work_orders').selectAll().where('id', 'in', ids).execute()
  const byId = new Map(full.map((r) => [r.id, toWorkOrder(r)]))
  const now = nowOf(deps)
  const items = ids.flatMap((caseId) => {
    const order = byId.get(caseId)
    return order ? [caseJson(order, actor, now)] : []
  })
  const last = page.at(-1)
  return {
    items,
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ receivedAt: last.receivedAt, id: last.id })
        : null,
  }
}

/**
 * Every unit of the tree with its parent's code.
 *
 * @example const { items } = await unitsJson(deps)
 */
export async function unitsJson(deps: Deps): Promise<z.output<typeof unitListSchema>> {
  const units = await listUnits(deps.db)
  const codeOf = new Map(units.map((u) => [u.id, u.code]))
  return {
    items: units.map((u) => ({
      id: u.id,
      code: u.code,
      name: u.name,
      parentId: u.parentId,
      parentCode: u.parentId === null ? null : (codeOf.get(u.parentId) ?? null),
      level: u.level,
      active: u.active,
    })),
  }
}

/**
 * Every category with its parent and default unit, by id and by code.
 *
 * @example const { items } = await categoriesJson(deps)
 */
export async function categoriesJson(deps: Deps): Promise<z.output<typeof categoryListSchema>> {
  const [categories, units] = await Promise.all([listCategories(deps.db), listUnits(deps.db)])
  const categoryCode = new Map(categories.map((c) => [c.id, c.code]))
  const unitCode = new Map(units.map((u) => [u.id, u.code]))
  return {
    items: categories.map((c) => ({
      id: c.id,
      code: c.code,
      name: c.name,
      parentId: c.parentId,
      parentCode: c.parentId === null ? null : (categoryCode.get(c.parentId) ?? null),
      defaultUnitId: c.defaultUnitId,
      defaultUnitCode: c.defaultUnitId === null ? null : (unitCode.get(c.defaultUnitId) ?? null),
      active: c.active,
    })),
  }
}
