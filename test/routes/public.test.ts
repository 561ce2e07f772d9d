import { sql, type Kysely } from 'kysely'
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from '../../db/database'
import { createApp, type AppOptions } from '../../src/app'
import { CONTENT_SECURITY_POLICY } from '../../src/http/security'
import { PHOTO_ERRORS } from '../../src/services/photos'
import { findByTrackingCode, hashTrackingCode, performAction } from '../../src/services/work-orders'
import { formatDateTime } from '../../views/format'
import { t } from '../../views/i18n'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import {
  bytesInclude,
  fakeJpeg,
  filingForm,
  jpegWithExif,
  png,
  pngBomb,
  submissionId,
  type FilePart,
  type FilingFields,
} from '../helpers/forms'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** Friday 26 September 2025, 10:00 in Shanghai. */
const T0 = '2025-09-26T02:00:00.000Z'
const zh = t('zh')
const en = t('en')
const BASE = 'http://hotline.test'
const TRACKING_CODE = /^\/track\/([0-9A-HJKMNP-TV-Z]{32})\?filed=1$/

type Env = { incoming: { socket: { remoteAddress: string } } }

let clients = 0
/** A client address no other test uses, so rate limits never carry over. */
function newClient(): Env {
  clients += 1
  return { incoming: { socket: { remoteAddress: `198.18.${clients >> 8}.${clients & 255}` } } }
}
const from = (remoteAddress: string): Env => ({ incoming: { socket: { remoteAddress } } })

const HTMX = { 'HX-Request': 'true' }

/** The control (input, select, textarea) with `id`, as rendered. */
function control(html: string, id: string): string {
  const m = new RegExp(`<(?:input|select|textarea)\\b[^>]*\\bid="${id}"[^>]*>`).exec(html)
  if (!m) throw new Error(`no control with id="${id}" in the page`)
  return m[0]
}

/** The text of the error span next to field `id`. */
function fieldError(html: string, id: string): string {
  const m = new RegExp(`<span class="field-error" id="${id}-error">([^<]*)</span>`).exec(html)
  if (!m) throw new Error(`no error span id="${id}-error" in the page`)
  return m[1] ?? ''
}

/** The lines of the public timeline, without their times. */
function timeline(html: string): string[] {
  const list = /<ol class="timeline">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? ''
  return [...list.matchAll(/<li><time[^>]*>[^<]*<\/time>([^<]*)<\/li>/g)].map((m) => m[1] ?? '')
}

/** The status shown on the tracking page. */
function statusText(html: string): string | undefined {
  return /<span class="status[^"]*">([^<]*)<\/span>/.exec(html)?.[1]
}

/** The cells of the row labelled `label` in the first table that has it. */
function statsRow(html: string, label: string): string[] | undefined {
  const m = new RegExp(`<tr><th scope="row">${label}</th>((?:<td>[^<]*</td>)+)</tr>`).exec(html)
  return m ? [...(m[1] ?? '').matchAll(/<td>([^<]*)<\/td>/g)].map((c) => c[1] ?? '') : undefined
}

/**
 * The database as two concurrent requests see it when they run in lock step: every read of a case
 * outside a transaction (`selectFrom('work_orders')…executeTakeFirst()`) waits, after it has its
 * answer, until another request has read too (or 300 ms have passed). Two requests thus both
 * load version N before either writes, deterministically on SQLite and on Postgres.
 */
