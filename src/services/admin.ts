import type { Kysely, Transaction } from 'kysely'
import { z } from 'zod'
import type { Database } from '../../db/database'
import {
  listCategories,
  listUnits,
  loadCalendarOverrides,
} from '../../db/repositories/reference-data'
import { CHANNELS, KINDS, STAFF_ROLES, URGENCIES, type StaffRole } from '../domain/codes'
import { HotlineError, invalidField } from '../domain/errors'
import { OPEN_STATUSES } from '../domain/status'
import { deadline } from '../domain/work-order'
import { isLocalDate, localDateOf, type LocalDate } from '../domain/zoned-time'
import { createToken, hashPassword, revokeToken } from './accounts'
import { forgetWorkingRules } from './calendar'
import { inTransaction, nowOf, type Deps } from './deps'
import { officialCalendar, officialHolidays } from './official-holidays'
import { parseInput } from './schemas'

/**
 * The admin's changes (系统管理): staff accounts, units, categories, SLA rules, the holiday calendar
 * and reply templates. Every change is validated, written and logged in `admin_audit` (one row with
 * the before and after, never a password) in one transaction.
 */

type Db = Kysely<Database> | Transaction<Database>

/** Who makes an admin change: a signed-in admin, or the command line (`id` null). */
export interface AdminActor {
  id: number | null
  name: string
}

/** The levels of the unit tree (单位层级). */
export const UNIT_LEVELS = ['city', 'district', 'street', 'town', 'department'] as const
export type UnitLevel = (typeof UNIT_LEVELS)[number]
export const UNIT_LEVEL_LABELS: Record<UnitLevel, string> = {
  city: '市',
  district: '区（管理局）',
  street: '街道',
  town: '镇',
  department: '部门',
}

/** What `admin_audit.entity` names. */
export const AUDIT_ENTITIES = [
  'user',
  'unit',
  'category',
  'sla_rule',
  'calendar_day',
  'calendar_year',
  'reply_template',
  'api_token',
] as const
export type AuditEntity = (typeof AUDIT_ENTITIES)[number]
export const AUDIT_ENTITY_LABELS: Record<AuditEntity, string> = {
  user: '用户',
  unit: '单位',
  category: '分类',
  sla_rule: '办理时限',
  calendar_day: '工作日历',
  calendar_year: '年度节假日安排',
  reply_template: '答复模板',
  api_token: 'API 令牌',
}

// ---------------------------------------------------------------------------------------------
// Input schemas: forms send strings (blank = none), the CLI and tests send typed values.

const blank = (v: unknown) =>
  v === undefined || (typeof v === 'string' && v.trim() === '') ? null : v
const text = (max: number) =>
  z.string({ error: '必填' }).trim().min(1, '必填').max(max, `最多 ${max} 个字`)
const optionalText = (max: number) =>
  z.preprocess(blank, z.string().trim().max(max, `最多 ${max} 个字`).nullable())
const code = z
  .string({ error: '必填' })
  .trim()
  .min(1, '必填')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, '只能用字母、数字、点、横线或下划线，最多 40 个')
const optionalId = z.preprocess(
  blank,
  z.coerce.number({ error: '请选择' }).int('请选择').positive('请选择').nullable(),
)
const flag = z.preprocess(
  (v) => v === true || v === 1 || v === '1' || v === 'on' || v === 'true',
  z.boolean(),
)
/** The message of a refused choice: “请选择…” when nothing was chosen, else the allowed codes. */
const choose = (what: string, values: readonly string[]) => (issue: { input?: unknown }) =>
  issue.input === undefined || issue.input === ''
    ? `请选择${what}`
    : `须为 ${values.join('、')} 之一`
const nullableEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(blank, z.enum(values, { error: `须为 ${values.join('、')} 之一` }).nullable())

const userSchema = z.object({
  username: z
    .string({ error: '必填' })
    .trim()
    .regex(/^[A-Za-z0-9_.-]{2,40}$/, '须为 2–40 个字母、数字、点、横线或下划线'),
  displayName: optionalText(50),
  role: z.enum(STAFF_ROLES, { error: choose('角色', STAFF_ROLES) }),
  unitId: optionalId,
})
const userChangeSchema = userSchema.omit({ username: true })

const unitSchema = z.object({
  code,
  name: text(100),
  parentId: optionalId,
  level: z.enum(UNIT_LEVELS, { error: choose('层级', UNIT_LEVELS) }),
  active: flag.default(true),
})

const categorySchema = z.object({
  code,
  name: text(100),
  parentId: optionalId,
  defaultUnitId: optionalId,
  active: flag.default(true),
})

const slaSchema = z.object({
  kind: nullableEnum(KINDS),
  urgency: nullableEnum(URGENCIES),
  channel: nullableEnum(CHANNELS),
  workdays: z.coerce
    .number({ error: '须为整数' })
    .int('须为整数')
    .min(0, '不能小于 0（0 表示当天办结）')
    .max(90, '最多 90 个工作日'),
})

const localDate = z
  .string({ error: '必填' })
  .trim()
  .refine((v) => isLocalDate(v), '须为 YYYY-MM-DD 格式的日期')
const calendarDaySchema = z.object({
  day: localDate,
  workday: z.preprocess(
    (v) =>
      v === '1' || v === 'true' || v === '班'
        ? true
        : v === '0' || v === 'false' || v === '休'
          ? false
          : v,
    z.boolean({ error: '请选择上班或休息' }),
  ),
  note: optionalText(100),
})
const yearSchema = z.coerce
  .number({ error: '须为年份' })
  .int('须为年份')
  .min(2000, '须在 2000–2100 之间')
  .max(2100, '须在 2000–2100 之间')

const templateSchema = z.object({
  categoryId: optionalId,
  title: text(100),
  body: text(4000),
  active: flag.default(true),
})

const apiTokenSchema = z.object({
  name: text(100),
  role: z.enum(STAFF_ROLES, { error: choose('角色', STAFF_ROLES) }),
  unitId: optionalId,
})

