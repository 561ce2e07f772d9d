import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { ACTIONS, type Action, type Status } from '../../src/domain/status'
import type { Actor } from '../../src/domain/work-order'
import type { Deps } from '../../src/services/deps'
import { fileCase, performAction } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { createStaff, getAs, postAs, type StaffLogin, type StaffSet } from '../helpers/staff'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/**
 * Every staff role × every action, posted to `POST /staff/cases/{id}/actions` with a valid CSRF
 * token and the current version, on a case prepared (through the services) in a state where the
 * action is possible for some role. The expected table is written out from CONTRACT.md section 3
 * and the workflow table, not derived from `TRANSITIONS`.
 */

const ROLES = ['dispatcher', 'ownWorker', 'otherWorker', 'noUnitWorker', 'supervisor', 'reporter', 'admin'] as const
type RoleKey = (typeof ROLES)[number]
type Outcome = 'ok' | 403 | 404

/** The state a case is put in before the action is tried. */
type Setup =
  | 'received'
  | 'dispatched'
  | 'in_progress'
  | 'return_requested'
  | 'extension_pending'
  | 'closed'
  | 'closed_dissatisfied'

interface Row {
  setup: Setup
  /** The form fields the action needs (besides `_csrf`, `action`, `version`). */
  fields: (ctx: { fx: Fixture; masterId: number }) => Record<string, string | number>
  /** The state after the action, when allowed. */
  after: Status
  /** dispatcher, ownWorker, otherWorker, noUnitWorker, supervisor, reporter, admin */
  outcomes: [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome]
}

// A received case has no handling unit yet, so no caseworker can see it (404 for all three).
// "own" is the caseworker of the unit the case is dispatched to (长堎街道).
//                                                          disp   own    other noUnit super  report admin
const MATRIX: Record<Action, Row> = {
  dispatch: { setup: 'received', fields: ({ fx }) => ({ unitId: fx.units.street }), after: 'dispatched',
    outcomes: ['ok', 404, 404, 404, 403, 403, 403] },
  sign: { setup: 'dispatched', fields: () => ({}), after: 'in_progress',
    outcomes: [403, 'ok', 404, 404, 403, 403, 403] },
  request_return: { setup: 'in_progress', fields: () => ({ reason: 'wrong_function', note: '不属于本单位职能' }), after: 'return_requested',
    outcomes: [403, 'ok', 404, 404, 403, 403, 403] },
  approve_return: { setup: 'return_requested', fields: () => ({}), after: 'received',
    outcomes: ['ok', 403, 404, 404, 403, 403, 403] },
  reject_return: { setup: 'return_requested', fields: () => ({}), after: 'in_progress',
    outcomes: ['ok', 403, 404, 404, 403, 403, 403] },
  request_extension: { setup: 'in_progress', fields: () => ({ workdays: 5, basis: '需协调多个部门' }), after: 'in_progress',
    outcomes: [403, 'ok', 404, 404, 403, 403, 403] },
  approve_extension: { setup: 'extension_pending', fields: () => ({}), after: 'in_progress',
    outcomes: [403, 403, 404, 404, 'ok', 403, 403] },
  reject_extension: { setup: 'extension_pending', fields: () => ({}), after: 'in_progress',
    outcomes: [403, 403, 404, 404, 'ok', 403, 403] },
  reply_and_close: { setup: 'in_progress', fields: () => ({ reply: '已修复路面' }), after: 'closed',
    outcomes: [403, 'ok', 404, 404, 403, 403, 403] },
  direct_answer: { setup: 'received', fields: () => ({ reply: '已电话答复政策' }), after: 'closed',
    outcomes: ['ok', 404, 404, 404, 403, 403, 403] },
  rate: { setup: 'closed', fields: () => ({ rating: 'satisfied' }), after: 'closed',
    outcomes: ['ok', 403, 404, 404, 403, 403, 403] },
  reopen: { setup: 'closed_dissatisfied', fields: () => ({}), after: 'dispatched',
    outcomes: ['ok', 403, 404, 404, 403, 403, 403] },
  urge: { setup: 'in_progress', fields: () => ({ level: 'yellow' }), after: 'in_progress',
    outcomes: [403, 403, 404, 404, 'ok', 403, 403] },
  mark_invalid: { setup: 'dispatched', fields: () => ({ note: '恶意来电' }), after: 'invalid',
    outcomes: ['ok', 403, 404, 404, 403, 403, 403] },
  merge: { setup: 'dispatched', fields: ({ masterId }) => ({ masterId }), after: 'merged',
    outcomes: ['ok', 403, 404, 404, 403, 403, 403] },
  archive: { setup: 'closed', fields: () => ({}), after: 'archived',
    outcomes: ['ok', 403, 404, 404, 403, 403, 403] },
  note: { setup: 'in_progress', fields: () => ({ note: '已联系群众' }), after: 'in_progress',
    outcomes: ['ok', 'ok', 404, 404, 'ok', 403, 403] },
}