function inLockStep(db: Kysely<Database>): Kysely<Database> {
  let waiting: (() => void)[] = []
  const gate = () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve)
      if (waiting.length >= 2) {
        const all = waiting
        waiting = []
        for (const go of all) go()
        return
      }
      setTimeout(() => {
        const i = waiting.indexOf(resolve)
        if (i >= 0) waiting.splice(i, 1)
        resolve()
      }, 300)
    })
  const wrap = (builder: object): object =>
    new Proxy(builder, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target)
        if (typeof value !== 'function') return value
        if (prop === 'executeTakeFirst') {
          return async (...args: unknown[]) => {
            const result: unknown = await value.apply(target, args)
            await gate()
            return result
          }
        }
        return (...args: unknown[]) => {
          const next: unknown = value.apply(target, args)
          return next !== null && typeof next === 'object' && 'executeTakeFirst' in next ? wrap(next) : next
        }
      },
    })
  return new Proxy(db, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (prop === 'selectFrom') {
        return (table: string) => {
          const builder = target.selectFrom(table as 'work_orders')
          return table === 'work_orders' ? wrap(builder) : builder
        }
      }
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

function expectSecurityHeaders(res: Response, what: string) {
  const csp = res.headers.get('content-security-policy') ?? ''
  expect(csp, `${what}: CSP`).not.toBe('')
  expect(csp, `${what}: CSP`).not.toContain('unsafe-inline')
  expect(csp, `${what}: CSP`).not.toContain('unsafe-eval')
  expect(csp, `${what}: CSP frame-ancestors`).toContain("frame-ancestors 'none'")
  expect(res.headers.get('x-content-type-options'), `${what}: nosniff`).toBe('nosniff')
  expect(['same-origin', 'no-referrer'], `${what}: Referrer-Policy`).toContain(res.headers.get('referrer-policy'))
  expect(res.headers.get('x-frame-options'), `${what}: X-Frame-Options`).toBe('DENY')
}

describe.each(DIALECTS)('public pages on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    fx = await seedFixture(store.deps)
  })
  afterAll(() => store.close())
  beforeEach(() => store.setNow(T0))

  const db = () => store.deps.db
  const app = (options: AppOptions = {}) => createApp(store.deps, options)

  async function count(table: string): Promise<number> {
    const r = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(table)}`.execute(db())
    return Number(r.rows[0]?.n)
  }
  /** Every table a filing writes to. */
  async function counts() {
    return {
      work_orders: await count('work_orders'),
      work_order_events: await count('work_order_events'),
      attachments: await count('attachments'),
      attachment_blobs: await count('attachment_blobs'),
      idempotency_keys: await count('idempotency_keys'),
    }
  }

  /** A filing that passes every check. */
  function validFields(overrides: FilingFields = {}): FilingFields {
    return {
      kind: 'complaint',
      categoryId: String(fx.categories.potholes),
      title: '长堎大道路面坑洼',
      content: '长堎大道与学府路交叉口路面有多处坑洼，雨天积水，已有电动车摔倒。',
      districtId: String(fx.units.district),
      address: '长堎大道88号附近',
      citizenName: '张秀英',
      citizenPhone: '13812345678',
      consent: '1',
      submissionId: submissionId(),
      ...overrides,
    }
  }

  type App = ReturnType<typeof createApp>

  function post(a: App, body: FormData, env: Env, headers: Record<string, string> = {}) {
    return a.request('/cases', { method: 'POST', body, headers }, env)
  }

  /** Files through POST /cases and returns the tracking code and the stored case. */
  async function fileOk(fields: FilingFields = {}, photos: FilePart[] = []) {
    const res = await post(app(), filingForm(validFields(fields), photos), newClient())
    expect(res.status, await res.clone().text()).toBe(303)
    const location = res.headers.get('location') ?? ''
    const code = TRACKING_CODE.exec(location)?.[1]
    if (!code) throw new Error(`unexpected Location ${location}`)
    const order = await findByTrackingCode(store.deps, code)
    if (!order) throw new Error('the filed case is not found by its code')
    return { code, location, order }
  }

  async function page(path: string, init: RequestInit = {}, env: Env = newClient()) {
    const res = await app().request(path, init, env)
    return { res, html: await res.text() }
  }

  function rate(a: App, code: string, fields: Record<string, string>, env: Env, headers: Record<string, string> = {}) {
    return a.request(`/track/${code}/rating`, { method: 'POST', body: new URLSearchParams(fields), headers }, env)
  }

  /** Dispatches to the bureau, signs and closes with a reply, as staff do. */
  async function closeCase(id: number, reply = '已修补坑洼路面，恢复通行。') {
    await performAction(store.deps, id, { action: 'dispatch', unitId: fx.units.bureau }, fx.actors.dispatcher)
    await performAction(store.deps, id, { action: 'sign' }, fx.actors.bureauWorker)
    return performAction(store.deps, id, { action: 'reply_and_close', reply }, fx.actors.bureauWorker)
  }

  // ---------------------------------------------------------------------------------------------
  describe('the filing form', () => {
    it('GET / is the filing form in Chinese, with a fresh submission id and a visible English toggle', async () => {
      const { res, html } = await page('/')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(html).toContain('<html lang="zh-CN">')
      expect(html).toContain(`<h1>${zh.file.title}</h1>`)
      expect(html).toContain(zh.file.submit)
      // a plain form that works without JavaScript
      expect(html).toMatch(/<form id="filing"[^>]*method="post" action="\/cases" enctype="multipart\/form-data"/)
      // the options come from the reference data: districts only in the district select
      expect(html).toContain('道路破损')
      const districtSelect = /<select id="districtId"[\s\S]*?<\/select>/.exec(html)?.[0] ?? ''
      expect(districtSelect).toContain('新建区')
      expect(districtSelect).toContain('红谷滩区')
      expect(districtSelect).not.toContain('长堎街道')
      expect(districtSelect).not.toContain('南昌市')
      const id1 = /name="submissionId" value="([0-9a-f]{32})"/.exec(html)?.[1]
      expect(id1).toBeDefined()
      const id2 = /name="submissionId" value="([0-9a-f]{32})"/.exec((await page('/')).html)?.[1]
      expect(id2).toBeDefined()
      expect(id2).not.toBe(id1)
      expect(html).toMatch(/<a class="lang" href="\/lang\/en\?next=%2F" lang="en">English<\/a>/)
    })

    it('is in English by Accept-Language, and the toggle sets a cookie that wins over the header', async () => {
      const english = await page('/', { headers: { 'Accept-Language': 'en-US,en;q=0.9,zh;q=0.5' } })
      expect(english.html).toContain('<html lang="en">')
      expect(english.html).toContain(`<h1>${en.file.title}</h1>`)
      expect(english.html).toContain(en.file.submit)
      expect(english.html).toContain('href="/lang/zh?next=%2F"')
      const preferZh = await page('/', { headers: { 'Accept-Language': 'en;q=0.4, zh-CN;q=0.9' } })
      expect(preferZh.html).toContain('<html lang="zh-CN">')

      const toggle = await app().request('/lang/en?next=%2Fstats', {}, newClient())
      expect(toggle.status).toBe(303)
      expect(toggle.headers.get('location')).toBe('/stats')
      const cookie = toggle.headers.get('set-cookie') ?? ''
      expect(cookie).toMatch(/^lang=en;/)
      expect(cookie).toMatch(/Path=\//)
      const chosen = await page('/', { headers: { Cookie: 'lang=en', 'Accept-Language': 'zh-CN' } })
      expect(chosen.html).toContain('<html lang="en">')
      const back = await page('/', { headers: { Cookie: 'lang=zh', 'Accept-Language': 'en' } })
      expect(back.html).toContain('<html lang="zh-CN">')
      // an unknown language sets nothing
      const unknown = await app().request('/lang/fr?next=%2F', {}, newClient())
      expect(unknown.status).toBe(303)
      expect(unknown.headers.get('set-cookie')).toBeNull()
    })

    it('the language toggle only ever returns to a page of this site', async () => {
      const nexts = [
        '//evil.example/x',
        '/\\evil.example/x',
        'https://evil.example/x',
        'javascript:alert(1)',
        '/\t/evil.example/x', // browsers drop tabs and newlines from URLs: this is //evil.example
        '/\n/evil.example/x',
        '\t//evil.example/x',
      ]
      const escapes: string[] = []
      for (const next of nexts) {
        const res = await app().request(`/lang/en?next=${encodeURIComponent(next)}`, {}, newClient())
        const location = res.headers.get('location') ?? ''
        const target = new URL(location, `${BASE}/`)
        if (res.status !== 303 || target.origin !== BASE) {
          escapes.push(`next=${JSON.stringify(next)} → ${res.status} Location ${JSON.stringify(location)} (${target.href})`)
        }
      }
      expect(escapes).toEqual([])
    })
  })

  // ---------------------------------------------------------------------------------------------
  describe('POST /cases refusing a filing', () => {
    it('an empty form comes back (422) with a Chinese error next to each required field, and nothing is stored', async () => {
      const before = await counts()
      const res = await post(app(), filingForm({ submissionId: submissionId() }), newClient())
      expect(res.status).toBe(422)
      const html = await res.text()
      expect(html).toContain('<html lang="zh-CN">')
      expect(html).toContain(zh.file.errorSummary)
      expect(html).toMatch(/<div class="notice bad" role="alert"/)

      const required: Record<string, string> = {
        kind: zh.errors.chooseKind,
        categoryId: zh.errors.chooseCategory,
        title: zh.errors.titleRequired,
        content: zh.errors.contentRequired,
        districtId: zh.errors.chooseDistrict,
        consent: zh.errors.consent,
      }
      for (const [field, message] of Object.entries(required)) {
        expect(fieldError(html, field), field).toBe(message)
        expect(html, `summary links to ${field}`).toContain(`<a href="#${field}">${message}</a>`)
      }
      for (const field of ['categoryId', 'title', 'content', 'districtId', 'consent']) {
        expect(control(html, field), field).toContain('aria-invalid="true"')
        expect(control(html, field), field).toMatch(new RegExp(`aria-describedby="(?:${field}-hint )?${field}-error"`))
      }
      expect(control(html, 'title')).toContain('aria-describedby="title-hint title-error"')
      expect(control(html, 'content')).toContain('aria-describedby="content-hint content-error"')
      expect(html).toContain('<fieldset class="field" aria-describedby="kind-error">')
      // optional fields are fine empty
      for (const field of ['address', 'citizenName', 'citizenPhone', 'photos']) {
        expect(fieldError(html, field), field).toBe('')
        expect(control(html, field), field).not.toContain('aria-invalid')
      }
      expect(await counts()).toEqual(before)
    })

    it('marks the kind radios invalid when no kind is chosen', async () => {
      const res = await post(app(), filingForm(validFields({ kind: undefined })), newClient())
      expect(res.status).toBe(422)
      const html = await res.text()
      const kind = /<fieldset class="field" aria-describedby="kind-error">([\s\S]*?)<\/fieldset>/.exec(html)?.[1] ?? ''
      expect(fieldError(html, 'kind')).toBe(zh.errors.chooseKind)
      // the other controls say aria-invalid; a screen reader on a kind radio hears nothing wrong
      expect(kind).toContain('aria-invalid="true"')
    })

    it('keeps every value the citizen entered and marks only the wrong fields', async () => {
      const before = await counts()
      const fields = validFields({
        kind: 'suggestion',
        categoryId: String(fx.categories.noise),
        title: '路'.repeat(101),
        content: '夜间施工噪音 <script>alert(1)</script> "引号" & 符号',
        districtId: String(fx.units.otherDistrict),
        citizenPhone: '12345',
        confidential: '1',
      })
      const res = await post(app(), filingForm(fields), newClient())
      expect(res.status).toBe(422)
      const html = await res.text()
      expect(fieldError(html, 'title')).toBe(zh.errors.tooLong(100))
      expect(fieldError(html, 'citizenPhone')).toBe(zh.errors.phone)
      expect(control(html, 'title')).toContain('aria-invalid="true"')
      expect(control(html, 'citizenPhone')).toContain('aria-invalid="true"')
      for (const ok of ['categoryId', 'content', 'districtId', 'address', 'citizenName', 'consent']) {
        expect(fieldError(html, ok), ok).toBe('')
        expect(control(html, ok), ok).not.toContain('aria-invalid')
      }
      expect(html).toMatch(/<input type="radio" name="kind" value="suggestion" checked=""/)
      expect(html).not.toMatch(/value="complaint" checked/)
      expect(html).toContain(`<option value="${fx.categories.noise}" selected="">噪音扰民</option>`)
      expect(html).toContain(`<option value="${fx.units.otherDistrict}" selected="">红谷滩区</option>`)
      expect(control(html, 'title')).toContain(`value="${'路'.repeat(101)}"`)
      expect(html).toContain('夜间施工噪音 &lt;script&gt;alert(1)&lt;/script&gt; &quot;引号&quot; &amp; 符号</textarea>')
      expect(html).not.toContain('<script>alert(1)')
      expect(control(html, 'address')).toContain('value="长堎大道88号附近"')
      expect(control(html, 'citizenName')).toContain('value="张秀英"')
      expect(control(html, 'citizenPhone')).toContain('value="12345"')
      expect(html).toMatch(/<input type="checkbox" name="confidential" value="1" checked=""/)
      expect(control(html, 'consent')).toContain('checked=""')
      expect(html).toContain(`name="submissionId" value="${fields.submissionId}"`)
      expect(await counts()).toEqual(before)
    })

    it('refuses a category or district id that does not exist', async () => {
      const before = await counts()
      const cases: [FilingFields, string, string][] = [
        [{ categoryId: '999999' }, 'categoryId', zh.errors.chooseCategory],
        [{ districtId: '999999' }, 'districtId', zh.errors.chooseDistrict],
        [{ categoryId: 'abc' }, 'categoryId', zh.errors.chooseCategory],
      ]
      for (const [override, field, message] of cases) {
        const res = await post(app(), filingForm(validFields(override)), newClient())
        expect(res.status, JSON.stringify(override)).toBe(422)
        const html = await res.text()
        expect(fieldError(html, field), JSON.stringify(override)).toBe(message)
        expect(control(html, field)).toContain('aria-invalid="true"')
      }
      expect(await counts()).toEqual(before)
    })

    it('refuses a district the form does not offer (a street, the city)', async () => {
      const before = await counts()
      for (const unit of [fx.units.street, fx.units.city]) {
        const res = await post(app(), filingForm(validFields({ districtId: String(unit) })), newClient())
        expect(res.status, `districtId=${unit}`).toBe(422)
        expect(fieldError(await res.text(), 'districtId')).toBe(zh.errors.chooseDistrict)
      }
      expect(await counts()).toEqual(before)
    })

    it('answers in English when the citizen reads English', async () => {
      const res = await post(app(), filingForm(validFields({ title: ' ', consent: undefined })), newClient(), {
        'Accept-Language': 'en',
      })
      expect(res.status).toBe(422)
      const html = await res.text()
      expect(html).toContain('<html lang="en">')
      expect(fieldError(html, 'title')).toBe(en.errors.titleRequired)
      expect(fieldError(html, 'consent')).toBe(en.errors.consent)
    })

    it('answers htmx with the form fragment alone', async () => {
      const before = await counts()
      const res = await post(app(), filingForm(validFields({ content: '' })), newClient(), HTMX)
      expect(res.status).toBe(200)
      const html = await res.text()
      expect(html.trimStart()).toMatch(/^<form id="filing"/)
      expect(html).not.toContain('<html')
      expect(html).not.toContain('<!DOCTYPE')
      expect(fieldError(html, 'content')).toBe(zh.errors.contentRequired)
      expect(control(html, 'content')).toContain('aria-invalid="true"')
      expect(control(html, 'title')).toContain('value="长堎大道路面坑洼"')
      expect(res.headers.get('hx-redirect')).toBeNull()
      expect(await counts()).toEqual(before)
    })
  })

  // ---------------------------------------------------------------------------------------------
  describe('POST /cases filing a case', () => {
    it('stores the case and answers 303 to /track/{code}; only the code’s hash is kept', async () => {
      const before = await counts()
      const fields = validFields({ citizenPhone: '138 1234-5678', confidential: '1' })
      const res = await post(app(), filingForm(fields), newClient())
      expect(res.status).toBe(303)
      const location = res.headers.get('location') ?? ''
      const code = TRACKING_CODE.exec(location)?.[1] ?? ''
      expect(code).toHaveLength(32) // 160 random bits
      const after = await counts()
      expect(after.work_orders).toBe(before.work_orders + 1)
      expect(after.work_order_events).toBe(before.work_order_events + 1)
      expect(after.idempotency_keys).toBe(before.idempotency_keys + 1)
      expect(after.attachments).toBe(before.attachments)

      const row = await db()
        .selectFrom('work_orders')
        .selectAll()
        .where('tracking_hash', '=', await hashTrackingCode(code))
        .executeTakeFirstOrThrow()
      expect(row).toMatchObject({
        channel: 'web',
        kind: 'complaint',
        urgency: 'normal',
        category_id: fx.categories.potholes,
        district_id: fx.units.district,
        unit_id: null,
        title: fields.title,
        content: fields.content,
        address: fields.address,
        citizen_name: '张秀英',
        citizen_phone: '13812345678',
        confidential: 1,
        status: 'received',
        received_at: T0,
      })
      expect(row.case_number).toMatch(/^NC2025\d{7}$/)
      expect(JSON.stringify(row)).not.toContain(code)
      const event = await db()
        .selectFrom('work_order_events')
        .selectAll()
        .where('work_order_id', '=', row.id)
        .executeTakeFirstOrThrow()
      expect(event).toMatchObject({ action: 'receive', to_status: 'received', actor_role: 'citizen' })
    })

    it('shows the code once, beside the short case number; later visits show the case number only', async () => {
      const { code, location, order } = await fileOk({ title: '<img src=x onerror=alert(1)>' })
      const first = await page(location)
      expect(first.res.status).toBe(200)
      expect(first.res.headers.get('cache-control')).toBe('no-store')
      expect(first.html).toContain(`<h2 id="filed-title">${zh.track.filedTitle}</h2>`)
      expect(first.html).toContain(zh.track.filedIntro)
      const shown = /<span class="code" id="tracking-code">([^<]*)<\/span>/.exec(first.html)?.[1] ?? ''
      expect(shown.replace(/ /g, '')).toBe(code)
      expect(first.html).toContain(`<dd>${order.caseNumber}</dd>`)
      expect(first.html).toContain('&lt;img src=x onerror=alert(1)&gt;')
      expect(first.html).not.toContain('<img src=x')

      const later = await page(`/track/${code}`)
      expect(later.res.status).toBe(200)
      expect(later.res.headers.get('cache-control')).toBe('no-store')
      expect(later.html).not.toContain(zh.track.filedTitle)
      expect(later.html).not.toContain('id="tracking-code"')
      expect(later.html).toContain(`<dd>${order.caseNumber}</dd>`)
      expect(statusText(later.html)).toBe(zh.statuses.received)
    })

    it('answers htmx with HX-Redirect to the tracking page', async () => {
      const before = await counts()
      const res = await post(app(), filingForm(validFields()), newClient(), HTMX)
      expect(res.status).toBe(200)
      expect(res.headers.get('hx-redirect')).toMatch(TRACKING_CODE)
      expect(await res.text()).toBe('')
      expect((await counts()).work_orders).toBe(before.work_orders + 1)
    })

    it('files one case per submission id, however often the form is sent', async () => {
      const before = await counts()
      const env = newClient()
      const fields = validFields()
      const first = await post(app(), filingForm(fields), env)
      const again = await post(app(), filingForm(fields), env)
      expect(first.status).toBe(303)
      expect(again.status).toBe(303)
      expect(again.headers.get('location')).toBe(first.headers.get('location'))
      const htmxAgain = await post(app(), filingForm(fields), env, HTMX)
      expect(htmxAgain.headers.get('hx-redirect')).toBe(first.headers.get('location'))
      expect((await counts()).work_orders).toBe(before.work_orders + 1)

      // a double click: both requests at once
      const twin = validFields()
      const [a, b] = await Promise.all([post(app(), filingForm(twin), env), post(app(), filingForm(twin), env)])
      expect([a.status, b.status]).toEqual([303, 303])
      expect(b.headers.get('location')).toBe(a.headers.get('location'))
      expect((await counts()).work_orders).toBe(before.work_orders + 2)

      // a refused first try stores no key: the corrected form with the same id files once
      const fixed = validFields({ consent: undefined })
      expect((await post(app(), filingForm(fixed), env)).status).toBe(422)
      const corrected = await post(app(), filingForm({ ...fixed, consent: '1' }), env)
      expect(corrected.status).toBe(303)
      expect((await counts()).work_orders).toBe(before.work_orders + 3)
      // another submission id is another case
      expect((await post(app(), filingForm(validFields()), env)).status).toBe(303)
      expect((await counts()).work_orders).toBe(before.work_orders + 4)
    })

    it('files a case when the photo input was left empty (the browser sends an empty part)', async () => {
      const before = await counts()
      const { order } = await fileOk({}, [{ name: '', bytes: new Uint8Array(0) }])
      const after = await counts()
      expect(after.work_orders).toBe(before.work_orders + 1)
      expect(after.attachments).toBe(before.attachments)
      expect(order.status).toBe('received')
    })
  })

  // ---------------------------------------------------------------------------------------------
  describe('GET /track/{code}', () => {
    it('tells the status in plain words, the deadline and the public timeline, never notes or staff names', async () => {
      const { code, order } = await fileOk()
      const secrets = [
        '内部备注：该市民多次来电，语气激动',
        '派单备注：请城管局优先处理',
        '退单理由：应由街道处理',
        '驳回退单：属城管职责',
        '签收备注：已安排人员',
        '延期内部说明：预算未批',
        '批准延期内部意见',
        '督办：请加快',
        '办结内部备注：费用3000元',
      ]
      const staffNames = Object.values(fx.actors)
        .filter((a) => a.role !== 'citizen' && a.role !== 'system')
        .map((a) => a.name)
      const view = async () => {
        const { res, html } = await page(`/track/${code}`)
        expect(res.status).toBe(200)
        expect(res.headers.get('cache-control')).toBe('no-store')
        for (const s of [...secrets, ...staffNames, '张秀英', '13812345678', '138****5678']) {
          expect(html, `the page shows ${s}`).not.toContain(s)
        }
        return html
      }
      const deadline = (html: string) => /<dt>办理时限<\/dt><dd>([^<]*)<\/dd>/.exec(html)?.[1]

      let html = await view()
      expect(statusText(html)).toBe(zh.statuses.received)
      expect(deadline(html)).toContain(formatDateTime(order.dueAt, 'Asia/Shanghai'))
      expect(timeline(html)).toEqual([zh.events.receive])
      expect(html).not.toContain(zh.rate.title)

      const id = order.id
      await performAction(store.deps, id, { action: 'note', note: secrets[0]! }, fx.actors.dispatcher)
      await performAction(store.deps, id, { action: 'dispatch', unitId: fx.units.bureau, note: secrets[1] }, fx.actors.dispatcher)
      html = await view()
      expect(statusText(html)).toBe(zh.statuses.dispatched)
      expect(html).toContain('<dt>承办单位</dt><dd>新建区城管局</dd>')
      expect(timeline(html)).toEqual([zh.events.receive, zh.events.dispatch('新建区城管局')])

      await performAction(store.deps, id, { action: 'request_return', reason: 'wrong_function', note: secrets[2]! }, fx.actors.bureauWorker)
      expect(statusText(await view())).toBe(zh.statuses.return_requested)
      await performAction(store.deps, id, { action: 'reject_return', note: secrets[3] }, fx.actors.dispatcher)
      await performAction(store.deps, id, { action: 'sign', note: secrets[4] }, fx.actors.bureauWorker)
      await performAction(
        store.deps,
        id,
        { action: 'request_extension', workdays: 2, basis: '需协调燃气管道迁改', note: secrets[5] },
        fx.actors.bureauWorker,
      )
      const extended = await performAction(store.deps, id, { action: 'approve_extension', note: secrets[6] }, fx.actors.supervisor)
      await performAction(store.deps, id, { action: 'urge', level: 'yellow', note: secrets[7] }, fx.actors.supervisor)
      html = await view()
      expect(statusText(html)).toBe(zh.statuses.in_progress)
      expect(extended.dueAt).not.toBe(order.dueAt)
      expect(deadline(html)).toContain(formatDateTime(extended.dueAt, 'Asia/Shanghai'))
      expect(timeline(html)).toEqual([
        zh.events.receive,
        zh.events.dispatch('新建区城管局'),
        zh.events.sign,
        zh.events.approve_extension(2, '需协调燃气管道迁改'),
      ])

      store.setNow('2025-09-30T08:00:00.000Z')
      await performAction(
        store.deps,
        id,
        { action: 'reply_and_close', reply: '已于9月30日完成路面修补，恢复通行。', note: secrets[8] },
        fx.actors.bureauWorker,
      )
      html = await view()
      expect(statusText(html)).toBe(zh.statuses.closed)
      expect(html).toContain(`<h2>${zh.track.reply}</h2><blockquote class="reply">已于9月30日完成路面修补，恢复通行。</blockquote>`)
      expect(timeline(html).at(-1)).toBe(zh.events.reply_and_close)
      expect(timeline(html)).toHaveLength(5)
      expect(html).toContain(zh.rate.title)
      expect(html).toContain(`action="/track/${code}/rating"`)

      const english = await page(`/track/${code}`, { headers: { 'Accept-Language': 'en' } })
      expect(statusText(english.html)).toBe(en.statuses.closed)
      expect(timeline(english.html)).toContain(en.events.dispatch('新建区城管局'))
    })

    it('a wrong code is a 404 page that does not say whether it was close', async () => {
      const { code, order } = await fileOk({ title: '只有查询码才能看到的标题' })
      const last = code.at(-1) === '0' ? '1' : '0'
      const near = code.slice(0, -1) + last
      const far = 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ' === code ? '00000000000000000000000000000000' : 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ'
      const bodies: string[] = []
      for (const wrong of [near, far, order.caseNumber, 'abc', code.slice(0, 31)]) {
        const { res, html } = await page(`/track/${encodeURIComponent(wrong)}`)
        expect(res.status, wrong).toBe(404)
        expect(res.headers.get('content-type')).toMatch(/^text\/html/)
        expect(res.headers.get('cache-control')).toBe('no-store')
        expect(html).toContain(`<h1>${zh.track.notFoundTitle}</h1>`)
        expect(html).not.toContain('只有查询码才能看到的标题')
        expect(html).not.toContain(order.caseNumber.slice(2))
        bodies.push(html)
      }
      expect(new Set(bodies).size).toBe(1)

      // typed by hand: case, spaces and dashes do not matter; the lookup form redirects there
      const typed = code.toLowerCase().replace(/(.{4})/g, '$1-')
      expect((await page(`/track/${typed}`)).res.status).toBe(200)
      const lookup = await app().request(`/track?code=${encodeURIComponent(` ${typed} `)}`, {}, newClient())
      expect(lookup.status).toBe(303)
      expect(lookup.headers.get('location')).toBe(`/track/${code}`)
      const nearLookup = await app().request(`/track?code=${near}`, {}, newClient())
      expect(nearLookup.headers.get('location')).toBe(`/track/${near}`)
      // what was typed is echoed into the form, escaped
      const odd = await page(`/track?code=${encodeURIComponent('<script>x</script>')}`)
      expect(odd.res.status).toBe(404)
      expect(odd.html).toContain('value="&lt;script&gt;x&lt;/script&gt;"')
      expect(odd.html).not.toContain('<script>x')
    })
  })

  // ---------------------------------------------------------------------------------------------
  describe('rating after closure', () => {
    it('offers no rating form before closure and stores no early rating', async () => {
      const { code, order } = await fileOk()
      const env = newClient()
      const res = await rate(app(), code, { rating: 'very_satisfied' }, env)
      expect([200, 303]).toContain(res.status)
      const row = await db().selectFrom('work_orders').selectAll().where('id', '=', order.id).executeTakeFirstOrThrow()
      expect(row.rating).toBeNull()
      const ratings = await db().selectFrom('ratings').selectAll().where('work_order_id', '=', order.id).execute()
      expect(ratings).toHaveLength(0)
      expect((await page(`/track/${code}`)).html).not.toContain(zh.rate.title)
    })

    it('accepts one rating per closure and keeps the first', async () => {
      const { code, order } = await fileOk()
      await closeCase(order.id)
      const env = newClient()
      const res = await rate(app(), code, { rating: 'satisfied', comment: '处理及时' }, env)
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe(`/track/${code}?rated=1`)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const stored = await db().selectFrom('ratings').selectAll().where('work_order_id', '=', order.id).execute()
      expect(stored).toHaveLength(1)
      expect(stored[0]).toMatchObject({ rating: 'satisfied', comment: '处理及时', source: 'citizen', actor_id: null })
      const html = (await page(`/track/${code}`)).html
      expect(html).toContain(`<dt>${zh.rate.yours}</dt><dd>${zh.ratings.satisfied}</dd>`)
      expect(html).not.toContain(`action="/track/${code}/rating"`)
      expect(timeline(html).at(-1)).toBe(zh.events.rate)

      const again = await rate(app(), code, { rating: 'very_dissatisfied' }, env)
      expect([200, 303]).toContain(again.status)
      const htmx = await rate(app(), code, { rating: 'dissatisfied' }, env, HTMX)
      expect(htmx.status).toBe(200)
      const fragment = await htmx.text()
      expect(fragment.trimStart()).toMatch(/^<section id="rating"/)
      expect(fragment).not.toContain('<html')
      expect(fragment).toContain(`<dd>${zh.ratings.satisfied}</dd>`)
      expect(fragment).not.toContain('<form')
      const row = await db().selectFrom('work_orders').selectAll().where('id', '=', order.id).executeTakeFirstOrThrow()
      expect(row.rating).toBe('satisfied')
      expect(await db().selectFrom('ratings').selectAll().where('work_order_id', '=', order.id).execute()).toHaveLength(1)
    })

    it('stores a dissatisfied rating on the case for the call-back, and the case may be reopened and rated again', async () => {
      const { code, order } = await fileOk()
      await closeCase(order.id)
      store.setNow('2025-09-26T06:00:00.000Z')
      const res = await rate(app(), code, { rating: 'dissatisfied', comment: '坑洼只是用沙土填平' }, newClient(), HTMX)
      expect(res.status).toBe(200)
      const fragment = await res.text()
      expect(fragment).toContain(zh.rate.thanksDissatisfied)
      expect(fragment).toContain(`<dd>${zh.ratings.dissatisfied}</dd>`)
      const row = await db().selectFrom('work_orders').selectAll().where('id', '=', order.id).executeTakeFirstOrThrow()
      expect(row).toMatchObject({
        status: 'closed',
        rating: 'dissatisfied',
        rating_comment: '坑洼只是用沙土填平',
        rated_at: '2025-09-26T06:00:00.000Z',
      })
      const stored = await db().selectFrom('ratings').selectAll().where('work_order_id', '=', order.id).execute()
      expect(stored.map((r) => [r.rating, r.source])).toEqual([['dissatisfied', 'citizen']])

      // the dispatchers call back and reopen it; the unit closes it again; it may be rated again
      store.setNow('2025-09-29T02:00:00.000Z')
      await performAction(store.deps, order.id, { action: 'reopen', note: '回访核实属实' }, fx.actors.dispatcher)
      let html = (await page(`/track/${code}`)).html
      expect(statusText(html)).toBe(zh.statuses.dispatched)
      expect(timeline(html).at(-1)).toBe(zh.events.reopen)
      expect(html).not.toContain('回访核实属实')
      expect(html).not.toContain(`action="/track/${code}/rating"`)
      await performAction(store.deps, order.id, { action: 'sign' }, fx.actors.bureauWorker)
      await performAction(store.deps, order.id, { action: 'reply_and_close', reply: '已重新铺设沥青。' }, fx.actors.bureauWorker)
      store.setNow('2025-09-29T03:00:00.000Z')
      html = (await page(`/track/${code}`)).html
      expect(html).toContain('已重新铺设沥青。')
      expect(html).toContain(`action="/track/${code}/rating"`)
      expect((await rate(app(), code, { rating: 'very_satisfied' }, newClient())).status).toBe(303)
      const all = await db().selectFrom('ratings').select('rating').where('work_order_id', '=', order.id).orderBy('id').execute()
      expect(all.map((r) => r.rating)).toEqual(['dissatisfied', 'very_satisfied'])
    })

    it('a rating without a choice, or with too long a comment, comes back with the error and stores nothing', async () => {
      const { code, order } = await fileOk()
      await closeCase(order.id)
      const env = newClient()
      const none = await rate(app(), code, { comment: '还行' }, env)
      expect(none.status).toBe(422)
      const html = await none.text()
      expect(html).toContain('<span class="field-error" id="rating-error">请选择满意程度</span>')
      expect(html).toMatch(/<input type="radio" name="rating" value="satisfied" aria-invalid="true"/)
      expect(html).toContain('<fieldset aria-describedby="rating-error">')
      expect(html).toContain('还行</textarea>')
      const bogus = await rate(app(), code, { rating: 'excellent' }, env, HTMX)
      expect(bogus.status).toBe(200)
      expect(await bogus.text()).toContain(zh.errors.rateRequired)
      const long = await rate(app(), code, { rating: 'satisfied', comment: '长'.repeat(1001) }, env)
      expect(long.status).toBe(422)
      expect(await long.text()).toContain(`<span class="field-error" id="rating-error">${zh.errors.tooLong(1000)}</span>`)
      expect(await db().selectFrom('ratings').selectAll().where('work_order_id', '=', order.id).execute()).toHaveLength(0)
    })

    it('two rating submissions at once (a double click): one is stored and both get a page, not an error', async () => {
      const { code, order } = await fileOk()
      await closeCase(order.id)
      // Both requests read the case before either writes, as a double click does on a busy server.
      const a = createApp({ ...store.deps, db: inLockStep(store.deps.db) })
      const env = newClient()
      const [first, second] = await Promise.all([
        rate(a, code, { rating: 'satisfied' }, env),
        rate(a, code, { rating: 'basically_satisfied' }, env),
      ])
      const stored = await db().selectFrom('ratings').selectAll().where('work_order_id', '=', order.id).execute()
      expect(stored).toHaveLength(1)
      for (const res of [first, second]) {
        expect(res.status, await res.clone().text()).toBe(303)
        expect(res.headers.get('location')).toMatch(new RegExp(`^/track/${code}(\\?rated=1)?$`))
      }
    })

    it('a rating for an unknown code is the 404 page', async () => {
      const before = await count('ratings')
      const res = await rate(app(), 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ', { rating: 'satisfied' }, newClient())
      expect(res.status).toBe(404)
      expect(await res.text()).toContain(zh.track.notFoundTitle)
      expect(await count('ratings')).toBe(before)
    })
  })

  // ---------------------------------------------------------------------------------------------
  describe('GET /stats', () => {
    it('shows the monthly figures of the cases filed, and no personal data', async () => {
      const people = [
        { citizenName: '李统计甲', citizenPhone: '13900000001', title: '七月的路灯不亮', address: '学府大道1号' },
        { citizenName: '王统计乙', citizenPhone: '13900000002', title: '七月的井盖缺失', address: '学府大道2号' },
        { citizenName: '赵统计丙', citizenPhone: '13900000003', title: '八月的噪音扰民', address: '学府大道3号' },
      ]
      store.setNow('2025-07-10T02:00:00.000Z')
      const july1 = await fileOk(people[0])
      await fileOk(people[1])
      await closeCase(july1.order.id)
      expect((await rate(app(), july1.code, { rating: 'basically_satisfied' }, newClient())).status).toBe(303)
      store.setNow('2025-08-20T02:00:00.000Z')
      await fileOk(people[2])
      store.setNow(T0)

      const { res, html } = await page('/stats')
      expect(res.status).toBe(200)
      expect(html).toContain(`<h1>${zh.stats.title}</h1>`)
      expect(html).toContain('（2024-10-01 至 2025-09-26）')
      // received, closure rate, on-time rate, satisfaction rate
      expect(statsRow(html, '2025年7月')).toEqual(['2', '50%', '100%', '100%'])
      expect(statsRow(html, '2025年8月')).toEqual(['1', '0%', '—', '—'])
      const september = await db()
        .selectFrom('work_orders')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('received_at', '>=', '2025-08-31T16:00:00.000Z')
        .where('received_at', '<', '2025-09-30T16:00:00.000Z')
        .executeTakeFirstOrThrow()
      expect(statsRow(html, '2025年9月')?.[0]).toBe(String(Number(september.n)))
      const total = /<tfoot><tr><td>合计<\/td><td>(\d+)<\/td>/.exec(html)?.[1]
      expect(total).toBe(String(await count('work_orders')))
      expect(statsRow(html, '网上')?.[0]).toBe(total)
      expect(html).toContain('新建区城管局')
      for (const p of people) {
        for (const value of Object.values(p)) expect(html, value).not.toContain(value)
      }
      expect(html).not.toMatch(/1[3-9]\d{9}/)
      expect(html).not.toContain('张秀英')
      for (const a of Object.values(fx.actors)) if (a.id !== null) expect(html).not.toContain(a.name)

      const english = await page('/stats', { headers: { 'Accept-Language': 'en' } })
      expect(statsRow(english.html, '2025-07')).toEqual(['2', '50%', '100%', '100%'])
      expect(statsRow(english.html, 'Web')?.[0]).toBe(total)
    })
  })

  // ---------------------------------------------------------------------------------------------
  describe('photos', () => {
    it('each bad upload gives an error next to the photo field and stores nothing', async () => {
      const good = await jpegWithExif()
      const text = new TextEncoder().encode('这不是图片，只是改了扩展名的文本文件')
      const uploads: [string, FilePart[], string][] = [
        ['a text file named .jpg', [{ name: 'photo.jpg', type: 'image/jpeg', bytes: text }], PHOTO_ERRORS.notAnImage],
        ['a file over 5 MB', [{ name: 'big.jpg', type: 'image/jpeg', bytes: fakeJpeg() }], PHOTO_ERRORS.tooLarge],
        ['a decompression bomb', [{ name: 'bomb.png', type: 'image/png', bytes: pngBomb() }], PHOTO_ERRORS.unreadable],
        ['a truncated JPEG', [{ name: 'cut.jpg', type: 'image/jpeg', bytes: good.slice(0, 200) }], PHOTO_ERRORS.unreadable],
        [
          'four photos',
          Array.from({ length: 4 }, (_, i) => ({ name: `p${i}.jpg`, type: 'image/jpeg', bytes: good })),
          PHOTO_ERRORS.tooMany,
        ],
        [
          'a good photo and a bad one',
          [
            { name: 'ok.jpg', type: 'image/jpeg', bytes: good },
            { name: 'bad.jpg', type: 'image/jpeg', bytes: text },
          ],
          `第 2 张图片：${PHOTO_ERRORS.notAnImage}`,
        ],
      ]
      for (const [what, photos, message] of uploads) {
        const before = await counts()
        const res = await post(app(), filingForm(validFields(), photos), newClient())
        expect(res.status, what).toBe(422)
        const html = await res.text()
        expect(fieldError(html, 'photos'), what).toBe(message)
        expect(control(html, 'photos'), what).toContain('aria-invalid="true"')
        expect(control(html, 'photos')).toContain('aria-describedby="photos-hint photos-error"')
        expect(control(html, 'title'), what).toContain('value="长堎大道路面坑洼"')
        expect(await counts(), what).toEqual(before)
      }
    })

    it('a good photo is stored re-encoded without EXIF and served with Content-Disposition and nosniff', async () => {
      const jpeg = await jpegWithExif()
      const small = await png()
      const before = await counts()
      const { code, order } = await fileOk({}, [
        { name: '../../etc/IMG_0001.jpg', type: 'image/jpeg', bytes: jpeg },
        { name: 'shot.png', type: 'image/png', bytes: small },
      ])
      const after = await counts()
      expect(after.attachments).toBe(before.attachments + 2)
      expect(after.attachment_blobs).toBe(before.attachment_blobs + 2)
      const rows = await db().selectFrom('attachments').selectAll().where('work_order_id', '=', order.id).orderBy('id').execute()
      expect(rows.map((r) => [r.content_type, r.width, r.height])).toEqual([
        ['image/jpeg', 64, 48],
        ['image/png', 32, 32],
      ])
      expect(rows[0]!.storage_key).toMatch(/^[a-z0-9]{32}\.jpg$/)
      expect(rows[0]!.storage_key).not.toContain('IMG_0001')

      const html = (await page(`/track/${code}`)).html
      for (const r of rows) expect(html).toContain(`<img src="/track/${code}/photos/${r.id}"`)

      const env = newClient()
      const res = await app().request(`/track/${code}/photos/${rows[0]!.id}`, {}, env)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/jpeg')
      expect(res.headers.get('content-disposition')).toBe(`inline; filename="photo-${rows[0]!.id}.jpg"`)
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('cache-control')).toMatch(/no-store/)
      expect(res.headers.get('content-security-policy')).toMatch(/sandbox/)
      const served = new Uint8Array(await res.arrayBuffer())
      expect(served.byteLength).toBe(rows[0]!.bytes)
      expect(Buffer.from(served).equals(Buffer.from(jpeg))).toBe(false)
      const meta = await sharp(served).metadata()
      expect(meta.format).toBe('jpeg')
      expect([meta.width, meta.height]).toEqual([64, 48])
      expect(meta.exif).toBeUndefined()
      expect(meta.icc).toBeUndefined()
      expect(meta.xmp).toBeUndefined()
      expect(bytesInclude(served, 'Exif')).toBe(false)
      expect(bytesInclude(served, 'home-of-citizen')).toBe(false)
      expect(bytesInclude(served, 'PhoneMaker')).toBe(false)

      const second = await app().request(`/track/${code}/photos/${rows[1]!.id}`, {}, env)
      expect(second.headers.get('content-type')).toBe('image/png')
      expect(second.headers.get('content-disposition')).toBe(`inline; filename="photo-${rows[1]!.id}.png"`)

      // another case's code, an unknown id, a wrong code: the 404 page
      const other = await fileOk()
      for (const path of [
        `/track/${other.code}/photos/${rows[0]!.id}`,
        `/track/${code}/photos/999999`,
        `/track/${code}/photos/abc`,
        `/track/ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ/photos/${rows[0]!.id}`,
      ]) {
        const miss = await app().request(path, {}, env)
        expect(miss.status, path).toBe(404)
        expect(miss.headers.get('content-type'), path).toMatch(/^text\/html/)
      }
    })

    it('a served photo forbids framing in its own Content-Security-Policy too', async () => {
      const { code, order } = await fileOk({}, [{ name: 'a.png', type: 'image/png', bytes: await png() }])
      const [attachment] = await db().selectFrom('attachments').select('id').where('work_order_id', '=', order.id).execute()
      const res = await app().request(`/track/${code}/photos/${attachment!.id}`, {}, newClient())
      expect(res.status).toBe(200)
      expectSecurityHeaders(res, 'photo')
    })
  })

  // ---------------------------------------------------------------------------------------------
  describe('security headers, body and rate limits', () => {
    it('every public response carries the security headers, and the pages need no inline script or style', async () => {
      const { code, order } = await fileOk()
      await closeCase(order.id)
      const a = app()
      const env = newClient()
      const requests: [string, () => Response | Promise<Response>][] = [
        ['GET /', () => a.request('/', {}, env)],
        ['GET / (en)', () => a.request('/', { headers: { 'Accept-Language': 'en' } }, env)],
        ['POST /cases 422', () => post(a, filingForm({}), env)],
        ['POST /cases 422 htmx', () => post(a, filingForm({}), env, HTMX)],
        ['POST /cases 303', () => post(a, filingForm(validFields()), env)],
        ['POST /cases htmx', () => post(a, filingForm(validFields()), env, HTMX)],
        ['GET /track/{code}?filed=1', () => a.request(`/track/${code}?filed=1`, {}, env)],
        ['GET /track/{code}', () => a.request(`/track/${code}`, {}, env)],
        ['GET /track/{wrong}', () => a.request('/track/ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ', {}, env)],
        ['GET /track', () => a.request('/track', {}, env)],
        ['GET /track?code=', () => a.request(`/track?code=${code}`, {}, env)],
        ['POST rating 422', () => rate(a, code, {}, env)],
        ['POST rating 303', () => rate(a, code, { rating: 'satisfied' }, env)],
        ['POST rating htmx', () => rate(a, code, { rating: 'satisfied' }, env, HTMX)],
        ['GET /stats', () => a.request('/stats', {}, env)],
        ['GET /lang/en', () => a.request('/lang/en?next=%2F', {}, env)],
        ['GET /nope (html)', () => a.request('/nope', { headers: { Accept: 'text/html' } }, env)],
      ]
      for (const [what, send] of requests) {
        const res = await send()
        expect(res.status, what).toBeLessThan(500)
        expectSecurityHeaders(res, what)
        expect(res.headers.get('content-security-policy'), what).toBe(CONTENT_SECURITY_POLICY)
        const body = await res.text()
        if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) continue
        for (const tag of body.match(/<script\b[^>]*>/g) ?? []) expect(tag, what).toMatch(/\bsrc="\/assets\//)
        expect(body, what).not.toMatch(/<style\b/)
        expect(body, what).not.toMatch(/\sstyle="/)
        expect(body, what).not.toMatch(/\son[a-z]+="/)
        expect(body, what).not.toMatch(/\shx-on/)
      }
    })

    it('refuses an oversized body with 413, and stores nothing', async () => {
      const before = await counts()
      const env = newClient()
      const huge = filingForm(validFields(), [{ name: 'huge.jpg', type: 'image/jpeg', bytes: fakeJpeg(16 * 1024 * 1024) }])
      const res = await post(app(), huge, env)
      expect(res.status).toBe(413)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      const html = await res.text()
      expect(html).toContain(`<h1>${zh.errors.tooLarge}</h1>`)
      expect(html).toContain('<html lang="zh-CN">')
      expectSecurityHeaders(res, '413')
      const declared = await app().request(
        '/cases',
        { method: 'POST', body: 'x', headers: { 'Content-Length': String(20 * 1024 * 1024), 'Content-Type': 'multipart/form-data; boundary=x' } },
        env,
      )
      expect(declared.status).toBe(413)
      expect(await counts()).toEqual(before)

      const { code } = await fileOk()
      const rating = await rate(app(), code, { rating: 'satisfied', comment: '长'.repeat(40_000) }, newClient())
      expect(rating.status).toBe(413)
      expectSecurityHeaders(rating, 'rating 413')
    })

    it('after too many filings from one client: 429 with a friendly page, not reset by a spoofed X-Forwarded-For', async () => {
      const a = app({ now: () => Date.parse('2026-03-02T08:00:00.000Z') })
      const attacker = newClient()
      for (let i = 0; i < 20; i++) {
        const res = await post(a, filingForm({}), attacker, { 'X-Forwarded-For': `203.0.113.${i}` })
        expect(res.status, `filing ${i + 1}`).toBe(422)
      }
      const before = await counts()
      const limited = await post(a, filingForm(validFields()), attacker, { 'X-Forwarded-For': '203.0.113.200' })
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(limited.headers.get('cache-control')).toBe('no-store')
      expect(limited.headers.get('content-type')).toMatch(/^text\/html/)
      const html = await limited.text()
      expect(html).toContain('<html lang="zh-CN">')
      expect(html).toContain(`<h1>${zh.errors.tooMany}</h1>`)
      expect(html).toMatch(/请在 \d+ 分钟后再试。/)
      expectSecurityHeaders(limited, '429')
      expect((await post(a, filingForm(validFields()), attacker, { 'X-Forwarded-For': '198.51.100.7' })).status).toBe(429)
      expect((await post(a, filingForm(validFields()), attacker, HTMX)).status).toBe(429)
      expect(await counts()).toEqual(before)
      // another client is not affected
      expect((await post(a, filingForm(validFields()), newClient())).status).toBe(303)

      // behind one trusted proxy, what a client prepends to X-Forwarded-For does not make it new
      const proxied = app({ trustProxy: 1, now: () => Date.parse('2026-03-02T08:00:00.000Z') })
      const proxy = from('10.0.0.1')
      for (let i = 0; i < 20; i++) {
        const res = await post(proxied, filingForm({}), proxy, { 'X-Forwarded-For': `6.6.6.${i}, 198.51.100.1` })
        expect(res.status).toBe(422)
      }
      expect((await post(proxied, filingForm({}), proxy, { 'X-Forwarded-For': '6.6.6.99, 198.51.100.1' })).status).toBe(429)
      expect((await post(proxied, filingForm({}), proxy, { 'X-Forwarded-For': '198.51.100.2' })).status).toBe(422)
    })

    it('allows a client the 60 tracking-code requests per 10 minutes the limit promises, and refuses the 61st', async () => {
      const a = app({ now: () => Date.parse('2026-03-02T08:00:00.000Z') })
      const env = newClient()
      const statuses: number[] = []
      for (let i = 0; i < 61; i++) {
        const res = await a.request(`/track/${String(i).padStart(2, '0')}${'Z'.repeat(30)}`, {}, env)
        statuses.push(res.status)
      }
      const firstRefused = statuses.indexOf(429) + 1
      expect(firstRefused, `request no. ${firstRefused} was refused`).toBe(61)
    })

    it('after too many lookups from one client: 429 with a friendly page, not reset by a spoofed X-Forwarded-For', async () => {
      const { code } = await fileOk()
      const a = app({ now: () => Date.parse('2026-03-02T08:00:00.000Z') })
      const guesser = newClient()
      let refusedAt = 0
      for (let i = 0; i < 61 && refusedAt === 0; i++) {
        const guess = `${String(i).padStart(2, '0')}${'Z'.repeat(30)}`
        const res = await a.request(`/track/${guess}`, { headers: { 'X-Forwarded-For': `203.0.113.${i}` } }, guesser)
        if (res.status === 429) refusedAt = i + 1
        else expect(res.status, `lookup ${i + 1}`).toBe(404)
      }
      expect(refusedAt, 'some lookup was refused').toBeGreaterThan(0)
      const limited = await a.request(`/track/${code}`, {}, guesser)
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(limited.headers.get('cache-control')).toBe('no-store')
      const html = await limited.text()
      expect(html).toContain(`<h1>${zh.errors.tooMany}</h1>`)
      expect(html).not.toContain('长堎大道路面坑洼')
      expectSecurityHeaders(limited, 'lookup 429')
      const spoofed = await a.request(`/track/${code}`, { headers: { 'X-Forwarded-For': '198.51.100.9' } }, guesser)
      expect(spoofed.status).toBe(429)
      expect((await rate(a, code, { rating: 'satisfied' }, guesser)).status).toBe(429)
      // the lookup form only redirects to the limited page
      const viaForm = await a.request(`/track?code=${code}`, {}, guesser)
      expect(viaForm.status).toBe(303)
      expect((await a.request(viaForm.headers.get('location') ?? '', {}, guesser)).status).toBe(429)
      // the citizen on another address still sees the case
      expect((await a.request(`/track/${code}`, {}, newClient())).status).toBe(200)
    })
  })
})
