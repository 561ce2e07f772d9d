import { createReadStream } from 'node:fs'
import { lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, extname, join } from 'node:path'
import { Readable } from 'node:stream'
import { Hono, type Context } from 'hono'
import type { z } from 'zod'
import {
  ImportPreviewPage,
  ImportRunPage,
  ImportRunPanel,
  ImportUploadPage,
  type ImportRunView,
  type RejectionLine,
  type UploadInfo,
} from '../../views/admin/import-page'
import type { Notice } from '../../views/admin/parts'
import type { Deps } from '../services/deps'
import { HotlineError, invalidField } from '../domain/errors'
import { IMPORT_HEADERS_ZH } from '../domain/import-row'
import { requireStaff } from '../http/staff-auth'
import { importFile, type Rejection } from '../services/import'
import { previewImport } from '../services/import-preview'
import { importResultSchema, importUploadSchema } from '../services/openapi'
import { parseInput } from '../services/schemas'

/*
 * Importing history from the back office and the API (导入历史工单, CONTRACT.md section 6). An
 * upload is kept in a private directory under the system's temporary directory as
 * `<id>.csv|.xlsx` (a random id; the original name is only shown, never used as a path) with
 * `<id>.json` (its name, size and the 自动创建 choice) and, after a run with rejected rows,
 * `<id>.errors.csv`. Uploads older than a day are removed at each new upload. One import runs at
 * a time per process; a run of a large file goes on in the background and its page polls it.
 */

/** The largest import file accepted (the body limit of the upload routes). */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024
/** Uploads (and their error files) are kept this long. */
const UPLOAD_TTL_MS = 24 * 60 * 60_000
/**
 * Files from this size on are imported in the background while the page shows progress (XLSX is
 * compressed: the same rows take a fraction of the bytes).
 */
const BACKGROUND_BYTES = { '.csv': 1024 * 1024, '.xlsx': 256 * 1024 }
/** Rejected rows shown on the page; the API answers up to {@link API_REJECTED_ROWS}. */
const SHOWN_REJECTED_ROWS = 50
const API_REJECTED_ROWS = 1000
const UPLOAD_ID = /^[0-9a-f]{32}$/

type Ext = '.csv' | '.xlsx'

/** An upload on disk. */
interface StoredUpload extends UploadInfo {
  path: string
  errorsPath: string
}

/** A run, with what only the server keeps. */
interface ImportJob extends ImportRunView {
  /** Settles (never rejects) when the run is over. */
  done: Promise<void>
  failure: unknown
  startedAt: number
}

/** The last run of each upload (staff pages), and the run in progress, if any. */
const jobs = new Map<string, ImportJob>()
let running: ImportJob | null = null

function extOf(name: string): Ext | null {
  const ext = extname(name).toLowerCase()
  return ext === '.csv' || ext === '.xlsx' ? ext : null
}

/** The private upload directory (created with mode 700; refused when someone else owns it). */
async function uploadDir(): Promise<string> {
  const uid = process.getuid?.()
  const dir = join(tmpdir(), uid === undefined ? 'hotline-imports' : `hotline-imports-${uid}`)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const info = await lstat(dir)
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw new Error(`${dir} is not a directory of this user: remove it`)
  }
  return dir
}

/** The name to show: the last path segment, without control characters, at most 200 long. */
function displayName(name: string): string {
  const base = basename(name.replaceAll('\\', '/'))
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim()
  return clean.slice(-200) || 'upload'
}

async function saveUpload(deps: Deps, file: File, createMissing: boolean): Promise<StoredUpload> {
  const ext = extOf(file.name)
  if (!ext) throw invalidField('file', 'must be a .csv or .xlsx file')
  const dir = await uploadDir()
  const id = Buffer.from(deps.randomBytes(16)).toString('hex')
  const upload: StoredUpload = {
    id,
    name: displayName(file.name),
    size: file.size,
    createMissing,
    path: join(dir, `${id}${ext}`),
    errorsPath: join(dir, `${id}.errors.csv`),
  }
  const bytes = new Uint8Array(await file.arrayBuffer())
  await writeFile(upload.path, bytes, { flag: 'wx', mode: 0o600 })
  const meta = { name: upload.name, size: upload.size, createMissing, ext }
  await writeFile(join(dir, `${id}.json`), JSON.stringify(meta), { flag: 'wx', mode: 0o600 })
  return upload
}

