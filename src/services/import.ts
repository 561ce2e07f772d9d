/**
 * Importing history (导入历史工单, CONTRACT.md section 6): `hotline import FILE` reads a CSV (UTF-8
 * with or without BOM, or GB18030) or an XLSX file as a stream and writes its rows as cases in
 * batches, several batches to a transaction: the cases, one `import` event each, their ratings and
 * the rollup changes commit together, so the figures stay exact (`hotline recount` agrees) and an
 * interrupted import can simply be run again. Rows are identified by `channel` + `external_id`: a
 * row seen before is left alone when nothing changed and updated (with an `import` event) when
 * something did. Into an empty store the import is a bulk load: see `deferred` below.
 *
 * The mapping of one row lives in `src/domain/import-row.ts`; this file is the I/O around it.
 */
import { createHash } from 'node:crypto'
import { isUtf8 } from 'node:buffer'
import { once } from 'node:events'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  statSync,
  type WriteStream,
} from 'node:fs'
import { availableParallelism } from 'node:os'
import { basename, extname, resolve } from 'node:path'
import {
  CompiledQuery,
  Kysely,
  sql,
  SqliteDialect,
  type SqliteStatement,
  type Transaction,
} from 'kysely'
import type { Database } from '../../db/database'
import { dropDeferredIndexes, restoreDeferredIndexes } from '../../db/deferred-indexes'
import { createSqliteDb } from '../../db/dialects/sqlite'
import { listCategories, listUnits } from '../../db/repositories/reference-data'
import { RollupTally } from '../../db/repositories/rollups'
import { toWorkOrder } from '../../db/repositories/work-orders'
import type { WorkOrderRow } from '../../db/tables/work-orders.table'
import { CHANNELS, type Channel } from '../domain/codes'
import { HotlineError, invalidField } from '../domain/errors'
import {
  cellText,
  changedFields,
  columnName,
  createImportCaches,
  importedWorkOrder,
  isErrorColumn,
  mapImportRow,
  resolveHeader,
  rowChannel,
  rowReader,
  type ImportedCase,
  type ImportedOrderField,
  type ImportField,
  type ImportHeader,
  type ImportLookups,
  type ImportRow,
  type ImportRowContext,
  type LookupResult,
} from '../domain/import-row'
import { STATUS_LABELS, type Status } from '../domain/status'
import { formatCaseNumber } from '../domain/tracking-code'
import type { WorkOrder } from '../domain/work-order'
import { createCategory, createUnit, type AdminActor } from './admin'
import { workingRules } from './calendar'
import { nowOf, type Deps } from './deps'
import { safeCell } from './summary-formats'

type Db = Kysely<Database> | Transaction<Database>

/** What {@link importFile} takes besides the file. */
export interface ImportOptions {
  /** Check every row and report, without writing to the database. */
  dryRun?: boolean
  /** Create unknown units (承办单位), districts (区域) and categories (分类) instead of refusing. */
  createMissing?: boolean
  /** Where the rejected rows go (default `FILE.errors.csv` next to the input). */
  errorsPath?: string
  /** Rows checked and written together (default 500). */
  batchSize?: number
  /**
   * Rows per transaction at most (default 50,000, or 150,000 for a bulk load into an empty store;
   * at least one batch). A transaction also ends after a second (three for a bulk load), so that
   * other writers of a SQLite store never wait long for it.
   */
  transactionRows?: number
  /** Each rejected row, as soon as it is known. */
  onRejected?: (rejection: Rejection) => void
  /** After each batch. */
  onProgress?: (progress: ImportProgress) => void
  /** Things worth saying that refuse nothing (ignored columns). */
  onWarning?: (message: string) => void
}

/** A refused row: its line in the file (the header is line 1) and every problem found. */
export interface Rejection {
  line: number
  problems: { column: string; reason: string }[]
}

/** How far an import has come. */
export interface ImportProgress {
  rows: number
  /** Bytes of the file read so far and in all (CSV only). */
  bytes: number | null
  totalBytes: number | null
}

/** What an import did (or, with `dryRun`, would do). */
export interface ImportSummary {
  file: string
  format: 'csv' | 'xlsx'
  encoding: 'utf-8' | 'gb18030' | null
  dryRun: boolean
  /** Data rows read (blank lines not counted). */
  read: number
  /** New cases. */
  imported: number
  updated: number
  unchanged: number
  rejected: number
  /** The error file written, or null when every row was taken. */
  errorsPath: string | null
  /** Codes and names of the units and categories created by `createMissing`. */
  createdUnits: string[]
  createdCategories: string[]
}

/** Who the import acts as, in case timelines and the admin audit log. */
const IMPORT_ACTOR = { id: null, role: 'system', name: '数据导入' } as const
const IMPORT_ADMIN: AdminActor = { id: null, name: '数据导入' }
/**
 * Rows checked and written together. Small: a batch's objects then die young, before the garbage
 * collector promotes them (1,000-row batches took 15% longer and 50 MB more memory than 500).
 */
const DEFAULT_BATCH = 500
/**
 * Bytes read at a time: the decoded text stays a young, small string (a megabyte would make a
 * large object that only a full collection frees, and a million rows leave hundreds of them).
 */
const READ_CHUNK = 1 << 15
/**
 * How much one transaction may hold: rows and milliseconds, into a store in use and for a bulk
 * load into an empty one (fewer commits, each of which also checkpoints the WAL on SQLite).
 */
const TRANSACTION_LIMITS = {
  live: { rows: 50_000, ms: 1000 },
  bulk: { rows: 150_000, ms: 3000 },
} as const
/** New cases after which the statistics are refreshed (Postgres). */
const ANALYZE_EVERY = 100_000

/**
 * Imports a CSV or XLSX file of historical cases (see CONTRACT.md section 6). File-level problems
 * (unknown format, missing file, missing required columns) throw a `HotlineError` before anything
 * is written; row problems are reported per row and in the error file.
 *
 * @example
 * const summary = await importFile(deps, 'history.csv', { createMissing: true })
 * summary.rejected // 0
 */
export async function importFile(
  deps: Deps,
  file: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const ext = extname(file).toLowerCase()
  if (ext !== '.csv' && ext !== '.xlsx') throw invalidField('FILE', 'must be a .csv or .xlsx file')
  if (!existsSync(file) || !statSync(file).isFile())
    throw invalidField('FILE', `no such file: ${file}`)
  const errorsPath = resolve(options.errorsPath ?? `${file}.errors.csv`)
  if (errorsPath === resolve(file)) throw invalidField('errors', 'must not be the input file')
  const format = ext === '.csv' ? 'csv' : 'xlsx'
  const encoding = format === 'csv' ? await detectEncoding(file) : null
  const position = { bytes: 0 }
  const totalBytes = format === 'csv' ? statSync(file).size : null
  const records =
    format === 'csv' ? readCsvRecords(file, encoding ?? 'utf-8', position) : readXlsxRecords(file)

  const summary: ImportSummary = {
    file,
    format,
    encoding,
    dryRun: options.dryRun ?? false,
    read: 0,
    imported: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    errorsPath: null,
    createdUnits: [],
    createdCategories: [],
  }
  const rows = records[Symbol.asyncIterator]()
  let header: RawRecord | undefined
  for (let r = await rows.next(); !r.done; r = await rows.next()) {
    if (!isBlank(r.value)) {
      header = r.value
      break
    }
  }
  if (!header) throw invalidField('FILE', 'the file is empty: it needs a header row')
  const run = await ImportRun.start(deps, file, header.cells, errorsPath, options, summary)
  try {
    const size = Math.max(1, options.batchSize ?? DEFAULT_BATCH)
    await run.processAll(batchesOf(rows, size, summary))
    options.onProgress?.({ rows: summary.read, bytes: totalBytes, totalBytes })
  } finally {
    await run.close()
  }
  return summary

  async function* batchesOf(
    source: AsyncIterator<RawRecord>,
    size: number,
    counts: ImportSummary,
  ): AsyncGenerator<RawRecord[]> {
    let batch: RawRecord[] = []
    for (let r = await source.next(); !r.done; r = await source.next()) {
      if (isBlank(r.value)) continue
      counts.read++
      batch.push(r.value)
      if (batch.length >= size) {
        yield batch
        batch = []
        options.onProgress?.({ rows: counts.read, bytes: position.bytes, totalBytes })
      }
    }
    if (batch.length > 0) yield batch
  }
}

