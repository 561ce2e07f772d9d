import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import type { Actor } from '../../src/domain/work-order'
import {
  CASE_EXPORT_COLUMNS,
  EXPORT_PAGE_SIZE,
  IDENTITY_COLUMNS,
} from '../../src/services/case-list-csv'
import { summarize, type Summary } from '../../src/services/reports'
import type { FilingInput } from '../../src/services/schemas'
import { FIELD_ORDER } from '../../src/services/summary-fields'
import { fileCase, performAction } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { createStaff, getAs, type StaffLogin, type StaffSet } from '../helpers/staff'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** A wall-clock time in Shanghai (fixed +08:00), independent of the code under test. */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`).toISOString()
const T0 = sh('2025-11-12 10:00:00')
const OCTOBER = 'from=2025-10-01&to=2025-10-31'
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
/** More closed cases than one export page, so the export has to read several. */
const BULK = EXPORT_PAGE_SIZE + 3

/** A small RFC 4180 reader: quoted cells, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += ch
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell])
  return rows
}

/** The first sheet of a workbook as text, dates as `YYYY-MM-DD HH:mm` (their wall-clock time). */
async function readSheet(
  bytes: ArrayBuffer,
  name?: string,
): Promise<{ sheet: ExcelJS.Worksheet; rows: string[][] }> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(bytes)
  const sheet = name ? workbook.getWorksheet(name)! : workbook.worksheets[0]!
  const width = sheet.getRow(1).cellCount
  const rows: string[][] = []
  for (let r = 1; r <= sheet.rowCount; r++) {
    const cells: string[] = []
    for (let col = 1; col <= width; col++) {
      const v = sheet.getRow(r).getCell(col).value
      cells.push(
        v === null || v === undefined
          ? ''
          : v instanceof Date
            ? v.toISOString().slice(0, 16).replace('T', ' ')
            : String(v),
      )
    }
    rows.push(cells)
  }
  return { sheet, rows }
}

describe.each(DIALECTS)('exports on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  let app: ReturnType<typeof createApp>
  let staff: StaffSet
  const numbers: Record<string, string> = {}

  const file = async (
    name: string,
    local: string,
    input: Partial<FilingInput> & Pick<FilingInput, 'channel' | 'kind'>,
    then: [Actor, Record<string, unknown>][] = [],
  ) => {
    store.setNow(sh(local))
    const { order } = await fileCase(
      store.deps,
      { title: `工单${name}`, content: `诉求${name}`, districtId: fx.units.district, ...input },
      staff.dispatcher.actor,
    )
    for (const [actor, command] of then) await performAction(store.deps, order.id, command, actor)
    numbers[name] = order.caseNumber
  }

  /** The case numbers the database holds as closed, received in October (optionally of one unit). */
  const closedInOctober = async (unitId?: number) => {
    let q = store.deps.db
      .selectFrom('work_orders')
      .select('case_number')
      .where('status', 'in', ['closed', 'archived'])
      .where('received_day', '>=', '2025-10-01')
      .where('received_day', '<=', '2025-10-31')
    if (unitId !== undefined) q = q.where('unit_id', '=', unitId)
    return (await q.execute()).map((r) => r.case_number).sort()
  }

  const csvOf = async (who: StaffLogin, query: string) => {
    const res = await getAs(app, who, `/staff/cases/export.csv?${query}`)
    expect(res.status).toBe(200)
    const bytes = new Uint8Array(await res.arrayBuffer())
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)
    return { res, bytes, text, rows: parseCsv(text.replace(/^\uFEFF/, '')) }
  }
  const xlsxOf = async (who: StaffLogin, path: string) => {
    const res = await getAs(app, who, path)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(XLSX)
    return readSheet(await res.arrayBuffer())
  }
  const rowOf = (rows: string[][], name: string) => rows.find((r) => r[0] === numbers[name])!

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    fx = await seedFixture(store.deps)
    app = createApp(store.deps)
    staff = await createStaff(app, store.deps, fx)
    const d = staff.dispatcher.actor
    const sw = staff.caseworkers.street.actor
    const bw = staff.caseworkers.bureau.actor
    const ow = staff.caseworkers.otherStreet.actor
    const channels = ['hotline_12345', 'wenzheng', 'ganfutong', 'window', 'web'] as const
    for (let i = 0; i < BULK; i++) {
      const minute = String(i % 60).padStart(2, '0')
      const hour = String(9 + Math.floor(i / 60)).padStart(2, '0')
      await file(
        `bulk${i}`,
        `2025-10-13 ${hour}:${minute}:00`,
        {
          channel: channels[i % channels.length]!,
          kind: 'consultation',
          citizenName: `群众${i}`,
          citizenPhone: `1370000${String(i).padStart(4, '0')}`,
        },
        [[d, { action: 'direct_answer', reply: '已当场答复' }]],
      )
    }
    await file(
      'S1',
      '2025-10-14 10:00:00',
      {
        channel: 'hotline_12345',
        kind: 'complaint',
        unitId: fx.units.street,
        title: '=1+2 路灯不亮',
        citizenName: '张三',
        citizenPhone: '13812345678',
      },
      [
        [sw, { action: 'sign' }],
        [sw, { action: 'reply_and_close', reply: '已修复' }],
        [d, { action: 'rate', rating: 'satisfied' }],
      ],
    )
    await file(
      'S2',
      '2025-10-15 10:00:00',
      {
        channel: 'web',
        kind: 'report',
        unitId: fx.units.street,
        title: '保密件',
        citizenName: '李四',
        citizenPhone: '13900001111',
        confidential: true,
      },
      [
        [sw, { action: 'sign' }],
        [sw, { action: 'reply_and_close', reply: '已查处' }],
      ],
    )
    await file(
      'Q',
      '2025-10-16 10:00:00',
      {
        channel: 'wenzheng',
        kind: 'suggestion',
        unitId: fx.units.street,
        title: '含"引号",逗号',
        citizenPhone: '0791-88886666',
      },
      [
        [sw, { action: 'sign' }],
        [sw, { action: 'reply_and_close', reply: '已采纳' }],
      ],
    )
    await file('B1', '2025-10-17 10:00:00', {
      channel: 'window',
      kind: 'complaint',
      unitId: fx.units.bureau,
      title: '@SUM(A1)',
      citizenPhone: '13500003333',
    })
    await file(
      'B2',
      '2025-10-18 10:00:00',
      {
        channel: 'hotline_12345',
        kind: 'help',
        unitId: fx.units.bureau,
        title: '-2+3',
        citizenName: '王五',
        citizenPhone: '13600002222',
      },
      [
        [bw, { action: 'sign' }],
        [bw, { action: 'reply_and_close', reply: '已办理' }],
      ],
    )
    await file(
      'O1',
      '2025-10-19 10:00:00',
      {
        channel: 'web',
        kind: 'help',
        districtId: fx.units.otherDistrict,
        unitId: fx.units.otherStreet,
      },
      [
        [ow, { action: 'sign' }],
        [ow, { action: 'reply_and_close', reply: '已办理' }],
      ],
    )
    await file('I1', '2025-10-20 10:00:00', { channel: 'other', kind: 'help' }, [
      [d, { action: 'mark_invalid', note: '无效' }],
    ])
    await file(
      'N1',
      '2025-11-03 10:00:00',
      { channel: 'hotline_12345', kind: 'consultation', unitId: fx.units.street },
      [
        [sw, { action: 'sign' }],
        [sw, { action: 'reply_and_close', reply: '已答复' }],
      ],
    )
    store.setNow(T0)
  }, 180_000)
  afterAll(() => store.close())

  describe('the summary workbook', () => {
    const check = async (query: string, by: Summary['by']) => {
      const { sheet, rows } = await xlsxOf(staff.reporter, `/staff/reports/summary.xlsx?${query}`)
      const summary = await summarize(store.deps, { from: '2025-10-01', to: '2025-10-31', by })
      expect(rows[0]![0]).toBe('编码')
      expect(rows[0]!.slice(2)).toContain('办结率')
      expect(rows[1]).toEqual(['key', 'label', ...FIELD_ORDER])
      const expected = [...summary.groups, { ...summary.totals, key: 'total', label: '合计' }]
      expect(sheet.rowCount).toBe(2 + expected.length)
      expected.forEach((g, i) => {
        const row = sheet.getRow(3 + i)
        expect(row.getCell(1).value).toBe(g.key)
        expect(row.getCell(2).value).toBe(g.label)
        FIELD_ORDER.forEach((f, j) => {
          const cell = row.getCell(3 + j)
          expect(cell.value ?? null, `${g.key} ${f}`).toBe(g[f])
          if (f.endsWith('Rate')) expect(cell.numFmt, f).toBe('0.00%')
        })
      })
      return summary
    }

    it('holds every field per group and a total row, numbers as numbers, rates as 0.00%', async () => {
      const byUnit = await check(`${OCTOBER}&by=unit`, 'unit')
      expect(byUnit.totals.received).toBe(BULK + 7)
      expect(byUnit.groups.length).toBeGreaterThan(2)
      await check(`${OCTOBER}&by=channel`, 'channel')
      await check(OCTOBER, null)
    })

    it('is for report roles only, as a download', async () => {
      const res = await getAs(
        app,
        staff.supervisor,
        `/staff/reports/summary.xlsx?${OCTOBER}&by=kind`,
      )
      expect(res.status).toBe(200)
      expect(res.headers.get('content-disposition')).toBe(
        'attachment; filename="hotline-2025-10-01-2025-10-31-kind.xlsx"',
      )
      expect(
        (await getAs(app, staff.caseworkers.street, `/staff/reports/summary.xlsx?${OCTOBER}`))
          .status,
      ).toBe(403)
      const anonymous = await app.request(`/staff/reports/summary.xlsx?${OCTOBER}`)
      expect(anonymous.status).toBe(303)
      expect(anonymous.headers.get('location')).toMatch(/^\/staff\/login\?next=/)
      expect(
        (await getAs(app, staff.reporter, `/staff/reports/summary.xlsx?${OCTOBER}&by=everything`))
          .status,
      ).toBe(422)
    })
  })

  describe('the case list', () => {
    it('CSV for figure=closed in a period has exactly the closed cases: BOM, CRLF, neutralised cells', async () => {
      const { res, bytes, text, rows } = await csvOf(staff.dispatcher, `figure=closed&${OCTOBER}`)
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(res.headers.get('content-disposition')).toBe(
        'attachment; filename="hotline-cases-2025-10-01-2025-10-31-closed.csv"',
      )
      expect(res.headers.get('cache-control')).toBe('private, no-store')
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
      expect(text.endsWith('\r\n')).toBe(true)
      expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
      expect(rows[0]).toEqual([...CASE_EXPORT_COLUMNS, ...IDENTITY_COLUMNS])
      const body = rows.slice(1)
      const expected = await closedInOctober()
      expect(expected.length).toBeGreaterThan(EXPORT_PAGE_SIZE)
      expect(body.length).toBe(expected.length)
      expect(body.map((r) => r[0]).sort()).toEqual(expected)
      expect(body.every((r) => r.length === rows[0]!.length)).toBe(true)

      const s1 = rowOf(body, 'S1')
      expect(s1).toEqual([
        numbers.S1,
        '2025-10-14 10:00',
        '12345热线',
        '投诉',
        '办结',
        '长堎街道',
        "'=1+2 路灯不亮",
        s1[7],
        '2025-10-14 10:00',
        '是',
        '满意',
        '张三',
        '138****5678',
      ])
      expect(s1[7]).toMatch(/^2025-\d\d-\d\d 23:59$/)
      expect(rowOf(body, 'B2')[6]).toBe("'-2+3")
      expect(rowOf(body, 'Q')[6]).toBe('含"引号",逗号')
      expect(text).toContain('"含""引号"",逗号"')
      expect(rowOf(body, 'Q')[12]).toBe('079****6666')
      // A dispatcher sees a 保密 case's citizen, masked.
      expect(rowOf(body, 'S2').slice(11)).toEqual(['李四', '139****1111'])
      expect(rowOf(body, 'bulk0').slice(2, 6)).toEqual(['12345热线', '咨询', '办结', ''])
      // Never a full number; nothing outside the figure or the period.
      expect(text).not.toMatch(/1\d{10}/)
      for (const name of ['B1', 'I1', 'N1'])
        expect(
          body.some((r) => r[0] === numbers[name]),
          name,
        ).toBe(false)
    })

    it('gives a reporter no personal data at all', async () => {
      const { text, rows } = await csvOf(staff.reporter, `figure=closed&${OCTOBER}`)
      expect(rows[0]).toEqual([...CASE_EXPORT_COLUMNS])
      expect(rows.slice(1).length).toBe((await closedInOctober()).length)
      expect(text).not.toContain('****')
      expect(text).not.toContain('张三')
      expect(text).not.toContain('群众0')
      const { rows: sheet } = await xlsxOf(
        staff.reporter,
        `/staff/cases/export.xlsx?figure=closed&${OCTOBER}`,
      )
      expect(sheet).toEqual(rows)
    })

    it('XLSX has the same rows and cells as the CSV, times as dates', async () => {
      const { rows } = await csvOf(staff.dispatcher, `figure=closed&${OCTOBER}`)
      const res = await getAs(
        app,
        staff.dispatcher,
        `/staff/cases/export.xlsx?figure=closed&${OCTOBER}`,
      )
      expect(res.headers.get('content-disposition')).toBe(
        'attachment; filename="hotline-cases-2025-10-01-2025-10-31-closed.xlsx"',
      )
      const { sheet, rows: cells } = await readSheet(await res.arrayBuffer())
      expect(cells).toEqual(rows)
      expect(sheet.getRow(2).getCell(2).value).toBeInstanceOf(Date)
      expect(sheet.getRow(2).getCell(2).numFmt).toBe('yyyy-mm-dd hh:mm')
    })

    it('exports any list: a queue, a scope, a figure of one unit', async () => {
      const open = await csvOf(staff.supervisor, `queue=to_sign&${OCTOBER}`)
      expect(open.rows.slice(1).map((r) => r[0])).toEqual([numbers.B1])
      expect(open.rows[1]![6]).toBe("'@SUM(A1)")
      const scoped = await csvOf(staff.admin, `figure=received&scope=HGT&${OCTOBER}`)
      expect(scoped.rows.slice(1).map((r) => r[0])).toEqual([numbers.O1])
      const invalid = await csvOf(staff.dispatcher, `figure=invalid&${OCTOBER}`)
      expect(invalid.rows.slice(1).map((r) => r[0])).toEqual([numbers.I1])
      expect(invalid.rows[1]!.slice(8, 11)).toEqual(['', '', ''])
    })

    it('gives a caseworker only their unit’s cases, without the identity of a 保密 case', async () => {
      const street = await csvOf(staff.caseworkers.street, `figure=closed&${OCTOBER}`)
      const body = street.rows.slice(1)
      expect(body.map((r) => r[0]).sort()).toEqual(await closedInOctober(fx.units.street))
      expect(body.map((r) => r[0]).sort()).toEqual([numbers.S1, numbers.S2, numbers.Q].sort())
      expect(rowOf(body, 'S1').slice(11)).toEqual(['张三', '138****5678'])
      expect(rowOf(body, 'S2').slice(11)).toEqual(['', ''])
      expect(street.text).not.toContain('李四')
      const { rows } = await xlsxOf(
        staff.caseworkers.street,
        `/staff/cases/export.xlsx?figure=closed&${OCTOBER}`,
      )
      expect(rows).toEqual(street.rows)
      const bureau = await csvOf(staff.caseworkers.bureau, `figure=closed&${OCTOBER}`)
      expect(bureau.rows.slice(1).map((r) => r[0])).toEqual([numbers.B2])
      // Asking for another unit's cases gives nothing, and a caseworker without a unit gets nothing.
      const other = await csvOf(staff.caseworkers.bureau, `unitId=${fx.units.street}&${OCTOBER}`)
      expect(other.rows.length).toBe(1)
      expect((await csvOf(staff.noUnitWorker, OCTOBER)).rows.length).toBe(1)
    })

    it('is not taken for a case id, needs a session and refuses bad filters', async () => {
      const anonymous = await app.request(`/staff/cases/export.csv?${OCTOBER}`)
      expect(anonymous.status).toBe(303)
      expect(anonymous.headers.get('location')).toMatch(/^\/staff\/login\?next=/)
      const bad = await getAs(app, staff.dispatcher, '/staff/cases/export.xlsx?channel=fax')
      expect(bad.status).toBe(422)
      expect(
        ((await bad.json()) as { error: { fields: Record<string, string> } }).error.fields,
      ).toHaveProperty('channel')
      // A refusal found by the list's query (an unknown scope) is still an error, not a cut file.
      const scope = await getAs(app, staff.dispatcher, '/staff/cases/export.csv?scope=NOPE')
      expect(scope.status).toBe(422)
      expect(scope.headers.get('content-disposition')).toBeNull()
    })

    it('is linked from the list with its query, and the summary workbook from the reports page', async () => {
      const list = await (
        await getAs(app, staff.dispatcher, `/staff/cases?figure=closed&${OCTOBER}&page=2`)
      ).text()
      expect(list).toContain(
        `href="/staff/cases/export.csv?figure=closed&amp;from=2025-10-01&amp;to=2025-10-31"`,
      )
      expect(list).toContain(
        `href="/staff/cases/export.xlsx?figure=closed&amp;from=2025-10-01&amp;to=2025-10-31"`,
      )
      const reports = await (
        await getAs(app, staff.reporter, `/staff/reports?${OCTOBER}&by=unit`)
      ).text()
      expect(reports).toContain(
        'href="/staff/reports/summary.xlsx?from=2025-10-01&amp;to=2025-10-31&amp;by=unit"',
      )
      expect(reports).toContain('href="/staff/reports/snapshots"')
    })
  })
})