const T0 = '2025-11-12T02:00:00.000Z'

/** Files a case and walks it through the services to `setup`; dispatched cases go to 长堎街道. */
async function prepare(deps: Deps, fx: Fixture, staff: StaffSet, setup: Setup): Promise<number> {
  const dispatcher: Actor = staff.dispatcher.actor
  const worker: Actor = staff.caseworkers.street.actor
  const { order } = await fileCase(
    deps,
    {
      channel: 'hotline_12345',
      kind: 'complaint',
      title: '小区门口噪音',
      content: '夜间施工噪音扰民',
      citizenName: '李四',
      citizenPhone: '13812345678',
      categoryId: fx.categories.noise,
      districtId: fx.units.district,
    },
    dispatcher,
  )
  const id = order.id
  let v = order.version
  const step = async (actor: Actor, command: Record<string, unknown>) => {
    v = (await performAction(deps, id, command, actor, v)).version
  }
  if (setup === 'received') return id
  await step(dispatcher, { action: 'dispatch', unitId: fx.units.street })
  if (setup === 'dispatched') return id
  await step(worker, { action: 'sign' })
  if (setup === 'in_progress') return id
  if (setup === 'return_requested') {
    await step(worker, { action: 'request_return', reason: 'wrong_locality', note: '不在本街道' })
    return id
  }
  if (setup === 'extension_pending') {
    await step(worker, { action: 'request_extension', workdays: 3, basis: '需现场勘察' })
    return id
  }
  await step(worker, { action: 'reply_and_close', reply: '已处理' })
  if (setup === 'closed') return id
  await step(dispatcher, { action: 'rate', rating: 'dissatisfied' })
  return id
}