function isBlank(record: RawRecord): boolean {
  return record.cells.every((c) => c.trim() === '')
}

// ---------------------------------------------------------------------------------------------
// Reading files

/** One record of an import file as read, before any checks. */
export interface RawRecord {
  /** The file line the record starts on (the header is line 1), or the sheet row number. */
  line: number
  cells: string[]
}

/**
 * UTF-8 when the whole file is valid UTF-8 (a BOM is allowed), else GB18030. The check reads the
 * file once as a stream with a strict decoder.
 *
 * @example await detectEncoding('history.csv') // 'gb18030' for an export of a Chinese system
 */
export async function detectEncoding(file: string): Promise<'utf-8' | 'gb18030'> {
  let carry: Buffer = Buffer.alloc(0)
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer)
    // Check up to the last whole character; an unfinished one waits for the next chunk.
    let lead = buf.length - 1
    while (lead > 0 && buf.length - lead < 4 && (buf[lead]! & 0xc0) === 0x80) lead--
    const byte = buf[lead] ?? 0
    const width = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    const cut = buf.length - lead < width ? lead : buf.length
    if (!isUtf8(buf.subarray(0, cut))) return 'gb18030'
    carry = Buffer.from(buf.subarray(cut))
  }
  return carry.length === 0 || isUtf8(carry) ? 'utf-8' : 'gb18030'
}

/**
 * The records of a CSV file in `encoding`, streamed; `position.bytes` follows the bytes read.
 *
 * @example for await (const r of readCsvRecords(file, 'utf-8', { bytes: 0 })) r.cells
 */
export async function* readCsvRecords(
  file: string,
  encoding: 'utf-8' | 'gb18030',
  position: { bytes: number } = { bytes: 0 },
): AsyncGenerator<RawRecord> {
  const decoder = new TextDecoder(encoding)
  const parser = new CsvParser()
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) {
    position.bytes += (chunk as Buffer).length
    parser.push(decoder.decode(chunk as Buffer, { stream: true }))
    for (let r = parser.next(false); r; r = parser.next(false)) yield r
  }
  parser.push(decoder.decode())
  for (let r = parser.next(true); r; r = parser.next(true)) yield r
}

const QUOTE = 34
const COMMA = 44
const LF = 10
const CR = 13

/**
 * A streaming RFC 4180 parser: quoted fields with `""`, commas and line breaks inside, CRLF, LF or
 * CR line ends; it keeps count of physical lines so that a record reports the line it starts on.
 */
export class CsvParser {
  private buf = ''
  private pos = 0
  private line = 1
  /** Where the next `"` and the next CR are at or after `pos` (-1: none; -2: not looked yet). */
  private quoteAt = -2
  private crAt = -2

  /** Adds decoded text. */
  push(text: string): void {
    this.buf = this.pos > 0 ? this.buf.slice(this.pos) + text : this.buf + text
    this.pos = 0
    this.quoteAt = -2
    this.crAt = -2
  }

  /**
   * The next complete record, or undefined when more text is needed (`final` false) or the text
   * is used up.
   *
   * @example
   * const p = new CsvParser()
   * p.push('a,b\n')
   * p.next(false) // { line: 1, cells: ['a', 'b'] }
   */
  next(final: boolean): RawRecord | undefined {
    const buf = this.buf
    const i = this.pos
    if (i >= buf.length) return undefined
    // The common record, without quotes or a lone CR, is cut with indexOf and split.
    const lf = buf.indexOf('\n', i)
    if (lf >= 0) {
      if (this.quoteAt !== -1 && this.quoteAt < i) this.quoteAt = buf.indexOf('"', i)
      if (this.crAt !== -1 && this.crAt < i) this.crAt = buf.indexOf('\r', i)
      const quoted = this.quoteAt >= 0 && this.quoteAt < lf
      const cr = this.crAt >= 0 && this.crAt < lf
      if (!quoted && (!cr || this.crAt === lf - 1)) {
        const record = { line: this.line++, cells: buf.slice(i, cr ? lf - 1 : lf).split(',') }
        this.pos = lf + 1
        return record
      }
    }
    return this.parse(final)
  }

  /** The general case: quoted cells with commas, quotes and line breaks, any line ends. */
  private parse(final: boolean): RawRecord | undefined {
    const buf = this.buf
    const len = buf.length
    let i = this.pos
    const cells: string[] = []
    let breaks = 0
    for (;;) {
      if (i >= len) {
        if (!final) return undefined
        cells.push('')
        break
      }
      let c = buf.charCodeAt(i)
      if (c === QUOTE) {
        let value = ''
        let start = i + 1
        let j = start
        for (;;) {
          const k = buf.indexOf('"', j)
          if (k < 0) {
            if (!final) return undefined
            value += buf.slice(start)
            i = len
            break
          }
          if (k + 1 >= len && !final) return undefined
          if (buf.charCodeAt(k + 1) === QUOTE) {
            value += buf.slice(start, k + 1)
            j = start = k + 2
            continue
          }
          value += buf.slice(start, k)
          i = k + 1
          break
        }
        // Text after the closing quote up to the delimiter is kept (lenient, as spreadsheets are).
        let e = i
        while (e < len) {
          const d = buf.charCodeAt(e)
          if (d === COMMA || d === LF || d === CR) break
          e++
        }
        if (e > i) value += buf.slice(i, e)
        i = e
        breaks += countBreaks(value)
        cells.push(value)
      } else {
        let e = i
        while (e < len) {
          c = buf.charCodeAt(e)
          if (c === COMMA || c === LF || c === CR) break
          e++
        }
        cells.push(buf.slice(i, e))
        i = e
      }
      if (i >= len) {
        if (!final) return undefined
        break
      }
      c = buf.charCodeAt(i)
      if (c === COMMA) {
        i++
        continue
      }
      if (c === CR) {
        if (i + 1 >= len && !final) return undefined
        i += buf.charCodeAt(i + 1) === LF ? 2 : 1
      } else {
        i++
      }
      break
    }
    const record = { line: this.line, cells }
    this.line += 1 + breaks
    this.pos = i
    return record
  }
}

function countBreaks(value: string): number {
  let n = 0
  for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) n++
  for (let i = value.indexOf('\r'); i >= 0; i = value.indexOf('\r', i + 1)) {
    if (value.charCodeAt(i + 1) !== LF) n++
  }
  return n
}