/** What {@link createUser} takes. */
export type UserInput = z.input<typeof userSchema>
/** What {@link updateUser} takes. */
export type UserChangeInput = z.input<typeof userChangeSchema>
/** What {@link createUnit} and {@link updateUnit} take. */
export type UnitInput = z.input<typeof unitSchema>
/** What {@link createCategory} and {@link updateCategory} take. */
export type CategoryInput = z.input<typeof categorySchema>
/** What {@link setSlaRule} takes. */
export type SlaRuleInput = z.input<typeof slaSchema>
/** What {@link setCalendarDay} takes, and one day of {@link loadCalendarYear}. */
export type CalendarDayInput = z.input<typeof calendarDaySchema>
/** What {@link createReplyTemplate} and {@link updateReplyTemplate} take. */
export type ReplyTemplateInput = z.input<typeof templateSchema>
/** What {@link createTokenAudited} takes. */
export type ApiTokenInput = z.input<typeof apiTokenSchema>

// ---------------------------------------------------------------------------------------------
// The audit log

/** One admin change as the audit page shows it. */
export interface AuditEntry {
  id: number
  at: string
  actorId: number | null
  actorName: string
  entity: string
  entityId: string
  change: { action: string; before: unknown; after: unknown; [key: string]: unknown }
}

async function audit(
  db: Db,
  deps: Deps,
  actor: AdminActor,
  entity: AuditEntity,
  entityId: string | number,
  change: { action: string; before: unknown; after: unknown; [key: string]: unknown },
): Promise<void> {
  await db
    .insertInto('admin_audit')
    .values({
      at: nowOf(deps),
      actor_id: actor.id,
      actor_name: actor.name,
      entity,
      entity_id: String(entityId),
      change: JSON.stringify(change),
    })
    .execute()
}

/**
 * A page of the audit log, newest first, optionally of one kind of entity.
 *
 * @example const { rows, total } = await listAudit(deps, { page: 1, pageSize: 50 })
 */
export async function listAudit(
  deps: Deps,
  query: { page: number; pageSize: number; entity?: string | null },
): Promise<{ rows: AuditEntry[]; total: number }> {
  let base = deps.db.selectFrom('admin_audit')
  if (query.entity) base = base.where('entity', '=', query.entity)
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow(),
  ])
  return {
    total: Number(count.n),
    rows: rows.map((r) => ({
      id: r.id,
      at: r.at,
      actorId: r.actor_id,
      actorName: r.actor_name,
      entity: r.entity,
      entityId: r.entity_id,
      change: JSON.parse(r.change) as AuditEntry['change'],
    })),
  }
}

// ---------------------------------------------------------------------------------------------
// Users

/** A staff account as the admin pages list it (never its password hash). */
export interface StaffAccount {
  id: number
  username: string
  displayName: string
  role: StaffRole
  unitId: number | null
  unitName: string | null
  active: boolean
  lockedUntil: string | null
  createdAt: string
}

/**
 * Every staff account, by username.
 *
 * @example const users = await listUsers(deps)
 */
export async function listUsers(deps: Deps): Promise<StaffAccount[]> {
  const rows = await deps.db
    .selectFrom('users')
    .leftJoin('units', 'units.id', 'users.unit_id')
    .select([
      'users.id',
      'users.username',
      'users.display_name',
      'users.role',
      'users.unit_id',
      'users.active',
      'users.locked_until',
      'users.created_at',
      'units.name as unit_name',
    ])
    .orderBy('users.username')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role as StaffRole,
    unitId: r.unit_id,
    unitName: r.unit_name,
    active: r.active !== 0,
    lockedUntil: r.locked_until,
    createdAt: r.created_at,
  }))
}

const PASSWORD_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/** A one-time password: four groups of four from an alphabet without look-alikes (about 79 bits). */
function oneTimePassword(deps: Deps): string {
  const chars: string[] = []
  while (chars.length < 16) {
    for (const b of deps.randomBytes(32)) {
      // 248 = 31 × 8: dropping larger bytes keeps every character equally likely
      if (b < 248 && chars.length < 16) chars.push(PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length]!)
    }
  }
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-')
}

function userSnapshot(u: {
  username: string
  display_name: string
  role: string
  unit_id: number | null
  active: number
}) {
  return {
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    unitId: u.unit_id,
    active: u.active !== 0,
  }
}

async function checkUserUnit(
  db: Db,
  role: StaffRole,
  unitId: number | null,
  what = '账号',
): Promise<void> {
  if (role === 'caseworker' && unitId === null)
    throw invalidField('unitId', `承办单位${what}必须选择所属单位`)
  if (unitId !== null) {
    const unit = await db
      .selectFrom('units')
      .select('id')
      .where('id', '=', unitId)
      .executeTakeFirst()
    if (!unit) throw invalidField('unitId', '没有这个单位')
  }
}

async function findUserRow(db: Db, id: number) {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new HotlineError('not_found', `没有编号为 ${id} 的用户`)
  return row
}

async function otherActiveAdmins(db: Db, id: number): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('role', '=', 'admin')
    .where('active', '=', 1)
    .where('id', '!=', id)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Creates a staff account with a generated one-time password, returned once (only its hash is kept).
 *
 * @example const { id, password } = await createUser(deps, { username: 'wang', role: 'dispatcher' }, admin)
 */
