import { parseArgs } from 'node:util'
import type { CliIo } from './cli'
import { invalidField } from './domain/errors'
import type { Deps } from './services/deps'
import { importFile, type ImportProgress, type ImportSummary } from './services/import'

/** The usage line of `hotline import` (also in `hotline --help`). */
export const IMPORT_USAGE =
  '  import FILE [--dry-run] [--create-missing] [--errors PATH]   history from .csv or .xlsx'

/** The CLI's streams plus where a progress bar may go. */
export interface ImportIo extends CliIo {
  /**
   * Where the progress bar is drawn (carriage returns, no newlines): null for none; left out, it
   * is standard error when that is a terminal.
   */
  progress?: ((text: string) => void) | null
}

/**
 * `hotline import FILE [--dry-run] [--create-missing] [--errors PATH]` (导入): imports historical
 * cases from a CSV or XLSX file, prints every rejected row (line, column, reason) on standard
 * error and the summary on standard output. Returns 0 when every row was taken or unchanged, 1
 * when any row was rejected or the input is unusable; other failures throw (exit 2).
 *
 * @example process.exitCode = await runImportCommand(deps, ['history.csv', '--dry-run'], io)
 */
export async function runImportCommand(deps: Deps, argv: string[], io: ImportIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'dry-run': { type: 'boolean' },
      'create-missing': { type: 'boolean' },
      errors: { type: 'string' },
      'batch-size': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (positionals.length !== 1) {
    throw invalidField('FILE', 'name one file: hotline import FILE [--dry-run] [--create-missing]')
  }
  const batch = values['batch-size']
  if (batch !== undefined && !/^[1-9]\d{0,5}$/.test(batch)) {
    throw invalidField('batch-size', 'must be a whole number from 1 to 999999')
  }
  const sink =
    io.progress !== undefined
      ? io.progress
      : process.stderr.isTTY
        ? (text: string) => void process.stderr.write(text)
        : null
  const bar = progressBar(sink)
  const summary = await importFile(deps, positionals[0]!, {
    dryRun: values['dry-run'] ?? false,
    createMissing: values['create-missing'] ?? false,
    errorsPath: values.errors,
    batchSize: batch === undefined ? undefined : Number(batch),
    onProgress: (p) => bar.update(p),
    onWarning: (message) => {
      bar.clear()
      io.err(`hotline: ${message}`)
    },
    onRejected: (r) => {
      bar.clear()
      for (const p of r.problems) io.err(`line ${r.line}, ${p.column}: ${p.reason}`)
    },
  }).finally(() => bar.clear())
  for (const line of summaryLines(summary)) io.out(line)
  return summary.rejected > 0 ? 1 : 0
}

/**
 * The summary an import prints.
 *
 * @example summaryLines(summary)[0] // 'read 12, imported 9, updated 1, unchanged 1, rejected 1'
 */
export function summaryLines(s: ImportSummary): string[] {
  const lines = [
    `read ${s.read}, imported ${s.imported}, updated ${s.updated}, ` +
      `unchanged ${s.unchanged}, rejected ${s.rejected}`,
  ]
  const source =
    s.format === 'csv' ? `CSV, ${s.encoding === 'gb18030' ? 'GB18030' : 'UTF-8'}` : 'XLSX'
  lines.push(`file: ${s.file} (${source})`)
  const verb = s.dryRun ? 'would be created' : 'created'
  if (s.createdUnits.length > 0) lines.push(`units ${verb}: ${s.createdUnits.join('; ')}`)
  if (s.createdCategories.length > 0) {
    lines.push(`categories ${verb}: ${s.createdCategories.join('; ')}`)
  }
  if (s.errorsPath) {
    lines.push(`rejected rows: ${s.errorsPath} (fix them there and import that file)`)
  }
  if (s.dryRun) lines.push('dry run: nothing was written to the database')
  return lines
}

const BAR_WIDTH = 30

function progressBar(sink: ((text: string) => void) | null) {
  const started = performance.now()
  let last = 0
  let shown = false
  return {
    update(p: ImportProgress) {
      if (!sink) return
      const now = performance.now()
      if (now - last < 100 && p.bytes !== p.totalBytes) return
      last = now
      const seconds = Math.max((now - started) / 1000, 0.001)
      const rate = Math.round(p.rows / seconds).toLocaleString('en')
      const rows = `${p.rows.toLocaleString('en')} rows, ${rate} rows/s`
      if (p.bytes !== null && p.totalBytes) {
        const done = Math.min(1, p.bytes / p.totalBytes)
        const filled = Math.round(done * BAR_WIDTH)
        const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`
        sink(`\r${bar} ${String(Math.floor(done * 100)).padStart(3)}%  ${rows}\x1b[K`)
      } else {
        sink(`\r${rows}\x1b[K`)
      }
      shown = true
    },
    clear() {
      if (sink && shown) sink('\r\x1b[K')
      shown = false
    },
  }
}