/**
 * The rows of the first sheet of an XLSX file as text (see {@link xlsxText}), streamed.
 *
 * @example for await (const r of readXlsxRecords('history.xlsx')) r.cells
 */
export async function* readXlsxRecords(file: string): AsyncGenerator<RawRecord> {
  const { default: ExcelJS } = await import('exceljs')
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  })
  let first = true
  for await (const sheet of reader) {
    for await (const row of sheet) {
      if (!first) continue
      const values = row.values as unknown[]
      const cells: string[] = []
      for (let i = 1; i < values.length; i++) cells.push(xlsxText(values[i]))
      yield { line: row.number, cells }
    }
    first = false
  }
}

/**
 * A spreadsheet cell as text. Dates come from exceljs as the wall-clock time in UTC fields, so
 * they are written back as `YYYY-MM-DD HH:mm:ss` and read in TZ_REPORT like any local time.
 */
function xlsxText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) return value.toISOString().slice(0, 19).replace('T', ' ')
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>
    if (Array.isArray(v.richText)) {
      return (v.richText as { text?: unknown }[]).map((t) => String(t.text ?? '')).join('')
    }
    if ('result' in v) return xlsxText(v.result)
    if ('text' in v) return xlsxText(v.text)
  }
  return ''
}

// ---------------------------------------------------------------------------------------------
// The external_ids of one file

/**
 * The `external_id`s seen in one file with the line each was first seen on and what became of
 * the row, kept compactly (UTF-8 bytes in one buffer and an open-addressing table of indices): a
 * million ids take about 30 MB instead of the ~90 MB of a `Map` of strings. Exact: every probe
 * compares the bytes.
 */
class FileKeys {
  private bytes = Buffer.alloc(1 << 16)
  private used = 0
  private starts = new Uint32Array(1024)
  private lines = new Uint32Array(1024)
  private states = new Uint8Array(1024)
  private ids = new Uint32Array(1024)
  private count = 0
  private table = new Int32Array(2048).fill(-1)
  private scratch = Buffer.alloc(1024)

  /**
   * The index of `key` when it was seen before; otherwise adds it (first seen on `line`) and
   * returns -1.
   */
  seenOrAdd(key: string, line: number): number {
    const k = this.encode(key)
    const found = this.lookup(k)
    if (found >= 0) return found
    if (this.count + 2 >= this.starts.length) this.growRows()
    if ((this.count + 1) * 2 > this.table.length) this.growTable()
    if (this.used + k.length > this.bytes.length) {
      const bigger = Buffer.alloc(Math.ceil((this.used + k.length) * 1.5))
      this.bytes.copy(bigger, 0, 0, this.used)
      this.bytes = bigger
    }
    const i = this.count++
    k.copy(this.bytes, this.used)
    this.starts[i] = this.used
    this.used += k.length
    this.starts[i + 1] = this.used
    this.lines[i] = line
    this.insert(i, fnv1a(k))
    return -1
  }

  /** The index of a key, or -1. */
  find(key: string): number {
    return this.lookup(this.encode(key))
  }

  /** The number of keys so far (the index the next added key gets). */
  get size(): number {
    return this.count
  }

  line(i: number): number {
    return this.lines[i]!
  }

  /** 0: rejected (or not decided yet); else accepted, with the status kind and the channel. */
  state(i: number): number {
    return this.states[i]!
  }

  setState(i: number, state: number): void {
    this.states[i] = state
  }

  /** The id of the case the row was written as, or 0 (not written, or a dry run). */
  id(i: number): number {
    return this.ids[i]!
  }

  setId(i: number, id: number): void {
    this.ids[i] = id
  }

  private lookup(k: Buffer): number {
    const mask = this.table.length - 1
    for (let slot = fnv1a(k) & mask; ; slot = (slot + 1) & mask) {
      const i = this.table[slot]!
      if (i < 0) return -1
      const start = this.starts[i]!
      const end = this.starts[i + 1]!
      if (end - start === k.length && this.bytes.compare(k, 0, k.length, start, end) === 0) {
        return i
      }
    }
  }

  /** The UTF-8 bytes of a key, in a scratch buffer (valid until the next call). */
  private encode(key: string): Buffer {
    if (key.length * 3 > this.scratch.length) this.scratch = Buffer.alloc(key.length * 3)
    const n = this.scratch.write(key, 0, 'utf8')
    return this.scratch.subarray(0, n)
  }

  private insert(i: number, hash: number) {
    const mask = this.table.length - 1
    let slot = hash & mask
    while (this.table[slot]! >= 0) slot = (slot + 1) & mask
    this.table[slot] = i
  }

  private growRows() {
    const n = Math.ceil(this.starts.length * 1.5)
    const starts = new Uint32Array(n)
    starts.set(this.starts)
    this.starts = starts
    const lines = new Uint32Array(n)
    lines.set(this.lines)
    this.lines = lines
    const states = new Uint8Array(n)
    states.set(this.states)
    this.states = states
    const ids = new Uint32Array(n)
    ids.set(this.ids)
    this.ids = ids
  }

  private growTable() {
    this.table = new Int32Array(this.table.length * 2).fill(-1)
    for (let i = 0; i < this.count; i++) {
      this.insert(i, fnv1a(this.bytes.subarray(this.starts[i]!, this.starts[i + 1]!)))
    }
  }
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193)
  return h >>> 0
}

/** FileKeys states: bit 0 accepted, bit 1 may be a master (not invalid/merged), bits 2+ channel. */
const ACCEPTED = 1
const MASTER = 2
const stateOf = (status: Status, channel: Channel) =>
  ACCEPTED |
  (status === 'invalid' || status === 'merged' ? 0 : MASTER) |
  (CHANNELS.indexOf(channel) << 2)
const channelOfState = (state: number): Channel => CHANNELS[state >> 2]!

// ---------------------------------------------------------------------------------------------
// One import

/** A row on its way through a batch. */
interface Item {
  record: RawRecord
  row: ImportRow
  /** Index in FileKeys, -1 when the row has no external_id or repeats one. */
  key: number
  problems: { column: ImportField | null; reason: string }[]
  channel: Channel | undefined
  existing: WorkOrder | null
  value: ImportedCase | null
  /** A master case earlier in this batch, or the id of a master already stored. */
  masterItem: Item | null
  masterId: number | null
  outcome: 'created' | 'updated' | 'unchanged' | null
  order: (Omit<WorkOrder, 'id'> & { id?: number }) | null
  changed: ImportedOrderField[]
}

interface Reference {
  id: number
  code: string
  name: string
  level?: string
  parentId?: number | null
}

class ImportRun {
  private readonly keys = new FileKeys()
  private errors: WriteStream | null = null
  private readonly keep: number[]
  private nextPlaceholder = -1
  /** New cases since the statistics were last refreshed. */
  private unanalyzed = 0
  /**
   * A bulk load (批量装载): the table was empty when the import began, so no row can match a case
   * stored before it (and the file's own ids are unique), the lookups are skipped and the
   * deferred indexes are built at the end. A case another writer stores meanwhile with the same
   * channel and external_id makes the import stop on the unique index, writing nothing more.
   */
  private deferred = false
  private readonly readRow: (cells: readonly string[]) => ImportRow