export async function createUser(
  deps: Deps,
  input: UserInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<{ id: number; username: string; password: string }> {
  const v = parseInput(userSchema, input)
  const password = oneTimePassword(deps)
  const passwordHash = await hashPassword(password)
  const id = await inTransaction(deps.db, async (trx) => {
    await checkUserUnit(trx, v.role, v.unitId)
    const taken = await trx
      .selectFrom('users')
      .select('id')
      .where('username', '=', v.username)
      .executeTakeFirst()
    if (taken) throw invalidField('username', `用户名 ${v.username} 已被使用`)
    const row = {
      username: v.username,
      display_name: v.displayName ?? v.username,
      password_hash: passwordHash,
      role: v.role,
      unit_id: v.unitId,
      created_at: nowOf(deps),
    }
    const { id } = await trx
      .insertInto('users')
      .values(row)
      .returning('id')
      .executeTakeFirstOrThrow()
    await audit(trx, deps, actor, 'user', id, {
      action: 'create',
      before: null,
      after: userSnapshot({ ...row, active: 1 }),
    })
    return id
  })
  return { id, username: v.username, password }
}

/**
 * Changes an account's display name, role and unit. An admin cannot take the admin role from the
 * last active admin (nor from themselves).
 *
 * @example await updateUser(deps, 7, { displayName: '王芳', role: 'caseworker', unitId: 12 }, admin)
 */
export async function updateUser(
  deps: Deps,
  id: number,
  input: UserChangeInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<void> {
  const v = parseInput(userChangeSchema, input)
  await inTransaction(deps.db, async (trx) => {
    const before = await findUserRow(trx, id)
    await checkUserUnit(trx, v.role, v.unitId)
    if (before.role === 'admin' && v.role !== 'admin') {
      if (actor.id === id) throw invalidField('role', '不能取消自己的管理员角色')
      if (before.active !== 0 && (await otherActiveAdmins(trx, id)) === 0) {
        throw invalidField('role', '这是最后一个启用的管理员，不能改为其他角色')
      }
    }
    const change = {
      display_name: v.displayName ?? before.display_name,
      role: v.role,
      unit_id: v.unitId,
    }
    await trx.updateTable('users').set(change).where('id', '=', id).execute()
    await audit(trx, deps, actor, 'user', id, {
      action: 'update',
      before: userSnapshot(before),
      after: userSnapshot({ ...before, ...change }),
    })
  })
}

/**
 * Disables an account (and ends all its sessions at once) or enables it again. Nobody disables
 * their own account or the last active admin.
 *
 * @example await setUserActive(deps, 7, false, admin)
 */
export async function setUserActive(
  deps: Deps,
  id: number,
  active: boolean,
  actor: AdminActor,
): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const before = await findUserRow(trx, id)
    if (!active && actor.id === id) throw invalidField('active', '不能停用自己的账号')
    if (!active && before.role === 'admin' && (await otherActiveAdmins(trx, id)) === 0) {
      throw invalidField('active', '这是最后一个启用的管理员，不能停用')
    }
    await trx
      .updateTable('users')
      .set({ active: active ? 1 : 0 })
      .where('id', '=', id)
      .execute()
    let endedSessions = 0
    if (!active) {
      const ended = await trx.deleteFrom('sessions').where('user_id', '=', id).executeTakeFirst()
      endedSessions = Number(ended.numDeletedRows)
    }
    await audit(trx, deps, actor, 'user', id, {
      action: active ? 'enable' : 'disable',
      before: userSnapshot(before),
      after: userSnapshot({ ...before, active: active ? 1 : 0 }),
      ...(active ? {} : { endedSessions }),
    })
  })
}

/**
 * Gives an account a new one-time password (returned once), unlocks it and ends its sessions.
 *
 * @example const { password } = await resetUserPassword(deps, 7, admin)
 */
export async function resetUserPassword(
  deps: Deps,
  id: number,
  actor: AdminActor,
): Promise<{ username: string; password: string }> {
  const password = oneTimePassword(deps)
  const passwordHash = await hashPassword(password)
  const username = await inTransaction(deps.db, async (trx) => {
    const before = await findUserRow(trx, id)
    await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null })
      .where('id', '=', id)
      .execute()
    const ended = await trx.deleteFrom('sessions').where('user_id', '=', id).executeTakeFirst()
    await audit(trx, deps, actor, 'user', id, {
      action: 'reset_password',
      before: { ...userSnapshot(before), lockedUntil: before.locked_until },
      after: { ...userSnapshot(before), lockedUntil: null, passwordChanged: true },
      endedSessions: Number(ended.numDeletedRows),
    })
    return before.username
  })
  return { username, password }
}

// ---------------------------------------------------------------------------------------------
// Units and categories

function unitSnapshot(u: {
  code: string
  name: string
  parent_id: number | null
  level: string
  active: number
}) {
  return {
    code: u.code,
    name: u.name,
    parentId: u.parent_id,
    level: u.level,
    active: u.active !== 0,
  }
}

/** Whether `candidate` is `id` or lies below it in a parent-linked tree. */
function isSelfOrBelow(
  rows: { id: number; parentId: number | null }[],
  id: number,
  candidate: number,
): boolean {
  const parents = new Map(rows.map((r) => [r.id, r.parentId]))
  for (
    let at: number | null | undefined = candidate, hops = 0;
    at != null && hops <= rows.length;
    hops++
  ) {
    if (at === id) return true
    at = parents.get(at)
  }
  return false
}

async function checkUnit(db: Db, id: number | null, v: z.output<typeof unitSchema>): Promise<void> {
  const units = await listUnits(db)
  if (units.some((u) => u.code === v.code && u.id !== id))
    throw invalidField('code', `代码 ${v.code} 已被使用`)
  if (v.parentId !== null) {
    if (!units.some((u) => u.id === v.parentId)) throw invalidField('parentId', '没有这个上级单位')
    if (id !== null && isSelfOrBelow(units, id, v.parentId)) {
      throw invalidField('parentId', '上级单位不能是它自己或它的下级')
    }
  }
}

/**
 * Adds a unit to the tree.
 *
 * @example const id = await createUnit(deps, { code: 'XJ-LJ', name: '乐化镇', parentId: 2, level: 'town' }, admin)
 */
