import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../db/connect'
import { DEFERRED_INDEXES, dropDeferredIndexes } from '../../db/deferred-indexes'
import { migrateToLatest } from '../../db/migrate'
import { listEvents } from '../../db/repositories/events'
import { findWorkOrder } from '../../db/repositories/work-orders'
import { runCli } from '../../src/cli'
import { createDeps } from '../../src/services/deps'
import {
  CsvParser,
  importFile,
  type ImportOptions,
  type Rejection,
} from '../../src/services/import'
import { recount } from '../../src/services/recount'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/import')
const fixture = (name: string) => join(FIXTURES, name)
const NOW = '2026-03-01T04:00:00.000Z'
const PERIOD = { from: '2025-01-01', to: '2026-12-31', scope: null }

/** Every rejection of rejections.csv: line (the header is 1; line 2 spans two lines), column. */
const EXPECTED_REJECTIONS: [number, string, string][] = [
  [5, '编号', 'duplicate: R-OK is already on line 2'],
  [6, '编号', 'is required'],
  [7, '渠道', 'unknown value 热线'],
  [8, '类型', 'unknown value 表扬'],
  [9, '紧急程度', 'unknown value 加急'],
  [10, '分类', 'no category (分类) with code or name 不存在的分类'],
  [11, '承办单位', 'no unit (承办单位) with code or name 不存在的单位'],
  [12, '区域', 'no district (区域) with code or name 不存在区'],
  [13, '区域', '长堎街道 is a unit, not a district'],
  [14, '标题', 'must be at most 100 characters'],
  [15, '电话', 'must be a mobile number'],
  [16, '受理时间', 'is required'],
  [17, '受理时间', '2025-13-01 10:00 is not a time'],
  [18, '受理时间', '2027-01-01 10:00 is in the future'],
  [19, '办理时限', 'is before the time of receipt'],
  [20, '办结时间', 'needs status closed (办结) or archived (归档); the status is in_progress'],
  [21, '办结时间', 'is required for status closed'],
  [22, '办结时间', 'is before the time of receipt'],
  [23, '是否按期', '也许 is not a yes/no'],
  [24, '是否按期', 'needs a closed case'],
  [25, '满意度', 'needs status closed (办结) or archived (归档); the status is received'],
  [26, '满意度', 'unknown value 还行'],
  [27, '回访时间', 'needs a rating'],
  [28, '回访时间', 'is before the close time'],
  [29, '状态', 'unknown value 已完成'],
  [30, '承办单位', 'is required for status dispatched'],
  [31, '是否退单', '可能 is not a yes/no'],
  [32, '主件编号', 'is required for status merged'],
  [33, '主件编号', 'needs status merged'],
  [34, '主件编号', 'a case cannot be merged into itself'],
  [35, '主件编号', 'no case NOWHERE in the database or earlier in this file'],
  [36, '主件编号', 'no case R-LATER in the database or earlier in this file'],
  [37, '主件编号', 'the master case R-INV (line 4) is invalid or merged'],
  [39, '(row)', 'has 25 cells but the header has 24'],
]

/** The names of the indexes of work_orders, sorted. */
async function indexesOf(store: TestStore): Promise<string[]> {
  const query =
    store.deps.dialect === 'postgres'
      ? sql<{ name: string }>`select indexname as name from pg_indexes
          where tablename = 'work_orders' and schemaname = current_schema()`
      : sql<{ name: string }>`select name from sqlite_master
          where type = 'index' and tbl_name = 'work_orders'`
  const { rows } = await query.execute(store.deps.db)
  return rows.map((r) => r.name).sort()
}

function parseCsv(text: string): string[][] {
  const parser = new CsvParser()
  parser.push(text.replace(/^\uFEFF/, ''))
  const rows: string[][] = []
  for (let r = parser.next(true); r; r = parser.next(true)) rows.push(r.cells)
  return rows
}

