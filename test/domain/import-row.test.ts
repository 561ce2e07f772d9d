import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { workdaysBetween } from '../../src/domain/calendar'
import {
  cellText,
  changedFields,
  createImportCaches,
  importedWorkOrder,
  isErrorColumn,
  mapImportRow,
  parseBoolean,
  parseChannel,
  parseTime,
  resolveHeader,
  type ImportRow,
  type ImportRowContext,
  type LookupResult,
} from '../../src/domain/import-row'
import { DEFAULT_SLA_RULES } from '../../src/domain/sla'
import { deadline, type WorkOrder } from '../../src/domain/work-order'
import { localDateOf, zonedToInstant } from '../../src/domain/zoned-time'
import { officialCalendar } from '../../src/services/official-holidays'

const TZ = 'Asia/Shanghai'
const calendar = officialCalendar()

const UNITS: Record<string, { id: number; district: boolean }> = {
  XJ: { id: 2, district: true },
  新建区: { id: 2, district: true },
  'XJ-CG': { id: 5, district: false },
  新建区城管局: { id: 5, district: false },
  长堎街道: { id: 4, district: false },
}
const CATEGORIES: Record<string, number> = { roads: 1, 道路交通: 1, 道路破损: 2 }

function context(overrides: Partial<ImportRowContext> = {}): ImportRowContext {
  return {
    timeZone: TZ,
    now: '2026-03-01T04:00:00.000Z',
    calendar,
    rules: DEFAULT_SLA_RULES,
    createMissing: false,
    caches: createImportCaches(),
    lookups: {
      unit: (v): LookupResult => (UNITS[v] ? { id: UNITS[v].id } : 'missing'),
      district: (v): LookupResult =>
        UNITS[v] ? (UNITS[v].district ? { id: UNITS[v].id } : 'not_a_district') : 'missing',
      category: (v): LookupResult => (CATEGORIES[v] ? { id: CATEGORIES[v] } : 'missing'),
    },
    ...overrides,
  }
}

function ok(row: ImportRow, ctx = context(), existing: WorkOrder | null = null) {
  const r = mapImportRow(row, ctx, existing)
  if (!r.ok) throw new Error(`expected the row to map: ${JSON.stringify(r.problems)}`)
  return r.value
}

function problems(row: ImportRow, ctx = context(), existing: WorkOrder | null = null) {
  const r = mapImportRow(row, ctx, existing)
  if (r.ok) throw new Error('expected problems')
  return r.problems
}

describe('the header (表头)', () => {
  it('reads English names in any case or the Chinese headers, skipping a BOM and spaces', () => {
    const h = resolveHeader(['\uFEFF编号', ' Received_At ', '状态', '备注', 'line'])
    expect(h.fields).toEqual(['external_id', 'received_at', 'status', null, null])
    expect(h.names).toEqual({ external_id: '编号', received_at: 'Received_At', status: '状态' })
    expect(h.chinese).toBe(true)
    expect(h.unknown).toEqual(['备注'])
    expect(h.errors).toEqual([])
  })

  it('refuses a file without the required columns or with a column twice', () => {
    expect(resolveHeader(['title']).errors).toEqual([
      'the required column external_id (编号) is missing',
      'the required column received_at (受理时间) is missing',
    ])
    expect(resolveHeader(['external_id', '编号', 'received_at']).errors).toEqual([
      'column 编号 repeats external_id',
    ])
  })

  it('knows the columns the error file adds', () => {
    expect(['line', 'column', 'reason', '行号', 'REASON'].every(isErrorColumn)).toBe(true)
    expect(isErrorColumn('status')).toBe(false)
  })
})