export async function createUnit(
  deps: Deps,
  input: UnitInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<number> {
  const v = parseInput(unitSchema, input)
  return inTransaction(deps.db, async (trx) => {
    await checkUnit(trx, null, v)
    const row = {
      code: v.code,
      name: v.name,
      parent_id: v.parentId,
      level: v.level,
      active: v.active ? 1 : 0,
    }
    const { id } = await trx
      .insertInto('units')
      .values({ ...row, created_at: nowOf(deps) })
      .returning('id')
      .executeTakeFirstOrThrow()
    await audit(trx, deps, actor, 'unit', id, {
      action: 'create',
      before: null,
      after: unitSnapshot(row),
    })
    return id
  })
}

/**
 * Changes a unit: code, name, parent (never itself or one of its own), level, active.
 *
 * @example await updateUnit(deps, 5, { code: 'XJ-CB', name: '长堎街道', parentId: 2, level: 'street', active: false }, admin)
 */
export async function updateUnit(
  deps: Deps,
  id: number,
  input: UnitInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<void> {
  const v = parseInput(unitSchema, input)
  await inTransaction(deps.db, async (trx) => {
    const before = await trx.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst()
    if (!before) throw new HotlineError('not_found', `没有编号为 ${id} 的单位`)
    await checkUnit(trx, id, v)
    const row = {
      code: v.code,
      name: v.name,
      parent_id: v.parentId,
      level: v.level,
      active: v.active ? 1 : 0,
    }
    await trx.updateTable('units').set(row).where('id', '=', id).execute()
    await audit(trx, deps, actor, 'unit', id, {
      action: 'update',
      before: unitSnapshot(before),
      after: unitSnapshot(row),
    })
  })
}

function categorySnapshot(c: {
  code: string
  name: string
  parent_id: number | null
  default_unit_id: number | null
  active: number
}) {
  return {
    code: c.code,
    name: c.name,
    parentId: c.parent_id,
    defaultUnitId: c.default_unit_id,
    active: c.active !== 0,
  }
}

async function checkCategory(
  db: Db,
  id: number | null,
  v: z.output<typeof categorySchema>,
): Promise<void> {
  const categories = await listCategories(db)
  if (categories.some((c) => c.code === v.code && c.id !== id)) {
    throw invalidField('code', `代码 ${v.code} 已被使用`)
  }
  if (v.parentId !== null) {
    const parent = categories.find((c) => c.id === v.parentId)
    if (!parent) throw invalidField('parentId', '没有这个上级分类')
    if (parent.id === id) throw invalidField('parentId', '上级分类不能是它自己')
    if (parent.parentId !== null) throw invalidField('parentId', '分类最多两级：上级须为一级分类')
    if (id !== null && categories.some((c) => c.parentId === id)) {
      throw invalidField('parentId', '它下面还有子分类，不能再挂到其他分类下')
    }
  }
  if (v.defaultUnitId !== null) {
    const unit = await db
      .selectFrom('units')
      .select('id')
      .where('id', '=', v.defaultUnitId)
      .executeTakeFirst()
    if (!unit) throw invalidField('defaultUnitId', '没有这个单位')
  }
}

/**
 * Adds a category (一级或二级) with the unit its cases usually go to.
 *
 * @example const id = await createCategory(deps, { code: 'noise.night', name: '夜间施工', parentId: 3, defaultUnitId: 5 }, admin)
 */
export async function createCategory(
  deps: Deps,
  input: CategoryInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<number> {
  const v = parseInput(categorySchema, input)
  return inTransaction(deps.db, async (trx) => {
    await checkCategory(trx, null, v)
    const row = {
      code: v.code,
      name: v.name,
      parent_id: v.parentId,
      default_unit_id: v.defaultUnitId,
      active: v.active ? 1 : 0,
    }
    const { id } = await trx
      .insertInto('categories')
      .values({ ...row, created_at: nowOf(deps) })
      .returning('id')
      .executeTakeFirstOrThrow()
    await audit(trx, deps, actor, 'category', id, {
      action: 'create',
      before: null,
      after: categorySnapshot(row),
    })
    return id
  })
}

/**
 * Changes a category: code, name, parent, default unit, active.
 *
 * @example await updateCategory(deps, 3, { code: 'noise', name: '噪音扰民', parentId: null, defaultUnitId: 6, active: true }, admin)
 */
export async function updateCategory(
  deps: Deps,
  id: number,
  input: CategoryInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<void> {
  const v = parseInput(categorySchema, input)
  await inTransaction(deps.db, async (trx) => {
    const before = await trx
      .selectFrom('categories')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (!before) throw new HotlineError('not_found', `没有编号为 ${id} 的分类`)
    await checkCategory(trx, id, v)
    const row = {
      code: v.code,
      name: v.name,
      parent_id: v.parentId,
      default_unit_id: v.defaultUnitId,
      active: v.active ? 1 : 0,
    }
    await trx.updateTable('categories').set(row).where('id', '=', id).execute()
    await audit(trx, deps, actor, 'category', id, {
      action: 'update',
      before: categorySnapshot(before),
      after: categorySnapshot(row),
    })
  })
}

// ---------------------------------------------------------------------------------------------
// SLA rules

/** An SLA rule with its id, for the admin pages. */
export interface StoredSlaRule {
  id: number
  kind: string | null
  urgency: string | null
  channel: string | null
  workdays: number
}

/**
 * Every SLA rule with its id, in the order they were added.
 *
 * @example const rules = await listSlaRulesWithIds(deps)
 */
export async function listSlaRulesWithIds(deps: Deps): Promise<StoredSlaRule[]> {
  return deps.db
    .selectFrom('sla_rules')
    .select(['id', 'kind', 'urgency', 'channel', 'workdays'])
    .orderBy('id')
    .execute()
}

/**
 * Sets the working days of the rule for one kind / urgency / channel combination (blank matches
 * anything): updates the rule with exactly that combination, or adds it. Cases filed from now on
 * get the new deadline; filed cases keep theirs.
 *
 * @example await setSlaRule(deps, { kind: 'complaint', workdays: 10 }, admin)
 */
export async function setSlaRule(
  deps: Deps,
  input: SlaRuleInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<{ id: number; created: boolean }> {
  const v = parseInput(slaSchema, input)
  const result = await inTransaction(deps.db, async (trx) => {
    const rules = await trx.selectFrom('sla_rules').selectAll().orderBy('id').execute()
    const same = rules.find(
      (r) => r.kind === v.kind && r.urgency === v.urgency && r.channel === v.channel,
    )
    const after = { kind: v.kind, urgency: v.urgency, channel: v.channel, workdays: v.workdays }
    if (same) {
      await trx
        .updateTable('sla_rules')
        .set({ workdays: v.workdays })
        .where('id', '=', same.id)
        .execute()
      await audit(trx, deps, actor, 'sla_rule', same.id, {
        action: 'update',
        before: {
          kind: same.kind,
          urgency: same.urgency,
          channel: same.channel,
          workdays: same.workdays,
        },
        after,
      })
      return { id: same.id, created: false }
    }
    const { id } = await trx
      .insertInto('sla_rules')
      .values({ ...after, created_at: nowOf(deps) })
      .returning('id')
      .executeTakeFirstOrThrow()
    await audit(trx, deps, actor, 'sla_rule', id, { action: 'create', before: null, after })
    return { id, created: true }
  })
  forgetWorkingRules(deps)
  return result
}

/**
 * Deletes an SLA rule.
 *
 * @example await deleteSlaRule(deps, 4, admin)
 */
export async function deleteSlaRule(deps: Deps, id: number, actor: AdminActor): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const before = await trx
      .selectFrom('sla_rules')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (!before) throw new HotlineError('not_found', `没有编号为 ${id} 的时限规则`)
    await trx.deleteFrom('sla_rules').where('id', '=', id).execute()
    await audit(trx, deps, actor, 'sla_rule', id, {
      action: 'delete',
      before: {
        kind: before.kind,
        urgency: before.urgency,
        channel: before.channel,
        workdays: before.workdays,
      },
      after: null,
    })
  })
  forgetWorkingRules(deps)
}

// ---------------------------------------------------------------------------------------------
// The holiday calendar

/** One override of the working-day calendar. */
export interface CalendarDay {
  day: LocalDate
  workday: boolean
  note: string | null
}

/** Whether a year's official schedule is known, and from where. */
export interface CalendarYearStatus {
  year: number
  /** `package`: the maintained holiday package; `loaded`: an admin loaded it; null: missing. */
  source: 'package' | 'loaded' | null
  loadedAt: string | null
  overrides: number
}

/**
 * The admin's day overrides, by day.
 *
 * @example const days = await listCalendarDays(deps)
 */
export async function listCalendarDays(deps: Deps): Promise<CalendarDay[]> {
  const rows = await deps.db
    .selectFrom('calendar_days')
    .select(['day', 'workday', 'note'])
    .orderBy('day')
    .execute()
  return rows.map((r) => ({ day: r.day, workday: r.workday !== 0, note: r.note }))
}

/**
 * Whether the official schedule of the current and next years (in TZ_REPORT) is loaded, and how
 * many open cases have a provisional deadline. Admins are told to load a missing year.
 *
 * @example const { years, provisionalOpen } = await calendarStatus(deps)
 */
export async function calendarStatus(
  deps: Deps,
  extraYears: readonly number[] = [],
): Promise<{ years: CalendarYearStatus[]; provisionalOpen: number }> {
  const current = Number(localDateOf(deps.clock(), deps.timeZone).slice(0, 4))
  const wanted = [...new Set([current, current + 1, ...extraYears])].sort()
  const packaged = new Set(officialHolidays().scheduledYears)
  const [loaded, days, open] = await Promise.all([
    deps.db.selectFrom('calendar_years').selectAll().execute(),
    deps.db.selectFrom('calendar_days').select('day').execute(),
    deps.db
      .selectFrom('work_orders')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('due_provisional', '=', 1)
      .where('status', 'in', OPEN_STATUSES)
      .executeTakeFirstOrThrow(),
  ])
  const years = wanted.map((year) => {
    const row = loaded.find((y) => y.year === year)
    return {
      year,
      source: row ? ('loaded' as const) : packaged.has(year) ? ('package' as const) : null,
      loadedAt: row?.loaded_at ?? null,
      overrides: days.filter((d) => d.day.startsWith(`${year}-`)).length,
    }
  })
  return { years, provisionalOpen: Number(open.n) }
}

/**
 * Sets one day of the calendar by hand (a working day or a day off), overriding the official
 * schedule. Deadlines already set stay as they are.
 *
 * @example await setCalendarDay(deps, { day: '2026-07-15', workday: false, note: '台风停工' }, admin)
 */
export async function setCalendarDay(
  deps: Deps,
  input: CalendarDayInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<void> {
  const v = parseInput(calendarDaySchema, input)
  await inTransaction(deps.db, async (trx) => {
    const before = await trx
      .selectFrom('calendar_days')
      .selectAll()
      .where('day', '=', v.day)
      .executeTakeFirst()
    const after = { day: v.day, workday: v.workday, note: v.note }
    if (before) {
      await trx
        .updateTable('calendar_days')
        .set({ workday: v.workday ? 1 : 0, note: v.note })
        .where('day', '=', v.day)
        .execute()
    } else {
      await trx
        .insertInto('calendar_days')
        .values({ day: v.day, workday: v.workday ? 1 : 0, note: v.note, created_at: nowOf(deps) })
        .execute()
    }
    await audit(trx, deps, actor, 'calendar_day', v.day, {
      action: before ? 'update' : 'create',
      before: before ? { day: before.day, workday: before.workday !== 0, note: before.note } : null,
      after,
    })
  })
  forgetWorkingRules(deps)
}

/**
 * Removes a day's override: the official schedule applies again.
 *
 * @example await deleteCalendarDay(deps, '2026-07-15', admin)
 */
export async function deleteCalendarDay(deps: Deps, day: string, actor: AdminActor): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const before = await trx
      .selectFrom('calendar_days')
      .selectAll()
      .where('day', '=', day)
      .executeTakeFirst()
    if (!before) throw new HotlineError('not_found', `${day} 没有调整`)
    await trx.deleteFrom('calendar_days').where('day', '=', day).execute()
    await audit(trx, deps, actor, 'calendar_day', day, {
      action: 'delete',
      before: { day: before.day, workday: before.workday !== 0, note: before.note },
      after: null,
    })
  })
  forgetWorkingRules(deps)
}

