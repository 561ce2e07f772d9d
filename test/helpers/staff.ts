import type { Hono } from 'hono'
import type { StaffRole } from '../../src/domain/codes'
import type { Actor } from '../../src/domain/work-order'
import { addUser, hashPassword } from '../../src/services/accounts'
import type { Deps } from '../../src/services/deps'
import type { Fixture } from './fixtures'

/**
 * Staff accounts for route tests: one user per role (a caseworker per fixture unit, plus a
 * caseworker with no unit inserted directly), each signed in through `POST /staff/login` with the
 * session cookie and the CSRF token scraped from a page.
 */

/** Every test account's password. */
export const STAFF_PASSWORD = 'correct horse battery'

type App = Pick<Hono, 'request'>
type UnitKey = keyof Fixture['units']

/** A signed-in staff member as the tests use them. */
export interface StaffLogin {
  id: number
  username: string
  role: StaffRole
  unitId: number | null
  /** The `Cookie` header value (`hotline_session=…`). */
  cookie: string
  /** The session's CSRF token, as the pages carry it. */
  csrf: string
  /** The same person as a service-level actor (for preparing cases through the services). */
  actor: Actor
}

/** The accounts {@link createStaff} makes. */
export interface StaffSet {
  dispatcher: StaffLogin
  /** A second dispatcher (two people loading the same case). */
  dispatcher2: StaffLogin
  supervisor: StaffLogin
  reporter: StaffLogin
  admin: StaffLogin
  /** A caseworker of each fixture unit. */
  caseworkers: Record<UnitKey, StaffLogin>
  /** A caseworker whose `unit_id` is null (addUser refuses this; inserted directly). */
  noUnitWorker: StaffLogin
}

/** The value of a `name=value` cookie in a response's Set-Cookie headers, or undefined. */
export function setCookieValue(res: Response, name: string): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const eq = pair!.indexOf('=')
    if (pair!.slice(0, eq).trim() === name) return pair!.slice(eq + 1)
  }
  return undefined
}

