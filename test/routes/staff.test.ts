import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import type { Actor } from '../../src/domain/work-order'
import { QUEUE_LABELS, QUEUES, type Queue } from '../../src/services/queues'
import {
  disableUser,
  LOCK_MS,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
} from '../../src/services/sessions'
import { addUser } from '../../src/services/accounts'
import type { Deps } from '../../src/services/deps'
import { fileCase, performAction } from '../../src/services/work-orders'
import type { FilingInput } from '../../src/services/schemas'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import {
  createStaff,
  csrfFrom,
  getAs,
  postAs,
  postLogin,
  setCookieLine,
  setCookieValue,
  signIn,
  STAFF_PASSWORD,
  type StaffLogin,
  type StaffSet,
} from '../helpers/staff'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** A Wednesday with no holiday near it: 10:00 in Asia/Shanghai. */
const T0 = '2025-11-12T02:00:00.000Z'
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString()
const GENERIC_FAILURE = '用户名或密码错误，或账号已被锁定'

function alertOf(html: string): string | undefined {
  return /<p class="notice bad" role="alert">([^<]*)<\/p>/.exec(html)?.[1]
}

async function caseRow(deps: Deps, id: number) {
  return deps.db.selectFrom('work_orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

async function eventsOf(deps: Deps, id: number) {
  return deps.db
    .selectFrom('work_order_events')
    .select(['id', 'action', 'actor_role', 'actor_id'])
    .where('work_order_id', '=', id)
    .orderBy('id')
    .execute()
}

/** The `#citizen` card of a case page. */
function citizenCard(html: string): string {
  const start = html.indexOf('<section class="card" id="citizen">')
  expect(start).toBeGreaterThan(-1)
  return html.slice(start, html.indexOf('</section>', start))
}

// ---------------------------------------------------------------------------------------------
// 2. Sign-in and sessions
// ---------------------------------------------------------------------------------------------

describe.each(DIALECTS)('staff sign-in and sessions on %s', (dialect) => {
  let store: TestStore
  let app: ReturnType<typeof createApp>
  let n = 0
  /** A fresh dispatcher account per test, so lockouts and clocks never interfere. */
  const freshUser = async () => {
    const username = `user${++n}`
    const user = await addUser(store.deps, { username, role: 'dispatcher', password: STAFF_PASSWORD })
    return { ...user, username }
  }
  const opens = async (cookie: string, base = '') => {
    const res = await app.request(`${base}/staff/cases`, { headers: { Cookie: cookie } })
    return res.status === 200 ? 'open' : `${res.status} ${res.headers.get('location')}`
  }

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    await seedFixture(store.deps)
    app = createApp(store.deps)
  })
  afterEach(() => store.setNow(T0))
  afterAll(() => store.close())

  it('answers a wrong password and an unknown user alike: 401, one message, no cookie', async () => {
    const { username } = await freshUser()
    const wrong = await postLogin(app, username, 'not the password')
    const unknown = await postLogin(app, 'nobody-here', STAFF_PASSWORD)
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401)
      expect(alertOf(await res.text())).toBe(GENERIC_FAILURE)
      expect(setCookieValue(res, 'hotline_session')).toBeUndefined()
    }
    const ok = await postLogin(app, username, STAFF_PASSWORD)
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe('/staff/cases')
  })

  it('takes as long to refuse an unknown user as a known one (no enumeration by timing)', async () => {
    // One failure each first; then the second failure's deliberate delay must not tell them apart.
    // (Only the login's own delay is looked at: the pg pool's 10 s idle timers are not.)
    const { username } = await freshUser()
    await postLogin(app, username, 'wrong password 1')
    await postLogin(app, 'ghost-user', 'wrong password 1')
    const spy = vi.spyOn(globalThis, 'setTimeout')
    const delays = () =>
      spy.mock.calls.map((call) => call[1]).filter((ms): ms is number => typeof ms === 'number' && ms >= 100 && ms <= 5000)
    try {
      await postLogin(app, username, 'wrong password 2')
      const known = delays()
      spy.mockClear()
      await postLogin(app, 'ghost-user', 'wrong password 2')
      const unknown = delays()
      expect(known).toHaveLength(1)
      expect(known).toEqual(unknown)
    } finally {
      spy.mockRestore()
    }
  })

  it('sends the user on to a same-site `next` only', async () => {
    const { username } = await freshUser()
    const inside = await postLogin(app, username, STAFF_PASSWORD, { next: '/staff/cases?queue=overdue' })
    expect(inside.headers.get('location')).toBe('/staff/cases?queue=overdue')
    for (const next of ['https://evil.test/staff', '//evil.test/staff', '/track/x']) {
      const res = await postLogin(app, username, STAFF_PASSWORD, { next })
      expect(res.headers.get('location'), next).toBe('/staff/cases')
    }
  })

  it('locks an account after 5 failures, even for the right password, until LOCK_MS has passed', async () => {
    const { username, id } = await freshUser()
    for (let i = 0; i < 5; i++) {
      const res = await postLogin(app, username, `wrong password ${i}`)
      expect(res.status).toBe(401)
    }
    const row = await store.deps.db.selectFrom('users').select('locked_until').where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.locked_until).toBe(at(LOCK_MS))
    const locked = await postLogin(app, username, STAFF_PASSWORD)
    expect(locked.status).toBe(401)
    expect(alertOf(await locked.text())).toBe(GENERIC_FAILURE)
    expect(setCookieValue(locked, 'hotline_session')).toBeUndefined()

    store.setNow(at(LOCK_MS - 1000))
    expect((await postLogin(app, username, STAFF_PASSWORD)).status).toBe(401)

    store.setNow(at(LOCK_MS + 1000))
    const open = await postLogin(app, username, STAFF_PASSWORD)
    expect(open.status).toBe(303)
    expect(setCookieValue(open, 'hotline_session')).toBeTruthy()
  })

  it('rotates the session id at login: the cookie from before is not the one after and stops working', async () => {
    const { username } = await freshUser()
    const first = await signIn(app, username)
    expect(await opens(first.cookie)).toBe('open')
    const again = await postLogin(app, username, STAFF_PASSWORD, { cookie: first.cookie })
    expect(again.status).toBe(303)
    const second = setCookieValue(again, 'hotline_session')
    expect(second).toBeTruthy()
    expect(`hotline_session=${second}`).not.toBe(first.cookie)
    expect(await opens(first.cookie)).toBe('303 /staff/login?next=%2Fstaff%2Fcases')
    expect(await opens(`hotline_session=${second}`)).toBe('open')
    const secondPage = await app.request('/staff/cases', { headers: { Cookie: `hotline_session=${second}` } })
    const secondCsrf = csrfFrom(await secondPage.text())
    expect(secondCsrf).toBeTruthy()
    expect(secondCsrf).not.toBe(first.csrf)

    // A value planted before login (fixation) is never adopted.
    const planted = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    const res = await postLogin(app, username, STAFF_PASSWORD, { cookie: `hotline_session=${planted}` })
    expect(res.status).toBe(303)
    expect(setCookieValue(res, 'hotline_session')).not.toBe(planted)
    expect(await opens(`hotline_session=${planted}`)).toBe('303 /staff/login?next=%2Fstaff%2Fcases')
  })

  it('logout ends the session (and needs the CSRF token)', async () => {
    const { username } = await freshUser()
    const me = await signIn(app, username)
    const forged = await postAs(app, me, '/staff/logout', {}, { csrf: null })
    expect(forged.status).toBe(403)
    expect(await opens(me.cookie)).toBe('open')

    const res = await postAs(app, me, '/staff/logout', {})
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/staff/login')
    expect(setCookieLine(res, 'hotline_session')).toMatch(/Max-Age=0/i)
    expect(await opens(me.cookie)).toBe('303 /staff/login?next=%2Fstaff%2Fcases')
    const htmx = await app.request('/staff/cases', { headers: { Cookie: me.cookie, 'HX-Request': 'true' } })
    expect(htmx.status).toBe(401)
    expect(htmx.headers.get('hx-redirect')).toBe('/staff/login?next=%2Fstaff%2Fcases')
  })

  it('disabling a user ends all their sessions at once and refuses new ones', async () => {
    const { username, id } = await freshUser()
    const a = await signIn(app, username)
    const b = await signIn(app, username)
    expect(await opens(a.cookie)).toBe('open')
    expect(await opens(b.cookie)).toBe('open')
    await disableUser(store.deps, id)
    expect(await opens(a.cookie)).toMatch(/^303 \/staff\/login/)
    expect(await opens(b.cookie)).toMatch(/^303 \/staff\/login/)
    const res = await postLogin(app, username, STAFF_PASSWORD)
    expect(res.status).toBe(401)
    expect(alertOf(await res.text())).toBe(GENERIC_FAILURE)
  })

  it('expires a session idle for SESSION_IDLE_MS; use keeps it alive', async () => {
    const { username } = await freshUser()
    const idle = await signIn(app, username)
    const busy = await signIn(app, username)
    store.setNow(at(SESSION_IDLE_MS - 1000))
    expect(await opens(busy.cookie)).toBe('open')
    store.setNow(at(SESSION_IDLE_MS))
    expect(await opens(idle.cookie)).toBe('303 /staff/login?next=%2Fstaff%2Fcases')
    expect(await opens(busy.cookie)).toBe('open')
    store.setNow(at(SESSION_IDLE_MS - 1000 + SESSION_IDLE_MS))
    expect(await opens(busy.cookie)).toBe('303 /staff/login?next=%2Fstaff%2Fcases')
  })

  it('expires a session SESSION_MAX_MS after login however busy it is', async () => {
    const { username } = await freshUser()
    const me = await signIn(app, username)
    for (const h of [7, 14, 21]) {
      store.setNow(at(h * 3600_000))
      expect(await opens(me.cookie), `${h}h`).toBe('open')
    }
    store.setNow(at(SESSION_MAX_MS - 1000))
    expect(await opens(me.cookie)).toBe('open')
    store.setNow(at(SESSION_MAX_MS))
    expect(await opens(me.cookie)).toBe('303 /staff/login?next=%2Fstaff%2Fcases')
  })

  it('sets an HttpOnly SameSite=Lax cookie; over https it is __Host-hotline_session and Secure', async () => {
    const { username } = await freshUser()
    const plain = await postLogin(app, username, STAFF_PASSWORD)
    const line = setCookieLine(plain, 'hotline_session')!
    expect(line).toBeTruthy()
    expect(line).toMatch(/;\s*HttpOnly/i)
    expect(line).toMatch(/;\s*SameSite=Lax/i)
    expect(line).toMatch(/;\s*Path=\//)
    expect(line).not.toMatch(/;\s*Secure/i)

    const tls = await postLogin(app, username, STAFF_PASSWORD, { base: 'https://hotline.test' })
    expect(tls.status).toBe(303)
    expect(setCookieLine(tls, 'hotline_session')).toBeUndefined()
    const host = setCookieLine(tls, '__Host-hotline_session')!
    expect(host).toBeTruthy()
    expect(host).toMatch(/;\s*Secure/i)
    expect(host).toMatch(/;\s*HttpOnly/i)
    expect(host).toMatch(/;\s*SameSite=Lax/i)
    expect(host).toMatch(/;\s*Path=\/(;|$)/)
    expect(host).not.toMatch(/Domain=/i)
    const value = setCookieValue(tls, '__Host-hotline_session')!
    expect(await opens(`__Host-hotline_session=${value}`, 'https://hotline.test')).toBe('open')
  })
})

