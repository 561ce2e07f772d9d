import { formatPercent } from '../domain/bulletin'
import { FIELD_ORDER } from './summary-fields'
import type { Summary } from './reports'

/**
 * Neutralises a CSV cell that a spreadsheet would run as a formula (`= + - @`, tab, CR).
 *
 * @example safeCell('=SUM(A1)') // "'=SUM(A1)"
 */
export function safeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

function csvCell(value: string | number | null): string {
  if (value === null) return ''
  const text = typeof value === 'number' ? String(value) : safeCell(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/**
 * The summary as CSV: a header, one row per group, then a total row; UTF-8 with a BOM so Excel
 * reads the Chinese labels, CRLF line ends.
 *
 * @example const csv = summaryCsv(await summarize(deps, query))
 */
export function summaryCsv(summary: Summary): string {
  const header = ['key', 'label', ...FIELD_ORDER]
  const rows: (string | number | null)[][] = summary.groups.map((g) => [
    g.key,
    g.label,
    ...FIELD_ORDER.map((f) => g[f]),
  ])
  rows.push(['total', '合计', ...FIELD_ORDER.map((f) => summary.totals[f])])
  return '\uFEFF' + [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
}

function percent(numerator: number, denominator: number): string {
  return formatPercent(numerator, denominator) ?? '—'
}

/**
 * How wide a string shows in a terminal: CJK characters take two columns.
 *
 * @example displayWidth('新建区') // 6
 */
export function displayWidth(s: string): number {
  return [...s].reduce((w, ch) => w + ((ch.codePointAt(0) ?? 0) >= 0x2e80 ? 2 : 1), 0)
}

/**
 * Pads a string to a display width, on the right (or the left for numbers).
 *
 * @example padDisplay('新建区', 8) // '新建区  '
 */
export function padDisplay(s: string, width: number, alignRight = false): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)))
  return alignRight ? fill + s : s + fill
}

/**
 * The summary as a plain-text table for a terminal.
 *
 * @example console.log(summaryText(summary))
 */
export function summaryText(summary: Summary): string {
  const head = ['', '受理', '有效', '办结', '办结率', '按期办结率', '满意率', '超期未办']
  const line = (label: string, f: Summary['totals']) => [
    label,
    String(f.received),
    String(f.valid),
    String(f.closed),
    percent(f.closed, f.valid),
    percent(f.closedOnTime, f.closed),
    percent(f.satisfied, f.rated),
    String(f.overdueOpen),
  ]
  const rows = [head, ...summary.groups.map((g) => line(g.label, g)), line('合计', summary.totals)]
  const widths = head.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? ''))))
  const pad = (s: string, i: number) => padDisplay(s, widths[i] ?? 0, i > 0)
  const scope = summary.scope ? ` ${summary.scope.name}` : ''
  return [
    `${summary.from} – ${summary.to}${scope} (${summary.timezone}, as of ${summary.asOf})`,
    ...rows.map((r) => r.map(pad).join('  ')),
    '',
    summary.bulletin,
  ].join('\n')
}