const noSuchImport = () => new HotlineError('not_found', '没有这个导入文件（上传超过一天会被删除）')

/** The upload of an id; 404 for anything that is not a live upload's id. */
async function findUpload(id: string): Promise<StoredUpload> {
  if (!UPLOAD_ID.test(id)) throw noSuchImport()
  const dir = await uploadDir()
  let meta: { name: string; size: number; createMissing: boolean; ext: Ext }
  try {
    meta = JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as typeof meta
  } catch {
    throw noSuchImport()
  }
  const ext = meta.ext === '.xlsx' ? '.xlsx' : '.csv'
  const path = join(dir, `${id}${ext}`)
  if (!(await stat(path).catch(() => null))?.isFile()) throw noSuchImport()
  return { ...meta, id, path, errorsPath: join(dir, `${id}.errors.csv`) }
}

async function removeUpload(upload: StoredUpload): Promise<void> {
  const dir = await uploadDir()
  await Promise.all(
    [upload.path, upload.errorsPath, join(dir, `${upload.id}.json`)].map((f) =>
      rm(f, { force: true }),
    ),
  )
}

/** Removes uploads, error files and finished runs older than a day (not the running one). */
async function sweepUploads(now: number): Promise<void> {
  const dir = await uploadDir()
  for (const name of await readdir(dir)) {
    const id = name.slice(0, 32)
    if (running?.upload.id === id) continue
    const file = join(dir, name)
    const info = await stat(file).catch(() => null)
    if (info && now - info.mtimeMs > UPLOAD_TTL_MS) await rm(file, { force: true })
  }
  for (const [id, job] of jobs) {
    if (job.finished && now - job.startedAt > UPLOAD_TTL_MS) jobs.delete(id)
  }
}

/** A file-level refusal of the import, with the server's path replaced by the upload's name. */
function fileError(err: unknown, upload: StoredUpload): unknown {
  if (!(err instanceof HotlineError)) return err
  const hide = (text: string) => text.replaceAll(upload.path, upload.name)
  if (err.code === 'validation_failed' && err.fields?.FILE !== undefined) {
    return invalidField('file', hide(err.fields.FILE))
  }
  const fields = err.fields
    ? Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k, hide(v)]))
    : undefined
  return new HotlineError(err.code, hide(err.message), fields)
}

/**
 * Starts a run of an upload (at most one at a time: 409 otherwise). The job records progress and
 * the problems of the first `keepRows` rejected rows; its `done` settles when it is over.
 */
function startImport(
  deps: Deps,
  upload: StoredUpload,
  options: { dryRun: boolean; createMissing: boolean; keepRows: number },
): ImportJob {
  if (running) throw new HotlineError('conflict', 'another import is running; try again later')
  const job: ImportJob = {
    upload: { ...upload, createMissing: options.createMissing },
    dryRun: options.dryRun,
    rows: 0,
    bytes: null,
    totalBytes: null,
    finished: false,
    summary: null,
    error: null,
    rejections: [],
    shownRows: 0,
    done: Promise.resolve(),
    failure: null,
    startedAt: Date.now(),
  }
  running = job
  const keep = (r: Rejection) => {
    if (job.shownRows >= options.keepRows) return
    job.shownRows++
    for (const p of r.problems) job.rejections.push({ line: r.line, ...p })
  }
  job.done = (async () => {
    await rm(upload.errorsPath, { force: true })
    job.summary = await importFile(deps, upload.path, {
      dryRun: options.dryRun,
      createMissing: options.createMissing,
      errorsPath: upload.errorsPath,
      onRejected: keep,
      onProgress: (p) => {
        job.rows = p.rows
        job.bytes = p.bytes
        job.totalBytes = p.totalBytes
      },
    })
    job.rows = job.summary.read
  })()
    .catch((err: unknown) => {
      job.failure = fileError(err, upload)
      job.error = runErrorText(job.failure)
      if (!(err instanceof HotlineError)) {
        const e = err instanceof Error ? err : new Error(String(err))
        console.error(`[hotline] import ${upload.id} failed: ${e.name}: ${e.message}`)
      }
    })
    .finally(() => {
      job.finished = true
      if (running === job) running = null
    })
  return job
}