  private constructor(
    private readonly deps: Deps,
    private readonly file: string,
    private readonly headerCells: string[],
    private readonly header: ImportHeader,
    private readonly errorsPath: string,
    private readonly options: ImportOptions,
    private readonly summary: ImportSummary,
    private readonly ctx: ImportRowContext,
    private readonly units: Reference[],
    private readonly categories: Reference[],
    private readonly now: string,
    private readonly sink: Sink,
  ) {
    this.keep = headerCells.map((_, i) => i).filter((i) => !isErrorColumn(headerCells[i]!))
    this.readRow = rowReader(header.fields)
  }

  static async start(
    deps: Deps,
    file: string,
    headerCells: string[],
    errorsPath: string,
    options: ImportOptions,
    summary: ImportSummary,
  ): Promise<ImportRun> {
    const header = resolveHeader(headerCells)
    if (header.errors.length > 0) {
      throw new HotlineError('validation_failed', `${file}: ${header.errors.join('; ')}`, {
        FILE: header.errors.join('; '),
      })
    }
    if (header.unknown.length > 0) {
      options.onWarning?.(
        `ignoring columns this import does not know: ${header.unknown.join(', ')}`,
      )
    }
    const [{ calendar, rules }, units, categories] = await Promise.all([
      workingRules(deps),
      listUnits(deps.db),
      listCategories(deps.db),
    ])
    const now = nowOf(deps)
    const unitRefs: Reference[] = units.map((u) => ({ ...u }))
    const categoryRefs: Reference[] = categories.map((c) => ({ ...c }))
    const find = (list: Reference[], v: string) =>
      list.find((r) => r.code === v) ?? list.find((r) => r.name === v)
    const lookups: ImportLookups = {
      unit: (v) => found(find(unitRefs, v)),
      district: (v): LookupResult => {
        const district = find(
          unitRefs.filter((u) => u.level === 'district'),
          v,
        )
        if (district) return { id: district.id }
        return find(unitRefs, v) ? 'not_a_district' : 'missing'
      },
      category: (v) => found(find(categoryRefs, v)),
    }
    const ctx: ImportRowContext = {
      timeZone: deps.timeZone,
      now,
      calendar,
      rules,
      lookups: memoLookups(lookups),
      createMissing: options.createMissing ?? false,
      caches: createImportCaches(),
    }
    return new ImportRun(
      deps,
      file,
      headerCells,
      header,
      errorsPath,
      options,
      summary,
      ctx,
      unitRefs,
      categoryRefs,
      now,
      options.dryRun ? readOnlySink(deps) : await openSink(deps),
    )
  }

  /**
   * Checks and writes every batch: several batches to a transaction (see `transactionRows`),
   * their rollup changes summed and written once at its end; a dry run only checks. The summary
   * counts a transaction's cases once it has committed.
   */
  async processAll(batches: AsyncIterator<RawRecord[]>): Promise<void> {
    if (this.summary.dryRun) {
      for (let b = await batches.next(); !b.done; b = await batches.next()) {
        const items = b.value.map((r) => this.prepare(r))
        await this.check(this.deps.db, items)
        await this.finish(items, this.summary)
      }
      return
    }
    const tally = new RollupTally()
    const any = await this.sink.db.selectFrom('work_orders').select('id').limit(1).execute()
    if (any.length === 0) {
      this.deferred = true
      await dropDeferredIndexes(this.sink.db)
    }
    const limits = TRANSACTION_LIMITS[this.deferred ? 'bulk' : 'live']
    const limit = Math.max(1, this.options.transactionRows ?? limits.rows)
    for (let done = false; !done; ) {
      const counts = { imported: 0, updated: 0, unchanged: 0 }
      await this.sink.db.transaction().execute(async (trx) => {
        const started = performance.now()
        let rows = 0
        while (rows < limit && (rows === 0 || performance.now() - started < limits.ms)) {
          const b = await batches.next()
          if (b.done) {
            done = true
            break
          }
          const items = b.value.map((r) => this.prepare(r))
          await this.check(trx, items)
          await this.write(trx, items, tally)
          await this.finish(items, counts)
          rows += items.length
        }
        await tally.apply(trx)
      })
      this.summary.imported += counts.imported
      this.summary.updated += counts.updated
      this.summary.unchanged += counts.unchanged
      this.unanalyzed += counts.imported
      if (this.unanalyzed >= ANALYZE_EVERY) await this.analyze()
    }
  }

  /**
   * Postgres plans the lookups of existing cases from the table's statistics, which autovacuum
   * refreshes only now and then: on a table a bulk import has just grown they say it is small,
   * and the lookup by (channel, external_id) turns into a scan of the whole channel. The import
   * refreshes them itself as it grows the tables, and at the end for the reports.
   */
  private async analyze(): Promise<void> {
    this.unanalyzed = 0
    if (this.deps.dialect !== 'postgres') return
    await sql`analyze work_orders, work_order_events, ratings, report_cube`.execute(this.deps.db)
  }

  /** Builds the indexes a bulk load deferred, closes the store and the error file. */
  async close(): Promise<void> {
    try {
      if (this.deferred) await restoreDeferredIndexes(this.sink.db)
    } finally {
      await this.sink.close()
    }
    // Best effort, after a failure too.
    if (this.unanalyzed > 0) await this.analyze().catch(() => {})
    const stream = this.errors
    if (!stream) return
    await new Promise<void>((done, fail) => {
      stream.once('error', fail)
      stream.end(done)
    })
  }

  private prepare(record: RawRecord): Item {
    const { fields } = this.header
    const row = this.readRow(record.cells)
    const item: Item = {
      record,
      row,
      key: -1,
      problems: [],
      channel: rowChannel(row),
      existing: null,
      value: null,
      masterItem: null,
      masterId: null,
      outcome: null,
      order: null,
      changed: [],
    }
    for (let i = fields.length; i < record.cells.length; i++) {
      if (record.cells[i]!.trim() === '') continue
      item.problems.push({
        column: null,
        reason:
          `has ${record.cells.length} cells but the header has ${fields.length}` +
          ' (a stray comma or quote?)',
      })
      break
    }
    const externalId = cellText(row.external_id)
    if (externalId !== '') {
      const index = this.keys.size
      const seen = this.keys.seenOrAdd(externalId, record.line)
      if (seen >= 0) {
        const first = this.keys.line(seen)
        item.problems.push({
          column: 'external_id',
          reason: `duplicate: ${externalId} is already on line ${first} of this file`,
        })
      } else {
        item.key = index
      }
    }
    return item
  }

  /** All but the writing: existing cases, the mapping, masters, units and categories to create. */
  private async check(db: Db, items: Item[]): Promise<void> {
    const existing = await this.findExisting(db, items)
    for (const item of items) {
      const externalId = cellText(item.row.external_id)
      item.existing = (item.channel && existing.get(`${item.channel}\t${externalId}`)) || null
      const result = mapImportRow(item.row, this.ctx, item.existing)
      if (!result.ok) item.problems.push(...result.problems)
      else if (item.problems.length === 0) item.value = result.value
      if (item.value && item.key >= 0) {
        this.keys.setState(item.key, stateOf(item.value.status, item.value.channel))
      }
    }
    await this.resolveMasters(db, items)
    if (this.ctx.createMissing) await this.createReferences(db, items)
    for (const item of items) this.classify(item)
  }

