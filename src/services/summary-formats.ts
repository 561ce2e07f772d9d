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

function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(2)}%`
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
    percent(f.closureRate),
    percent(f.onTimeRate),
    percent(f.satisfactionRate),
    String(f.overdueOpen),
  ]
  const rows = [head, ...summary.groups.map((g) => line(g.label, g)), line('合计', summary.totals)]
  const width = (s: string) => [...s].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0)
  const widths = head.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))))
  const pad = (s: string, i: number) =>
    i === 0 ? s + ' '.repeat(widths[i]! - width(s)) : ' '.repeat(widths[i]! - width(s)) + s
  const scope = summary.scope ? ` ${summary.scope.name}` : ''
  return [
    `${summary.from} – ${summary.to}${scope} (${summary.timezone}, as of ${summary.asOf})`,
    ...rows.map((r) => r.map(pad).join('  ')),
    '',
    summary.bulletin,
  ].join('\n')
}
