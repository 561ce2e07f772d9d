import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { createToken, sha256Hex } from '../../src/services/accounts'
import { listApiTokens, listAudit, type AuditEntry } from '../../src/services/admin'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { createStaff, getAs, postAs, type StaffLogin, type StaffSet } from '../helpers/staff'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** Sunday 20 December 2026, 10:00 in Shanghai. */
const NOW = '2026-12-20T02:00:00.000Z'
const SUMMARY = '/api/v1/reports/summary?from=2026-12-01&to=2026-12-31'

describe.each(DIALECTS)('admin API tokens on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: ReturnType<typeof createApp>
  let staff: StaffSet
  /** A token made from the command line, the target of the refused revokes. */
  let cliTokenId = 0

  beforeAll(async () => {
    store = await openTestStore(dialect, NOW)
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    staff = await createStaff(app, store.deps, fx)
    cliTokenId = (await createToken(store.deps, { name: '命令行', role: 'dispatcher' })).id
  })
  afterAll(() => store.close())

  const html = (who: StaffLogin, path: string) => getAs(app, who, path, { Accept: 'text/html' })
  const post = (
    who: StaffLogin,
    path: string,
    fields: Record<string, string> = {},
    csrf?: string | null,
  ) => postAs(app, who, path, fields, { csrf, headers: { Accept: 'text/html' } })
  const callApi = (token: string) =>
    app.request(SUMMARY, { headers: { Authorization: `Bearer ${token}` } })

  async function auditRows(): Promise<AuditEntry[]> {
    return (await listAudit(store.deps, { page: 1, pageSize: 1000, entity: 'api_token' })).rows
  }
  async function written() {
    const all = await listAudit(store.deps, { page: 1, pageSize: 1 })
    return { audit: all.total, tokens: (await listApiTokens(store.deps)).length }
  }
  /** Creates a token through the form and returns it with the page that showed it. */
  async function createThroughForm(fields: Record<string, string>) {
    const res = await post(staff.admin, '/staff/admin/tokens', fields)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const page = await res.text()
    const token = /<code class="tracking" id="one-time-token">([^<]+)<\/code>/.exec(page)?.[1]
    expect(token).toMatch(/^htk_[A-Za-z0-9_-]{43}$/)
    const id = Number(/已创建令牌 (\d+)/.exec(page)?.[1])
    return { page, token: token!, id }
  }

  it('answers 403 to every other role on the page and every POST, and writes nothing', async () => {
    const before = await written()
    const others = [
      staff.dispatcher,
      staff.supervisor,
      staff.reporter,
      staff.caseworkers.street,
    ] as const
    for (const who of others) {
      expect((await html(who, '/staff/admin/tokens')).status, who.username).toBe(403)
      const create = await post(who, '/staff/admin/tokens', { name: '越权', role: 'admin' })
      expect(create.status, `${who.username} create`).toBe(403)
      const revoke = await post(who, `/staff/admin/tokens/${cliTokenId}/revoke`)
      expect(revoke.status, `${who.username} revoke`).toBe(403)
    }
    expect(await written()).toEqual(before)
    expect((await listApiTokens(store.deps)).find((t) => t.id === cliTokenId)?.revokedAt).toBe(
      null,
    )
  })

  it('requires the CSRF token on create and revoke', async () => {
    const before = await written()
    for (const csrf of [null, 'forged-token']) {
      const create = await post(
        staff.admin,
        '/staff/admin/tokens',
        { name: '伪造', role: 'admin' },
        csrf,
      )
      expect(create.status, `create with ${csrf}`).toBe(403)
      const revoke = await post(staff.admin, `/staff/admin/tokens/${cliTokenId}/revoke`, {}, csrf)
      expect(revoke.status, `revoke with ${csrf}`).toBe(403)
    }
    expect(await written()).toEqual(before)
  })

  it('is linked from the admin overview and tabs, and lists tokens to an admin', async () => {
    const index = await html(staff.admin, '/staff/admin')
    const text = await index.text()
    expect(text).toContain('href="/staff/admin/tokens"')
    expect(text).toContain('1 个有效')
    const res = await html(staff.admin, '/staff/admin/tokens')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const page = await res.text()
    expect(page).toContain('aria-current="page">API 令牌')
    expect(page).toContain(`<td class="num">${cliTokenId}</td><td>命令行</td><td>热线办</td>`)
    expect(page).toContain('从未使用')
    expect(page).toContain(`action="/staff/admin/tokens/${cliTokenId}/revoke"`)
  })

  it('shows a new token once; it calls the API; the list and audit never hold it', async () => {
    const before = await written()
    const { page, token, id } = await createThroughForm({ name: '指挥中心大屏', role: 'reporter' })
    expect(page.split(token).length - 1).toBe(1)
    expect(page).toContain('data-copy="one-time-token"')
    expect(await written()).toEqual({ audit: before.audit + 1, tokens: before.tokens + 1 })

    const api = await callApi(token)
    expect(api.status).toBe(200)
    expect((await api.json()).totals).toBeDefined()

    const hash = await sha256Hex(token)
    const list = await (await html(staff.admin, '/staff/admin/tokens')).text()
    expect(list).not.toContain(token)
    expect(list).not.toContain(hash)
    const row = new RegExp(`<td class="num">${id}</td><td>指挥中心大屏</td><td>统计</td>.*?</tr>`)
      .exec(list)?.[0]
    expect(row).toBeDefined()
    expect(row).not.toContain('从未使用')
    expect(row).toContain('有效')
    expect((await listApiTokens(store.deps)).find((t) => t.id === id)?.lastUsedAt).toBe(NOW)

    const [audit] = await auditRows()
    expect(audit).toMatchObject({
      entity: 'api_token',
      entityId: String(id),
      actorId: staff.admin.id,
      change: {
        action: 'create',
        before: null,
        after: { name: '指挥中心大屏', role: 'reporter', unitId: null, revoked: false },
      },
    })
    const logged = JSON.stringify(audit)
    expect(logged).not.toContain(token)
    expect(logged).not.toContain(hash)
    const log = await (await html(staff.admin, '/staff/admin/audit?entity=api_token')).text()
    expect(log).toContain(`API 令牌 ${id}`)
    expect(log).not.toContain(token)
  })

  it('revokes a token with one audit row; the same API call then gets 401', async () => {
    const { token, id } = await createThroughForm({ name: '临时对接', role: 'reporter' })
    expect((await callApi(token)).status).toBe(200)
    const before = await written()

    const res = await post(staff.admin, `/staff/admin/tokens/${id}/revoke`)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/staff/admin/tokens?done=revoked#main')
    expect((await callApi(token)).status).toBe(401)
    expect(await written()).toEqual({ audit: before.audit + 1, tokens: before.tokens })

    const [audit] = await auditRows()
    expect(audit).toMatchObject({
      entityId: String(id),
      change: {
        action: 'revoke',
        before: { name: '临时对接', role: 'reporter', unitId: null, revoked: false },
        after: { name: '临时对接', role: 'reporter', unitId: null, revoked: true },
      },
    })
    expect(JSON.stringify(audit)).not.toContain(token)
    expect(JSON.stringify(audit)).not.toContain(await sha256Hex(token))

    const list = await (await html(staff.admin, '/staff/admin/tokens?done=revoked')).text()
    expect(list).toContain('令牌已撤销')
    expect(list).toMatch(new RegExp(`<td class="num">${id}</td><td>临时对接</td>.*?已撤销`))
    expect(list).not.toContain(`action="/staff/admin/tokens/${id}/revoke"`)

    const again = await post(staff.admin, `/staff/admin/tokens/${id}/revoke`)
    expect(again.status).toBe(422)
    expect(await again.text()).toContain('这个令牌已经撤销')
    expect((await post(staff.admin, '/staff/admin/tokens/99999/revoke')).status).toBe(404)
    expect(await written()).toEqual({ audit: before.audit + 1, tokens: before.tokens })
  })

  it('creates a caseworker token for a unit', async () => {
    const { id } = await createThroughForm({
      name: '街道网格系统',
      role: 'caseworker',
      unitId: String(fx.units.street),
    })
    const [audit] = await auditRows()
    expect(audit!.change.after).toEqual({
      name: '街道网格系统',
      role: 'caseworker',
      unitId: fx.units.street,
      revoked: false,
    })
    expect((await listApiTokens(store.deps)).find((t) => t.id === id)).toMatchObject({
      role: 'caseworker',
      unitId: fx.units.street,
    })
  })

  it('refuses bad input with field errors and writes nothing', async () => {
    const before = await written()
    const cases: [Record<string, string>, RegExp][] = [
      [{ name: '  ', role: 'reporter' }, /id="token-name-error">必填<\/span>/],
      [{ name: '未知角色', role: 'superuser' }, /id="token-role-error">须为 dispatcher、/],
      [{ name: '没选角色', role: '' }, /id="token-role-error">请选择角色<\/span>/],
      [
        { name: '无单位', role: 'caseworker', unitId: '' },
        /id="token-unitId-error">承办单位令牌必须选择所属单位<\/span>/,
      ],
      [
        { name: '假单位', role: 'caseworker', unitId: '99999' },
        /id="token-unitId-error">没有这个单位<\/span>/,
      ],
    ]
    for (const [fields, error] of cases) {
      const res = await post(staff.admin, '/staff/admin/tokens', fields)
      expect(res.status, JSON.stringify(fields)).toBe(422)
      const page = await res.text()
      expect(page, JSON.stringify(fields)).toMatch(error)
      expect(page).toContain('请修改以下内容')
      expect(page).not.toContain('id="one-time-token"')
    }
    expect(await written()).toEqual(before)
  })
})