/** A case whose deadline a newly loaded schedule moved. */
export interface RecomputedDeadline {
  id: number
  caseNumber: string
  before: string
  after: string
  provisional: boolean
}

/**
 * Loads a year's official schedule (国务院办公厅节假日安排): its days off (休) and make-up working
 * days (班) replace that year's overrides, the year counts as scheduled from now on, and every open
 * case with a provisional deadline gets its deadline recomputed from its base day and working days
 * (written with a version bump). One audit row lists the days before and after and the cases moved.
 *
 * @example
 * await loadCalendarYear(deps, 2027, [{ day: '2027-01-01', workday: false, note: '元旦' }], admin)
 */
export async function loadCalendarYear(
  deps: Deps,
  year: number,
  days: readonly CalendarDayInput[],
  actor: AdminActor,
  options: { source?: string } = {},
): Promise<{ year: number; days: number; recomputed: RecomputedDeadline[] }> {
  const y = parseInput(z.object({ year: yearSchema }), { year }).year
  const parsed = parseInput(
    z.object({ days: z.array(calendarDaySchema).min(1, '至少要有一天（休或班）') }),
    { days },
  ).days
  const seen = new Set<string>()
  for (const d of parsed) {
    if (!d.day.startsWith(`${y}-`)) throw invalidField('days', `${d.day} 不在 ${y} 年`)
    if (seen.has(d.day)) throw invalidField('days', `${d.day} 出现了两次`)
    seen.add(d.day)
  }
  parsed.sort((a, b) => a.day.localeCompare(b.day))
  const source = (options.source ?? `admin:${actor.name}`).slice(0, 200)
  const now = nowOf(deps)
  const result = await inTransaction(deps.db, async (trx) => {
    const from = `${y}-01-01`
    const to = `${y}-12-31`
    const beforeDays = await trx
      .selectFrom('calendar_days')
      .select(['day', 'workday', 'note'])
      .where('day', '>=', from)
      .where('day', '<=', to)
      .orderBy('day')
      .execute()
    const beforeYear = await trx
      .selectFrom('calendar_years')
      .selectAll()
      .where('year', '=', y)
      .executeTakeFirst()
    await trx.deleteFrom('calendar_days').where('day', '>=', from).where('day', '<=', to).execute()
    await trx
      .insertInto('calendar_days')
      .values(
        parsed.map((d) => ({
          day: d.day,
          workday: d.workday ? 1 : 0,
          note: d.note,
          created_at: now,
        })),
      )
      .execute()
    if (beforeYear) {
      await trx
        .updateTable('calendar_years')
        .set({ loaded_at: now, source })
        .where('year', '=', y)
        .execute()
    } else {
      await trx.insertInto('calendar_years').values({ year: y, loaded_at: now, source }).execute()
    }
    const recomputed = await recomputeProvisional(trx, deps, now)
    await audit(trx, deps, actor, 'calendar_year', y, {
      action: 'load',
      source,
      before: {
        loaded: beforeYear !== undefined,
        days: beforeDays.map((d) => ({ day: d.day, workday: d.workday !== 0, note: d.note })),
      },
      after: { loaded: true, days: parsed },
      recomputedCaseIds: recomputed.map((r) => r.id),
      recomputed,
    })
    return recomputed
  })
  forgetWorkingRules(deps)
  return { year: y, days: parsed.length, recomputed: result }
}