  private async findExisting(db: Db, items: Item[]): Promise<Map<string, WorkOrder>> {
    if (this.deferred) return new Map()
    const byChannel = new Map<Channel, string[]>()
    for (const item of items) {
      const externalId = cellText(item.row.external_id)
      if (!item.channel || externalId === '') continue
      let list = byChannel.get(item.channel)
      if (!list) byChannel.set(item.channel, (list = []))
      list.push(externalId)
    }
    const found = new Map<string, WorkOrder>()
    const lock = !this.summary.dryRun && this.deps.dialect === 'postgres'
    for (const [channel, ids] of byChannel) {
      for (let i = 0; i < ids.length; i += 500) {
        const rows: WorkOrderRow[] = await db
          .selectFrom('work_orders')
          .selectAll()
          .where('channel', '=', channel)
          .where('external_id', 'in', ids.slice(i, i + 500))
          .$if(lock, (qb) => qb.forUpdate())
          .execute()
        for (const r of rows) found.set(`${r.channel}\t${r.external_id}`, toWorkOrder(r))
      }
    }
    return found
  }

  /**
   * Finds the master case of each merged row: earlier in the file (accepted, and neither invalid
   * nor merged itself) or already in the database (same channel first, else the only case with
   * that external_id).
   */
  private async resolveMasters(db: Db, items: Item[]): Promise<void> {
    const batchByKey = new Map<number, Item>()
    for (const item of items) if (item.key >= 0 && item.value) batchByKey.set(item.key, item)
    const fromDb: { item: Item; externalId: string; channel: Channel | null }[] = []
    for (const item of items) {
      const ref = item.value?.mergedInto
      if (!item.value || !ref) continue
      if ('id' in ref) {
        item.masterId = ref.id
        continue
      }
      const k = this.keys.find(ref.externalId)
      const state = k >= 0 && this.keys.line(k) < item.record.line ? this.keys.state(k) : 0
      if (state & ACCEPTED) {
        if (!(state & MASTER)) {
          const line = this.keys.line(k)
          const reason = `the master case ${ref.externalId} (line ${line}) is invalid or merged`
          this.refuse(item, 'merged_into', reason)
          continue
        }
        const inBatch = batchByKey.get(k)
        if (inBatch) item.masterItem = inBatch
        else if (this.keys.id(k) > 0) item.masterId = this.keys.id(k)
        else if (!this.summary.dryRun)
          fromDb.push({ item, externalId: ref.externalId, channel: channelOfState(state) })
        continue
      }
      fromDb.push({ item, externalId: ref.externalId, channel: null })
    }
    if (fromDb.length === 0) return
    const wanted = [...new Set(fromDb.map((r) => r.externalId))]
    const stored = new Map<string, { id: number; channel: string; status: string }[]>()
    for (let i = 0; i < wanted.length; i += 500) {
      const rows = await db
        .selectFrom('work_orders')
        .select(['id', 'channel', 'external_id', 'status'])
        .where('channel', 'in', [...CHANNELS])
        .where('external_id', 'in', wanted.slice(i, i + 500))
        .execute()
      for (const r of rows) {
        const list = stored.get(r.external_id ?? '') ?? []
        list.push(r)
        stored.set(r.external_id ?? '', list)
      }
    }
    for (const { item, externalId, channel } of fromDb) {
      const candidates = stored.get(externalId) ?? []
      const own = channel ?? item.value!.channel
      const master =
        candidates.find((c) => c.channel === own) ??
        (channel === null && candidates.length === 1 ? candidates[0] : undefined)
      if (!master) {
        this.refuse(
          item,
          'merged_into',
          candidates.length > 1
            ? `${externalId} names cases of several channels ` +
                `(${candidates.map((c) => c.channel).join(', ')}); none of ${own}`
            : `no case ${externalId} in the database or earlier in this file`,
        )
        continue
      }
      if (channel === null && (master.status === 'invalid' || master.status === 'merged')) {
        const label = STATUS_LABELS[master.status as Status]
        this.refuse(
          item,
          'merged_into',
          `the master case ${externalId} is ${master.status} (${label})`,
        )
        continue
      }
      item.masterId = master.id
    }
  }

  private refuse(item: Item, column: ImportField, reason: string) {
    item.problems.push({ column, reason })
    item.value = null
    if (item.key >= 0) this.keys.setState(item.key, 0)
  }

  /** Creates (or, in a dry run, pretends to create) the units and categories rows name. */
  private async createReferences(db: Db, items: Item[]): Promise<void> {
    const deps: Deps = { ...this.deps, db: db as Kysely<Database> }
    for (const item of items) {
      const value = item.value
      if (!value) continue
      const { create } = value
      if (create.district !== undefined) {
        value.districtId = await this.reference(deps, 'district', create.district, null)
      }
      if (create.unit !== undefined) {
        value.unitId = await this.reference(deps, 'unit', create.unit, value.districtId)
      }
      if (create.category !== undefined) {
        value.categoryId = await this.reference(deps, 'category', create.category, null)
      }
    }
  }

