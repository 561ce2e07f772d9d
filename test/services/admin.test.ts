import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  listCategories,
  listSlaRules,
  listUnits,
  loadCalendarOverrides,
} from '../../db/repositories/reference-data'
import { findWorkOrder } from '../../db/repositories/work-orders'
import { runAdminCommand } from '../../src/cli-admin'
import { HotlineError } from '../../src/domain/errors'
import { deadline } from '../../src/domain/work-order'
import { addUser } from '../../src/services/accounts'
import {
  calendarStatus,
  createCategory,
  createReplyTemplate,
  createUnit,
  createUser,
  deleteCalendarDay,
  deleteSlaRule,
  listAudit,
  listSlaRulesWithIds,
  loadCalendarYear,
  parseSchedule,
  replyTemplatesFor,
  resetUserPassword,
  setCalendarDay,
  setSlaRule,
  setUserActive,
  updateCategory,
  updateReplyTemplate,
  updateUnit,
  updateUser,
  type AdminActor,
  type AuditEntry,
} from '../../src/services/admin'
import { officialCalendar } from '../../src/services/official-holidays'
import { login, sessionOf } from '../../src/services/sessions'
import { fileCase, performAction } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** Sunday 20 December 2026, 10:00 in Shanghai: 13 working days from here end in 2027. */
const DEC_20 = '2026-12-20T02:00:00.000Z'

/** A 2027 New Year schedule as the State Council might publish it. */
const SCHEDULE_2027 = `# 2027 元旦
2027-01-01 休 元旦
2027-01-02 休
2027-01-03 休
2027-02-06 班 春节调休`

const complaint = {
  channel: 'web' as const,
  kind: 'complaint' as const,
  title: '夜间施工噪音',
  content: '工地每晚十一点后仍在施工',
}

async function refusal(p: Promise<unknown>): Promise<HotlineError> {
  try {
    await p
  } catch (e) {
    if (e instanceof HotlineError) return e
    throw e
  }
  throw new Error('expected a HotlineError')
}