function runErrorText(err: unknown): string {
  if (err instanceof HotlineError && err.code === 'validation_failed') {
    return `文件无法导入：${Object.values(err.fields ?? {}).join('；') || err.message}`
  }
  if (err instanceof HotlineError) return err.message
  return `服务器出错（${err instanceof Error ? err.message : String(err)}），请稍后重试`
}

const yes = (v: unknown) => v === '1' || v === 'on' || v === 'true'

async function formFields(c: Context): Promise<Record<string, string | File>> {
  const body = await c.req.parseBody()
  const out: Record<string, string | File> = {}
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string' || v instanceof File) out[k] = v
  }
  return out
}

/**
 * The import pages of the admin area (`/staff/admin/import`, admins only): upload a .csv or .xlsx
 * file, see how its columns map and its first rows, 试运行 (dry run) and 导入 with the summary, the
 * first rejected rows and the error file, and the progress of a large file. Forms work without
 * JavaScript; with htmx the progress panel updates itself every second.
 *
 * @example app.route('/', importRoutes())
 */
export function importRoutes() {
  const app = new Hono()
  // `/staff/admin/import/*` also matches `/staff/admin/import` itself
  app.use('/staff/admin/import/*', requireStaff(['admin']), async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })

  app.get('/staff/admin/import', (c) => c.html(<ImportUploadPage session={c.var.staff} />))

  app.post('/staff/admin/import', async (c) => {
    const { deps, staff } = c.var
    const fields = await formFields(c)
    const file = fields.file
    const createMissing = yes(fields.createMissing)
    const refuse = (error: string) =>
      c.html(
        <ImportUploadPage session={staff} error={error} createMissing={createMissing} />,
        422,
      )
    if (!(file instanceof File) || (file.name === '' && file.size === 0)) {
      return refuse('请选择要导入的文件')
    }
    if (!extOf(file.name)) return refuse('只能导入 .csv 或 .xlsx 文件')
    if (file.size === 0) return refuse('文件是空的')
    await sweepUploads(Date.now())
    const upload = await saveUpload(deps, file, createMissing)
    try {
      const preview = await previewImport(upload.path, 10)
      return c.html(<ImportPreviewPage session={staff} upload={upload} preview={preview} />)
    } catch (err) {
      await removeUpload(upload)
      if (err instanceof HotlineError && err.code === 'validation_failed') {
        return refuse(`无法读取这个文件：${err.fields?.file ?? err.message}`)
      }
      throw err
    }
  })

  app.post('/staff/admin/import/run', async (c) => {
    const { deps, staff } = c.var
    const fields = await formFields(c)
    const upload = await findUpload(typeof fields.id === 'string' ? fields.id : '')
    const mode = fields.mode
    if (mode !== 'dry' && mode !== 'import') throw invalidField('mode', '请选择试运行或导入')
    const current = running
    if (current) {
      if (current.upload.id === upload.id) {
        return c.html(<ImportRunPage session={staff} run={current} />)
      }
      const notice: Notice = {
        kind: 'bad',
        text: '另一个导入正在进行（一次只运行一个），请等它完成后再试。',
      }
      return c.html(<ImportUploadPage session={staff} notice={notice} />, 409)
    }
    const job = startImport(deps, upload, {
      dryRun: mode === 'dry',
      createMissing: yes(fields.createMissing),
      keepRows: SHOWN_REJECTED_ROWS,
    })
    jobs.set(upload.id, job)
    if (upload.size < BACKGROUND_BYTES[extOf(upload.path)!]) await job.done
    const failed = job.failure
    const status = !failed ? 200 : failed instanceof HotlineError ? failed.status : 500
    return c.html(<ImportRunPage session={staff} run={job} />, status as 200)
  })

  app.get('/staff/admin/import/status/:id', async (c) => {
    const id = c.req.param('id')
    const job = UPLOAD_ID.test(id) ? jobs.get(id) : undefined
    if (!job) throw noSuchImport()
    if (c.req.header('HX-Request') === 'true') {
      return c.html(<ImportRunPanel session={c.var.staff} run={job} />)
    }
    return c.html(<ImportRunPage session={c.var.staff} run={job} />)
  })

  app.get('/staff/admin/import/errors/:id', async (c) => {
    const upload = await findUpload(c.req.param('id'))
    if (running?.upload.id === upload.id) {
      throw new HotlineError('conflict', '这个文件正在导入，完成后再下载错误文件')
    }
    const info = await stat(upload.errorsPath).catch(() => null)
    if (!info?.isFile()) throw new HotlineError('not_found', '这个导入没有被拒绝的行')
    const name = `${upload.name.replace(/\.(csv|xlsx)$/i, '')}.errors.csv`
    const stream = Readable.toWeb(createReadStream(upload.errorsPath)) as ReadableStream
    return c.body(stream, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Length': String(info.size),
      'Content-Disposition':
        `attachment; filename="import-errors.csv"; ` +
        `filename*=UTF-8''${encodeURIComponent(name)}`,
    })
  })

  return app
}

