/**
 * A look at an import file before importing it (导入预览, CONTRACT.md section 6): its format and
 * encoding, how each header cell maps to a column of the contract, the first rows and the required
 * columns it lacks. Reads the file the way `importFile` does (CSV: UTF-8 when the whole file is
 * valid UTF-8, a BOM allowed, else GB18030; XLSX: the first sheet) but stops after the rows shown.
 */
import { createReadStream, existsSync, statSync } from 'node:fs'
import { extname } from 'node:path'
import { invalidField } from '../domain/errors'
import {
  REQUIRED_IMPORT_FIELDS,
  resolveHeader,
  type ImportField,
} from '../domain/import-row'
import { CsvParser } from './import'

/** One header cell of the file and the contract column it maps to (null: ignored). */
export interface PreviewHeader {
  header: string
  column: ImportField | null
}

/** What {@link previewImport} finds. */
export interface ImportPreview {
  format: 'csv' | 'xlsx'
  encoding: 'utf-8' | 'gb18030' | null
  headers: PreviewHeader[]
  /** The first data rows as read (blank rows skipped, as the import skips them). */
  rows: string[][]
  /** Required columns (`external_id`, `received_at`) the header lacks. */
  missingRequired: ImportField[]
}

/**
 * Reads the header and the first `rows` data rows of a .csv or .xlsx import file. Throws a
 * `validation_failed` error naming `file` for a file of another type, an empty file or an XLSX
 * file that cannot be read.
 *
 * @example
 * const preview = await previewImport('/tmp/history.csv', 5)
 * preview.headers[0] // { header: '编号', column: 'external_id' }
 */
export async function previewImport(file: string, rows = 10): Promise<ImportPreview> {
  const ext = extname(file).toLowerCase()
  if (ext !== '.csv' && ext !== '.xlsx') throw invalidField('file', 'must be a .csv or .xlsx file')
  if (!existsSync(file) || !statSync(file).isFile()) throw invalidField('file', 'no such file')
  const want = Math.max(0, Math.floor(rows))
  const format = ext === '.csv' ? 'csv' : 'xlsx'
  const encoding = format === 'csv' ? await csvEncoding(file) : null
  const records: string[][] = []
  const source = format === 'csv' ? csvRecords(file, encoding ?? 'utf-8') : xlsxRecords(file)
  try {
    for await (const cells of source) {
      if (cells.every((c) => c.trim() === '')) continue
      records.push(cells)
      if (records.length > want) break
    }
  } catch (err) {
    if (format === 'csv') throw err
    throw invalidField('file', `is not a readable XLSX file (${(err as Error).message})`)
  }
  const [head, ...data] = records
  if (!head) throw invalidField('file', 'is empty: it needs a header row')
  const resolved = resolveHeader(head)
  return {
    format,
    encoding,
    headers: head.map((cell, i) => ({
      header: cell.replace(/^\uFEFF/, '').trim(),
      column: resolved.fields[i] ?? null,
    })),
    rows: data,
    missingRequired: REQUIRED_IMPORT_FIELDS.filter((f) => resolved.names[f] === undefined),
  }
}

/** UTF-8 when the whole file decodes as UTF-8 (a BOM allowed), else GB18030. */
async function csvEncoding(file: string): Promise<'utf-8' | 'gb18030'> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      decoder.decode(chunk as Buffer, { stream: true })
    }
    decoder.decode()
    return 'utf-8'
  } catch {
    return 'gb18030'
  }
}

async function* csvRecords(file: string, encoding: 'utf-8' | 'gb18030') {
  const decoder = new TextDecoder(encoding)
  const parser = new CsvParser()
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 })
  try {
    for await (const chunk of stream) {
      parser.push(decoder.decode(chunk as Buffer, { stream: true }))
      for (let r = parser.next(false); r; r = parser.next(false)) yield r.cells
    }
    parser.push(decoder.decode())
    for (let r = parser.next(true); r; r = parser.next(true)) yield r.cells
  } finally {
    stream.destroy()
  }
}

async function* xlsxRecords(file: string) {
  const { default: ExcelJS } = await import('exceljs')
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  })
  for await (const sheet of reader) {
    for await (const row of sheet) {
      const values = row.values as unknown[]
      const cells: string[] = []
      for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]))
      yield cells
    }
    return
  }
}

/** A cell as text, as the import reads it (dates as the wall-clock `YYYY-MM-DD HH:mm:ss`). */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) return value.toISOString().slice(0, 19).replace('T', ' ')
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>
    if (Array.isArray(v.richText)) {
      return (v.richText as { text?: unknown }[]).map((t) => String(t.text ?? '')).join('')
    }
    if ('result' in v) return cellText(v.result)
    if ('text' in v) return cellText(v.text)
  }
  return ''
}