describe.each(DIALECTS)('admin services on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let admin: AdminActor

  beforeAll(async () => {
    store = await openTestStore(dialect, DEC_20)
    fx = await seedFixture(store.deps)
    const root = await addUser(store.deps, {
      username: 'root',
      role: 'admin',
      password: 'long password 1',
    })
    admin = { id: root.id, name: '管理员' }
  })
  afterAll(() => store.close())

  async function auditCount(): Promise<number> {
    return (await listAudit(store.deps, { page: 1, pageSize: 1 })).total
  }

  /** Runs a change and returns the one audit row it must have written. */
  async function onlyAudit(change: () => Promise<unknown>): Promise<AuditEntry> {
    const before = await auditCount()
    await change()
    const { rows, total } = await listAudit(store.deps, { page: 1, pageSize: 5 })
    expect(total).toBe(before + 1)
    expect(rows[0]!.actorName).toBe(admin.name)
    expect(rows[0]!.change).toHaveProperty('before')
    expect(rows[0]!.change).toHaveProperty('after')
    return rows[0]!
  }

  /** Expects a refusal naming `field`, and no write at all. */
  async function refusedWithoutWrite(field: string, change: () => Promise<unknown>): Promise<void> {
    const before = await auditCount()
    const err = await refusal(change())
    expect(err.code).toBe('validation_failed')
    expect(err.fields).toHaveProperty(field)
    expect(await auditCount()).toBe(before)
  }

  describe('users', () => {
    it('creates an account with a one-time password that signs in, audited without the password', async () => {
      let created = { id: 0, username: '', password: '' }
      const row = await onlyAudit(async () => {
        created = await createUser(
          store.deps,
          {
            username: 'li.na',
            displayName: '李娜',
            role: 'dispatcher',
            unitId: String(fx.units.district),
          },
          admin,
        )
      })
      expect(created.password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
      expect(row.entity).toBe('user')
      expect(row.entityId).toBe(String(created.id))
      expect(row.change).toEqual({
        action: 'create',
        before: null,
        after: {
          username: 'li.na',
          displayName: '李娜',
          role: 'dispatcher',
          unitId: fx.units.district,
          active: true,
        },
      })
      const raw = JSON.stringify(row.change)
      expect(raw).not.toContain(created.password)
      expect(raw).not.toContain('scrypt')
      const { session } = await login(store.deps, 'li.na', created.password)
      expect(session.user.role).toBe('dispatcher')
    })

    it('refuses a taken username, a caseworker without a unit and a bad role, writing nothing', async () => {
      await refusedWithoutWrite('username', () =>
        createUser(store.deps, { username: 'li.na', role: 'reporter' }, admin),
      )
      await refusedWithoutWrite('unitId', () =>
        createUser(store.deps, { username: 'zhao', role: 'caseworker' }, admin),
      )
      await refusedWithoutWrite('role', () =>
        createUser(store.deps, { username: 'zhao', role: 'boss' }, admin),
      )
      await refusedWithoutWrite('username', () =>
        createUser(store.deps, { username: '赵', role: 'reporter' }, admin),
      )
    })

    it('changes role and unit with before and after in the audit', async () => {
      const { id } = await createUser(store.deps, { username: 'wu', role: 'reporter' }, admin)
      const row = await onlyAudit(() =>
        updateUser(
          store.deps,
          id,
          { displayName: '吴', role: 'caseworker', unitId: fx.units.street },
          admin,
        ),
      )
      expect(row.change.action).toBe('update')
      expect(row.change.before).toMatchObject({ role: 'reporter', unitId: null, displayName: 'wu' })
      expect(row.change.after).toMatchObject({
        role: 'caseworker',
        unitId: fx.units.street,
        displayName: '吴',
      })
      await refusedWithoutWrite('unitId', () =>
        updateUser(store.deps, id, { role: 'caseworker', unitId: '' }, admin),
      )
    })

    it('disabling ends every session at once; enabling lets the account sign in again', async () => {
      const { id, password } = await createUser(
        store.deps,
        { username: 'qian', role: 'supervisor' },
        admin,
      )
      const a = await login(store.deps, 'qian', password)
      const b = await login(store.deps, 'qian', password)
      expect(await sessionOf(store.deps, a.sessionId)).toBeDefined()
      const row = await onlyAudit(() => setUserActive(store.deps, id, false, admin))
      expect(row.change).toMatchObject({
        action: 'disable',
        before: { active: true },
        after: { active: false },
        endedSessions: 2,
      })
      expect(await sessionOf(store.deps, a.sessionId)).toBeUndefined()
      expect(await sessionOf(store.deps, b.sessionId)).toBeUndefined()
      expect(
        await store.deps.db
          .selectFrom('sessions')
          .select('id_hash')
          .where('user_id', '=', id)
          .execute(),
      ).toEqual([])
      await expect(login(store.deps, 'qian', password)).rejects.toThrow()
      await onlyAudit(() => setUserActive(store.deps, id, true, admin))
      await expect(login(store.deps, 'qian', password)).resolves.toBeDefined()
    })

    it('keeps at least one admin: nobody disables or demotes themselves or the last admin', async () => {
      await refusedWithoutWrite('active', () => setUserActive(store.deps, admin.id!, false, admin))
      await refusedWithoutWrite('role', () =>
        updateUser(store.deps, admin.id!, { role: 'reporter' }, admin),
      )
      const other = { id: 999_999, name: '另一位管理员' }
      await refusedWithoutWrite('active', () => setUserActive(store.deps, admin.id!, false, other))
    })

    it('resetting a password unlocks the account, ends its sessions, and logs no secret', async () => {
      const { id, password } = await createUser(
        store.deps,
        { username: 'sun', role: 'reporter' },
        admin,
      )
      const s = await login(store.deps, 'sun', password)
      await store.deps.db
        .updateTable('users')
        .set({ locked_until: '2099-01-01T00:00:00.000Z' })
        .where('id', '=', id)
        .execute()
      let fresh = ''
      const row = await onlyAudit(async () => {
        fresh = (await resetUserPassword(store.deps, id, admin)).password
      })
      expect(row.change).toMatchObject({
        action: 'reset_password',
        after: { passwordChanged: true, lockedUntil: null },
      })
      expect(JSON.stringify(row.change)).not.toContain(fresh)
      expect(await sessionOf(store.deps, s.sessionId)).toBeUndefined()
      await expect(login(store.deps, 'sun', password)).rejects.toThrow()
      await expect(login(store.deps, 'sun', fresh)).resolves.toBeDefined()
    })
  })

  describe('units and categories', () => {
    it('adds and changes a unit, each change one audit row', async () => {
      let id = 0
      const created = await onlyAudit(async () => {
        id = await createUnit(
          store.deps,
          { code: 'XJ-LH', name: '乐化镇', parentId: String(fx.units.district), level: 'town' },
          admin,
        )
      })
      expect(created.change.after).toEqual({
        code: 'XJ-LH',
        name: '乐化镇',
        parentId: fx.units.district,
        level: 'town',
        active: true,
      })
      const changed = await onlyAudit(() =>
        updateUnit(
          store.deps,
          id,
          {
            code: 'XJ-LH',
            name: '乐化镇人民政府',
            parentId: fx.units.district,
            level: 'town',
            active: '',
          },
          admin,
        ),
      )
      expect(changed.change.before).toMatchObject({ name: '乐化镇', active: true })
      expect(changed.change.after).toMatchObject({ name: '乐化镇人民政府', active: false })
      const unit = (await listUnits(store.deps.db)).find((u) => u.id === id)
      expect(unit).toMatchObject({ name: '乐化镇人民政府', active: false })
    })

    it('refuses a taken code, an unknown level, a missing parent and a cycle, writing nothing', async () => {
      const count = (await listUnits(store.deps.db)).length
      await refusedWithoutWrite('code', () =>
        createUnit(store.deps, { code: 'XJ', name: '重复', level: 'district' }, admin),
      )
      await refusedWithoutWrite('level', () =>
        createUnit(store.deps, { code: 'NEW', name: '新', level: 'province' }, admin),
      )
      await refusedWithoutWrite('parentId', () =>
        createUnit(
          store.deps,
          { code: 'NEW', name: '新', parentId: 99_999, level: 'street' },
          admin,
        ),
      )
      await refusedWithoutWrite('name', () =>
        createUnit(store.deps, { code: 'NEW', name: '  ', level: 'street' }, admin),
      )
      await refusedWithoutWrite('parentId', () =>
        updateUnit(
          store.deps,
          fx.units.district,
          {
            code: 'XJ',
            name: '新建区',
            parentId: fx.units.street,
            level: 'district',
            active: true,
          },
          admin,
        ),
      )
      expect((await listUnits(store.deps.db)).length).toBe(count)
    })

    it('adds a second-level category with a default unit and keeps the tree two levels deep', async () => {
      let id = 0
      const row = await onlyAudit(async () => {
        id = await createCategory(
          store.deps,
          {
            code: 'noise.night',
            name: '夜间施工',
            parentId: fx.categories.noise,
            defaultUnitId: fx.units.bureau,
          },
          admin,
        )
      })
      expect(row.change.after).toEqual({
        code: 'noise.night',
        name: '夜间施工',
        parentId: fx.categories.noise,
        defaultUnitId: fx.units.bureau,
        active: true,
      })
      await refusedWithoutWrite('parentId', () =>
        createCategory(store.deps, { code: 'noise.night.late', name: '深夜', parentId: id }, admin),
      )
      await refusedWithoutWrite('parentId', () =>
        updateCategory(
          store.deps,
          fx.categories.noise,
          { code: 'noise', name: '噪音扰民', parentId: fx.categories.roads, active: true },
          admin,
        ),
      )
      await refusedWithoutWrite('defaultUnitId', () =>
        updateCategory(
          store.deps,
          id,
          {
            code: 'noise.night',
            name: '夜间施工',
            parentId: fx.categories.noise,
            defaultUnitId: 99_999,
            active: true,
          },
          admin,
        ),
      )
      const moved = await onlyAudit(() =>
        updateCategory(
          store.deps,
          id,
          {
            code: 'noise.night',
            name: '夜间施工',
            parentId: fx.categories.noise,
            defaultUnitId: fx.units.street,
            active: true,
          },
          admin,
        ),
      )
      expect(moved.change.before).toMatchObject({ defaultUnitId: fx.units.bureau })
      expect(moved.change.after).toMatchObject({ defaultUnitId: fx.units.street })
      expect((await listCategories(store.deps.db)).find((c) => c.id === id)?.defaultUnitId).toBe(
        fx.units.street,
      )
    })
  })

  describe('SLA rules', () => {
    it('a changed rule gives the next filed case its deadline; filed cases keep theirs', async () => {
      store.setNow('2026-03-02T02:00:00.000Z') // Monday
      const before = await fileCase(store.deps, complaint, fx.actors.citizen)
      expect(before.order.dueWorkdays).toBe(13)
      const row = await onlyAudit(() =>
        setSlaRule(
          store.deps,
          { kind: 'complaint', urgency: '', channel: '', workdays: '5' },
          admin,
        ),
      )
      expect(row.entity).toBe('sla_rule')
      expect(row.change).toMatchObject({
        action: 'update',
        before: { kind: 'complaint', urgency: null, channel: null, workdays: 13 },
        after: { kind: 'complaint', urgency: null, channel: null, workdays: 5 },
      })
      const after = await fileCase(store.deps, complaint, fx.actors.citizen)
      expect(after.order.dueWorkdays).toBe(5)
      expect(after.order.dueAt).toBe('2026-03-09T15:59:59.000Z')
      expect((await findWorkOrder(store.deps.db, before.order.id))?.dueWorkdays).toBe(13)
      await onlyAudit(() => setSlaRule(store.deps, { kind: 'complaint', workdays: 13 }, admin))
      store.setNow(DEC_20)
    })

    it('adds a rule for a new combination and deletes it, each audited', async () => {
      let id = 0
      const added = await onlyAudit(async () => {
        const r = await setSlaRule(
          store.deps,
          { channel: 'enterprise_visit', urgency: 'urgent', workdays: 2 },
          admin,
        )
        expect(r.created).toBe(true)
        id = r.id
      })
      expect(added.change).toMatchObject({
        action: 'create',
        before: null,
        after: { channel: 'enterprise_visit', urgency: 'urgent', kind: null, workdays: 2 },
      })
      const deleted = await onlyAudit(() => deleteSlaRule(store.deps, id, admin))
      expect(deleted.change).toMatchObject({
        action: 'delete',
        after: null,
        before: { workdays: 2 },
      })
      expect((await listSlaRulesWithIds(store.deps)).some((r) => r.id === id)).toBe(false)
    })

    it('refuses bad kinds and workdays, writing nothing', async () => {
      const rules = await listSlaRules(store.deps.db)
      await refusedWithoutWrite('kind', () =>
        setSlaRule(store.deps, { kind: 'praise', workdays: 3 }, admin),
      )
      await refusedWithoutWrite('workdays', () =>
        setSlaRule(store.deps, { kind: 'help', workdays: -1 }, admin),
      )
      await refusedWithoutWrite('workdays', () =>
        setSlaRule(store.deps, { kind: 'help', workdays: 'three' }, admin),
      )
      await refusedWithoutWrite('channel', () =>
        setSlaRule(store.deps, { channel: 'fax', workdays: 3 }, admin),
      )
      expect(await listSlaRules(store.deps.db)).toEqual(rules)
    })
  })

  describe('the holiday calendar', () => {
    it('a day override changes the next deadline and can be removed', async () => {
      store.setNow('2026-03-02T02:00:00.000Z')
      const row = await onlyAudit(() =>
        setCalendarDay(store.deps, { day: '2026-03-03', workday: '0', note: '台风停工' }, admin),
      )
      expect(row.change).toEqual({
        action: 'create',
        before: null,
        after: { day: '2026-03-03', workday: false, note: '台风停工' },
      })
      const help = await fileCase(store.deps, { ...complaint, kind: 'help' }, fx.actors.citizen)
      expect(help.order.dueAt).toBe('2026-03-06T15:59:59.000Z') // Tue 3rd off: Wed, Thu, Fri
      const removed = await onlyAudit(() => deleteCalendarDay(store.deps, '2026-03-03', admin))
      expect(removed.change).toMatchObject({ action: 'delete', after: null })
      const next = await fileCase(store.deps, { ...complaint, kind: 'help' }, fx.actors.citizen)
      expect(next.order.dueAt).toBe('2026-03-05T15:59:59.000Z')
      await refusedWithoutWrite('day', () =>
        setCalendarDay(store.deps, { day: '2026-02-30', workday: '0' }, admin),
      )
      await refusedWithoutWrite('workday', () =>
        setCalendarDay(store.deps, { day: '2026-03-04', workday: 'maybe' }, admin),
      )
      store.setNow(DEC_20)
    })

    it('reads a pasted schedule, a JSON schedule and the holiday package format', () => {
      const lines = parseSchedule(SCHEDULE_2027)
      expect(lines.year).toBe(2027)
      expect(lines.days).toEqual([
        { day: '2027-01-01', workday: false, note: '元旦' },
        { day: '2027-01-02', workday: false, note: null },
        { day: '2027-01-03', workday: false, note: null },
        { day: '2027-02-06', workday: true, note: '春节调休' },
      ])
      expect(
        parseSchedule('{"holidays":["2027-01-01"],"workdays":[{"day":"2027-02-06","note":"调休"}]}')
          .days,
      ).toEqual([
        { day: '2027-01-01', workday: false, note: null },
        { day: '2027-02-06', workday: true, note: '调休' },
      ])
      const pkg =
        '{"holidays":{"2026-10-01":"National Day,国庆节,8","2027-01-01":"New Year,元旦,1"},"workdays":{}}'
      expect(parseSchedule(pkg, 2027).days).toEqual([
        { day: '2027-01-01', workday: false, note: 'New Year,元旦,1' },
      ])
      expect(refusalSync(() => parseSchedule(pkg)).fields).toHaveProperty('year')
      expect(refusalSync(() => parseSchedule('2027-01-01 放假')).message).toContain('第 1 行')
      expect(refusalSync(() => parseSchedule('2027-01-01 休', 2028)).fields).toHaveProperty(
        'schedule',
      )
      expect(refusalSync(() => parseSchedule('{"holidays": 3}')).fields).toHaveProperty('schedule')
      expect(refusalSync(() => parseSchedule('')).fields).toHaveProperty('schedule')
    })

    it("loading 2027's schedule recomputes a provisional deadline and clears the flag", async () => {
      store.setNow(DEC_20)
      expect((await calendarStatus(store.deps)).years.map((y) => [y.year, y.source])).toEqual([
        [2026, 'package'],
        [2027, null],
      ])
      const open = await fileCase(store.deps, complaint, fx.actors.citizen)
      const closed = await fileCase(store.deps, complaint, fx.actors.dispatcher)
      await performAction(
        store.deps,
        closed.order.id,
        { action: 'direct_answer', reply: '已答复' },
        fx.actors.dispatcher,
      )
      const closedBefore = await findWorkOrder(store.deps.db, closed.order.id)
      expect(open.order.dueWorkdays).toBe(13)
      expect(open.order.dueProvisional).toBe(true)
      expect(open.order.dueAt).toBe('2027-01-06T15:59:59.000Z') // weekends only: 1 January counted
      expect((await calendarStatus(store.deps)).provisionalOpen).toBeGreaterThanOrEqual(1)

      const { days } = parseSchedule(SCHEDULE_2027)
      const row = await onlyAudit(async () => {
        const result = await loadCalendarYear(store.deps, 2027, days, admin)
        expect(result.recomputed.map((r) => r.id)).toContain(open.order.id)
      })
      const after = await findWorkOrder(store.deps.db, open.order.id)
      const { overrides, years } = await loadCalendarOverrides(store.deps.db)
      const expected = deadline(
        officialCalendar(overrides, years),
        '2026-12-20',
        13,
        'Asia/Shanghai',
      )
      expect(after?.dueProvisional).toBe(false)
      expect(after?.dueAt).toBe(expected.dueAt)
      expect(after?.dueAt).toBe('2027-01-07T15:59:59.000Z')
      expect(after?.version).toBe(open.order.version + 1)
      expect(await findWorkOrder(store.deps.db, closed.order.id)).toEqual(closedBefore)

      expect(row.entity).toBe('calendar_year')
      expect(row.entityId).toBe('2027')
      expect(row.change).toMatchObject({
        action: 'load',
        before: { loaded: false, days: [] },
        after: { loaded: true },
      })
      expect(row.change.recomputedCaseIds).toContain(open.order.id)
      expect(row.change.recomputedCaseIds).not.toContain(closed.order.id)
      expect((await calendarStatus(store.deps)).years.find((y) => y.year === 2027)?.source).toBe(
        'loaded',
      )

      const next = await fileCase(store.deps, complaint, fx.actors.citizen)
      expect(next.order).toMatchObject({ dueProvisional: false, dueAt: '2027-01-07T15:59:59.000Z' })
    })

    it('refuses a schedule with days of another year or twice the same day, writing nothing', async () => {
      const before = await loadCalendarOverrides(store.deps.db)
      await refusedWithoutWrite('days', () =>
        loadCalendarYear(
          store.deps,
          2028,
          [{ day: '2027-05-01', workday: false, note: null }],
          admin,
        ),
      )
      await refusedWithoutWrite('days', () =>
        loadCalendarYear(
          store.deps,
          2028,
          [
            { day: '2028-05-01', workday: false, note: null },
            { day: '2028-05-01', workday: true, note: null },
          ],
          admin,
        ),
      )
      await refusedWithoutWrite('days', () => loadCalendarYear(store.deps, 2028, [], admin))
      await refusedWithoutWrite('year', () =>
        loadCalendarYear(
          store.deps,
          1999,
          [{ day: '1999-05-01', workday: false, note: null }],
          admin,
        ),
      )
      expect(await loadCalendarOverrides(store.deps.db)).toEqual(before)
    })
  })

  describe('reply templates', () => {
    it('adds templates per category and offers a case the category, parent and general ones', async () => {
      const general = await createReplyTemplate(
        store.deps,
        { title: '已受理', body: '您的诉求已受理。' },
        admin,
      )
      const roads = await createReplyTemplate(
        store.deps,
        { categoryId: fx.categories.roads, title: '已修复', body: '路面已修复。' },
        admin,
      )
      const noise = await createReplyTemplate(
        store.deps,
        { categoryId: String(fx.categories.noise), title: '已劝导', body: '已劝导施工方。' },
        admin,
      )
      const offered = await replyTemplatesFor(store.deps, fx.categories.potholes)
      expect(offered.map((t) => t.id).sort()).toEqual([general, roads].sort())
      const row = await onlyAudit(() =>
        updateReplyTemplate(
          store.deps,
          noise,
          {
            categoryId: fx.categories.noise,
            title: '已劝导',
            body: '已劝导施工方停工。',
            active: false,
          },
          admin,
        ),
      )
      expect(row.change).toMatchObject({
        before: { active: true, body: '已劝导施工方。' },
        after: { active: false, body: '已劝导施工方停工。' },
      })
      expect((await replyTemplatesFor(store.deps, fx.categories.noise)).map((t) => t.id)).toEqual([
        general,
      ])
      await refusedWithoutWrite('body', () =>
        createReplyTemplate(store.deps, { title: '空', body: '' }, admin),
      )
      await refusedWithoutWrite('categoryId', () =>
        createReplyTemplate(store.deps, { categoryId: 99_999, title: 't', body: 'b' }, admin),
      )
    })
  })

  it('lists the audit log newest first, page by page, and by entity', async () => {
    const all = await listAudit(store.deps, { page: 1, pageSize: 1000 })
    expect(all.rows.map((r) => r.id)).toEqual([...all.rows.map((r) => r.id)].sort((a, b) => b - a))
    const second = await listAudit(store.deps, { page: 2, pageSize: 3 })
    expect(second.rows.map((r) => r.id)).toEqual(all.rows.slice(3, 6).map((r) => r.id))
    const units = await listAudit(store.deps, { page: 1, pageSize: 100, entity: 'unit' })
    expect(units.rows.every((r) => r.entity === 'unit')).toBe(true)
    expect(units.total).toBe(2)
    expect(all.rows.some((r) => /scrypt|password_hash/.test(JSON.stringify(r.change)))).toBe(false)
  })
})