/**
 * `POST /api/v1/imports` (after `apiAuth(IMPORT_ROLES)`): a multipart upload with the file in
 * `file` and optional `dryRun=true`, `createMissing=true`. Runs to the end and answers the summary
 * with the problems of the first 1000 rejected rows; the upload is deleted afterwards. A file that
 * cannot be imported at all is refused with 422 naming `file`; another import running, 409.
 *
 * @example app.post('/imports', apiAuth(IMPORT_ROLES), importApi)
 */
export async function importApi(c: Context) {
  const { deps } = c.var
  let body: Record<string, unknown>
  try {
    body = await c.req.parseBody()
  } catch {
    throw new HotlineError('bad_request', 'the body is not valid multipart/form-data')
  }
  const input = parseInput(importUploadSchema, body)
  if (!extOf(input.file.name)) throw invalidField('file', 'must be a .csv or .xlsx file')
  if (input.file.size === 0) throw invalidField('file', 'is empty: it needs a header row')
  if (running) throw new HotlineError('conflict', 'another import is running; try again later')
  const createMissing = input.createMissing === 'true'
  await sweepUploads(Date.now())
  const upload = await saveUpload(deps, input.file, createMissing)
  try {
    const preview = await previewImport(upload.path, 0)
    if (preview.missingRequired.length > 0) {
      const names = preview.missingRequired.map((f) => `${f} (${IMPORT_HEADERS_ZH[f]})`)
      throw invalidField('file', `the required columns are missing: ${names.join(', ')}`)
    }
    const job = startImport(deps, upload, {
      dryRun: input.dryRun === 'true',
      createMissing,
      keepRows: API_REJECTED_ROWS,
    })
    await job.done
    if (job.failure) throw job.failure
    const s = job.summary!
    const result: z.input<typeof importResultSchema> = {
      file: upload.name,
      format: s.format,
      encoding: s.encoding,
      dryRun: s.dryRun,
      read: s.read,
      imported: s.imported,
      updated: s.updated,
      unchanged: s.unchanged,
      rejected: s.rejected,
      createdUnits: s.createdUnits,
      createdCategories: s.createdCategories,
      rejections: job.rejections satisfies RejectionLine[],
    }
    return c.json(result, 200)
  } finally {
    await removeUpload(upload)
  }
}
