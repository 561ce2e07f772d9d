import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { createToken } from '../../src/services/accounts'
import { CsvParser } from '../../src/services/import'
import { importResultSchema } from '../../src/services/openapi'
import { recount } from '../../src/services/recount'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { createStaff, getAs, postAs, type StaffLogin, type StaffSet } from '../helpers/staff'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/import')
const fixtureBytes = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)))
const NOW = '2026-03-01T04:00:00.000Z'
const PERIOD = { from: '2025-01-01', to: '2026-12-31', scope: null }
const UPLOADS = join(tmpdir(), `hotline-imports-${process.getuid?.() ?? ''}`)

function parseCsv(text: string): string[][] {
  const parser = new CsvParser()
  parser.push(text.replace(/^\uFEFF/, ''))
  const rows: string[][] = []
  for (let r = parser.next(true); r; r = parser.next(true)) rows.push(r.cells)
  return rows
}

/** The text of an HTML fragment without its tags, spaces collapsed. */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()

/** The figures of the summary table (read, imported, updated, unchanged, rejected). */
function figures(html: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of html.matchAll(/data-figure="(\w+)">(\d+)</g)) out[m[1]!] = Number(m[2])
  return out
}

/** A CSV of `n` simple rows, over 1 MB from about 4000 rows (imported in the background). */
function bigCsv(n: number): Uint8Array {
  const lines = ['编号,受理时间,区域,标题,诉求内容']
  const content = '小区门口路灯不亮，晚上出行很不方便，请尽快维修。'.repeat(4)
  for (let i = 1; i <= n; i++) {
    lines.push(`BIG-${String(i).padStart(5, '0')},2025-10-13 09:00,新建区,路灯不亮 ${i},${content}`)
  }
  return new TextEncoder().encode(`${lines.join('\r\n')}\r\n`)
}