async function caseRow(deps: Deps, id: number) {
  return deps.db.selectFrom('work_orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

async function eventsOf(deps: Deps, id: number) {
  return deps.db
    .selectFrom('work_order_events')
    .select(['action', 'actor_role', 'actor_id', 'from_status', 'to_status'])
    .where('work_order_id', '=', id)
    .orderBy('id')
    .execute()
}

describe.each(DIALECTS)('staff authorization matrix on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: ReturnType<typeof createApp>
  let staff: StaffSet
  let masterId: number
  const who = (r: RoleKey): StaffLogin =>
    r === 'ownWorker'
      ? staff.caseworkers.street
      : r === 'otherWorker'
        ? staff.caseworkers.otherStreet
        : staff[r]

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    staff = await createStaff(app, store.deps, fx)
    masterId = await prepare(store.deps, fx, staff, 'received')
  })
  afterAll(() => store.close())

  it('covers every action in ACTIONS', () => {
    expect(Object.keys(MATRIX).sort()).toEqual([...ACTIONS].sort())
  })

  describe.each(ACTIONS.map((a) => [a] as const))('%s', (action) => {
    const row = MATRIX[action]
    it.each(ROLES.map((r, i) => [r, row.outcomes[i]!] as const))('by %s → %s', async (role, outcome) => {
      const id = await prepare(store.deps, fx, staff, row.setup)
      const before = await caseRow(store.deps, id)
      const eventsBefore = await eventsOf(store.deps, id)
      const actor = who(role)
      const res = await postAs(app, actor, `/staff/cases/${id}/actions`, {
        action,
        version: before.version,
        ...row.fields({ fx, masterId }),
      })
      const after = await caseRow(store.deps, id)
      const eventsAfter = await eventsOf(store.deps, id)
      if (outcome === 'ok') {
        expect(res.status, await res.clone().text()).toBe(200)
        expect(await res.text()).toContain('已办理。')
        expect(after.version).toBe(before.version + 1)
        expect(after.status).toBe(row.after)
        expect(eventsAfter).toHaveLength(eventsBefore.length + 1)
        expect(eventsAfter.at(-1)).toMatchObject({
          action,
          actor_role: actor.role,
          actor_id: actor.id,
          from_status: before.status,
          to_status: row.after,
        })
      } else {
        expect(res.status).toBe(outcome)
        if (outcome === 404) {
          // The same answer as for a case that does not exist: not even existence is revealed.
          const body = (await res.json()) as { error: { code: string; message: string } }
          const ghost = await postAs(app, actor, `/staff/cases/999999/actions`, {
            action,
            version: before.version,
            ...row.fields({ fx, masterId }),
          })
          expect(ghost.status).toBe(404)
          const ghostBody = (await ghost.json()) as { error: { code: string; message: string } }
          expect(body).toEqual({ error: { ...ghostBody.error, message: ghostBody.error.message.replace('999999', String(id)) } })
        } else {
          expect(await res.text()).toContain('您无权办理此操作。')
        }
        expect(after).toEqual(before)
        expect(eventsAfter).toEqual(eventsBefore)
      }
    })
  })

  it('refuses an action in the wrong state with 409 and changes nothing', async () => {
    const id = await prepare(store.deps, fx, staff, 'in_progress')
    const before = await caseRow(store.deps, id)
    const events = await eventsOf(store.deps, id)
    // sign on a case already signed; dispatch on a case already dispatched; approve_extension with none pending
    for (const [actor, fields] of [
      [staff.caseworkers.street, { action: 'sign' }],
      [staff.dispatcher, { action: 'dispatch', unitId: fx.units.bureau }],
      [staff.supervisor, { action: 'approve_extension' }],
      [staff.dispatcher, { action: 'archive' }],
    ] as const) {
      const res = await postAs(app, actor, `/staff/cases/${id}/actions`, { ...fields, version: before.version })
      expect(res.status, fields.action).toBe(409)
      expect(await res.text()).toContain('当前状态下不能办理此操作')
    }
    expect(await caseRow(store.deps, id)).toEqual(before)
    expect(await eventsOf(store.deps, id)).toEqual(events)
  })

  it('shows the case page to every role that may see it and 404 to other units', async () => {
    const received = await prepare(store.deps, fx, staff, 'received')
    const dispatched = await prepare(store.deps, fx, staff, 'dispatched')
    const expected: Record<RoleKey, [number, number]> = {
      //             received dispatched(长堎街道)
      dispatcher: [200, 200],
      ownWorker: [404, 200],
      otherWorker: [404, 404],
      noUnitWorker: [404, 404],
      supervisor: [200, 200],
      reporter: [200, 200],
      admin: [200, 200],
    }
    for (const role of ROLES) {
      const a = await getAs(app, who(role), `/staff/cases/${received}`)
      const b = await getAs(app, who(role), `/staff/cases/${dispatched}`)
      expect([a.status, b.status], role).toEqual(expected[role])
    }
    // Same body as a case that does not exist (HTML as a browser asks for it).
    const html = { Accept: 'text/html' }
    const hidden = await getAs(app, staff.caseworkers.otherStreet, `/staff/cases/${dispatched}`, html)
    const ghost = await getAs(app, staff.caseworkers.otherStreet, `/staff/cases/999999`, html)
    expect(hidden.status).toBe(404)
    const normalize = (html: string, id: number) =>
      html.replaceAll(`case ${id} not found`, 'case ID not found').replaceAll(`%2Fstaff%2Fcases%2F${id}`, '%2Fstaff%2Fcases%2FID')
    expect(normalize(await hidden.text(), dispatched)).toBe(normalize(await ghost.text(), 999999))
  })

  it('lists only their own unit’s cases to a caseworker, none to one without a unit', async () => {
    // A fresh case per unit so every unit has at least one.
    const dispatcher = staff.dispatcher.actor
    const ids: Record<'street' | 'bureau' | 'otherStreet', number[]> = { street: [], bureau: [], otherStreet: [] }
    for (const unit of ['street', 'bureau', 'otherStreet'] as const) {
      const { order } = await fileCase(
        store.deps,
        { channel: 'web', kind: 'help', title: `列表测试 ${unit}`, content: '求助', unitId: fx.units[unit] },
        dispatcher,
      )
      ids[unit].push(order.id)
    }
    const all = await store.deps.db.selectFrom('work_orders').select(['id', 'unit_id']).execute()
    const listed = async (login: StaffLogin) => {
      const res = await getAs(app, login, '/staff/cases?pageSize=200')
      expect(res.status).toBe(200)
      const html = await res.text()
      const rows = [...html.matchAll(/href="\/staff\/cases\/(\d+)"/g)].map((m) => Number(m[1]))
      const total = Number(/共 (\d+) 件/.exec(html)?.[1])
      const allCount = Number(/全部 <span class="count">(\d+)<\/span>/.exec(html)?.[1])
      return { rows: rows.sort((x, y) => x - y), total, allCount }
    }
    for (const unit of ['street', 'bureau', 'otherStreet'] as const) {
      const mine = all.filter((r) => r.unit_id === fx.units[unit]).map((r) => r.id).sort((x, y) => x - y)
      expect(mine.length).toBeGreaterThan(0)
      const got = await listed(staff.caseworkers[unit])
      expect(got.rows, unit).toEqual(mine)
      expect(got.total).toBe(mine.length)
      expect(got.allCount).toBe(mine.length)
    }
    const none = await listed(staff.noUnitWorker)
    expect(none).toEqual({ rows: [], total: 0, allCount: 0 })
    const everyone = await listed(staff.dispatcher)
    expect(everyone.total).toBe(all.length)
  })
})