// ---------------------------------------------------------------------------------------------
// 3–5. CSRF, masking, stale versions
// ---------------------------------------------------------------------------------------------

const citizen = {
  citizenName: '王小明',
  citizenPhone: '13812345678',
  citizenIdNumber: '360102199001011234',
}

describe.each(DIALECTS)('staff CSRF, masking and stale versions on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: ReturnType<typeof createApp>
  let staff: StaffSet

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    staff = await createStaff(app, store.deps, fx)
  })
  afterAll(() => store.close())

  /** A case dispatched to 长堎街道 (or only received), filed by the dispatcher. */
  const newCase = async (extra: Partial<FilingInput> = {}, dispatched = true) => {
    const { order } = await fileCase(
      store.deps,
      {
        channel: 'hotline_12345',
        kind: 'complaint',
        title: '楼下烧烤油烟',
        content: '每晚油烟很大',
        categoryId: fx.categories.noise,
        districtId: fx.units.district,
        ...citizen,
        ...(dispatched ? { unitId: fx.units.street } : {}),
        ...extra,
      },
      staff.dispatcher.actor,
    )
    return order
  }

  describe('CSRF', () => {
    it('refuses a POST without the token, with a wrong or foreign token, or from a foreign Origin', async () => {
      const order = await newCase()
      const path = `/staff/cases/${order.id}/actions`
      const fields = { action: 'note', note: '备注', version: order.version }
      const before = await caseRow(store.deps, order.id)
      const events = await eventsOf(store.deps, order.id)
      const attempts: [string, Promise<Response>][] = [
        ['no token', postAs(app, staff.dispatcher, path, fields, { csrf: null })],
        ['empty token', postAs(app, staff.dispatcher, path, fields, { csrf: '' })],
        ['wrong token', postAs(app, staff.dispatcher, path, fields, { csrf: 'x'.repeat(32) })],
        ['another session’s token', postAs(app, staff.dispatcher, path, fields, { csrf: staff.dispatcher2.csrf })],
        ['wrong header', postAs(app, staff.dispatcher, path, fields, { csrf: null, headers: { 'X-CSRF-Token': 'nope' } })],
        ['foreign Origin', postAs(app, staff.dispatcher, path, fields, { headers: { Origin: 'https://evil.test' } })],
        ['htmx without token', postAs(app, staff.dispatcher, path, fields, { csrf: null, headers: { 'HX-Request': 'true' } })],
        ['reveal without token', postAs(app, staff.dispatcher, `/staff/cases/${order.id}/reveal`, {}, { csrf: null })],
      ]
      for (const [what, pending] of attempts) {
        const res = await pending
        expect(res.status, what).toBe(403)
      }
      expect(await caseRow(store.deps, order.id)).toEqual(before)
      expect(await eventsOf(store.deps, order.id)).toEqual(events)
    })

    it('accepts the right token in the `_csrf` field or the X-CSRF-Token header', async () => {
      const order = await newCase()
      const path = `/staff/cases/${order.id}/actions`
      const byField = await postAs(app, staff.dispatcher, path, { action: 'note', note: '字段', version: order.version })
      expect(byField.status).toBe(200)
      expect((await caseRow(store.deps, order.id)).version).toBe(order.version + 1)
      const byHeader = await postAs(
        app,
        staff.dispatcher,
        path,
        { action: 'note', note: '请求头', version: order.version + 1 },
        { csrf: null, headers: { 'X-CSRF-Token': staff.dispatcher.csrf, 'HX-Request': 'true' } },
      )
      expect(byHeader.status).toBe(200)
      const sameOrigin = await postAs(
        app,
        staff.dispatcher,
        path,
        { action: 'note', note: '同源', version: order.version + 2 },
        { headers: { Origin: 'http://localhost' } },
      )
      expect(sameOrigin.status).toBe(200)
      expect((await caseRow(store.deps, order.id)).version).toBe(order.version + 3)
      const notes = (await eventsOf(store.deps, order.id)).filter((e) => e.action === 'note')
      expect(notes).toHaveLength(3)
    })
  })

  describe('masking', () => {
    it('shows a dispatcher the masked phone; reveal shows it in full and is audited every time', async () => {
      const order = await newCase()
      const page = await (await getAs(app, staff.dispatcher, `/staff/cases/${order.id}`)).text()
      const card = citizenCard(page)
      expect(card).toContain('王小明')
      expect(card).toContain('138****5678')
      expect(card).toContain('3601**********1234')
      expect(page).not.toContain('13812345678')
      expect(page).not.toContain('360102199001011234')
      expect(card).toContain(`/staff/cases/${order.id}/reveal`)

      for (let i = 1; i <= 2; i++) {
        const res = await postAs(app, staff.dispatcher, `/staff/cases/${order.id}/reveal`, {})
        expect(res.status).toBe(200)
        const html = await res.text()
        expect(citizenCard(html)).toContain('13812345678')
        expect(citizenCard(html)).toContain('360102199001011234')
        const reveals = (await eventsOf(store.deps, order.id)).filter((e) => e.action === 'reveal')
        expect(reveals).toHaveLength(i)
        expect(reveals.at(-1)).toMatchObject({ actor_role: 'dispatcher', actor_id: staff.dispatcher.id })
      }
      // A reveal is for one call: the next page view is masked again; the version is untouched.
      const again = await (await getAs(app, staff.dispatcher, `/staff/cases/${order.id}`)).text()
      expect(again).not.toContain('13812345678')
      expect((await caseRow(store.deps, order.id)).version).toBe(order.version)
    })

    it('shows a reporter neither name nor phone and refuses them a reveal', async () => {
      const order = await newCase()
      const page = await (await getAs(app, staff.reporter, `/staff/cases/${order.id}`)).text()
      for (const secret of ['王小明', '13812345678', '138****5678', '5678', '360102', '**********1234']) {
        expect(page, secret).not.toContain(secret)
      }
      expect(page).not.toContain('/reveal')
      const res = await postAs(app, staff.reporter, `/staff/cases/${order.id}/reveal`, {})
      expect(res.status).toBe(403)
      expect((await eventsOf(store.deps, order.id)).filter((e) => e.action === 'reveal')).toHaveLength(0)
    })

    it('lets the handling unit’s caseworker reveal on a normal case, refuses a supervisor, hides it from other units', async () => {
      const order = await newCase()
      const worker = staff.caseworkers.street
      const page = await (await getAs(app, worker, `/staff/cases/${order.id}`)).text()
      expect(citizenCard(page)).toContain('138****5678')
      expect(page).not.toContain('13812345678')
      const res = await postAs(app, worker, `/staff/cases/${order.id}/reveal`, {})
      expect(res.status).toBe(200)
      expect(citizenCard(await res.text())).toContain('13812345678')
      const sup = await postAs(app, staff.supervisor, `/staff/cases/${order.id}/reveal`, {})
      expect(sup.status).toBe(403)
      const other = await postAs(app, staff.caseworkers.otherStreet, `/staff/cases/${order.id}/reveal`, {})
      expect(other.status).toBe(404)
      const reveals = (await eventsOf(store.deps, order.id)).filter((e) => e.action === 'reveal')
      expect(reveals.map((e) => [e.actor_role, e.actor_id])).toEqual([['caseworker', worker.id]])
    })

    it('on a 保密 case the handling unit sees neither name nor phone and may not reveal', async () => {
      const order = await newCase({ confidential: true })
      const worker = staff.caseworkers.street
      const res = await getAs(app, worker, `/staff/cases/${order.id}`)
      expect(res.status).toBe(200)
      const page = await res.text()
      for (const secret of ['王小明', '13812345678', '138****5678', '5678', '360102']) {
        expect(page, secret).not.toContain(secret)
      }
      expect(citizenCard(page)).toContain('保密件')
      expect(page).not.toContain('/reveal')
      const reveal = await postAs(app, worker, `/staff/cases/${order.id}/reveal`, {})
      expect(reveal.status).toBe(403)
      const htmxReveal = await postAs(app, worker, `/staff/cases/${order.id}/reveal`, {}, { headers: { 'HX-Request': 'true' } })
      expect(htmxReveal.status).toBe(403)
      expect(await htmxReveal.text()).not.toContain('13812345678')
      expect((await eventsOf(store.deps, order.id)).filter((e) => e.action === 'reveal')).toHaveLength(0)
      // The dispatch centre still sees the masked number on a 保密 case.
      const disp = await (await getAs(app, staff.dispatcher, `/staff/cases/${order.id}`)).text()
      expect(citizenCard(disp)).toContain('138****5678')
    })

    it('does not let the handling unit find a 保密 case by the citizen’s phone number', async () => {
      // Searching a number the unit already knows must not confirm who filed the 保密 case.
      const order = await newCase({ confidential: true, citizenPhone: '13700001111' })
      const worker = staff.caseworkers.street
      const found = async (who: StaffLogin) =>
        listedIds(await (await getAs(app, who, '/staff/cases?q=13700001111&pageSize=200')).text())
      expect(await found(staff.dispatcher)).toEqual([order.id])
      expect(await found(worker)).toEqual([])
    })

    it('lists no personal data in the queues', async () => {
      await newCase()
      const html = await (await getAs(app, staff.dispatcher, '/staff/cases?pageSize=200')).text()
      for (const secret of ['王小明', '13812345678', '138****5678', '360102199001011234']) {
        expect(html, secret).not.toContain(secret)
      }
    })
  })

  describe('stale version', () => {
    const versionIn = (html: string) => Number(/name="version" value="(\d+)"/.exec(html)?.[1])

    it('refuses the second of two dispatchers acting on the same loaded version: 409, case unchanged', async () => {
      const order = await newCase({}, false)
      const pageA = await (await getAs(app, staff.dispatcher, `/staff/cases/${order.id}`)).text()
      const pageB = await (await getAs(app, staff.dispatcher2, `/staff/cases/${order.id}`)).text()
      const v = versionIn(pageA)
      expect(v).toBe(order.version)
      expect(versionIn(pageB)).toBe(v)
      expect(csrfFrom(pageB)).toBe(staff.dispatcher2.csrf)

      const first = await postAs(app, staff.dispatcher, `/staff/cases/${order.id}/actions`, {
        action: 'dispatch',
        unitId: fx.units.street,
        version: v,
      })
      expect(first.status).toBe(200)
      const afterFirst = await caseRow(store.deps, order.id)
      const eventsAfterFirst = await eventsOf(store.deps, order.id)
      expect(afterFirst).toMatchObject({ status: 'dispatched', unit_id: fx.units.street, version: v + 1 })

      const second = await postAs(app, staff.dispatcher2, `/staff/cases/${order.id}/actions`, {
        action: 'dispatch',
        unitId: fx.units.bureau,
        version: v,
      })
      expect(second.status).toBe(409)
      const html = await second.text()
      expect(html).toContain('有人刚刚办理')
      expect(html).toContain('<html')
      // The page shown is the fresh one: its forms carry the current version.
      expect(versionIn(html)).toBe(v + 1)
      expect(await caseRow(store.deps, order.id)).toEqual(afterFirst)
      expect(await eventsOf(store.deps, order.id)).toEqual(eventsAfterFirst)

      const htmx = await postAs(
        app,
        staff.dispatcher2,
        `/staff/cases/${order.id}/actions`,
        { action: 'mark_invalid', note: '重复', version: v },
        { headers: { 'HX-Request': 'true' } },
      )
      expect(htmx.status).toBe(200)
      const fragment = await htmx.text()
      expect(fragment).toContain('有人刚刚办理')
      expect(fragment).not.toContain('<html')
      expect(fragment.startsWith('<div id="case">')).toBe(true)
      expect(await caseRow(store.deps, order.id)).toEqual(afterFirst)
      expect(await eventsOf(store.deps, order.id)).toEqual(eventsAfterFirst)
    })
  })
})

