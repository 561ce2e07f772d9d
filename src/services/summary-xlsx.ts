import type { Workbook, Worksheet } from 'exceljs'
import { invalidField } from '../domain/errors'
import type { Actor } from '../domain/work-order'
import {
  CASE_EXPORT_COLUMNS,
  caseExportRows,
  caseExportValues,
  exportsIdentity,
  IDENTITY_COLUMNS,
  localDateTime,
  TIME_COLUMNS,
  type CaseExportRow,
} from './case-list-csv'
import type { Deps } from './deps'
import type { CaseListQuery } from './queues'
import type { Summary } from './reports'
import type { SummaryField } from './snapshots'
import { FIELD_ORDER } from './summary-fields'
import { safeCell } from './summary-formats'

/** The Chinese name of every figure of CONTRACT.md section 5. */
export const FIELD_LABELS: Record<SummaryField, string> = {
  received: '受理',
  invalid: '无效',
  merged: '重复件',
  valid: '有效',
  closed: '办结',
  closedOnTime: '按期办结',
  overdueOpen: '超期未办结',
  rated: '已回访',
  satisfied: '满意',
  dissatisfied: '不满意',
  returned: '退单',
  extended: '延期',
  reopened: '重办',
  handlingWorkdays: '办理工作日合计',
  closureRate: '办结率',
  onTimeRate: '按期办结率',
  satisfactionRate: '满意率',
  callbackRate: '回访率',
  returnRate: '回退率',
  reopenRate: '重办率',
  avgHandlingWorkdays: '平均办理工作日',
}

/**
 * Whether a figure is a rate in [0, 1] (shown as a percentage).
 *
 * @example isRateField('closureRate') // true
 */
export function isRateField(field: SummaryField): boolean {
  return field.endsWith('Rate')
}