  /**
   * The id of a unit, district or category to create, created once: a district (区域) under the
   * city, a handling unit (承办单位) as a department under the row's district (or the city), a
   * category (分类) at the top level. A name that is a valid code is also the code; any other name
   * gets the code `IMP-` + 8 hex digits of its SHA-256 (`imp.` for categories).
   */
  private async reference(
    deps: Deps,
    kind: 'district' | 'unit' | 'category',
    name: string,
    districtId: number | null,
  ): Promise<number> {
    const list = kind === 'category' ? this.categories : this.units
    const known =
      kind === 'district'
        ? this.ctx.lookups.district(name)
        : kind === 'unit'
          ? this.ctx.lookups.unit(name)
          : this.ctx.lookups.category(name)
    if (typeof known === 'object') return known.id
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 8)
    const base = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,35}$/.test(name)
      ? name
      : kind === 'category'
        ? `imp.${hash}`
        : `IMP-${hash.toUpperCase()}`
    let code = base
    for (let n = 2; list.some((r) => r.code === code); n++) code = `${base}-${n}`
    const city = this.units.find((u) => u.parentId === null && u.level === 'city')?.id ?? null
    const parentId = kind === 'district' ? city : kind === 'unit' ? (districtId ?? city) : null
    const level = kind === 'district' ? 'district' : 'department'
    let id: number
    if (this.summary.dryRun) {
      id = this.nextPlaceholder--
    } else if (kind === 'category') {
      id = await createCategory(
        deps,
        { code, name, parentId: null, defaultUnitId: null },
        IMPORT_ADMIN,
      )
    } else {
      id = await createUnit(deps, { code, name, parentId, level }, IMPORT_ADMIN)
    }
    if (kind === 'category') {
      this.categories.push({ id, code, name })
      this.summary.createdCategories.push(`${code} ${name}`)
    } else {
      this.units.push({ id, code, name, level, parentId })
      this.summary.createdUnits.push(`${code} ${name} (${level})`)
    }
    forgetLookups(this.ctx.lookups)
    return id
  }

  private classify(item: Item) {
    const value = item.value
    if (!value) return
    const masterId = item.masterItem ? (item.masterItem.existing?.id ?? -1) : item.masterId
    const order = importedWorkOrder(value, item.existing, {
      caseNumber: '',
      mergedIntoId: masterId,
    })
    item.order = order
    if (!item.existing) {
      item.outcome = 'created'
      return
    }
    item.changed = changedFields(item.existing, order)
    if (item.changed.length === 0) {
      item.outcome = 'unchanged'
      return
    }
    order.version = item.existing.version + 1
    item.outcome = 'updated'
  }

  /** Writes the batch's new and changed cases, their events and ratings; tallies their rollups. */
  private async write(db: Db, items: Item[], tally: RollupTally): Promise<void> {
    const created = items.filter((i) => i.outcome === 'created')
    const updated = items.filter((i) => i.outcome === 'updated')
    if (created.length === 0 && updated.length === 0) return

    const perYear = new Map<number, Item[]>()
    for (const item of created) {
      const year = Number(item.order!.receivedDay.slice(0, 4))
      const list = perYear.get(year) ?? []
      list.push(item)
      perYear.set(year, list)
    }
    for (const [year, list] of perYear) {
      const first = await reserveCounter(db, `case_number:${year}`, list.length)
      list.forEach((item, n) => {
        item.order!.caseNumber = formatCaseNumber(this.deps.caseNumberPrefix, year, first + n)
      })
    }

    const ids = new Map<Item, number>()
    const idOf = (item: Item) => item.existing?.id ?? ids.get(item)
    let chunk: Item[] = []
    const flush = async () => {
      if (chunk.length === 0) return
      const inserted = await this.sink.insertOrders(
        db,
        chunk.map((i) => i.order!),
        this.now,
      )
      chunk.forEach((item, n) => {
        ids.set(item, inserted[n]!)
        if (item.key >= 0) this.keys.setId(item.key, inserted[n]!)
      })
      chunk = []
    }
    for (const item of created) {
      // A master earlier in this batch must be stored before the case that points to it.
      if (item.masterItem && idOf(item.masterItem) === undefined) await flush()
      if (item.masterItem) item.order!.mergedIntoId = idOf(item.masterItem)!
      chunk.push(item)
      if (chunk.length >= this.sink.ordersPerStatement) await flush()
    }
    await flush()
    for (const item of updated) {
      if (item.masterItem) {
        item.order!.mergedIntoId = idOf(item.masterItem)!
        item.changed = changedFields(item.existing!, item.order!)
      }
      const order = item.order as WorkOrder
      await updateOrder(db, this.deps.dialect, order, item.existing!.version, this.now)
    }

    const events: unknown[][] = []
    const ratings: unknown[][] = []
    // The event's data, {"file", "line", "externalId"[, "changed"]}, written out directly.
    const file = `{"file":${JSON.stringify(basename(this.file))},"line":`
    for (const item of [...created, ...updated]) {
      const order = item.order!
      const id = idOf(item)!
      const changed = item.existing ? `,"changed":${JSON.stringify(item.changed.join(','))}` : ''
      const externalId = JSON.stringify(order.externalId ?? '')
      const data = `${file}${item.record.line},"externalId":${externalId}${changed}}`
      events.push([
        id,
        'import',
        item.existing?.status ?? null,
        order.status,
        IMPORT_ACTOR.id,
        IMPORT_ACTOR.role,
        IMPORT_ACTOR.name,
        this.now,
        null,
        data,
      ])
      const newRating =
        order.rating !== null &&
        (!item.existing ||
          item.existing.rating !== order.rating ||
          item.existing.ratedAt !== order.ratedAt)
      if (newRating) ratings.push([id, order.rating, null, 'import', null, order.ratedAt])
      tally.add({ before: item.existing, after: order })
    }
    await this.sink.insertRows(db, 'work_order_events', events)
    await this.sink.insertRows(db, 'ratings', ratings)
  }

  /** Counts the batch's outcomes and reports its rejected rows (at once: they write nothing). */
  private async finish(
    items: Item[],
    counts: Pick<ImportSummary, 'imported' | 'updated' | 'unchanged'>,
  ) {
    for (const item of items) {
      if (item.existing && item.key >= 0) this.keys.setId(item.key, item.existing.id)
      if (item.outcome === 'created') counts.imported++
      else if (item.outcome === 'updated') counts.updated++
      else if (item.outcome === 'unchanged') counts.unchanged++
      else {
        if (item.key >= 0) this.keys.setState(item.key, 0)
        if (!this.reject(item)) await once(this.errors!, 'drain')
      }
    }
  }

  /** Reports a rejected row; false when the error file wants a pause to drain. */
  private reject(item: Item): boolean {
    this.summary.rejected++
    const problems = item.problems.map((p) => ({
      column: p.column === null ? '(row)' : columnName(this.header, p.column),
      reason: p.reason,
    }))
    this.options.onRejected?.({ line: item.record.line, problems })
    if (!this.errors) {
      this.errors = createWriteStream(this.errorsPath)
      this.summary.errorsPath = this.errorsPath
      const head = [
        ...this.keep.map((i) => this.headerCells[i]!.replace(/^\uFEFF/, '')),
        'line',
        'column',
        'reason',
      ]
      this.errors.write(`\uFEFF${csvLine(head)}`)
    }
    return this.errors.write(
      csvLine([
        ...this.keep.map((i) => item.record.cells[i] ?? ''),
        String(item.record.line),
        problems.map((p) => p.column).join('; '),
        problems.map((p) => p.reason).join('; '),
      ]),
    )
  }
}

function found(ref: Reference | undefined): LookupResult {
  return ref ? { id: ref.id } : 'missing'
}

const lookupMemos = new WeakMap<ImportLookups, Map<string, LookupResult>>()

/** Lookups remembered per value (a file names the same few units a million times). */
function memoLookups(lookups: ImportLookups): ImportLookups {
  const memo = new Map<string, LookupResult>()
  const wrap = (kind: string, fn: (v: string) => LookupResult) => (v: string) => {
    const key = `${kind}\t${v}`
    let r = memo.get(key)
    if (r === undefined) {
      r = fn(v)
      if (memo.size > 10_000) memo.clear()
      memo.set(key, r)
    }
    return r
  }
  const wrapped: ImportLookups = {
    unit: wrap('u', lookups.unit),
    district: wrap('d', lookups.district),
    category: wrap('c', lookups.category),
  }
  lookupMemos.set(wrapped, memo)
  return wrapped
}

function forgetLookups(lookups: ImportLookups) {
  lookupMemos.get(lookups)?.clear()
}

/**
 * Reserves `n` numbers of a named sequence at once and returns the first (the batch form of
 * `nextCounter`, on the same `counters` row).
 */
async function reserveCounter(db: Db, name: string, n: number): Promise<number> {
  const row = await db
    .insertInto('counters')
    .values({ name, value: n })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', n) })),
    )
    .returning('value')
    .executeTakeFirstOrThrow()
  return Number(row.value) - n + 1
}

// ---------------------------------------------------------------------------------------------
// Bulk statements (plain SQL, cached per shape: a million rows do not go through the builder)