describe('cell values', () => {
  it('reads channels by code or label, booleans in three spellings; undoes formula guards', () => {
    expect(parseChannel('问政江西')).toBe('wenzheng')
    expect(parseChannel('Hotline_12345')).toBe('hotline_12345')
    expect(parseChannel('其他')).toBe('other')
    expect(parseChannel('热线')).toBeUndefined()
    expect(['true', 'TRUE', '1', '是'].map(parseBoolean)).toEqual([true, true, true, true])
    expect(['false', '0', '否'].map(parseBoolean)).toEqual([false, false, false])
    expect(parseBoolean('也许')).toBeUndefined()
    expect(cellText("'=SUM(A1)")).toBe('=SUM(A1)')
    expect(cellText("'+8613800001111")).toBe('+8613800001111')
    expect(cellText("'quoted")).toBe("'quoted")
  })

  it('reads times in TZ_REPORT, with an offset, or as spreadsheets save them', () => {
    const c = createImportCaches()
    const at = (v: string, dateAlone = false) => {
      const ms = parseTime(v, TZ, c, dateAlone)
      return ms === undefined ? undefined : new Date(ms).toISOString()
    }
    expect(at('2025-12-31 23:59')).toBe('2025-12-31T15:59:00.000Z')
    expect(at('2026-01-01 00:00:00')).toBe('2025-12-31T16:00:00.000Z')
    expect(at('2025-12-31T16:00:00Z')).toBe('2025-12-31T16:00:00.000Z')
    expect(at('2025-10-09T09:00:00+08:00')).toBe('2025-10-09T01:00:00.000Z')
    expect(at('2025-10-09T09:00+0530')).toBe('2025-10-09T03:30:00.000Z')
    expect(at('2025-10-09T09:00:00.250')).toBe('2025-10-09T01:00:00.250Z')
    expect(at('2025/1/5 9:30')).toBe('2025-01-05T01:30:00.000Z')
    expect(at('2025-10-20')).toBeUndefined()
    expect(at('2025-10-20', true)).toBe('2025-10-20T15:59:59.000Z')
    for (const bad of [
      '2025-13-01 10:00',
      '2025-02-29 10:00',
      '2025-10-01 24:00',
      'yesterday',
      '',
    ]) {
      expect(at(bad)).toBeUndefined()
    }
  })

  it('agrees with zonedToInstant and localDateOf in zones with and without summer time', () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Asia/Kathmandu']
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(1969, 0, 1), max: Date.UTC(2030, 0, 1) }),
        (zone, ms) => {
          const wall = new Date(Math.floor(ms / 1000) * 1000).toISOString()
          const [date, time] = [wall.slice(0, 10), wall.slice(11, 19)]
          const caches = createImportCaches()
          const got = parseTime(`${date} ${time}`, zone, caches)
          expect(got).toBe(Date.parse(zonedToInstant(date, time, zone)))
          const mapped = mapImportRow(
            { external_id: 'P', received_at: new Date(ms).toISOString() },
            context({ timeZone: zone, now: '2031-01-01T00:00:00.000Z', caches }),
          )
          if (!mapped.ok) throw new Error(JSON.stringify(mapped.problems))
          expect(mapped.value.receivedDay).toBe(localDateOf(ms, zone))
          expect(mapped.value.receivedAt).toBe(new Date(ms).toISOString())
        },
      ),
      { numRuns: 400 },
    )
  })
})

