/**
 * A look at an import file before importing it (导入预览, CONTRACT.md section 6): its format and
 * encoding, how each header cell maps to a column of the contract, the first rows and the required
 * columns it lacks. Reads the file with the import's own readers (CSV: UTF-8 when the whole file
 * is valid UTF-8, a BOM allowed, else GB18030; XLSX: the first sheet) but stops after the rows
 * shown.
 */
import { existsSync, statSync } from 'node:fs'
import { extname } from 'node:path'
import { invalidField } from '../domain/errors'
import {
  REQUIRED_IMPORT_FIELDS,
  resolveHeader,
  type ImportField,
} from '../domain/import-row'
import { detectEncoding, readCsvRecords, readXlsxRecords } from './import'

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
  const encoding = format === 'csv' ? await detectEncoding(file) : null
  const records: string[][] = []
  const source =
    format === 'csv' ? readCsvRecords(file, encoding ?? 'utf-8') : readXlsxRecords(file)
  try {
    for await (const { cells } of source) {
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
