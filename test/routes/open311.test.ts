import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertCategory } from '../../db/repositories/reference-data'
import { findWorkOrderByNumber } from '../../db/repositories/work-orders'
import { createApp } from '../../src/app'
import { createToken } from '../../src/services/accounts'
import { isoInZone } from '../../src/services/open311'
import { fileCase, performAction } from '../../src/services/work-orders'
import { escapeXml, xmlDocument } from '../../src/services/xml'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/*
 * Open311 GeoReport v2 as a client reads the spec (wiki.open311.org/GeoReport_v2): every resource
 * in both formats, the XML parsed by a strict little parser and compared field by field with the
 * JSON, the error documents, the filters of GET requests, and no personal data in any GET.
 */

/** Thursday 9 October 2025, 10:00 in Shanghai: "now" for every request. */
const NOW = '2025-10-09T02:00:00.000Z'
const FORMATS = ['json', 'xml'] as const
type Format = (typeof FORMATS)[number]

// ---- a strict little XML parser: elements and text only, as the Open311 documents are ----------

interface XmlNode {
  name: string
  children: XmlNode[]
  text: string
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** Parses a document or throws: declaration, one root, matching tags, legal characters only. */
function parseXml(doc: string): XmlNode {
  const decl = /^<\?xml version="1\.0" encoding="utf-8"\?>\s*/.exec(doc)
  if (!decl) throw new Error('no XML declaration with encoding utf-8')
  let i = decl[0].length
  const fail = (why: string): never => {
    throw new Error(`${why} at ${i}: ${JSON.stringify(doc.slice(i, i + 40))}`)
  }
  const element = (): XmlNode => {
    const m = /^<([A-Za-z_][A-Za-z0-9_.-]*)\s*(\/?)>/.exec(doc.slice(i))
    if (!m) return fail('expected a start tag (attributes are not used)')
    i += m[0].length
    const node: XmlNode = { name: m[1]!, children: [], text: '' }
    if (m[2] === '/') return node
    for (;;) {
      if (i >= doc.length) fail(`unclosed <${node.name}>`)
      if (doc.startsWith('</', i)) {
        const end = /^<\/([A-Za-z_][A-Za-z0-9_.-]*)\s*>/.exec(doc.slice(i))
        if (!end || end[1] !== node.name) fail(`expected </${node.name}>`)
        i += end![0].length
        if (node.children.length > 0 && node.text.trim() !== '') fail(`mixed content in <${node.name}>`)
        return node
      }
      if (doc[i] === '<') {
        node.children.push(element())
        continue
      }
      const stop = doc.indexOf('<', i)
      const raw = doc.slice(i, stop === -1 ? doc.length : stop)
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(raw)) fail('illegal character')
      node.text += raw.replace(/&([^;]*);|&/g, (whole, ref: string | undefined) => {
        if (ref === undefined) return fail('bare &')
        if (ref in ENTITIES) return ENTITIES[ref]!
        const num = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(ref)
        if (!num) return fail(`unknown entity ${whole}`)
        return String.fromCodePoint(Number(num[1]!.startsWith('x') ? `0${num[1]}` : num[1]))
      })
      i += raw.length
    }
  }
  const root = element()
  if (doc.slice(i).trim() !== '') fail('content after the root element')
  return root
}

const ITEM: Record<string, string> = {
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  service_requests: 'request',
  errors: 'error',
}

/** Asserts an XML element says exactly what the JSON value says, element by element. */
function expectSame(node: XmlNode, value: unknown, path = node.name): void {
  if (Array.isArray(value)) {
    expect(node.children.map((c) => c.name), path).toEqual(value.map(() => ITEM[node.name]))
    value.forEach((v, k) => expectSame(node.children[k]!, v, `${path}[${k}]`))
  } else if (value !== null && typeof value === 'object') {
    expect(node.children.map((c) => c.name), path).toEqual(Object.keys(value))
    Object.values(value).forEach((v, k) => expectSame(node.children[k]!, v, `${path}.${node.children[k]!.name}`))
  } else {
    expect(node.children, path).toEqual([])
    expect(node.text, path).toBe(value === null ? '' : String(value))
  }
}

/** The tracking code a POST's service_notice carries. */
function trackingCodeIn(notice: string): string {
  const m = /查询码([0-9A-HJKMNP-TV-Z]{32})/.exec(notice)
  if (!m) throw new Error(`no tracking code in ${notice}`)
  return m[1]!
}