function refusalSync(fn: () => unknown): HotlineError {
  try {
    fn()
  } catch (e) {
    if (e instanceof HotlineError) return e
    throw e
  }
  throw new Error('expected a HotlineError')
}

describe.each(DIALECTS)('admin commands on %s', (dialect) => {
  let store: TestStore
  const dir = mkdtempSync(join(tmpdir(), 'hotline-admin-cli-'))

  beforeAll(async () => {
    store = await openTestStore(dialect, DEC_20)
    await seedFixture(store.deps)
  })
  afterAll(() => store.close())

  async function run(args: string[], stdin = '') {
    const out: string[] = []
    const err: string[] = []
    const code = await runAdminCommand(store.deps, args, {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      readStdin: async () => stdin,
      env: { USER: 'ops' },
    })
    return { code, out: out.join('\n'), err: err.join('\n') }
  }

  it('adds a unit and a category by the codes of their parents, audited as the command line', async () => {
    const unit = await run([
      'unit',
      'add',
      '--code',
      'XJ-WC',
      '--name',
      '望城镇',
      '--parent',
      'XJ',
      '--level',
      'town',
    ])
    expect(unit).toMatchObject({ code: 0, err: '' })
    const category = await run([
      'category',
      'add',
      '--code',
      'roads.lights',
      '--name',
      '路灯',
      '--parent',
      'roads',
      '--default-unit',
      'XJ-WC',
    ])
    expect(category).toMatchObject({ code: 0, err: '' })
    const units = await listUnits(store.deps.db)
    const town = units.find((u) => u.code === 'XJ-WC')
    expect(town).toMatchObject({
      name: '望城镇',
      level: 'town',
      parentId: units.find((u) => u.code === 'XJ')?.id,
    })
    const lights = (await listCategories(store.deps.db)).find((c) => c.code === 'roads.lights')
    expect(lights?.defaultUnitId).toBe(town?.id)
    const { rows } = await listAudit(store.deps, { page: 1, pageSize: 2 })
    expect(rows.map((r) => [r.entity, r.actorName, r.actorId])).toEqual([
      ['category', '命令行 ops', null],
      ['unit', '命令行 ops', null],
    ])
  })

  it('exits 1 naming the field for every bad input, and writes nothing', async () => {
    const before = (await listAudit(store.deps, { page: 1, pageSize: 1 })).total
    const cases: [string[], RegExp][] = [
      [['unit', 'add', '--name', '无代码', '--level', 'town'], /code: is required/],
      [['unit', 'add', '--code', 'X1', '--name', 'n', '--level', 'village'], /level: /],
      [
        ['unit', 'add', '--code', 'X1', '--name', 'n', '--level', 'town', '--parent', 'nowhere'],
        /parent: no unit/,
      ],
      [['unit', 'add', '--code', 'XJ', '--name', 'n', '--level', 'town'], /code: .*已被使用/],
      [
        ['unit', 'add', '--code', 'X1', '--name', 'n', '--level', 'town', '--colour', 'red'],
        /Unknown option '--colour'/,
      ],
      [
        ['category', 'add', '--code', 'c1', '--name', 'n', '--default-unit', 'nowhere'],
        /default-unit: no unit/,
      ],
      [
        ['category', 'add', '--code', 'c1', '--name', 'n', '--parent', 'nothing'],
        /parent: no category/,
      ],
      [['sla', 'set', '--kind', 'complaint'], /workdays: is required/],
      [['sla', 'set', '--workdays', 'ten'], /workdays: must be a whole number/],
      [['sla', 'set', '--workdays', '3', '--urgency', 'asap'], /urgency: /],
      [['sla', 'set', '--workdays', '3', '--channel', 'fax'], /channel: /],
      [['calendar', 'load'], /FILE: is required/],
      [['calendar', 'load', join(dir, 'missing.txt')], /FILE: .*does not exist/],
      [['calendar', 'load', join(dir, 'missing.txt'), '--year', '27'], /year: must be a year/],
      [['template', 'add', '--category', 'roads'], /title: is required/],
      [['template', 'add', '--category', 'nothing', '--title', 't'], /category: no category/],
      [['template', 'add', '--category', 'roads', '--title', 't'], /body: is required/],
      [['unit', 'remove'], /usage: hotline unit add/],
    ]
    for (const [args, message] of cases) {
      const r = await run(args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.err, args.join(' ')).toMatch(message)
    }
    const bad = join(dir, 'bad.txt')
    writeFileSync(bad, '2027-01-01 休\n2027-13-01 班\n')
    const r = await run(['calendar', 'load', bad])
    expect(r.code).toBe(1)
    expect(r.err).toContain('FILE: 第 2 行格式不对')
    expect((await listAudit(store.deps, { page: 1, pageSize: 1 })).total).toBe(before)
  })

  it('sets and lists SLA rules', async () => {
    expect((await run(['sla', 'set', '--kind', 'help', '--workdays', '2'])).out).toMatch(
      /changed: 2 working days/,
    )
    expect(
      (await run(['sla', 'set', '--channel', 'web', '--urgency', 'urgent', '--workdays', '1'])).out,
    ).toMatch(/added/)
    const list = await run(['sla', 'list'])
    expect(list.code).toBe(0)
    expect(list.out).toMatch(/help\s+\*\s+\*\s+2/)
    expect(list.out).toMatch(/\*\s+urgent\s+web\s+1/)
  })

  it('tells the missing year, loads a schedule file and a package file, and adds a template from stdin', async () => {
    const before = await run(['calendar', 'status'])
    expect(before.out).toMatch(/2027 {2}MISSING: deadlines in 2027 count weekends only/)
    const file = join(dir, '2027.txt')
    writeFileSync(file, SCHEDULE_2027)
    const loaded = await run(['calendar', 'load', file])
    expect(loaded).toMatchObject({ code: 0, err: '' })
    expect(loaded.out).toContain('loaded 2027: 3 days off, 1 make-up working days')
    expect((await run(['calendar', 'status'])).out).toMatch(/2027 {2}scheduled \(loaded /)
    const pkg = join(dir, 'package.json')
    writeFileSync(
      pkg,
      JSON.stringify({ holidays: { '2028-01-01': '元旦', '2027-01-01': '元旦' }, workdays: {} }),
    )
    expect((await run(['calendar', 'load', pkg])).err).toMatch(/year: /)
    expect((await run(['calendar', 'load', pkg, '--year', '2028'])).code).toBe(0)
    expect((await loadCalendarOverrides(store.deps.db)).years.sort()).toEqual([2027, 2028])

    const tpl = await run(
      ['template', 'add', '--category', 'roads', '--title', '已修复'],
      '您反映的路面问题已修复。\n',
    )
    expect(tpl.code).toBe(0)
    const [row] = await store.deps.db.selectFrom('reply_templates').selectAll().execute()
    expect(row).toMatchObject({ title: '已修复', body: '您反映的路面问题已修复。', active: 1 })
  })
})