describe('mapping a row to a work order (工单)', () => {
  it('applies the defaults and computes the deadline from the SLA rules', () => {
    const v = ok({ external_id: ' A1 ', received_at: '2025-09-26 10:00' })
    expect(v).toMatchObject({
      externalId: 'A1',
      channel: 'other',
      kind: 'consultation',
      urgency: 'normal',
      status: 'received',
      title: '（无标题）',
      receivedAt: '2025-09-26T02:00:00.000Z',
      receivedDay: '2025-09-26',
      dueBaseDay: '2025-09-26',
      dueWorkdays: 3,
      dueAt: deadline(calendar, '2025-09-26', 3, TZ).dueAt,
      mergedInto: null,
    })
  })

  it('reads Chinese labels, a close with its working days, on-time and the rating time', () => {
    const v = ok({
      external_id: 'ZH-1',
      channel: '12345热线',
      kind: '投诉',
      urgency: '一般',
      category: '道路破损',
      unit: '新建区城管局',
      district: '新建区',
      content: '路口坑洼\n第二行',
      citizen_phone: '+86 138-1234-5678',
      received_at: '2025-09-26 10:00',
      closed_at: '2025-10-10 16:00',
      rating: '满意',
      status: '办结',
      returned: '是',
      extended: '否',
    })
    expect(v).toMatchObject({
      channel: 'hotline_12345',
      kind: 'complaint',
      categoryId: 2,
      unitId: 5,
      districtId: 2,
      title: '路口坑洼',
      citizenPhone: '13812345678',
      dueWorkdays: 13,
      dueAt: '2025-10-21T15:59:59.000Z',
      closedAt: '2025-10-10T08:00:00.000Z',
      closedOnTime: true,
      handlingWorkdays: workdaysBetween(calendar, '2025-09-26', '2025-10-10'),
      rating: 'satisfied',
      ratedAt: '2025-10-10T08:00:00.000Z',
      returnCount: 1,
      extensionCount: 0,
    })
  })

  it('keeps a given deadline (a date alone: the end of that day) and a given on-time flag', () => {
    const v = ok({
      external_id: 'W1',
      channel: '办不成事窗口',
      kind: '求助',
      unit: 'XJ-CG',
      received_at: '2025-10-09T09:00:00+08:00',
      due_at: '2025-10-20',
      closed_at: '2025-10-22 10:00',
      closed_on_time: '是',
      status: '归档',
    })
    expect(v.dueAt).toBe('2025-10-20T15:59:59.000Z')
    expect(v.dueWorkdays).toBe(workdaysBetween(calendar, '2025-10-09', '2025-10-20'))
    expect(v.dueProvisional).toBe(false)
    expect(v.closedOnTime).toBe(true)
    expect(v.status).toBe('archived')
  })

  it('derives a missing status from the row', () => {
    const at = { received_at: '2025-10-13 09:00' }
    expect(ok({ external_id: 'a', ...at, closed_at: '2025-10-14 09:00' }).status).toBe('closed')
    expect(ok({ external_id: 'b', ...at, unit: '长堎街道' }).status).toBe('dispatched')
    expect(ok({ external_id: 'c', ...at, merged_into: 'x' }).status).toBe('merged')
    expect(ok({ external_id: 'd', ...at, status: '' }).status).toBe('received')
  })

  it('puts the New Year edge on the right day', () => {
    expect(ok({ external_id: 'a', received_at: '2025-12-31 23:59' }).receivedDay).toBe('2025-12-31')
    expect(ok({ external_id: 'b', received_at: '2026-01-01 00:00' }).receivedDay).toBe('2026-01-01')
    expect(ok({ external_id: 'c', received_at: '2025-12-31T16:00:00Z' }).receivedDay).toBe(
      '2026-01-01',
    )
  })

  it.each([
    [{ external_id: '' }, 'external_id', 'is required'],
    [{ external_id: 'x'.repeat(101) }, 'external_id', 'at most 100'],
    [{ channel: '热线' }, 'channel', 'unknown value 热线'],
    [{ kind: '表扬' }, 'kind', 'unknown value'],
    [{ urgency: '加急' }, 'urgency', 'unknown value'],
    [{ category: '不存在' }, 'category', 'no category (分类)'],
    [{ unit: '不存在' }, 'unit', 'no unit (承办单位)'],
    [{ district: '不存在' }, 'district', 'no district (区域)'],
    [{ district: '长堎街道' }, 'district', 'is a unit, not a district'],
    [{ title: '长'.repeat(101) }, 'title', 'at most 100'],
    [{ citizen_phone: '12345' }, 'citizen_phone', 'mobile number'],
    [{ received_at: '' }, 'received_at', 'is required'],
    [{ received_at: '2025-13-01 10:00' }, 'received_at', 'is not a time'],
    [{ received_at: '2027-01-01 10:00' }, 'received_at', 'is in the future'],
    [{ due_at: '2025-10-12 09:00' }, 'due_at', 'is before the time of receipt'],
    [
      { closed_at: '2025-10-14 09:00', status: '办理中', unit: 'XJ-CG' },
      'closed_at',
      'needs status closed',
    ],
    [{ status: '办结' }, 'closed_at', 'is required for status closed'],
    [{ closed_at: '2025-10-12 09:00' }, 'closed_at', 'is before the time of receipt'],
    [
      { closed_at: '2025-10-14 09:00', closed_on_time: '也许' },
      'closed_on_time',
      'is not a yes/no',
    ],
    [{ closed_on_time: '是' }, 'closed_on_time', 'needs a closed case'],
    [{ rating: '满意' }, 'rating', 'needs status closed'],
    [{ closed_at: '2025-10-14 09:00', rating: '还行' }, 'rating', 'unknown value'],
    [{ closed_at: '2025-10-14 09:00', rated_at: '2025-10-15 09:00' }, 'rated_at', 'needs a rating'],
    [
      { closed_at: '2025-10-14 09:00', rating: '满意', rated_at: '2025-10-13 10:00' },
      'rated_at',
      'is before the close time',
    ],
    [{ status: '已完成' }, 'status', 'unknown value'],
    [{ status: '已派单' }, 'unit', 'is required for status dispatched'],
    [{ returned: '可能' }, 'returned', 'is not a yes/no'],
    [{ status: '重复件' }, 'merged_into', 'is required for status merged'],
    [{ status: '受理', merged_into: 'M' }, 'merged_into', 'needs status merged'],
    [{ merged_into: 'R' }, 'merged_into', 'cannot be merged into itself'],
  ] as [ImportRow, string, string][])('refuses %j on %s', (cells, column, reason) => {
    const row: ImportRow = { external_id: 'R', received_at: '2025-10-13 09:00', ...cells }
    const found = problems(row)
    expect(found).toHaveLength(1)
    expect(found[0]!.column).toBe(column)
    expect(found[0]!.reason).toContain(reason)
  })

  it('names unknown references to create with --create-missing, refusing overlong names', () => {
    const v = ok(
      {
        external_id: 'N',
        received_at: '2025-10-13 09:00',
        unit: '新单位',
        district: '新区',
        category: '新分类',
      },
      context({ createMissing: true }),
    )
    expect(v.create).toEqual({ unit: '新单位', district: '新区', category: '新分类' })
    expect(v).toMatchObject({
      unitId: null,
      districtId: null,
      categoryId: null,
      status: 'dispatched',
    })
    const long = problems(
      { external_id: 'N', received_at: '2025-10-13 09:00', unit: '长'.repeat(101) },
      context({ createMissing: true }),
    )
    expect(long[0]).toMatchObject({ column: 'unit', reason: expect.stringContaining('too long') })
  })

  it('keeps what an existing case has for the columns the file does not have', () => {
    const first = ok({
      external_id: 'E',
      kind: '投诉',
      title: '标题',
      content: '内容',
      unit: 'XJ-CG',
      received_at: '2025-10-13 09:00',
      closed_at: '2025-10-14 09:00',
      rating: '满意',
      returned: '1',
    })
    const existing = {
      ...importedWorkOrder(first, null, { caseNumber: 'NC20250000001', mergedIntoId: null }),
      id: 7,
      returnCount: 2,
      dueAt: '2025-11-05T15:59:59.000Z',
      dueWorkdays: 16,
    } as WorkOrder
    const again = ok({ external_id: 'E', received_at: '2025-10-13 09:00' }, context(), existing)
    const next = importedWorkOrder(again, existing, { caseNumber: '', mergedIntoId: null })
    expect(changedFields(existing, next)).toEqual([])
    expect(next).toMatchObject({
      id: 7,
      caseNumber: 'NC20250000001',
      returnCount: 2,
      dueWorkdays: 16,
    })

    const closedLater = ok(
      {
        external_id: 'E',
        received_at: '2025-10-13 09:00',
        closed_at: '2025-10-20 09:00',
        returned: '否',
      },
      context(),
      existing,
    )
    const changed = importedWorkOrder(closedLater, existing, { caseNumber: '', mergedIntoId: null })
    expect(changedFields(existing, changed)).toEqual([
      'closedAt',
      'handlingWorkdays',
      'ratedAt',
      'returnCount',
    ])
    // The rating stays; taken at the close (it had no time of its own), it moves with the close.
    expect(changed).toMatchObject({ rating: 'satisfied', ratedAt: changed.closedAt })
  })

  it('makes a new case with nothing of the workflow in progress and no tracking code', () => {
    const v = ok({ external_id: 'A', received_at: '2025-10-13 09:00', status: '受理' })
    const order = importedWorkOrder(v, null, { caseNumber: 'NC20250000009', mergedIntoId: null })
    expect(order).toMatchObject({
      caseNumber: 'NC20250000009',
      version: 1,
      externalId: 'A',
      confidential: false,
      pausedAt: null,
      dispatchedAt: null,
      reply: null,
      urgeLevel: null,
    })
  })
})