/** Recomputes the deadlines of open provisional cases with the calendar as it now stands in `trx`. */
async function recomputeProvisional(
  trx: Db,
  deps: Deps,
  now: string,
): Promise<RecomputedDeadline[]> {
  const { overrides, years } = await loadCalendarOverrides(trx)
  const calendar = officialCalendar(overrides, years)
  const cases = await trx
    .selectFrom('work_orders')
    .select(['id', 'case_number', 'due_at', 'due_base_day', 'due_workdays'])
    .where('due_provisional', '=', 1)
    .where('status', 'in', OPEN_STATUSES)
    .orderBy('id')
    .execute()
  const moved: RecomputedDeadline[] = []
  for (const c of cases) {
    const due = deadline(calendar, c.due_base_day, c.due_workdays, deps.timeZone)
    if (due.dueAt === c.due_at && due.dueProvisional) continue
    const updated = await trx
      .updateTable('work_orders')
      .set((eb) => ({
        due_at: due.dueAt,
        due_provisional: due.dueProvisional ? 1 : 0,
        version: eb('version', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', c.id)
      .where('due_base_day', '=', c.due_base_day)
      .where('due_workdays', '=', c.due_workdays)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) !== 1) continue
    moved.push({
      id: c.id,
      caseNumber: c.case_number,
      before: c.due_at,
      after: due.dueAt,
      provisional: due.dueProvisional,
    })
  }
  return moved
}

/**
 * Reads a year's schedule as an admin pastes it or a file holds it: lines `YYYY-MM-DD 休|班 [note]`
 * (blank lines and `#` comments ignored), or JSON `{"holidays": […], "workdays": […]}` whose items
 * are days, `{day, note}` objects, or a `{day: note}` map (the holiday package's own format). With a
 * `year`, JSON days of other years are left out (a package file spans many years) while a line of
 * another year is an error; without one, every day must be in the same year.
 *
 * @example parseSchedule('2027-01-01 休 元旦\n2027-02-07 班') // { year: 2027, days: [ … ] }
 */
export function parseSchedule(
  textIn: string,
  year?: number,
): { year: number; days: CalendarDay[] } {
  const source = textIn.replace(/^\uFEFF/, '').trim()
  if (source === '') throw invalidField('schedule', '内容为空：每行一天，如 2027-01-01 休 元旦')
  let days: CalendarDay[]
  if (source.startsWith('{')) {
    days = scheduleFromJson(source)
    if (year !== undefined) days = days.filter((d) => d.day.startsWith(`${year}-`))
  } else {
    days = scheduleFromLines(source)
    const stray = year === undefined ? undefined : days.find((d) => !d.day.startsWith(`${year}-`))
    if (stray) throw invalidField('schedule', `${stray.day} 不在 ${year} 年`)
  }
  const years = [...new Set(days.map((d) => Number(d.day.slice(0, 4))))]
  const target = year ?? years[0]
  if (days.length === 0 || target === undefined) {
    throw invalidField(
      'schedule',
      year === undefined ? '没有找到任何日期' : `没有 ${year} 年的日期`,
    )
  }
  if (years.length > 1) {
    throw invalidField('year', `内容含 ${years.join('、')} 多个年份，请指明载入哪一年`)
  }
  return { year: target, days }
}

function scheduleFromLines(source: string): CalendarDay[] {
  const days: CalendarDay[] = []
  source.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') return
    const m = /^(\d{4}-\d{2}-\d{2})[\s\u3000]+(休|班)(?:[\s\u3000]+(.*))?$/.exec(line)
    if (!m || !isLocalDate(m[1]!)) {
      throw invalidField(
        'schedule',
        `第 ${i + 1} 行格式不对（应为 YYYY-MM-DD 休 或 YYYY-MM-DD 班，可加备注）：${line.slice(0, 40)}`,
      )
    }
    const note = m[3]?.trim() ?? ''
    days.push({ day: m[1]!, workday: m[2] === '班', note: note === '' ? null : note.slice(0, 100) })
  })
  return days
}