const ORDER_COLUMNS: readonly [string, (o: Omit<WorkOrder, 'id'>) => unknown][] = [
  ['case_number', (o) => o.caseNumber],
  ['channel', (o) => o.channel],
  ['kind', (o) => o.kind],
  ['urgency', (o) => o.urgency],
  ['category_id', (o) => o.categoryId],
  ['unit_id', (o) => o.unitId],
  ['district_id', (o) => o.districtId],
  ['title', (o) => o.title],
  ['content', (o) => o.content],
  ['address', (o) => o.address],
  ['citizen_name', (o) => o.citizenName],
  ['citizen_phone', (o) => o.citizenPhone],
  ['citizen_id_number', (o) => o.citizenIdNumber],
  ['confidential', (o) => (o.confidential ? 1 : 0)],
  ['status', (o) => o.status],
  ['version', (o) => o.version],
  ['received_at', (o) => o.receivedAt],
  ['received_day', (o) => o.receivedDay],
  ['due_at', (o) => o.dueAt],
  ['due_base_day', (o) => o.dueBaseDay],
  ['due_workdays', (o) => o.dueWorkdays],
  ['due_provisional', (o) => (o.dueProvisional ? 1 : 0)],
  ['paused_at', (o) => o.pausedAt],
  ['status_before_return', (o) => o.statusBeforeReturn],
  ['return_reason', (o) => o.returnReason],
  ['pending_extension_workdays', (o) => o.pendingExtensionWorkdays],
  ['pending_extension_basis', (o) => o.pendingExtensionBasis],
  ['dispatched_at', (o) => o.dispatchedAt],
  ['closed_at', (o) => o.closedAt],
  ['closed_on_time', (o) => (o.closedOnTime === null ? null : o.closedOnTime ? 1 : 0)],
  ['handling_workdays', (o) => o.handlingWorkdays],
  ['reply', (o) => o.reply],
  ['rating', (o) => o.rating],
  ['rating_comment', (o) => o.ratingComment],
  ['rated_at', (o) => o.ratedAt],
  ['return_count', (o) => o.returnCount],
  ['extension_count', (o) => o.extensionCount],
  ['reopen_count', (o) => o.reopenCount],
  ['urge_level', (o) => o.urgeLevel],
  ['merged_into_id', (o) => o.mergedIntoId],
  ['external_id', (o) => o.externalId],
]
/**
 * The columns a new imported case leaves at their defaults (null or 0): nothing of the workflow in
 * progress, no citizen ID, no reply and no tracking code. Its INSERT names only the others.
 */
const DEFAULTED = new Set([
  'citizen_id_number',
  'confidential',
  'paused_at',
  'status_before_return',
  'return_reason',
  'pending_extension_workdays',
  'pending_extension_basis',
  'dispatched_at',
  'reply',
  'rating_comment',
  'urge_level',
])
const NEW_ORDER_COLUMNS = ORDER_COLUMNS.filter(([c]) => !DEFAULTED.has(c))
const DEFAULTED_COLUMNS = ORDER_COLUMNS.filter(([c]) => DEFAULTED.has(c))
const INSERT_COLUMNS = [...NEW_ORDER_COLUMNS.map(([c]) => c), 'created_at', 'updated_at']
const EVENT_COLUMNS = [
  'work_order_id',
  'action',
  'from_status',
  'to_status',
  'actor_id',
  'actor_role',
  'actor_name',
  'at',
  'note',
  'data',
]
const RATING_COLUMNS = ['work_order_id', 'rating', 'comment', 'source', 'actor_id', 'rated_at']

const COLUMNS_OF = { work_order_events: EVENT_COLUMNS, ratings: RATING_COLUMNS } as const

/**
 * Where a batch's rows are written. The generic sink sends multi-row statements through Kysely;
 * on a SQLite file the import gets a connection of its own with prepared statements kept for the
 * whole import (Kysely's driver prepares every statement afresh, and parsing a many-row statement
 * costs more than running it); on Postgres each table's rows go in as column arrays.
 */
interface Sink {
  /** The store the batch transactions run on. */
  db: Kysely<Database>
  ordersPerStatement: number
  /** Inserts new cases in order and returns their ids in the same order. */
  insertOrders(db: Db, orders: Omit<WorkOrder, 'id'>[], now: string): Promise<number[]>
  insertRows(db: Db, table: keyof typeof COLUMNS_OF, rows: unknown[][]): Promise<void>
  close(): Promise<void>
}

function readOnlySink(deps: Deps): Sink {
  const refuse = () => Promise.reject(new Error('a dry run writes nothing'))
  return {
    db: deps.db,
    ordersPerStatement: 1,
    insertOrders: refuse,
    insertRows: refuse,
    close: async () => {},
  }
}

async function openSink(deps: Deps): Promise<Sink> {
  if (deps.dialect === 'postgres') return postgresSink(deps)
  if (deps.dialect === 'sqlite') {
    const file = await sqliteFile(deps.db)
    if (file) return sqliteSink(deps.db, file)
  }
  return genericSink(deps)
}

/** The sink of an in-memory SQLite store (tests) and of D1: multi-row statements through Kysely. */
function genericSink(deps: Deps): Sink {
  const dialect = deps.dialect
  return {
    db: deps.db,
    ordersPerStatement: 700,
    async insertOrders(db, orders, now) {
      const params: unknown[] = []
      for (const o of orders) orderValues(o, now, params)
      const text = insertSql(
        dialect,
        'work_orders',
        INSERT_COLUMNS,
        orders.length,
        ' returning "id", "external_id"',
      )
      const { rows } = await db.executeQuery<{ id: number; external_id: string | null }>(
        CompiledQuery.raw(text, params),
      )
      const ids = new Map(rows.map((r) => [r.external_id, Number(r.id)]))
      return orders.map((o) => ids.get(o.externalId)!)
    },
    async insertRows(db, table, rows) {
      const columns = COLUMNS_OF[table]
      const per = Math.floor(30_000 / columns.length)
      for (let i = 0; i < rows.length; i += per) {
        const chunk = rows.slice(i, i + per)
        const text = insertSql(dialect, table, columns, chunk.length)
        await db.executeQuery(CompiledQuery.raw(text, chunk.flat()))
      }
    },
    close: async () => {},
  }
}

/** The integer columns of the tables the import inserts into; the others are text. */
const INTEGER_COLUMNS = new Set([
  'category_id',
  'unit_id',
  'district_id',
  'version',
  'due_workdays',
  'due_provisional',
  'closed_on_time',
  'handling_workdays',
  'return_count',
  'extension_count',
  'reopen_count',
  'merged_into_id',
  'work_order_id',
  'actor_id',
])

/**
 * `insert … select * from unnest($1::text[], $2::int[], …)`: one array parameter per column
 * instead of one parameter per value, so Postgres parses a short statement however many rows it
 * carries (a third faster than a 500-row VALUES list, measured on 200,000 cases).
 */
function unnestSql(table: string, columns: readonly string[], tail = ''): string {
  const key = `unnest|${table}|${tail}`
  let text = statements.get(key)
  if (!text) {
    const cols = columns.map((c) => `"${c}"`).join(', ')
    const arrays = columns.map((c, j) => `$${j + 1}::${INTEGER_COLUMNS.has(c) ? 'int' : 'text'}[]`)
    text = `insert into "${table}" (${cols}) select * from unnest(${arrays.join(', ')})${tail}`
    statements.set(key, text)
  }
  return text
}

/** Rows (arrays in column order) as one array per column. */
function columnsOf(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const out = Array.from({ length: width }, () => new Array<unknown>(rows.length))
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    for (let c = 0; c < width; c++) out[c]![r] = row[c]
  }
  return out
}