/** The full Set-Cookie line for a cookie name, or undefined. */
export function setCookieLine(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`))
}

/** The CSRF token a staff page carries in its forms. */
export function csrfFrom(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
}

/** A urlencoded form body. */
export function form(fields: Record<string, string | number | undefined>): URLSearchParams {
  const body = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.set(k, String(v))
  return body
}

/**
 * Posts the login form. `cookie` is sent as the Cookie header (a session from before login).
 *
 * @example const res = await postLogin(app, 'wang', STAFF_PASSWORD)
 */
export function postLogin(
  app: App,
  username: string,
  password: string,
  options: { cookie?: string; base?: string; next?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' }
  if (options.cookie) headers.Cookie = options.cookie
  return Promise.resolve(
    app.request(`${options.base ?? ''}/staff/login`, {
      method: 'POST',
      headers,
      body: form({ username, password, next: options.next }),
    }),
  )
}

/**
 * Signs a user in through the form and scrapes the CSRF token from `/staff/cases`.
 *
 * @example const { cookie, csrf } = await signIn(app, 'wang')
 */
export async function signIn(app: App, username: string, password = STAFF_PASSWORD): Promise<{ cookie: string; csrf: string }> {
  const res = await postLogin(app, username, password)
  if (res.status !== 303) throw new Error(`login of ${username} answered ${res.status}`)
  const value = setCookieValue(res, 'hotline_session')
  if (!value) throw new Error(`login of ${username} set no session cookie`)
  const cookie = `hotline_session=${value}`
  const page = await app.request('/staff/cases', { headers: { Cookie: cookie } })
  const csrf = csrfFrom(await page.text())
  if (page.status !== 200 || !csrf) throw new Error(`no CSRF token on /staff/cases for ${username} (${page.status})`)
  return { cookie, csrf }
}

/**
 * Inserts a user row directly (for accounts addUser refuses, like a caseworker without a unit).
 *
 * @example const id = await insertUser(deps, { username: 'nounit', role: 'caseworker', unitId: null })
 */
export async function insertUser(
  deps: Deps,
  input: { username: string; role: StaffRole; unitId: number | null; password?: string },
): Promise<number> {
  const { id } = await deps.db
    .insertInto('users')
    .values({
      username: input.username,
      display_name: input.username,
      password_hash: await hashPassword(input.password ?? STAFF_PASSWORD),
      role: input.role,
      unit_id: input.unitId,
      created_at: deps.clock().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return id
}

/**
 * Creates a user of every role (a caseworker per fixture unit, and one without a unit) and signs
 * each in. Usernames carry `prefix` so several sets can live in one store.
 *
 * @example const staff = await createStaff(app, store.deps, fx)
 */
export async function createStaff(app: App, deps: Deps, fx: Fixture, prefix = ''): Promise<StaffSet> {
  const units = await deps.db.selectFrom('units').select(['id', 'code']).execute()
  const codeOf = (id: number) => units.find((u) => u.id === id)!.code
  const specs: { key: string; role: StaffRole; unit?: string }[] = [
    { key: 'dispatcher', role: 'dispatcher' },
    { key: 'dispatcher2', role: 'dispatcher' },
    { key: 'supervisor', role: 'supervisor' },
    { key: 'reporter', role: 'reporter' },
    { key: 'admin', role: 'admin' },
    ...(Object.keys(fx.units) as UnitKey[]).map((u) => ({
      key: `cw-${u}`,
      role: 'caseworker' as const,
      unit: codeOf(fx.units[u]),
    })),
  ]
  const made = await Promise.all(
    specs.map(async (s) => {
      const username = `${prefix}${s.key}`
      const user = await addUser(deps, { username, role: s.role, unit: s.unit, password: STAFF_PASSWORD })
      return { key: s.key, ...user }
    }),
  )
  const noUnitName = `${prefix}cw-nounit`
  const noUnitId = await insertUser(deps, { username: noUnitName, role: 'caseworker', unitId: null })
  made.push({ key: 'cw-nounit', id: noUnitId, username: noUnitName, role: 'caseworker', unitId: null })

  const logins = new Map<string, StaffLogin>()
  await Promise.all(
    made.map(async (u) => {
      const { cookie, csrf } = await signIn(app, u.username)
      logins.set(u.key, {
        id: u.id,
        username: u.username,
        role: u.role,
        unitId: u.unitId,
        cookie,
        csrf,
        actor: { id: u.id, role: u.role, unitId: u.unitId, name: u.username },
      })
    }),
  )
  const get = (k: string) => logins.get(k)!
  return {
    dispatcher: get('dispatcher'),
    dispatcher2: get('dispatcher2'),
    supervisor: get('supervisor'),
    reporter: get('reporter'),
    admin: get('admin'),
    caseworkers: Object.fromEntries(
      (Object.keys(fx.units) as UnitKey[]).map((u) => [u, get(`cw-${u}`)]),
    ) as Record<UnitKey, StaffLogin>,
    noUnitWorker: get('cw-nounit'),
  }
}

/**
 * Posts a form as a signed-in staff member, with their CSRF token in `_csrf` unless `csrf` is
 * given (`null` leaves it out).
 *
 * @example await postAs(app, staff.dispatcher, `/staff/cases/${id}/actions`, { action: 'sign', version: 2 })
 */
export function postAs(
  app: App,
  who: Pick<StaffLogin, 'cookie' | 'csrf'>,
  path: string,
  fields: Record<string, string | number | undefined>,
  options: { csrf?: string | null; headers?: Record<string, string> } = {},
): Promise<Response> {
  const token = options.csrf === undefined ? who.csrf : options.csrf
  return Promise.resolve(
    app.request(path, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: who.cookie,
        ...options.headers,
      },
      body: form({ ...(token === null ? {} : { _csrf: token }), ...fields }),
    }),
  )
}

/**
 * A GET as a signed-in staff member.
 *
 * @example const res = await getAs(app, staff.reporter, '/staff/cases')
 */
export function getAs(
  app: App,
  who: Pick<StaffLogin, 'cookie'>,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(app.request(path, { headers: { Cookie: who.cookie, ...headers } }))
}