describe.each(DIALECTS)('importing history (导入) on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  const dir = mkdtempSync(join(tmpdir(), 'hotline-import-'))

  const run = (file: string, options: ImportOptions = {}) => {
    const rejections: Rejection[] = []
    const warnings: string[] = []
    return importFile(store.deps, file, {
      errorsPath: join(dir, `${file.split('/').pop()}.errors.csv`),
      onRejected: (r) => rejections.push(r),
      onWarning: (w) => warnings.push(w),
      ...options,
    }).then((summary) => ({ summary, rejections, warnings }))
  }
  const byExternal = async (externalId: string) => {
    const row = await store.deps.db
      .selectFrom('work_orders')
      .select('id')
      .where('external_id', '=', externalId)
      .executeTakeFirstOrThrow()
    return (await findWorkOrder(store.deps.db, row.id))!
  }
  const counts = async () => {
    const out: Record<string, number> = {}
    for (const table of [
      'work_orders',
      'work_order_events',
      'ratings',
      'report_cube',
      'counters',
      'units',
      'categories',
      'admin_audit',
    ] as const) {
      const { n } = await store.deps.db
        .selectFrom(table)
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow()
      out[table] = Number(n)
    }
    const { v } = await store.deps.db
      .selectFrom('counters')
      .select(sql<number>`coalesce(sum(value), 0)`.as('v'))
      .executeTakeFirstOrThrow()
    out.counterValues = Number(v)
    return out
  }
  const expectRollupsExact = async () => {
    const r = await recount(store.deps, PERIOD)
    expect(r.differences).toEqual([])
  }

  beforeAll(async () => {
    store = await openTestStore(dialect, NOW)
    fx = await seedFixture(store.deps)
  })
  afterAll(() => store.close())

  it('imports Chinese UTF-8 with a BOM: labels, derived fields, New Year, merges', async () => {
    const { summary, rejections } = await run(fixture('zh-utf8-bom.csv'))
    expect(rejections).toEqual([])
    expect(summary).toMatchObject({
      format: 'csv',
      encoding: 'utf-8',
      read: 8,
      imported: 8,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      errorsPath: null,
    })
    const pothole = await byExternal('ZH-001')
    expect(pothole).toMatchObject({
      caseNumber: 'NC20250000001',
      channel: 'hotline_12345',
      kind: 'complaint',
      categoryId: fx.categories.potholes,
      unitId: fx.units.bureau,
      districtId: fx.units.district,
      citizenPhone: '13812345678',
      status: 'closed',
      version: 1,
      receivedAt: '2025-09-26T02:00:00.000Z',
      receivedDay: '2025-09-26',
      dueBaseDay: '2025-09-26',
      dueWorkdays: 13,
      dueAt: '2025-10-21T15:59:59.000Z',
      closedAt: '2025-10-10T08:00:00.000Z',
      closedOnTime: true,
      handlingWorkdays: 5,
      rating: 'satisfied',
      ratedAt: '2025-10-11T01:00:00.000Z',
      returnCount: 0,
    })
    expect((await byExternal('ZH-002')).content).toBe('工地夜间施工,\n噪音扰民，"影响休息"')
    expect(await byExternal('ZH-002')).toMatchObject({
      kind: 'consultation',
      dueWorkdays: 1,
      returnCount: 1,
    })
    const lastOf2025 = await byExternal('ZH-003')
    const firstOf2026 = await byExternal('ZH-004')
    expect([lastOf2025.receivedDay, lastOf2025.caseNumber]).toEqual(['2025-12-31', 'NC20250000003'])
    expect([firstOf2026.receivedDay, firstOf2026.caseNumber]).toEqual([
      '2026-01-01',
      'NC20260000001',
    ])
    expect(firstOf2026.dueAt).toBe('2026-01-01T15:59:59.000Z')
    expect((await byExternal('ZH-008')).receivedDay).toBe('2026-01-01')
    expect((await byExternal('ZH-005')).mergedIntoId).toBe(pothole.id)
    expect(await byExternal('ZH-006')).toMatchObject({
      channel: 'window',
      status: 'archived',
      dueAt: '2025-10-20T15:59:59.000Z',
      closedOnTime: false,
      returnCount: 1,
      extensionCount: 1,
      reopenCount: 1,
    })
    const hashes = await store.deps.db
      .selectFrom('work_orders')
      .select('tracking_hash')
      .where('tracking_hash', 'is not', null)
      .execute()
    expect(hashes).toEqual([])
    const events = await listEvents(store.deps.db, pothole.id)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      action: 'import',
      fromStatus: null,
      toStatus: 'closed',
      actorRole: 'system',
      at: NOW,
      data: { file: 'zh-utf8-bom.csv', line: 2, externalId: 'ZH-001' },
    })
    const ratings = await store.deps.db.selectFrom('ratings').selectAll().orderBy('id').execute()
    expect(ratings.map((r) => [r.rating, r.source, r.rated_at])).toEqual([
      ['satisfied', 'import', '2025-10-11T01:00:00.000Z'],
      ['dissatisfied', 'import', '2025-10-23T02:00:00.000Z'],
      ['very_satisfied', 'import', '2026-01-05T02:00:00.000Z'],
    ])
    await expectRollupsExact()
  })

  it('changes nothing when the same file is imported again', async () => {
    const before = await counts()
    const { summary } = await run(fixture('zh-utf8-bom.csv'))
    expect(summary).toMatchObject({ read: 8, imported: 0, updated: 0, unchanged: 8, rejected: 0 })
    expect(await counts()).toEqual(before)
    expect((await byExternal('ZH-001')).version).toBe(1)
  })

  it('updates a changed row and records an import event in its timeline', async () => {
    const text = readFileSync(fixture('zh-utf8-bom.csv'), 'utf8').replace(
      '2025-11-03 08:30:15,,,,,,办理中',
      '2025-11-03 08:30:15,,2025-11-04 10:00,,非常满意,,办结',
    )
    const file = join(dir, 'zh-changed.csv')
    writeFileSync(file, text)
    const before = await counts()
    const { summary } = await run(file)
    expect(summary).toMatchObject({ imported: 0, updated: 1, unchanged: 7, rejected: 0 })
    const noise = await byExternal('ZH-002')
    expect(noise).toMatchObject({
      status: 'closed',
      version: 2,
      caseNumber: 'NC20250000002',
      closedAt: '2025-11-04T02:00:00.000Z',
      closedOnTime: true,
      handlingWorkdays: 1,
      rating: 'very_satisfied',
      ratedAt: '2025-11-04T02:00:00.000Z',
    })
    const events = await listEvents(store.deps.db, noise.id)
    expect(events.map((e) => [e.action, e.fromStatus, e.toStatus])).toEqual([
      ['import', null, 'in_progress'],
      ['import', 'in_progress', 'closed'],
    ])
    expect(String(events[1]!.data.changed).split(',')).toEqual(
      expect.arrayContaining(['status', 'closedAt', 'rating', 'ratedAt']),
    )
    const after = await counts()
    expect(after.work_order_events).toBe(before.work_order_events! + 1)
    expect(after.ratings).toBe(before.ratings! + 1)
    expect(after.work_orders).toBe(before.work_orders)
    await expectRollupsExact()
  })

  it('keeps every character of free text: quotes, backslashes, braces, NULL, line breaks', async () => {
    const file = join(dir, 'awkward.csv')
    const content = '他说："门口{漏水}"，\\ 反斜杠, NULL\n第二行 🚧'
    const title = 'NULL'
    writeFileSync(
      file,
      '编号,渠道,受理时间,标题,诉求内容,地址\r\n' +
        `AW-1,12345热线,2025-10-20 09:00,${title},"${content.replace(/"/g, '""')}","{,}"\r\n`,
    )
    const { summary } = await run(file)
    expect(summary).toMatchObject({ imported: 1, rejected: 0 })
    expect(await byExternal('AW-1')).toMatchObject({ title, content, address: '{,}' })
  })

  it('checks without writing in a dry run', async () => {
    const file = join(dir, 'dry.csv')
    writeFileSync(
      file,
      '编号,受理时间,区域,承办单位,分类\r\nDRY-1,2025-10-13 09:00,新区,新区城管局,新分类\r\nDRY-2,2025-10-13 09:00,,,\r\n',
    )
    const before = await counts()
    const { summary } = await run(file, { dryRun: true, createMissing: true })
    expect(summary).toMatchObject({ dryRun: true, read: 2, imported: 2, rejected: 0 })
    expect(summary.createdUnits).toHaveLength(2)
    expect(summary.createdCategories).toHaveLength(1)
    expect(await counts()).toEqual(before)
    const bad = await run(fixture('rejections.csv'), { dryRun: true })
    expect(bad.summary).toMatchObject({ imported: 3, rejected: 34 })
    expect(await counts()).toEqual(before)
  })

  it('reports every rejected row by line, column and reason and writes nothing of it', async () => {
    const before = await counts()
    const { summary, rejections, warnings } = await run(fixture('rejections.csv'))
    expect(warnings).toEqual(['ignoring columns this import does not know: 备注'])
    expect(summary).toMatchObject({ read: 37, imported: 3, rejected: 34 })
    expect(rejections.map((r) => [r.line, r.problems.map((p) => p.column).join('; ')])).toEqual(
      EXPECTED_REJECTIONS.map(([line, column]) => [line, column]),
    )
    for (const [line, , reason] of EXPECTED_REJECTIONS) {
      expect(rejections.find((r) => r.line === line)!.problems[0]!.reason).toContain(reason)
    }
    const imported = await store.deps.db
      .selectFrom('work_orders')
      .select('external_id')
      .where('external_id', 'like', 'R-%')
      .orderBy('external_id')
      .execute()
    expect(imported.map((r) => r.external_id)).toEqual(['R-INV', 'R-LATER', 'R-OK'])
    const after = await counts()
    expect(after.work_orders).toBe(before.work_orders! + 3)
    expect(after.work_order_events).toBe(before.work_order_events! + 3)

    const errors = readFileSync(summary.errorsPath!, 'utf8')
    expect(errors.startsWith('\uFEFF')).toBe(true)
    const rows = parseCsv(errors)
    const header = readFileSync(fixture('rejections.csv'), 'utf8')
      .replace(/^\uFEFF/, '')
      .split('\r\n')[0]!
    expect(rows[0]).toEqual([...header.split(','), 'line', 'column', 'reason'])
    expect(rows).toHaveLength(1 + 34)
    const bad = rows.find((r) => r[0] === 'R-15')!
    expect(bad.slice(-3)).toEqual(['17', '受理时间', expect.stringContaining('is not a time')])
    await expectRollupsExact()
  })

  it('imports a fixed error file', async () => {
    const errors = join(dir, 'rejections.csv.errors.csv')
    const rows = parseCsv(readFileSync(errors, 'utf8'))
    const keep = rows.filter((r, i) => i === 0 || r[0] === 'R-15' || r[0] === 'R-06')
    const fixed = keep.map((r) =>
      r.map((c) => (c === '2025-13-01 10:00' ? '2025-10-01 10:00' : c === '表扬' ? '建议' : c)),
    )
    const file = join(dir, 'fixed.csv')
    const cell = (c: string) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)
    writeFileSync(file, `\uFEFF${fixed.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`)
    const { summary, warnings } = await run(file)
    expect(warnings).toEqual(['ignoring columns this import does not know: 备注'])
    expect(summary).toMatchObject({ read: 2, imported: 2, rejected: 0 })
    expect((await byExternal('R-06')).kind).toBe('suggestion')
    expect((await byExternal('R-15')).receivedDay).toBe('2025-10-01')
  })

  it('reads a GB18030 file', async () => {
    const { summary } = await run(fixture('gb18030.csv'))
    expect(summary).toMatchObject({ encoding: 'gb18030', imported: 2, rejected: 0 })
    expect(await byExternal('GB-001')).toMatchObject({
      title: '广场舞噪音',
      citizenName: '王五',
      unitId: fx.units.street,
      rating: 'basically_satisfied',
      status: 'closed',
    })
    expect((await byExternal('GB-002')).channel).toBe('ganfutong')
  })

  it('reads an XLSX file: dates as wall-clock times in TZ_REPORT, numbers, rich text', async () => {
    const { summary, rejections } = await run(fixture('history.xlsx'))
    expect(summary).toMatchObject({ format: 'xlsx', read: 3, imported: 2, rejected: 1 })
    expect(rejections).toEqual([
      {
        line: 4,
        problems: [
          { column: '受理时间', reason: expect.stringContaining('not a time is not a time') },
        ],
      },
    ])
    expect(await byExternal('1001')).toMatchObject({
      receivedAt: '2025-12-31T15:59:00.000Z',
      receivedDay: '2025-12-31',
      closedAt: '2026-01-05T02:00:00.000Z',
      citizenPhone: '13800002222',
      status: 'closed',
    })
    expect(await byExternal('X-1002')).toMatchObject({
      title: '富文本标题',
      receivedDay: '2026-01-01',
    })
  })

  it('reads English headers and codes, with a master in an earlier transaction', async () => {
    const { summary } = await run(fixture('english.csv'), { batchSize: 1, transactionRows: 1 })
    expect(summary).toMatchObject({ imported: 3, rejected: 0 })
    const light = await byExternal('EN-002')
    expect(light).toMatchObject({
      status: 'dispatched',
      unitId: fx.units.street,
      returnCount: 1,
      extensionCount: 1,
    })
    expect((await byExternal('EN-003')).mergedIntoId).toBe(light.id)
    expect(await byExternal('EN-001')).toMatchObject({
      closedOnTime: true,
      rating: 'very_satisfied',
    })
    await expectRollupsExact()
  })

  it('creates unknown units, districts and categories only with --create-missing', async () => {
    const file = join(dir, 'missing.csv')
    writeFileSync(
      file,
      '编号,受理时间,区域,承办单位,分类,状态\r\n' +
        'NEW-1,2025-10-13 09:00,新区,新区城管局,新分类,已派单\r\n' +
        'NEW-2,2025-10-14 09:00,新区,新区城管局,新分类,已派单\r\n' +
        'NEW-3,2025-10-14 09:00,新区,New-Dept,,已派单\r\n' +
        'NEW-4,2026-13-14 09:00,新区,Rejected-Dept,,已派单\r\n',
    )
    const refused = await run(file)
    expect(refused.summary).toMatchObject({ imported: 0, rejected: 4 })
    expect(refused.rejections[0]!.problems.map((p) => p.column)).toEqual([
      '分类',
      '区域',
      '承办单位',
    ])
    const { summary } = await run(file, { createMissing: true })
    expect(summary).toMatchObject({ imported: 3, rejected: 1 })
    expect(summary.createdCategories).toEqual([expect.stringMatching(/^imp\.[0-9a-f]{8} 新分类$/)])
    expect(summary.createdUnits).toEqual([
      expect.stringMatching(/^IMP-[0-9A-F]{8} 新区 \(district\)$/),
      expect.stringMatching(/^IMP-[0-9A-F]{8} 新区城管局 \(department\)$/),
      'New-Dept New-Dept (department)',
    ])
    const units = await store.deps.db.selectFrom('units').selectAll().orderBy('id').execute()
    const district = units.find((u) => u.name === '新区')!
    expect(district).toMatchObject({ level: 'district', parent_id: fx.units.city })
    expect(units.find((u) => u.name === '新区城管局')).toMatchObject({
      level: 'department',
      parent_id: district.id,
    })
    expect(units.some((u) => u.name === 'Rejected-Dept')).toBe(false)
    expect(await byExternal('NEW-2')).toMatchObject({
      districtId: district.id,
      status: 'dispatched',
    })
    const audit = await store.deps.db
      .selectFrom('admin_audit')
      .select(['entity', 'actor_name'])
      .execute()
    expect(
      audit
        .filter((a) => a.actor_name === '数据导入')
        .map((a) => a.entity)
        .sort(),
    ).toEqual(['category', 'unit', 'unit', 'unit'])
    await expectRollupsExact()
  })

  it('finds repeated external_ids among thousands, wherever they are', async () => {
    const file = join(dir, 'many.csv')
    const ids = Array.from({ length: 5000 }, (_, i) => `M-${i}-${'编'.repeat(i % 7)}`)
    const rows = [...ids, ids[0]!, ids[4999]!, ids[2500]!].map((id) => `${id},2025-10-13 09:00`)
    writeFileSync(file, `编号,受理时间\n${rows.join('\n')}\n`)
    const { summary, rejections } = await run(file, { dryRun: true, batchSize: 700 })
    expect(summary).toMatchObject({ read: 5003, imported: 5000, rejected: 3 })
    expect(rejections.map((r) => [r.line, r.problems[0]!.reason])).toEqual([
      [5002, `duplicate: ${ids[0]} is already on line 2 of this file`],
      [5003, `duplicate: ${ids[4999]} is already on line 5001 of this file`],
      [5004, `duplicate: ${ids[2500]} is already on line 2502 of this file`],
    ])
  })

  it('loads an empty store in bulk: indexes built at the end, even when the load fails', async () => {
    const fresh = await openTestStore(dialect, NOW)
    try {
      await seedFixture(fresh.deps)
      const indexes = () => indexesOf(fresh)
      const all = await indexes()
      expect(all).toEqual(expect.arrayContaining(DEFERRED_INDEXES.map((i) => i.name)))

      const failing = importFile(fresh.deps, fixture('zh-utf8-bom.csv'), {
        errorsPath: join(dir, 'bulk.errors.csv'),
        batchSize: 1,
        onProgress: () => {
          throw new Error('stopped by the test')
        },
      })
      await expect(failing).rejects.toThrow('stopped by the test')
      expect(await indexes()).toEqual(all)
      const { n } = await fresh.deps.db
        .selectFrom('work_orders')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow()
      expect(Number(n)).toBe(0) // the failed transaction left nothing

      const summary = await importFile(fresh.deps, fixture('zh-utf8-bom.csv'), {
        errorsPath: join(dir, 'bulk.errors.csv'),
        batchSize: 2,
        transactionRows: 3,
      })
      expect(summary.rejected).toBe(0)
      expect(summary.imported).toBeGreaterThan(3)
      expect(await indexes()).toEqual(all)
      expect((await recount(fresh.deps, PERIOD)).differences).toEqual([])

      await dropDeferredIndexes(fresh.deps.db)
      expect(await indexes()).not.toContain('work_orders_phone')
      await migrateToLatest(fresh.deps.db)
      expect(await indexes()).toEqual(all)
    } finally {
      await fresh.close()
    }
  })

  it('refuses files it cannot read before writing anything', async () => {
    await expect(run(join(dir, 'nothing.csv'))).rejects.toThrow('no such file')
    const text = join(dir, 'notes.txt')
    writeFileSync(text, 'x')
    await expect(run(text)).rejects.toThrow('must be a .csv or .xlsx file')
    const headless = join(dir, 'headless.csv')
    writeFileSync(headless, '标题,状态\r\n路灯,受理\r\n')
    await expect(run(headless)).rejects.toThrow('the required column external_id (编号) is missing')
    const empty = join(dir, 'empty.csv')
    writeFileSync(empty, '\r\n\r\n')
    await expect(run(empty)).rejects.toThrow('the file is empty')
    expect(existsSync(`${headless}.errors.csv`)).toBe(false)
  })
})