/** The Postgres sink: rows go in as column arrays through `unnest` (see {@link unnestSql}). */
function postgresSink(deps: Deps): Sink {
  return {
    db: deps.db,
    ordersPerStatement: 2000,
    async insertOrders(db, orders, now) {
      const rows = orders.map((o) => orderValues(o, now))
      const text = unnestSql('work_orders', INSERT_COLUMNS, ' returning "id", "external_id"')
      const { rows: inserted } = await db.executeQuery<{ id: number; external_id: string | null }>(
        CompiledQuery.raw(text, columnsOf(rows, INSERT_COLUMNS.length)),
      )
      const ids = new Map(inserted.map((r) => [r.external_id, Number(r.id)]))
      return orders.map((o) => ids.get(o.externalId)!)
    },
    async insertRows(db, table, rows) {
      if (rows.length === 0) return
      const columns = COLUMNS_OF[table]
      const text = unnestSql(table, columns)
      await db.executeQuery(CompiledQuery.raw(text, columnsOf(rows, columns.length)))
    },
    close: async () => {},
  }
}

/** The file of a SQLite store, or null for an in-memory one. */
async function sqliteFile(db: Kysely<Database>): Promise<string | null> {
  const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(db)
  const file = rows.find((r) => r.name === 'main')?.file
  return file ? file : null
}

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'FULL'] as const
/** Rows per multi-row INSERT of events and ratings on SQLite. */
const ROWS_AT_ONCE = 20

/**
 * A second connection to the same SQLite file, opened like the store's own (WAL, foreign keys,
 * the same `synchronous`), with every prepared statement kept: the bulk inserts run one row at a
 * time on statements prepared once, and the queries Kysely sends (rollups, lookups) reuse theirs.
 */
async function sqliteSink(main: Kysely<Database>, file: string): Promise<Sink> {
  const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(main)
  const level = SYNCHRONOUS[Number(rows[0]?.synchronous ?? 2)] ?? 'FULL'
  const { raw } = createSqliteDb({ filename: file, synchronous: level })
  // Building the deferred indexes sorts a million keys: SQLite may sort on a second thread.
  raw.pragma(`threads = ${Math.min(2, availableParallelism())}`)
  // Short statements recur batch after batch; long many-row ones (rollup upserts) seldom do, and
  // a prepared statement of a thousand rows holds its program in memory: those are not kept.
  const cache = new Map<string, SqliteStatement>()
  const prepare = (text: string) => {
    let statement = cache.get(text)
    if (!statement) {
      // Batches take the write lock when they begin, so that a writer on another connection (the
      // web server's) makes them wait for the busy timeout instead of failing half-way.
      statement = raw.prepare(text === 'begin' ? 'begin immediate' : text)
      if (text.length <= 8192) {
        if (cache.size >= 100) cache.clear()
        cache.set(text, statement)
      }
    }
    return statement
  }
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: { prepare, close: () => raw.close() } }),
  })
  const insertOrder = prepare(insertSql('sqlite', 'work_orders', INSERT_COLUMNS, 1))
  const inserts = {
    work_order_events: prepare(insertSql('sqlite', 'work_order_events', EVENT_COLUMNS, 1)),
    ratings: prepare(insertSql('sqlite', 'ratings', RATING_COLUMNS, 1)),
  }
  // Events and ratings go in by twenties: one statement then updates the AUTOINCREMENT counter
  // once for twenty rows (a third faster); cases go one by one, which measured faster for them.
  const manyInserts = {
    work_order_events: prepare(
      insertSql('sqlite', 'work_order_events', EVENT_COLUMNS, ROWS_AT_ONCE),
    ),
    ratings: prepare(insertSql('sqlite', 'ratings', RATING_COLUMNS, ROWS_AT_ONCE)),
  }
  const values: unknown[] = []
  return {
    db,
    ordersPerStatement: 1000,
    async insertOrders(_db, orders, now) {
      return orders.map((o) => {
        values.length = 0
        return Number(insertOrder.run(orderValues(o, now, values)).lastInsertRowid)
      })
    },
    async insertRows(_db, table, rows) {
      const many = manyInserts[table]
      let i = 0
      for (; i + ROWS_AT_ONCE <= rows.length; i += ROWS_AT_ONCE) {
        values.length = 0
        for (let r = i; r < i + ROWS_AT_ONCE; r++) for (const v of rows[r]!) values.push(v)
        many.run(values)
      }
      const one = inserts[table]
      for (; i < rows.length; i++) one.run(rows[i]!)
    },
    close: () => db.destroy(),
  }
}

const NEW_GETTERS = NEW_ORDER_COLUMNS.map(([, get]) => get)
const DEFAULTED_GETTERS = DEFAULTED_COLUMNS.map(([, get]) => get)

/** The INSERT values of a new case, in INSERT_COLUMNS order (hot: plain indexed loops). */
function orderValues(o: Omit<WorkOrder, 'id'>, now: string, into: unknown[] = []): unknown[] {
  for (let i = 0; i < DEFAULTED_GETTERS.length; i++) {
    const v = DEFAULTED_GETTERS[i]!(o)
    if (v !== null && v !== 0) {
      throw new Error(`a new imported case has ${DEFAULTED_COLUMNS[i]![0]} ${String(v)}`)
    }
  }
  for (let i = 0; i < NEW_GETTERS.length; i++) into.push(NEW_GETTERS[i]!(o))
  into.push(now, now)
  return into
}

const statements = new Map<string, string>()

function placeholders(dialect: string, rows: number, width: number): string {
  const out: string[] = []
  let n = 1
  for (let r = 0; r < rows; r++) {
    const cells: string[] = []
    for (let c = 0; c < width; c++) cells.push(dialect === 'postgres' ? `$${n++}` : '?')
    out.push(`(${cells.join(', ')})`)
  }
  return out.join(', ')
}

function insertSql(
  dialect: string,
  table: string,
  columns: readonly string[],
  rows: number,
  tail = '',
) {
  const key = `${dialect}|${table}|${rows}|${tail}`
  let text = statements.get(key)
  if (!text) {
    const cols = columns.map((c) => `"${c}"`).join(', ')
    const values = placeholders(dialect, rows, columns.length)
    text = `insert into "${table}" (${cols}) values ${values}${tail}`
    if (statements.size > 200) statements.clear()
    statements.set(key, text)
  }
  return text
}

async function updateOrder(
  db: Db,
  dialect: string,
  order: WorkOrder,
  expectedVersion: number,
  now: string,
): Promise<void> {
  const key = `${dialect}|update`
  let text = statements.get(key)
  if (!text) {
    let n = 1
    const p = () => (dialect === 'postgres' ? `$${n++}` : '?')
    const sets = [...ORDER_COLUMNS.map(([c]) => c), 'updated_at'].map((c) => `"${c}" = ${p()}`)
    text = `update "work_orders" set ${sets.join(', ')} where "id" = ${p()} and "version" = ${p()}`
    statements.set(key, text)
  }
  const params = [...ORDER_COLUMNS.map(([, get]) => get(order)), now, order.id, expectedVersion]
  const result = await db.executeQuery(CompiledQuery.raw(text, params))
  if (Number(result.numAffectedRows ?? 0) !== 1) {
    throw new HotlineError(
      'conflict',
      `case ${order.caseNumber} was changed by someone else during the import; import again`,
    )
  }
}

// ---------------------------------------------------------------------------------------------
// The error file

function csvLine(cells: readonly string[]): string {
  return `${cells
    .map((v) => {
      const text = safeCell(v)
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
    })
    .join(',')}\r\n`
}