// ---------------------------------------------------------------------------------------------
// 6. Queues, filters, sort, pages
// ---------------------------------------------------------------------------------------------

/** The count in each queue tab. */
function tabCounts(html: string): Record<Queue, number> {
  const out = {} as Record<Queue, number>
  for (const q of QUEUES) {
    const m = new RegExp(`${QUEUE_LABELS[q]} <span class="count">(\\d+)</span>`).exec(html)
    expect(m, `tab ${q}`).not.toBeNull()
    out[q] = Number(m![1])
  }
  return out
}

/** The case ids listed, in order. */
function listedIds(html: string): number[] {
  return [...html.matchAll(/<a href="\/staff\/cases\/(\d+)">/g)].map((m) => Number(m[1]))
}

describe.each(DIALECTS)('staff queues on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: ReturnType<typeof createApp>
  let staff: StaffSet
  /** The cases by letter (see `build`). */
  const ids: Record<string, number> = {}
  const numbers: Record<string, string> = {}
  const sorted = (letters: string) => [...letters].map((l) => ids[l]!).sort((a, b) => a - b)
  const list = async (query: string, who: StaffLogin = staff.dispatcher) => {
    const res = await getAs(app, who, `/staff/cases${query}`)
    expect(res.status, query).toBe(200)
    const html = await res.text()
    return { html, ids: listedIds(html), total: Number(/共 (\d+) 件/.exec(html)?.[1]) }
  }
  const listSet = async (query: string, who?: StaffLogin) => {
    const r = await list(`${query}${query.includes('?') ? '&' : '?'}pageSize=200`, who)
    expect(r.total).toBe(r.ids.length)
    return [...r.ids].sort((a, b) => a - b)
  }

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    staff = await createStaff(app, store.deps, fx)
    const d = staff.dispatcher.actor
    const w = staff.caseworkers.street.actor
    const file = async (
      letter: string,
      input: Partial<FilingInput> & Pick<FilingInput, 'channel' | 'kind'>,
      then: [Actor, Record<string, unknown>][] = [],
    ) => {
      const { order } = await fileCase(
        store.deps,
        { title: `工单${letter}`, content: `诉求内容${letter}`, districtId: fx.units.district, ...input },
        d,
      )
      let v = order.version
      for (const [actor, command] of then) v = (await performAction(store.deps, order.id, command, actor, v)).version
      ids[letter] = order.id
      numbers[letter] = order.caseNumber
    }
    const day = (d: string) => `${d}T02:00:00.000Z`
    // A 待派单: received, complaint (13 workdays), 道路破损
    await file('A', { channel: 'hotline_12345', kind: 'complaint', categoryId: fx.categories.potholes, receivedAt: day('2025-11-10'), citizenPhone: '13800000001' })
    // D 待派单 + 临期: urgent help received today → due at the end of tomorrow; 噪音 in 红谷滩区
    await file('D', { channel: 'web', kind: 'help', urgency: 'urgent', title: '噪音扰民D', categoryId: fx.categories.noise, districtId: fx.units.otherDistrict })
    // B 待签收: 问政江西 suggestion (5 workdays), parent category 道路交通
    await file('B', { channel: 'wenzheng', kind: 'suggestion', categoryId: fx.categories.roads, receivedAt: day('2025-11-11'), unitId: fx.units.street })
    // E 待签收 + 超期: critical at the window, due the day it was received, dispatched to 城管局
    await file('E', { channel: 'window', kind: 'complaint', urgency: 'critical', categoryId: fx.categories.potholes, receivedAt: day('2025-11-03'), unitId: fx.units.bureau })
    // C 办理中: consultation (3 workdays) received today
    await file('C', { channel: 'ganfutong', kind: 'consultation', unitId: fx.units.street }, [[w, { action: 'sign' }]])
    // G 办理中 + 延期待批
    await file('G', { channel: 'enterprise_visit', kind: 'complaint', receivedAt: day('2025-11-05'), unitId: fx.units.street }, [
      [w, { action: 'sign' }],
      [w, { action: 'request_extension', workdays: 5, basis: '需协调' }],
    ])
    // F 退单待审 (phone searched for below, also a landline)
    await file('F', { channel: 'other', kind: 'report', receivedAt: day('2025-11-06'), unitId: fx.units.street, citizenPhone: '13900000006' }, [
      [w, { action: 'request_return', reason: 'wrong_function', note: '非本单位职能' }],
    ])
    // H 待回访: closed, not rated
    await file('H', { channel: 'hotline_12345', kind: 'consultation', receivedAt: day('2025-11-04'), unitId: fx.units.street, citizenPhone: '0791-88886666' }, [
      [w, { action: 'sign' }],
      [w, { action: 'reply_and_close', reply: '已答复' }],
    ])
    // I closed and rated satisfied: in no work queue
    await file('I', { channel: 'web', kind: 'complaint', receivedAt: day('2025-11-07'), unitId: fx.units.bureau }, [
      [staff.caseworkers.bureau.actor, { action: 'sign' }],
      [staff.caseworkers.bureau.actor, { action: 'reply_and_close', reply: '已处理' }],
      [d, { action: 'rate', rating: 'satisfied' }],
    ])
  })
  afterAll(() => store.close())

  it('counts every queue in its tab', async () => {
    const { html } = await list('')
    expect(tabCounts(html)).toEqual({
      to_dispatch: 2, // A D
      to_sign: 2, // B E
      in_progress: 2, // C G
      due_soon: 1, // D
      overdue: 1, // E
      return_pending: 1, // F
      extension_pending: 1, // G
      callback: 1, // H
      all: 9,
    })
  })

  it('lists the rows of each queue', async () => {
    const expected: Record<Queue, string> = {
      to_dispatch: 'AD',
      to_sign: 'BE',
      in_progress: 'CG',
      due_soon: 'D',
      overdue: 'E',
      return_pending: 'F',
      extension_pending: 'G',
      callback: 'H',
      all: 'ABCDEFGHI',
    }
    for (const q of QUEUES) expect(await listSet(`?queue=${q}`), q).toEqual(sorted(expected[q]))
  })

  it('counts and lists only the unit’s own cases for a caseworker', async () => {
    const street = staff.caseworkers.street
    const { html } = await list('', street)
    expect(tabCounts(html)).toMatchObject({ to_sign: 1, in_progress: 2, return_pending: 1, callback: 1, all: 5, to_dispatch: 0, overdue: 0 })
    expect(await listSet('', street)).toEqual(sorted('BCGFH'))
    expect(await listSet(`?unitId=${fx.units.bureau}`, street)).toEqual([])
    expect(await listSet('?queue=overdue', staff.caseworkers.bureau)).toEqual(sorted('E'))
    expect(await listSet('', staff.caseworkers.bureau)).toEqual(sorted('EI'))
  })

  it('filters by channel, kind, urgency, unit, category (a parent covers its children), district and dates', async () => {
    const cases: [string, string][] = [
      ['?channel=wenzheng', 'B'],
      ['?channel=web', 'DI'],
      ['?kind=consultation', 'CH'],
      ['?urgency=critical', 'E'],
      ['?urgency=urgent', 'D'],
      [`?unitId=${fx.units.bureau}`, 'EI'],
      [`?categoryId=${fx.categories.roads}`, 'ABE'],
      [`?categoryId=${fx.categories.potholes}`, 'AE'],
      [`?categoryId=${fx.categories.noise}`, 'D'],
      [`?districtId=${fx.units.otherDistrict}`, 'D'],
      ['?from=2025-11-10&to=2025-11-11', 'AB'],
      ['?from=2025-11-12', 'CD'],
      ['?to=2025-11-04', 'EH'],
      [`?queue=to_sign&unitId=${fx.units.bureau}`, 'E'],
      [`?channel=hotline_12345&kind=complaint`, 'A'],
    ]
    for (const [query, letters] of cases) expect(await listSet(query), query).toEqual(sorted(letters))
  })

  it('searches the title, the case number and the phone number', async () => {
    expect(await listSet(`?q=${encodeURIComponent('噪音')}`)).toEqual(sorted('D'))
    expect(await listSet(`?q=${encodeURIComponent('诉求内容G')}`)).toEqual(sorted('G'))
    expect(await listSet(`?q=${numbers.C}`)).toEqual(sorted('C'))
    expect(await listSet(`?q=${numbers.C!.toLowerCase()}`)).toEqual(sorted('C'))
    expect(await listSet('?q=13900000006')).toEqual(sorted('F'))
    expect(await listSet(`?q=${encodeURIComponent('139 0000 0006')}`)).toEqual(sorted('F'))
    // A reporter may not find people by their number.
    expect(await listSet('?q=13900000006', staff.reporter)).toEqual([])
    // A caseworker finds only their own unit's cases.
    expect(await listSet('?q=13900000006', staff.caseworkers.bureau)).toEqual([])
    // LIKE wildcards are taken literally.
    expect(await listSet('?q=%25')).toEqual([])
  })

  it('finds a landline number as it was written, and by its digits', async () => {
    // H was filed by staff with citizenPhone '0791-88886666' (filingSchema accepts it with the dash).
    expect(await listSet(`?q=${encodeURIComponent('0791-88886666')}`)).toEqual(sorted('H'))
    expect(await listSet('?q=079188886666')).toEqual(sorted('H'))
  })

  it('sorts by due_at ascending and pages', async () => {
    const rows = await store.deps.db.selectFrom('work_orders').select(['id', 'due_at']).orderBy('due_at', 'asc').orderBy('id', 'asc').execute()
    const byDue = rows.map((r) => r.id)
    const all = await list('?sort=due_at&dir=asc&pageSize=200')
    expect(all.ids).toEqual(byDue)
    const page2 = await list('?sort=due_at&dir=asc&pageSize=2&page=2')
    expect(page2.ids).toEqual(byDue.slice(2, 4))
    expect(page2.total).toBe(9)
    expect(page2.html).toContain('第 2/5 页')
    expect(page2.html).toContain('href="/staff/cases?sort=due_at&amp;dir=asc&amp;page=3&amp;pageSize=2"')
    const last = await list('?sort=due_at&dir=asc&pageSize=2&page=5')
    expect(last.ids).toEqual(byDue.slice(8))
    const beyond = await list('?sort=due_at&dir=asc&pageSize=2&page=9')
    expect(beyond.ids).toEqual([])
  })

  it('answers a bad filter value 4xx naming the field', async () => {
    for (const [query, field] of [
      ['?channel=fax', 'channel'],
      ['?queue=everything', 'queue'],
      ['?kind=rant', 'kind'],
      ['?sort=citizen_phone', 'sort'],
      ['?unitId=abc', 'unitId'],
      ['?from=2025-13-01', 'from'],
      ['?pageSize=0', 'pageSize'],
    ] as const) {
      const res = await getAs(app, staff.dispatcher, `/staff/cases${query}`)
      expect(res.status, query).toBeGreaterThanOrEqual(400)
      expect(res.status, query).toBeLessThan(500)
      const body = (await res.json()) as { error: { fields?: Record<string, string>; message: string } }
      expect(Object.keys(body.error.fields ?? {}), query).toEqual([field])
      const html = await getAs(app, staff.dispatcher, `/staff/cases${query}`, { Accept: 'text/html' })
      expect(html.status).toBe(res.status)
      expect(await html.text(), query).toContain(field)
    }
  })

  it('answers an htmx request targeting #results with the fragment only', async () => {
    const res = await getAs(app, staff.dispatcher, '/staff/cases?queue=to_dispatch', { 'HX-Request': 'true', 'HX-Target': 'results' })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html.startsWith('<div id="results">')).toBe(true)
    expect(html).not.toContain('<html')
    expect(html).not.toContain('class="card filters"')
    expect(listedIds(html).sort((a, b) => a - b)).toEqual(sorted('AD'))
    expect(tabCounts(html).to_dispatch).toBe(2)
    const full = await (await getAs(app, staff.dispatcher, '/staff/cases?queue=to_dispatch')).text()
    expect(full).toContain('<html')
    expect(full).toContain('<div id="results">')
  })
})