describe('hotline import on a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-import-cli-'))
  const url = `sqlite:${join(dir, 'import.db')}`

  async function cli(args: string[]) {
    const out: string[] = []
    const err: string[] = []
    const code = await runCli(['import', ...args], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      readStdin: async () => '',
      env: { DATABASE_URL: url },
    })
    return { code, out: out.join('\n'), err: err.join('\n') }
  }

  beforeAll(async () => {
    const store = openStore(url)
    await migrateToLatest(store.db)
    await seedFixture(createDeps({ db: store.db, dialect: 'sqlite', timeZone: 'Asia/Shanghai' }))
    await store.close()
  })

  it('imports, re-imports unchanged, exits 1 on rejections, keeps rollups exact', async () => {
    const errors = join(dir, 'errors.csv')
    const first = await cli([fixture('zh-utf8-bom.csv'), '--errors', errors])
    expect(first).toMatchObject({ code: 0, err: '' })
    expect(first.out).toContain('read 8, imported 8, updated 0, unchanged 0, rejected 0')
    const again = await cli([fixture('zh-utf8-bom.csv')])
    expect(again.code).toBe(0)
    expect(again.out).toContain('read 8, imported 0, updated 0, unchanged 8, rejected 0')
    const dry = await cli([fixture('english.csv'), '--dry-run'])
    expect(dry.out).toContain('dry run: nothing was written')
    const bad = await cli([fixture('rejections.csv'), '--errors', errors])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('line 5, 编号: duplicate: R-OK is already on line 2 of this file')
    expect(bad.err).toContain('line 39, (row): has 25 cells but the header has 24')
    expect(bad.out).toContain(`rejected rows: ${errors}`)
    expect(parseCsv(readFileSync(errors, 'utf8'))).toHaveLength(35)
    const xlsx = await cli([fixture('history.xlsx'), '--errors', join(dir, 'x.csv')])
    expect(xlsx.out).toContain('read 3, imported 2, updated 0, unchanged 0, rejected 1')
    const counted = await runCli(['recount', '--from', '2025-01-01', '--to', '2026-12-31'], {
      out: () => {},
      err: () => {},
      readStdin: async () => '',
      env: { DATABASE_URL: url },
    })
    expect(counted).toBe(0)
  })

  it('refuses bad usage with exit code 1', async () => {
    expect((await cli([])).code).toBe(1)
    expect((await cli([join(dir, 'missing.csv')])).err).toContain('no such file')
    expect((await cli([fixture('english.csv'), '--batch-size', '0'])).code).toBe(1)
    expect((await cli([fixture('english.csv'), '--frobnicate'])).code).toBe(1)
  })
})