describe.each(DIALECTS)('importing history from the back office and the API on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: ReturnType<typeof createApp>
  let staff: StaffSet
  const tokens = {} as Record<'admin' | 'dispatcher' | 'reporter' | 'caseworker', string>

  beforeAll(async () => {
    store = await openTestStore(dialect, NOW)
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    staff = await createStaff(app, store.deps, fx)
    for (const role of ['admin', 'dispatcher', 'reporter'] as const) {
      tokens[role] = (await createToken(store.deps, { name: `import-${role}`, role })).token
    }
    tokens.caseworker = (
      await createToken(store.deps, { name: 'import-cw', role: 'caseworker', unit: 'XJ-CB' })
    ).token
  })
  afterAll(() => store.close())

  const html = (who: StaffLogin, path: string, headers: Record<string, string> = {}) =>
    getAs(app, who, path, { Accept: 'text/html', ...headers })

  /** Posts the upload form as a browser does (multipart), with the CSRF token unless told. */
  const upload = (
    who: StaffLogin,
    name: string,
    bytes: Uint8Array,
    options: { createMissing?: boolean; csrf?: string | null } = {},
  ) => {
    const body = new FormData()
    const csrf = options.csrf === undefined ? who.csrf : options.csrf
    if (csrf !== null) body.append('_csrf', csrf)
    body.append('file', new File([new Uint8Array(bytes)], name, { type: 'text/csv' }))
    if (options.createMissing) body.append('createMissing', '1')
    return app.request('/staff/admin/import', {
      method: 'POST',
      headers: { Cookie: who.cookie, Accept: 'text/html' },
      body,
    })
  }
  /** Uploads a fixture as the admin and returns the generated upload id from the preview. */
  const uploadId = async (name: string, bytes: Uint8Array = fixtureBytes(name)) => {
    const res = await upload(staff.admin, name, bytes)
    const page = await res.text()
    expect(res.status, page).toBe(200)
    const id = /name="id" value="([0-9a-f]{32})"/.exec(page)?.[1]
    expect(id).toBeDefined()
    return id!
  }
  const run = (id: string, mode: string, fields: Record<string, string> = {}, csrf?: null) =>
    postAs(
      app,
      staff.admin,
      '/staff/admin/import/run',
      { id, mode, ...fields },
      { csrf, headers: { Accept: 'text/html' } },
    )
  const callApi = (
    token: string | null,
    name: string,
    bytes: Uint8Array,
    fields: Record<string, string> = {},
  ) => {
    const body = new FormData()
    body.append('file', new File([new Uint8Array(bytes)], name))
    for (const [k, v] of Object.entries(fields)) body.append(k, v)
    return app.request('/api/v1/imports', {
      method: 'POST',
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      body,
    })
  }
  const caseCount = async () => {
    const { n } = await store.deps.db
      .selectFrom('work_orders')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow()
    return Number(n)
  }
  const expectRollupsExact = async () => {
    expect((await recount(store.deps, PERIOD)).differences).toEqual([])
  }

  it('is for admins only: every other role gets 403 on every page and POST', async () => {
    const id = await uploadId('english.csv')
    const others = [staff.dispatcher, staff.supervisor, staff.reporter, staff.caseworkers.street]
    for (const who of others) {
      expect((await html(who, '/staff/admin/import')).status, who.username).toBe(403)
      const up = await upload(who, 'english.csv', fixtureBytes('english.csv'))
      expect(up.status, `${who.username} upload`).toBe(403)
      const ran = await postAs(app, who, '/staff/admin/import/run', { id, mode: 'import' })
      expect(ran.status, `${who.username} run`).toBe(403)
      expect((await html(who, `/staff/admin/import/status/${id}`)).status).toBe(403)
      expect((await html(who, `/staff/admin/import/errors/${id}`)).status).toBe(403)
    }
    const anonymous = await app.request('/staff/admin/import', { headers: { Accept: 'text/html' } })
    expect(anonymous.status).toBe(303)
    expect(await caseCount()).toBe(0)
  })

  it('is linked from the admin tabs and shows the upload form', async () => {
    const index = await (await html(staff.admin, '/staff/admin')).text()
    expect(index).toContain('href="/staff/admin/import"')
    const res = await html(staff.admin, '/staff/admin/import')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const page = await res.text()
    expect(page).toContain('aria-current="page">导入')
    expect(page).toContain('enctype="multipart/form-data"')
    expect(page).toContain('accept=".csv,.xlsx"')
    expect(page).toContain('name="createMissing"')
    expect(page).toMatch(/name="_csrf" value="[^"]+"/)
  })

  it('previews an upload: format, column mapping, first rows; saved under a generated name', async () => {
    const res = await upload(staff.admin, 'rejections.csv', fixtureBytes('rejections.csv'))
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(page).toContain('rejections.csv')
    expect(page).toContain('CSV，UTF-8')
    const mapping = /<table class="cases" id="column-mapping">[\s\S]*?<\/table>/.exec(page)![0]
    expect(mapping).toContain('<td>编号</td><td><code>external_id（编号）</code></td>')
    expect(mapping).toContain('<td>受理时间</td><td><code>received_at（受理时间）</code></td>')
    expect(mapping).toContain('<td>备注</td><td><span class="badge warn">不导入</span></td>')
    const rows = /<table class="cases" id="first-rows">[\s\S]*?<\/table>/.exec(page)![0]
    expect(rows.match(/<tr>/g)).toHaveLength(11) // the head and ten rows
    expect(rows).toContain('<td>R-OK</td>')
    expect(rows).toContain('<td>2025-10-13 09:00</td>')
    expect(page).not.toContain('id="missing-required"')
    expect(page).toContain('name="mode" value="dry"')
    expect(page).toContain('试运行')
    expect(page).toContain('name="mode" value="import"')
    const id = /name="id" value="([0-9a-f]{32})"/.exec(page)![1]!
    expect(readdirSync(UPLOADS)).toContain(`${id}.csv`)
    expect(page).not.toContain(UPLOADS)

    const gb = await (await upload(staff.admin, '旧系统.csv', fixtureBytes('gb18030.csv'))).text()
    expect(gb).toContain('CSV，GB18030')
    expect(gb).toContain('<td>GB-001</td>')
    const xlsxRes = await upload(staff.admin, 'history.XLSX', fixtureBytes('history.xlsx'))
    const xlsx = await xlsxRes.text()
    expect(xlsx).toContain('XLSX')
    expect(xlsx).toContain('<td>X-1002</td>')
    const xlsxId = /name="id" value="([0-9a-f]{32})"/.exec(xlsx)![1]!
    expect(readdirSync(UPLOADS)).toContain(`${xlsxId}.xlsx`)
  })

  it('removes uploads older than a day at each new upload', async () => {
    const old = 'e'.repeat(32)
    const recent = 'd'.repeat(32)
    for (const id of [old, recent]) {
      writeFileSync(join(UPLOADS, `${id}.csv`), '编号,受理时间\r\n')
      writeFileSync(join(UPLOADS, `${id}.json`), JSON.stringify({ name: 'x.csv', ext: '.csv' }))
    }
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60_000)
    utimesSync(join(UPLOADS, `${old}.csv`), twoDaysAgo, twoDaysAgo)
    utimesSync(join(UPLOADS, `${old}.json`), twoDaysAgo, twoDaysAgo)
    await uploadId('english.csv')
    const files = readdirSync(UPLOADS)
    expect(files).not.toContain(`${old}.csv`)
    expect(files).not.toContain(`${old}.json`)
    expect(files).toContain(`${recent}.csv`)
    expect((await run(old, 'dry')).status).toBe(404)
  })

  it('names the missing required columns and offers no import; refuses other files', async () => {
    const bytes = new TextEncoder().encode('标题,渠道\r\n路灯,12345热线\r\n')
    const res = await upload(staff.admin, 'partial.csv', bytes)
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(page).toContain('id="missing-required"')
    expect(textOf(page)).toContain('external_id（编号）、received_at（受理时间）')
    expect(page).not.toContain('name="mode"')

    const wrong = await upload(staff.admin, 'history.txt', fixtureBytes('english.csv'))
    expect(wrong.status).toBe(422)
    expect(await wrong.text()).toContain('只能导入 .csv 或 .xlsx 文件')
    const broken = await upload(staff.admin, 'broken.xlsx', fixtureBytes('english.csv'))
    expect(broken.status).toBe(422)
    expect(await broken.text()).toContain('无法读取这个文件')
    const empty = await upload(staff.admin, 'empty.csv', new Uint8Array())
    expect(empty.status).toBe(422)

    // a header the import refuses as a whole: the run says why, without the server's paths
    const repeated = new TextEncoder().encode('编号,受理时间,编号\r\nR-1,2025-10-13 09:00,R-1\r\n')
    const id = await uploadId('repeated.csv', repeated)
    const ran = await run(id, 'import')
    expect(ran.status).toBe(422)
    const text = await ran.text()
    expect(text).toContain('文件无法导入')
    expect(text).toContain('column 编号 repeats 编号')
    expect(text).not.toContain(UPLOADS)
    expect(await caseCount()).toBe(0)
  })

  it('requires the CSRF token on the upload and the run', async () => {
    const files = readdirSync(UPLOADS).length
    for (const csrf of [null, 'forged']) {
      const res = await upload(staff.admin, 'english.csv', fixtureBytes('english.csv'), { csrf })
      expect(res.status, `upload with ${csrf}`).toBe(403)
    }
    expect(readdirSync(UPLOADS).length).toBe(files)
    const id = await uploadId('english.csv')
    expect((await run(id, 'import', {}, null)).status).toBe(403)
    expect(await caseCount()).toBe(0)
  })

  it('dry-runs without writing; reports the rejected rows by line, column and reason', async () => {
    const id = await uploadId('rejections.csv')
    const before = await caseCount()
    const res = await run(id, 'dry')
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(await caseCount()).toBe(before)
    expect(page).toContain('试运行结果')
    expect(page).toContain('没有写入任何数据')
    expect(figures(page)).toEqual({ read: 37, imported: 3, updated: 0, unchanged: 0, rejected: 34 })
    const table = /<table class="cases" id="rejections">[\s\S]*?<\/table>/.exec(page)![0]
    expect(table).toContain('<td class="num">5</td><td>编号</td><td>duplicate: R-OK is already')
    expect(table).toContain('<td class="num">17</td><td>受理时间</td><td>2025-13-01 10:00 is not')
    expect(table).toContain('<td class="num">39</td><td>(row)</td>')
    expect(table.match(/<tr>/g)).toHaveLength(1 + 34)
    expect(page).toContain(`href="/staff/admin/import/errors/${id}"`)
    // after a dry run, the same upload can be imported for real
    expect(page).toContain(`name="id" value="${id}"`)
    expect(page).toContain('name="mode" value="import"')
  })

  it('imports for real: cases written, recount agrees, the error file downloads', async () => {
    const id = await uploadId('rejections.csv')
    const before = await caseCount()
    const res = await run(id, 'import')
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(page).toContain('导入结果')
    expect(figures(page)).toEqual({ read: 37, imported: 3, updated: 0, unchanged: 0, rejected: 34 })
    expect(await caseCount()).toBe(before + 3)
    await expectRollupsExact()

    const errors = await html(staff.admin, `/staff/admin/import/errors/${id}`)
    expect(errors.status).toBe(200)
    expect(errors.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(errors.headers.get('content-disposition')).toMatch(/^attachment;/)
    const disposition = errors.headers.get('content-disposition')
    expect(disposition).toContain("filename*=UTF-8''rejections.errors.csv")
    const rows = parseCsv(await errors.text())
    expect(rows[0]!.slice(-3)).toEqual(['line', 'column', 'reason'])
    expect(rows).toHaveLength(1 + 34)
    expect(rows.find((r) => r[0] === 'R-15')!.slice(-3)).toEqual([
      '17',
      '受理时间',
      expect.stringContaining('is not a time'),
    ])

    const zh = await uploadId('zh-utf8-bom.csv')
    const done = await (await run(zh, 'import')).text()
    expect(figures(done)).toEqual({ read: 8, imported: 8, updated: 0, unchanged: 0, rejected: 0 })
    expect(done).not.toContain('/staff/admin/import/errors/')
    expect((await html(staff.admin, `/staff/admin/import/errors/${zh}`)).status).toBe(404)
    expect(await caseCount()).toBe(before + 3 + 8)
    await expectRollupsExact()
  })

  it('imports a large file in the background and lets the page poll its progress', async () => {
    const rows = 4000
    const bytes = bigCsv(rows)
    expect(bytes.length).toBeGreaterThan(1024 * 1024)
    const id = await uploadId('big.csv', bytes)
    const before = await caseCount()
    const res = await run(id, 'import')
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(page).toContain(`hx-get="/staff/admin/import/status/${id}"`)
    expect(page).toContain('hx-trigger="every 1s"')
    expect(page).toContain('正在导入')
    let panel = ''
    for (let i = 0; i < 600; i++) {
      const poll = await html(staff.admin, `/staff/admin/import/status/${id}`, {
        'HX-Request': 'true',
      })
      expect(poll.status).toBe(200)
      panel = await poll.text()
      if (!panel.includes('every 1s')) break
      expect(textOf(panel)).toMatch(/已处理 \d+ 行/)
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(panel).toContain('id="import-run"')
    expect(panel).not.toContain('<html')
    expect(figures(panel)).toMatchObject({ read: rows, imported: rows, rejected: 0 })
    expect(await caseCount()).toBe(before + rows)
    const full = await (await html(staff.admin, `/staff/admin/import/status/${id}`)).text()
    expect(full).toContain('<html')
    expect(full).toContain('导入结果')
    await expectRollupsExact()
  })

  it('never reads a path from the client: ids that are not uploads are 404', async () => {
    const before = await caseCount()
    for (const id of ['../../etc/passwd', '/etc/passwd', 'a'.repeat(32), '']) {
      expect((await run(id, 'import')).status, id).toBe(404)
    }
    const ids = ['..%2F..%2Fetc%2Fpasswd', '..%252F..%252Fetc%252Fpasswd', 'f'.repeat(32)]
    for (const id of ids) {
      expect((await html(staff.admin, `/staff/admin/import/errors/${id}`)).status, id).toBe(404)
      expect((await html(staff.admin, `/staff/admin/import/status/${id}`)).status, id).toBe(404)
    }
    expect((await html(staff.admin, '/staff/admin/import/errors/../../etc/passwd')).status).toBe(
      404,
    )
    expect(await caseCount()).toBe(before)
  })

  it('imports through the API with a token: summary, rejections; dryRun writes nothing', async () => {
    const files = readdirSync(UPLOADS).length
    const before = await caseCount()
    const dry = await callApi(tokens.admin, 'english.csv', fixtureBytes('english.csv'), {
      dryRun: 'true',
    })
    expect(dry.status).toBe(200)
    expect(dry.headers.get('cache-control')).toBe('no-store')
    const dryBody = importResultSchema.parse(await dry.json())
    expect(dryBody).toMatchObject({ file: 'english.csv', dryRun: true, read: 3, imported: 3 })
    expect(await caseCount()).toBe(before)

    const real = await callApi(tokens.admin, 'english.csv', fixtureBytes('english.csv'))
    expect(real.status).toBe(200)
    expect(importResultSchema.parse(await real.json())).toEqual({
      file: 'english.csv',
      format: 'csv',
      encoding: 'utf-8',
      dryRun: false,
      read: 3,
      imported: 3,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      createdUnits: [],
      createdCategories: [],
      rejections: [],
    })
    expect(await caseCount()).toBe(before + 3)

    const xlsx = await callApi(tokens.dispatcher, 'history.xlsx', fixtureBytes('history.xlsx'))
    expect(xlsx.status).toBe(200)
    const body = importResultSchema.parse(await xlsx.json())
    expect(body).toMatchObject({ format: 'xlsx', encoding: null, imported: 2, rejected: 1 })
    expect(body.rejections).toEqual([
      { line: 4, column: '受理时间', reason: expect.stringContaining('is not a time') },
    ])
    expect(await caseCount()).toBe(before + 5)
    await expectRollupsExact()
    // the uploads are not kept
    expect(readdirSync(UPLOADS).length).toBe(files)
  })

  it('refuses other roles (403), no token (401) and unusable files (422 naming file)', async () => {
    const before = await caseCount()
    const bytes = fixtureBytes('gb18030.csv')
    for (const role of ['reporter', 'caseworker'] as const) {
      const res = await callApi(tokens[role], 'gb18030.csv', bytes)
      expect(res.status, role).toBe(403)
      expect((await res.json()).error.code).toBe('forbidden')
    }
    expect((await callApi(null, 'gb18030.csv', bytes)).status).toBe(401)

    const refused = async (res: Response) => {
      expect(res.status).toBe(422)
      const error = (await res.json()).error
      expect(error.code).toBe('validation_failed')
      expect(Object.keys(error.fields)).toEqual(['file'])
      return error.fields.file as string
    }
    expect(await refused(await callApi(tokens.admin, 'gb18030.txt', bytes))).toContain('.csv')
    expect(await refused(await callApi(tokens.admin, 'broken.xlsx', bytes))).toContain('XLSX')
    const partial = new TextEncoder().encode('编号,标题\r\nP-1,路灯\r\n')
    expect(await refused(await callApi(tokens.admin, 'partial.csv', partial))).toContain(
      'received_at',
    )
    const repeated = new TextEncoder().encode('编号,受理时间,编号\r\nR-1,2025-10-13 09:00,R-1\r\n')
    const header = await refused(await callApi(tokens.admin, 'repeated.csv', repeated))
    expect(header).toContain('column 编号 repeats 编号')
    const none = await app.request('/api/v1/imports', {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.admin}` },
    })
    await refused(none)
    const flag = await callApi(tokens.admin, 'gb18030.csv', bytes, { dryRun: 'yes' })
    expect(flag.status).toBe(422)
    expect((await flag.json()).error.fields).toEqual({ dryRun: 'must be true or false' })
    expect(await caseCount()).toBe(before)
  })

  it('takes uploads over 64 KB but refuses a body over 50 MB (413)', async () => {
    const big = await callApi(tokens.admin, 'big.csv', bigCsv(400), { dryRun: 'true' })
    expect(big.status).toBe(200)
    expect((await big.json()).read).toBe(400)
    const huge = await app.request('/api/v1/imports', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${tokens.admin}`,
        'Content-Type': 'multipart/form-data; boundary=x',
        'Content-Length': String(50 * 1024 * 1024 + 1),
      },
      body: '--x--\r\n',
    })
    expect(huge.status).toBe(413)
    const page = await app.request('/staff/admin/import', {
      method: 'POST',
      headers: {
        Cookie: staff.admin.cookie,
        Accept: 'text/html',
        'Content-Type': 'multipart/form-data; boundary=x',
        'Content-Length': String(50 * 1024 * 1024 + 1),
      },
      body: '--x--\r\n',
    })
    expect(page.status).toBe(413)
    const other = await app.request('/staff/admin/import/run', {
      method: 'POST',
      headers: {
        Cookie: staff.admin.cookie,
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': String(64 * 1024 + 1),
      },
      body: 'x=1',
    })
    expect(other.status).toBe(413)
  })
})