/** Every text of every element named `name`, anywhere below `node`. */
function textsOf(node: XmlNode, name: string): string[] {
  const out = node.name === name ? [node.text] : []
  for (const c of node.children) out.push(...textsOf(c, name))
  return out
}

// -------------------------------------------------------------------------------------------------

/** What Open311 says of a closed case unless OPEN311_PUBLIC_REPLIES is on. */
const NOTE_CLOSED = '已办结，答复已告知诉求人；诉求人可凭查询码查看答复。'

describe('the XML writer', () => {
  it('escapes the five characters, keeps what XML carries and drops what it cannot', () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;')
    expect(escapeXml('tab\tline\nret\r')).toBe('tab\tline\nret&#xd;')
    expect(escapeXml('bell\u0007nul\u0000del\u007fnel\u0085')).toBe('bellnuldel&#x7f;nel&#x85;')
    expect(escapeXml('lone \ud800 and 😀 and 中文')).toBe('lone  and 😀 and 中文')
  })

  it('writes documents a parser reads back as the same values', () => {
    const value = [{ code: 400, description: '<&>"\'\u0001\r\n工单', empty: null, flag: true }]
    const root = parseXml(xmlDocument('errors', value, () => 'error'))
    expect(root.name).toBe('errors')
    expectSame(root, [{ code: 400, description: '<&>"\'\r\n工单', empty: null, flag: true }])
    expect(() => xmlDocument('bad name', 1, () => 'x')).toThrow(/not an XML element name/)
  })
})