describe('the CSV reader', () => {
  it('reads any table back however the text is cut, with the line each row starts on', () => {
    const cell = fc.string({
      unit: fc.constantFrom('a', '中', ',', '"', '\n', '\r', ' ', '1'),
      maxLength: 6,
    })
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (rows, eol, quoteAll, cuts) => {
          const quote = (c: string) =>
            quoteAll || /[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c
          const text = rows.map((r) => r.map(quote).join(',')).join(eol) + eol
          const parser = new CsvParser()
          const got: { line: number; cells: string[] }[] = []
          let at = 0
          for (const cut of [...cuts.map((c) => c % (text.length + 1))].sort((a, b) => a - b)) {
            parser.push(text.slice(at, cut))
            at = cut
            for (let r = parser.next(false); r; r = parser.next(false)) got.push(r)
          }
          parser.push(text.slice(at))
          for (let r = parser.next(true); r; r = parser.next(true)) got.push(r)
          expect(got.map((r) => r.cells)).toEqual(rows)
          let line = 1
          rows.forEach((r, i) => {
            expect(got[i]!.line).toBe(line)
            const breaks = (c: string) => c.replace(/\r\n/g, '\n').replace(/[^\r\n]/g, '').length
            line += 1 + r.reduce((n, c) => n + breaks(c), 0)
          })
        },
      ),
      { numRuns: 500 },
    )
  })
})