function scheduleFromJson(source: string): CalendarDay[] {
  let data: unknown
  try {
    data = JSON.parse(source)
  } catch (err) {
    throw invalidField(
      'schedule',
      `JSON 格式错误：${err instanceof Error ? err.message : String(err)}`,
    )
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalidField('schedule', 'JSON 须为 {"holidays": […], "workdays": […]}')
  }
  const record = data as Record<string, unknown>
  const days: CalendarDay[] = []
  for (const [key, workday] of [
    ['holidays', false],
    ['workdays', true],
  ] as const) {
    const list = record[key]
    if (list === undefined) continue
    const items: [unknown, unknown][] = Array.isArray(list)
      ? list.map((item) =>
          typeof item === 'object' && item !== null
            ? [(item as Record<string, unknown>).day, (item as Record<string, unknown>).note]
            : [item, null],
        )
      : typeof list === 'object' && list !== null
        ? Object.entries(list)
        : []
    if (!Array.isArray(list) && (typeof list !== 'object' || list === null)) {
      throw invalidField('schedule', `${key} 须为日期列表`)
    }
    for (const [day, note] of items) {
      if (typeof day !== 'string' || !isLocalDate(day)) {
        throw invalidField(
          'schedule',
          `${key} 中有不是 YYYY-MM-DD 的日期：${String(day).slice(0, 20)}`,
        )
      }
      days.push({
        day,
        workday,
        note: typeof note === 'string' && note.trim() ? note.trim().slice(0, 100) : null,
      })
    }
  }
  if (record.holidays === undefined && record.workdays === undefined) {
    throw invalidField('schedule', 'JSON 须有 holidays 或 workdays')
  }
  return days
}

// ---------------------------------------------------------------------------------------------
// Reply templates

/** A reply template (答复模板). */
export interface ReplyTemplate {
  id: number
  categoryId: number | null
  title: string
  body: string
  active: boolean
  createdAt: string
}

function toTemplate(r: {
  id: number
  category_id: number | null
  title: string
  body: string
  active: number
  created_at: string
}): ReplyTemplate {
  return {
    id: r.id,
    categoryId: r.category_id,
    title: r.title,
    body: r.body,
    active: r.active !== 0,
    createdAt: r.created_at,
  }
}

/**
 * Every reply template, general ones first, then by category and title.
 *
 * @example const templates = await listReplyTemplates(deps)
 */
export async function listReplyTemplates(deps: Deps): Promise<ReplyTemplate[]> {
  const rows = await deps.db
    .selectFrom('reply_templates')
    .selectAll()
    .orderBy('category_id')
    .orderBy('title')
    .execute()
  return rows.map(toTemplate)
}

/**
 * The active templates a reply to a case of `categoryId` may start from: the category's own, its
 * parent's, and the general ones.
 *
 * @example const bodies = (await replyTemplatesFor(deps, order.categoryId)).map((t) => t.body)
 */
export async function replyTemplatesFor(
  deps: Deps,
  categoryId: number | null,
): Promise<ReplyTemplate[]> {
  const ids: number[] = []
  if (categoryId !== null) {
    ids.push(categoryId)
    const category = await deps.db
      .selectFrom('categories')
      .select('parent_id')
      .where('id', '=', categoryId)
      .executeTakeFirst()
    if (category?.parent_id) ids.push(category.parent_id)
  }
  const rows = await deps.db
    .selectFrom('reply_templates')
    .selectAll()
    .where('active', '=', 1)
    .where((eb) =>
      ids.length
        ? eb.or([eb('category_id', 'is', null), eb('category_id', 'in', ids)])
        : eb('category_id', 'is', null),
    )
    .orderBy('title')
    .execute()
  return rows.map(toTemplate)
}