describe.each(DIALECTS)('open311 on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let apiKey: string
  let reporterKey: string
  /** Filed on 1 July (outside the default 90 days), 26 September and 9 October. */
  const ids = { july: '', sept: '', oct: '' }

  beforeAll(async () => {
    store = await openTestStore(dialect, NOW)
    fx = await seedFixture(store.deps)
    apiKey = (await createToken(store.deps, { name: 'gft-open311', role: 'dispatcher' })).token
    reporterKey = (await createToken(store.deps, { name: 'dash', role: 'reporter' })).token
    const file = async (at: string, categoryId: number) => {
      store.setNow(at)
      const { order } = await fileCase(
        store.deps,
        { channel: 'hotline_12345', kind: 'help', categoryId, title: '路灯不亮', content: '路灯坏了', districtId: fx.units.district },
        fx.actors.dispatcher,
      )
      return order
    }
    ids.july = (await file('2025-07-01T02:00:00.000Z', fx.categories.noise)).caseNumber
    ids.sept = (await file('2025-09-26T02:00:00.000Z', fx.categories.potholes)).caseNumber
    const oct = await file('2025-10-09T01:00:00.000Z', fx.categories.noise)
    ids.oct = oct.caseNumber
    store.setNow(NOW)
    await performAction(store.deps, oct.id, { action: 'direct_answer', reply: '已联系供电所，今晚修复。' }, fx.actors.dispatcher)
  })
  afterAll(() => store.close())

  const request = (path: string, init?: RequestInit) => createApp(store.deps).request(`/open311/v2${path}`, init)

  /** GETs a resource in a format: the status, the raw body and the value (XML parsed). */
  async function get(path: string, format: Format) {
    const res = await request(path.replace('{f}', format))
    const body = await res.text()
    if (format === 'json') {
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      return { status: res.status, body, json: JSON.parse(body) as unknown, xml: null }
    }
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8')
    return { status: res.status, body, json: null, xml: parseXml(body) }
  }

  /** GETs a resource in both formats and checks they say the same; returns the JSON. */
  async function getBoth(path: string, root: string, status = 200): Promise<any> {
    const json = await get(path, 'json')
    const xml = await get(path, 'xml')
    expect(json.status, `${path} json`).toBe(status)
    expect(xml.status, `${path} xml`).toBe(status)
    expect(xml.xml!.name).toBe(root)
    expectSame(xml.xml!, json.json)
    return json.json
  }

  const post = (format: Format, fields: Record<string, string>) =>
    request(`/requests.${format}`, { method: 'POST', body: new URLSearchParams(fields) })

  const filing = (extra: Record<string, string> = {}): Record<string, string> => ({
    api_key: apiKey,
    jurisdiction_id: 'nanchang',
    service_code: 'roads.potholes',
    address_string: '新建区长堎大道与子实路交叉口',
    description: '路面有一个大坑，已经有电动车摔倒，请尽快修补。',
    ...extra,
  })

  async function expectErrors(res: Response, format: Format, status: number, pattern: RegExp) {
    expect(res.status).toBe(status)
    const body = await res.text()
    if (format === 'json') {
      const errors = JSON.parse(body) as { code: number; description: string }[]
      expect(errors.length).toBeGreaterThan(0)
      for (const e of errors) expect(Object.keys(e)).toEqual(['code', 'description'])
      expect(errors[0]!.code).toBe(status)
      expect(errors.map((e) => e.description).join(' | ')).toMatch(pattern)
    } else {
      const root = parseXml(body)
      expect(root.name).toBe('errors')
      expect(root.children.map((c) => c.name)).toContain('error')
      expect(root.children[0]!.children.map((c) => c.name)).toEqual(['code', 'description'])
      expect(textsOf(root, 'code')[0]).toBe(String(status))
      expect(textsOf(root, 'description').join(' | ')).toMatch(pattern)
    }
  }

  it('GET services lists the leaf categories with the spec fields', async () => {
    const services = await getBoth('/services.{f}', 'services')
    expect(services).toEqual([
      {
        service_code: 'roads.potholes',
        service_name: '道路破损',
        description: '道路交通 / 道路破损',
        metadata: true,
        type: 'realtime',
        keywords: null,
        group: '道路交通',
      },
      {
        service_code: 'noise',
        service_name: '噪音扰民',
        description: '噪音扰民',
        metadata: true,
        type: 'realtime',
        keywords: null,
        group: null,
      },
    ])
  })

  it('GET services/{code} defines the kind and district attributes; 404 for a non-service', async () => {
    const def = await getBoth('/services/roads.potholes.{f}?jurisdiction_id=nanchang', 'service_definition')
    expect(def.service_code).toBe('roads.potholes')
    expect(def.attributes.map((a: any) => [a.code, a.datatype, a.required, a.order, a.variable])).toEqual([
      ['kind', 'singlevaluelist', false, 1, true],
      ['district', 'singlevaluelist', false, 2, true],
    ])
    for (const a of def.attributes) {
      expect(Object.keys(a)).toEqual(['variable', 'code', 'datatype', 'required', 'datatype_description', 'order', 'description', 'values'])
    }
    expect(def.attributes[0].values).toEqual([
      { key: 'consultation', name: '咨询' },
      { key: 'help', name: '求助' },
      { key: 'suggestion', name: '建议' },
      { key: 'complaint', name: '投诉' },
      { key: 'report', name: '举报' },
    ])
    expect(def.attributes[1].values).toEqual([
      { key: 'XJ', name: '新建区' },
      { key: 'HGT', name: '红谷滩区' },
    ])
    for (const format of FORMATS) {
      await expectErrors(await request(`/services/roads.${format}`), format, 404, /roads is not a service/)
      await expectErrors(await request(`/services/nope.${format}`), format, 404, /nope is not a service/)
    }
  })

  it('POST requests refuses a missing, bad or non-intake api_key with 403', async () => {
    for (const format of FORMATS) {
      const { api_key: _, ...noKey } = filing()
      await expectErrors(await post(format, noKey), format, 403, /api_key is required/)
      await expectErrors(await post(format, filing({ api_key: 'htk_not_a_real_token_at_all_' })), format, 403, /unknown or revoked/)
      await expectErrors(await post(format, filing({ api_key: 'nonsense' })), format, 403, /unknown or revoked/)
      await expectErrors(await post(format, filing({ api_key: reporterKey })), format, 403, /role reporter may not/)
    }
  })

  it('POST requests: 400 without service_code or with bad fields, 404 for an unknown service', async () => {
    for (const format of FORMATS) {
      const { service_code: _, ...noCode } = filing()
      await expectErrors(await post(format, noCode), format, 400, /service_code is required/)
      await expectErrors(await post(format, filing({ service_code: 'moon' })), format, 404, /moon is not a service/)
      const { address_string: __, ...noPlace } = filing()
      await expectErrors(await post(format, noPlace), format, 400, /a location is required/)
      await expectErrors(await post(format, filing({ lat: '28.68' })), format, 400, /lat and long must be given together/)
      await expectErrors(await post(format, filing({ 'attribute[kind]': 'rant' })), format, 400, /attribute\[kind\] must be one of/)
      await expectErrors(await post(format, filing({ 'attribute[district]': 'XJ-CB' })), format, 400, /XJ-CB is not a district/)
      await expectErrors(await post(format, filing({ description: ' ' })), format, 400, /description is required/)
      await expectErrors(await post(format, filing({ phone: '12345' })), format, 400, /^phone: /)
    }
  })

  it('POST requests files a case and answers with the case number and the tracking code', async () => {
    const res = await post('json', filing({ 'attribute[kind]': 'report', 'attribute[district]': 'XJ', lat: '28.6829', long: '115.8579' }))
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toHaveLength(1)
    // realtime: the id at once and no token (the spec returns one or the other)
    expect(Object.keys(body[0])).toEqual(['service_request_id', 'service_notice', 'account_id'])
    expect(body[0].service_request_id).toMatch(/^NC2025\d{7}$/)
    expect(body[0].account_id).toBeNull()
    expect(body[0].service_notice).toContain(body[0].service_request_id)
    // the notice carries the citizen's tracking code, which opens the citizen's page
    const code = trackingCodeIn(body[0].service_notice)
    expect((await createApp(store.deps).request(`/track/${code}`)).status).toBe(200)
    const order = (await findWorkOrderByNumber(store.deps.db, body[0].service_request_id))!
    expect(order).toMatchObject({
      channel: 'other',
      kind: 'report',
      status: 'received',
      categoryId: fx.categories.potholes,
      districtId: fx.units.district,
      title: '路面有一个大坑，已经有电动车摔倒，请尽快修补。',
      content: '路面有一个大坑，已经有电动车摔倒，请尽快修补。',
      address: '新建区长堎大道与子实路交叉口；经纬度 28.6829,115.8579',
      receivedAt: NOW,
    })

    const xml = await post('xml', filing({ description: '一'.repeat(40), first_name: '三', last_name: '张', phone: '+86 139-1234-5678' }))
    expect(xml.status).toBe(200)
    const root = parseXml(await xml.text())
    expect(root.name).toBe('service_requests')
    expect(root.children.map((c) => c.name)).toEqual(['request'])
    expect(root.children[0]!.children.map((c) => c.name)).toEqual(['service_request_id', 'service_notice', 'account_id'])
    const filed = (await findWorkOrderByNumber(store.deps.db, textsOf(root, 'service_request_id')[0]!))!
    expect(filed).toMatchObject({ kind: 'complaint', title: '一'.repeat(30), citizenName: '张三', citizenPhone: '13912345678' })
  })

  it('GET requests: the last 90 days by default, newest first, in both formats', async () => {
    const list = await getBoth('/requests.{f}?jurisdiction_id=nanchang', 'service_requests')
    const numbers = list.map((r: any) => r.service_request_id)
    expect(numbers).toContain(ids.sept)
    expect(numbers).toContain(ids.oct)
    expect(numbers).not.toContain(ids.july)
    expect(numbers.indexOf(ids.oct)).toBeLessThan(numbers.indexOf(ids.sept))
    for (const r of list) {
      expect(Object.keys(r)).toEqual([
        'service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description',
        'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime',
        'expected_datetime', 'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url',
      ])
      expect(r.requested_datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/)
      expect(r.expected_datetime).toMatch(/T23:59:59\+08:00$/)
    }
    const sept = list.find((r: any) => r.service_request_id === ids.sept)
    expect(sept).toMatchObject({
      status: 'open',
      status_notes: null,
      service_code: 'roads.potholes',
      service_name: '道路破损',
      requested_datetime: '2025-09-26T10:00:00+08:00',
      // the deadline (end of a working day) with the +08:00 offset
      expected_datetime: isoInZone((await findWorkOrderByNumber(store.deps.db, ids.sept))!.dueAt, 'Asia/Shanghai'),
    })
    const oct = list.find((r: any) => r.service_request_id === ids.oct)
    expect(oct).toMatchObject({ status: 'closed', status_notes: NOTE_CLOSED, service_code: 'noise' })
  })

  it('GET requests: service_request_id list overrides the other filters', async () => {
    const ids2 = `${ids.july},${ids.oct.toLowerCase()}`
    const path = `/requests.{f}?service_request_id=${ids2}&status=open&service_code=roads.potholes`
    const list = await getBoth(path, 'service_requests')
    expect(list.map((r: any) => r.service_request_id).sort()).toEqual([ids.july, ids.oct].sort())
  })

  it('GET requests: service_code, status and a start_date..end_date with offsets', async () => {
    const noise = await getBoth('/requests.{f}?service_code=noise', 'service_requests')
    expect(noise.map((r: any) => r.service_request_id)).toEqual([ids.oct])
    const summer = await getBoth(
      `/requests.{f}?service_code=noise,roads.potholes` +
        `&start_date=${encodeURIComponent('2025-06-30T00:00:00+08:00')}` +
        `&end_date=${encodeURIComponent('2025-09-26T10:00:00+08:00')}`,
      'service_requests',
    )
    expect(summer.map((r: any) => r.service_request_id)).toEqual([ids.sept, ids.july])
    // an end one second before the September case excludes it; Z and unencoded '+' both work
    const before = await getBoth('/requests.{f}?start_date=2025-06-30T16:00:00Z&end_date=2025-09-26T09:59:59+08:00', 'service_requests')
    expect(before.map((r: any) => r.service_request_id)).toEqual([ids.july])
    // only a start: 90 days from it
    const fromJuly = await getBoth('/requests.{f}?start_date=2025-07-01', 'service_requests')
    expect(fromJuly.map((r: any) => r.service_request_id)).toEqual([ids.sept, ids.july])

    const open = await getBoth('/requests.{f}?status=open&service_code=noise,roads.potholes', 'service_requests')
    expect(open.map((r: any) => r.service_request_id)).toContain(ids.sept)
    expect(open.every((r: any) => r.status === 'open')).toBe(true)
    const closed = await getBoth('/requests.{f}?status=closed', 'service_requests')
    expect(closed.map((r: any) => r.service_request_id)).toEqual([ids.oct])
    const both = await getBoth('/requests.{f}?status=open,closed&service_code=noise', 'service_requests')
    expect(both.map((r: any) => r.service_request_id)).toEqual([ids.oct])
    expect(await getBoth('/requests.{f}?service_code=moon', 'service_requests')).toEqual([])
  })

  it('GET requests: 400 for a span over 90 days, a reversed span, a bad date or status', async () => {
    for (const format of FORMATS) {
      const wide = await request(`/requests.${format}?start_date=2025-06-01T00:00:00%2B08:00&end_date=2025-09-01T00:00:00%2B08:00`)
      await expectErrors(wide, format, 400, /may not span more than 90 days/)
      const reversed = await request(`/requests.${format}?start_date=2025-09-01T00:00:00Z&end_date=2025-08-01T00:00:00Z`)
      await expectErrors(reversed, format, 400, /end_date must not be before start_date/)
      await expectErrors(await request(`/requests.${format}?start_date=yesterday`), format, 400, /start_date must be an ISO-8601 time/)
      await expectErrors(await request(`/requests.${format}?end_date=2025-09-01T00:00:00`), format, 400, /end_date must be an ISO-8601/)
      await expectErrors(await request(`/requests.${format}?status=pending`), format, 400, /status must be open or closed/)
    }
    // exactly 90 days is allowed
    expect((await request('/requests.json?start_date=2025-07-01T00:00:00Z&end_date=2025-09-29T00:00:00Z')).status).toBe(200)
  })

  it('GET requests/{id}: one request in a list; 404 error document for an unknown id', async () => {
    const one = await getBoth(`/requests/${ids.oct}.{f}?jurisdiction_id=nanchang`, 'service_requests')
    expect(one).toHaveLength(1)
    expect(one[0]).toMatchObject({ service_request_id: ids.oct, status: 'closed', status_notes: NOTE_CLOSED })
    for (const format of FORMATS) {
      await expectErrors(await request(`/requests/NC20259999999.${format}`), format, 404, /no service request NC20259999999/)
    }
  })

  it('GET tokens/{token}: the service request id of a token; 404 for an unknown one', async () => {
    const res = await post('json', filing())
    const [{ service_request_id, service_notice }] = await res.json()
    const token = trackingCodeIn(service_notice)
    const answer = await getBoth(`/tokens/${token}.{f}`, 'service_requests')
    expect(answer).toEqual([{ service_request_id, token }])
    for (const format of FORMATS) {
      await expectErrors(await request(`/tokens/${'A'.repeat(32)}.${format}`), format, 404, /no service request for this token/)
      await expectErrors(await request(`/tokens/short.${format}`), format, 404, /no service request for this token/)
    }
  })

  it('unknown resources and missing extensions answer with the 404 error document', async () => {
    await expectErrors(await request('/requests'), 'json', 404, /use \.json or \.xml/)
    await expectErrors(await request('/services/noise'), 'json', 404, /use \.json or \.xml/)
    await expectErrors(await request('/discovery.xml'), 'xml', 404, /no Open311 resource/)
    await expectErrors(await request('/requests.xml', { method: 'DELETE' }), 'xml', 404, /no Open311 resource/)
  })

  it('no GET response carries the name, phone, email, address or words of the citizen', async () => {
    const secrets = {
      last_name: '欧阳',
      first_name: '锋锋',
      phone: '13988887777',
      email: 'ouyang@example.com',
      address_string: '白驼山庄七号楼',
      description: '楼下烧烤摊油烟熏到我家厨房窗户，独一无二的诉求文字',
      device_id: 'device-xyz-42',
    }
    const res = await post('json', filing(secrets))
    const [{ service_request_id, service_notice }] = await res.json()
    const token = trackingCodeIn(service_notice)
    const filed = (await findWorkOrderByNumber(store.deps.db, service_request_id))!
    expect(filed.citizenPhone).toBe(secrets.phone)
    await performAction(store.deps, filed.id, { action: 'direct_answer', reply: '已转市场监管部门处理。' }, fx.actors.dispatcher)
    const forbidden = ['欧阳', '锋锋', '13988887777', '139****7777', 'ouyang', '白驼山庄', '烧烤摊', '独一无二', 'device-xyz', '路面有一个大坑']
    for (const format of FORMATS) {
      for (const path of [
        `/services.${format}`,
        `/services/roads.potholes.${format}`,
        `/requests.${format}`,
        `/requests.${format}?service_request_id=${service_request_id}`,
        `/requests/${service_request_id}.${format}`,
        `/tokens/${token}.${format}`,
      ]) {
        const body = await (await request(path)).text()
        expect(body, path).toContain(path.startsWith('/services') ? 'roads.potholes' : service_request_id)
        for (const s of forbidden) expect(body, `${path} shows ${s}`).not.toContain(s)
      }
    }
  })

  it('a confidential case shows that it is closed but not its reply', async () => {
    const { order } = await fileCase(
      store.deps,
      { channel: 'hotline_12345', kind: 'complaint', categoryId: fx.categories.noise, title: '举报', content: '内容', confidential: true },
      fx.actors.dispatcher,
    )
    await performAction(store.deps, order.id, { action: 'direct_answer', reply: '已约谈当事人李四。' }, fx.actors.dispatcher)
    const [r] = await getBoth(`/requests/${order.caseNumber}.{f}`, 'service_requests')
    expect(r.status).toBe('closed')
    expect(r.status_notes).toBe('已办结。本件为保密件，答复内容不公开。')
  })

  it('invalid and merged cases are closed, with a note saying so', async () => {
    const noise = { channel: 'web', kind: 'help', categoryId: fx.categories.noise, title: '噪音', content: '噪音' } as const
    const make = async () => (await fileCase(store.deps, noise, fx.actors.dispatcher)).order
    const master = await make()
    const dup = await make()
    const junk = await make()
    await performAction(store.deps, dup.id, { action: 'merge', masterId: master.id }, fx.actors.dispatcher)
    await performAction(store.deps, junk.id, { action: 'mark_invalid', note: '骚扰电话，内部备注不公开' }, fx.actors.dispatcher)
    const list = await getBoth(`/requests.{f}?service_request_id=${master.caseNumber},${dup.caseNumber},${junk.caseNumber}`, 'service_requests')
    const by = new Map(list.map((r: any) => [r.service_request_id, r]))
    expect(by.get(master.caseNumber)).toMatchObject({ status: 'open', status_notes: null })
    expect(by.get(dup.caseNumber)).toMatchObject({ status: 'closed', status_notes: `重复件，已并入${master.caseNumber}一并办理。` })
    expect(by.get(junk.caseNumber)).toMatchObject({ status: 'closed', status_notes: '经核实为无效诉求，不予办理。' })
    expect(JSON.stringify(list)).not.toContain('骚扰电话')
  })

  it('walkthrough from the spec: POST a request, it is handled, GET shows it closed (the reply where published)', async () => {
    // 1. discover the services and a definition, as a client would
    const services = await getBoth('/services.{f}', 'services')
    const service = services.find((s: any) => s.group === '道路交通')
    expect(service.metadata).toBe(true)
    const def = await getBoth(`/services/${service.service_code}.{f}`, 'service_definition')
    const kind = def.attributes.find((a: any) => a.code === 'kind')
    // 2. POST a request with an attribute from the definition
    store.setNow('2025-10-09T03:00:00.000Z')
    const res = await post('xml', {
      api_key: apiKey,
      service_code: service.service_code,
      [`attribute[${kind.code}]`]: kind.values[1].key,
      lat: '28.6829',
      long: '115.8579',
      description: '人行道盖板松动，踩上去会翻。',
    })
    expect(res.status).toBe(200)
    const created = parseXml(await res.text())
    const id = textsOf(created, 'service_request_id')[0]!
    // 3. GET it: open, nothing said yet
    const [before] = await getBoth(`/requests/${id}.{f}`, 'service_requests')
    expect(before).toMatchObject({
      service_request_id: id,
      status: 'open',
      status_notes: null,
      agency_responsible: null,
      service_code: service.service_code,
    })
    expect(before.requested_datetime).toBe('2025-10-09T11:00:00+08:00')
    // 4. the desk handles it: dispatch → sign → reply and close
    const order = (await findWorkOrderByNumber(store.deps.db, id))!
    expect(order.kind).toBe('help')
    store.setNow('2025-10-09T04:00:00.000Z')
    await performAction(store.deps, order.id, { action: 'dispatch', unitId: fx.units.street }, fx.actors.dispatcher)
    await performAction(store.deps, order.id, { action: 'sign' }, fx.actors.streetWorker)
    const reply = '已更换盖板并加固，感谢您的反映。'
    store.setNow('2025-10-10T06:30:00.000Z')
    await performAction(store.deps, order.id, { action: 'reply_and_close', reply, note: '内部：施工队张师傅' }, fx.actors.streetWorker)
    // 5. GET it again: closed, a neutral note (the reply only where the city publishes replies),
    // the handling unit, the new update time
    const [neutral] = await getBoth(`/requests/${id}.{f}`, 'service_requests')
    expect(neutral).toMatchObject({ status: 'closed', status_notes: NOTE_CLOSED })
    expect(JSON.stringify(neutral)).not.toContain('盖板')
    store.deps.open311PublicReplies = true
    const [after] = await getBoth(`/requests/${id}.{f}`, 'service_requests').finally(() => {
      store.deps.open311PublicReplies = false
    })
    expect(after).toMatchObject({
      service_request_id: id,
      status: 'closed',
      status_notes: reply,
      agency_responsible: '长堎街道',
      requested_datetime: '2025-10-09T11:00:00+08:00',
      updated_datetime: '2025-10-10T14:30:00+08:00',
    })
    expect(JSON.stringify(after)).not.toContain('张师傅')
    const closed = await getBoth('/requests.{f}?status=closed&service_code=roads.potholes', 'service_requests')
    expect(closed.map((r: any) => r.service_request_id)).toContain(id)
    store.setNow(NOW)
  })

  it('XML escapes what the data holds: markup characters survive, control characters do not break it', async () => {
    const odd = `A<B> & "C" 'D'\u0001 ]]> 中文`
    await insertCategory(store.deps.db, { code: 'odd&end', name: odd, parentId: fx.categories.noise, defaultUnitId: null }, NOW)
    const res = await request('/services.xml')
    const root = parseXml(await res.text())
    const names = textsOf(root, 'service_name')
    expect(names).toContain(`A<B> & "C" 'D' ]]> 中文`)
    // noise now has a sub-category, so it is a group, not a service
    expect(textsOf(root, 'service_code')).toEqual(['roads.potholes', 'odd&end'])
    expect(textsOf(root, 'group')).toEqual(['道路交通', '噪音扰民'])
    const json = await (await request('/services.json')).json()
    expect(json.map((s: any) => s.service_name)).toContain(odd)
    const def = parseXml(await (await request(`/services/${encodeURIComponent('odd&end')}.xml`)).text())
    expect(textsOf(def, 'service_code')).toEqual(['odd&end'])
  })
})