const GROUPING_LABELS: Record<string, string> = {
  channel: '渠道',
  unit: '承办单位',
  category: '分类',
  kind: '诉求类型',
  month: '月份',
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** The media type of the workbooks made here. */
export const XLSX_CONTENT_TYPE = XLSX_TYPE

async function newWorkbook(): Promise<Workbook> {
  const { default: ExcelJS } = await import('exceljs')
  const workbook = new ExcelJS.Workbook()
  workbook.creator = 'Hotline 热线工单系统'
  return workbook
}

async function bytesOf(workbook: Workbook): Promise<Uint8Array<ArrayBuffer>> {
  const buffer = await workbook.xlsx.writeBuffer()
  const view = buffer as unknown as Uint8Array
  return new Uint8Array(
    view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer,
  )
}

function text(value: string | null): string | null {
  return value === null ? null : safeCell(value)
}

function boldRow(sheet: Worksheet, row: number) {
  sheet.getRow(row).font = { bold: true }
}

/**
 * The summary as an Excel workbook: sheet 汇总 with a header row of Chinese labels, a second header
 * row of the field codes, one row per group and a total row (合计) with every figure of section 5;
 * counts are numbers, rates numbers formatted `0.00%`, empty rates blank. Sheet 说明 holds the
 * period, zone, `asOf`, scope and the bulletin sentence.
 *
 * @example const bytes = await summaryXlsx(await summarize(deps, query))
 */
export async function summaryXlsx(summary: Summary): Promise<Uint8Array<ArrayBuffer>> {
  const workbook = await newWorkbook()
  const sheet = workbook.addWorksheet('汇总', {
    views: [{ state: 'frozen', xSplit: 2, ySplit: 2 }],
  })
  const groupLabel = summary.by ? (GROUPING_LABELS[summary.by] ?? summary.by) : '范围'
  sheet.addRow(['编码', groupLabel, ...FIELD_ORDER.map((f) => FIELD_LABELS[f])])
  sheet.addRow(['key', 'label', ...FIELD_ORDER])
  boldRow(sheet, 1)
  sheet.getRow(2).font = { italic: true, color: { argb: 'FF666666' } }
  for (const g of summary.groups) {
    sheet.addRow([text(g.key), text(g.label), ...FIELD_ORDER.map((f) => g[f])])
  }
  const total = sheet.addRow(['total', '合计', ...FIELD_ORDER.map((f) => summary.totals[f])])
  total.font = { bold: true }
  FIELD_ORDER.forEach((f, i) => {
    const column = sheet.getColumn(i + 3)
    column.width = Math.max(10, FIELD_LABELS[f].length * 2 + 2)
    if (isRateField(f)) column.numFmt = '0.00%'
    else if (f === 'avgHandlingWorkdays') column.numFmt = '0.00'
  })
  sheet.getColumn(1).width = 16
  sheet.getColumn(2).width = 22

  const about = workbook.addWorksheet('说明')
  about.addRows([
    ['自', summary.from],
    ['至', summary.to],
    ['时区', summary.timezone],
    ['截至', summary.asOf],
    ['范围', text(summary.scope ? `${summary.scope.name}（${summary.scope.code}）` : '全部')],
    ['分组', summary.by ? groupLabel : '不分组'],
    ['简报表述', text(summary.bulletin)],
  ])
  about.getColumn(1).font = { bold: true }
  about.getColumn(1).width = 10
  about.getColumn(2).width = 60
  return bytesOf(workbook)
}

/**
 * An instant as a spreadsheet date showing the wall-clock time in the report zone (spreadsheets
 * know no zones: the local time is written as if it were UTC).
 *
 * @example wallClock('2025-10-08T02:00:00.000Z', 'Asia/Shanghai') // 2025-10-08T10:00:00.000Z
 */
export function wallClock(instant: string, timeZone: string): Date {
  return new Date(`${localDateTime(instant, timeZone).replace(' ', 'T')}:00.000Z`)
}

/** The most cases a case-list workbook holds (Excel itself stops at 1,048,575 rows). */
export const XLSX_MAX_CASES = 100_000

/**
 * The cases behind a list query (any figure of a report, a queue, filters) as an Excel workbook:
 * the same rows and columns as the CSV, times as dates in TZ_REPORT, text neutralised against
 * formulas, the citizen's name and masked phone only for roles that may see them. A workbook is
 * built in memory: more than {@link XLSX_MAX_CASES} cases are refused (the CSV has no limit).
 *
 * @example const bytes = await caseListXlsx(deps, actor, parseCaseListQuery(params))
 */
export async function caseListXlsx(
  deps: Deps,
  actor: Actor,
  query: CaseListQuery,
): Promise<Uint8Array<ArrayBuffer>> {
  const rows: CaseExportRow[] = []
  for await (const page of caseExportRows(deps, actor, query)) {
    rows.push(...page)
    if (rows.length > XLSX_MAX_CASES) {
      throw invalidField(
        'export',
        `has more than ${XLSX_MAX_CASES.toLocaleString('en')} cases, too many for a workbook; ` +
          'download the CSV (no limit) or narrow the period or filters',
      )
    }
  }
  const workbook = await newWorkbook()
  const sheet = workbook.addWorksheet('工单', { views: [{ state: 'frozen', ySplit: 1 }] })
  sheet.addRow([...CASE_EXPORT_COLUMNS, ...(exportsIdentity(actor) ? IDENTITY_COLUMNS : [])])
  boldRow(sheet, 1)
  for (const row of rows) {
    sheet.addRow(
      caseExportValues(row).map((v, i) =>
        v === null ? null : TIME_COLUMNS.has(i) ? wallClock(v, deps.timeZone) : safeCell(v),
      ),
    )
  }
  for (const i of TIME_COLUMNS) {
    const column = sheet.getColumn(i + 1)
    column.numFmt = 'yyyy-mm-dd hh:mm'
    column.width = 17
  }
  sheet.getColumn(1).width = 16
  sheet.getColumn(6).width = 18
  sheet.getColumn(7).width = 40
  return bytesOf(workbook)
}