async function checkTemplateCategory(db: Db, categoryId: number | null): Promise<void> {
  if (categoryId === null) return
  const found = await db
    .selectFrom('categories')
    .select('id')
    .where('id', '=', categoryId)
    .executeTakeFirst()
  if (!found) throw invalidField('categoryId', '没有这个分类')
}

function templateSnapshot(t: {
  category_id: number | null
  title: string
  body: string
  active: number
}) {
  return { categoryId: t.category_id, title: t.title, body: t.body, active: t.active !== 0 }
}

/**
 * Adds a reply template for a category (or for every category when `categoryId` is blank).
 *
 * @example await createReplyTemplate(deps, { categoryId: 3, title: '已整改', body: '您反映的…' }, admin)
 */
export async function createReplyTemplate(
  deps: Deps,
  input: ReplyTemplateInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<number> {
  const v = parseInput(templateSchema, input)
  return inTransaction(deps.db, async (trx) => {
    await checkTemplateCategory(trx, v.categoryId)
    const row = {
      category_id: v.categoryId,
      title: v.title,
      body: v.body,
      active: v.active ? 1 : 0,
    }
    const { id } = await trx
      .insertInto('reply_templates')
      .values({ ...row, created_at: nowOf(deps) })
      .returning('id')
      .executeTakeFirstOrThrow()
    await audit(trx, deps, actor, 'reply_template', id, {
      action: 'create',
      before: null,
      after: templateSnapshot(row),
    })
    return id
  })
}

/**
 * Changes a reply template (its category, title, body, or whether it is offered).
 *
 * @example await updateReplyTemplate(deps, 2, { categoryId: 3, title: '已整改', body: '…', active: false }, admin)
 */
export async function updateReplyTemplate(
  deps: Deps,
  id: number,
  input: ReplyTemplateInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<void> {
  const v = parseInput(templateSchema, input)
  await inTransaction(deps.db, async (trx) => {
    const before = await trx
      .selectFrom('reply_templates')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (!before) throw new HotlineError('not_found', `没有编号为 ${id} 的模板`)
    await checkTemplateCategory(trx, v.categoryId)
    const row = {
      category_id: v.categoryId,
      title: v.title,
      body: v.body,
      active: v.active ? 1 : 0,
    }
    await trx.updateTable('reply_templates').set(row).where('id', '=', id).execute()
    await audit(trx, deps, actor, 'reply_template', id, {
      action: 'update',
      before: templateSnapshot(before),
      after: templateSnapshot(row),
    })
  })
}

// ---------------------------------------------------------------------------------------------
// API tokens

/** An API token as the admin page lists it: never the token itself nor its hash. */
export interface ApiTokenEntry {
  id: number
  name: string
  role: StaffRole
  unitId: number | null
  unitName: string | null
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

function apiTokenSnapshot(t: {
  name: string
  role: string
  unit_id: number | null
  revoked_at: string | null
}) {
  return { name: t.name, role: t.role, unitId: t.unit_id, revoked: t.revoked_at !== null }
}

/**
 * Every API token, newest first, with its unit's name (the hash column is never read).
 *
 * @example const tokens = await listApiTokens(deps)
 */
export async function listApiTokens(deps: Deps): Promise<ApiTokenEntry[]> {
  const rows = await deps.db
    .selectFrom('api_tokens')
    .leftJoin('units', 'units.id', 'api_tokens.unit_id')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.role',
      'api_tokens.unit_id',
      'api_tokens.created_at',
      'api_tokens.last_used_at',
      'api_tokens.revoked_at',
      'units.name as unit_name',
    ])
    .orderBy('api_tokens.id', 'desc')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role as StaffRole,
    unitId: r.unit_id,
    unitName: r.unit_name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }))
}

/**
 * Creates an API token as `hotline token create` does (same format, stored hashed) and logs it;
 * the token is returned once. A caseworker token needs a unit.
 *
 * @example const { id, token } = await createTokenAudited(deps, { name: '大屏', role: 'reporter' }, admin)
 */
export async function createTokenAudited(
  deps: Deps,
  input: ApiTokenInput | Record<string, unknown>,
  actor: AdminActor,
): Promise<{ id: number; name: string; token: string }> {
  const v = parseInput(apiTokenSchema, input)
  return inTransaction(deps.db, async (trx) => {
    await checkUserUnit(trx, v.role, v.unitId, '令牌')
    // `createToken` names the unit by its code (unique), as the command line does
    const unit =
      v.unitId === null
        ? undefined
        : await trx
            .selectFrom('units')
            .select('code')
            .where('id', '=', v.unitId)
            .executeTakeFirstOrThrow()
    const { id, token } = await createToken(
      { ...deps, db: trx },
      { name: v.name, role: v.role, unit: unit?.code },
    )
    await audit(trx, deps, actor, 'api_token', id, {
      action: 'create',
      before: null,
      after: apiTokenSnapshot({ name: v.name, role: v.role, unit_id: v.unitId, revoked_at: null }),
    })
    return { id, name: v.name, token }
  })
}

/**
 * Revokes an API token at once (calls with it get 401 from then on) and logs it; refuses an
 * unknown or already revoked one.
 *
 * @example await revokeTokenAudited(deps, 3, admin)
 */
export async function revokeTokenAudited(
  deps: Deps,
  id: number,
  actor: AdminActor,
): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const before = await trx
      .selectFrom('api_tokens')
      .select(['name', 'role', 'unit_id', 'revoked_at'])
      .where('id', '=', id)
      .executeTakeFirst()
    if (!before) throw new HotlineError('not_found', `没有编号为 ${id} 的令牌`)
    if (before.revoked_at !== null) throw invalidField('id', '这个令牌已经撤销')
    await revokeToken({ ...deps, db: trx }, id)
    await audit(trx, deps, actor, 'api_token', id, {
      action: 'revoke',
      before: apiTokenSnapshot(before),
      after: apiTokenSnapshot({ ...before, revoked_at: nowOf(deps) }),
    })
  })
}
