import { IMPORT_HEADERS_ZH, type ImportField } from '../../src/domain/import-row'
import type { ImportSummary } from '../../src/services/import'
import type { ImportPreview } from '../../src/services/import-preview'
import type { StaffSession } from '../../src/services/sessions'
import { AdminFrame, Csrf, type Notice } from './parts'

/** An uploaded file waiting to be imported: its generated id, its original name and size. */
export interface UploadInfo {
  id: string
  name: string
  size: number
  createMissing: boolean
}

/** One problem of a rejected row, as shown. */
export interface RejectionLine {
  line: number
  column: string
  reason: string
}

/** A dry run or import, running or finished, as the pages show it. */
export interface ImportRunView {
  upload: UploadInfo
  dryRun: boolean
  /** Data rows checked so far, and bytes read of the file in all (CSV only). */
  rows: number
  bytes: number | null
  totalBytes: number | null
  finished: boolean
  summary: ImportSummary | null
  /** Why the run stopped, when it failed as a whole. */
  error: string | null
  /** The problems of the first rejected rows. */
  rejections: RejectionLine[]
  /** How many rejected rows {@link rejections} covers. */
  shownRows: number
}

const UPLOAD_HINT =
  '.csv（UTF-8 或 GB18030，逗号分隔，第一行为列名）或 .xlsx（第一个工作表），最大 50 MB。' +
  '列名可用英文或中文，如 编号、受理时间（必需）、渠道、承办单位……'

const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`

const columnText = (f: ImportField) => `${f}（${IMPORT_HEADERS_ZH[f]}）`

const clip = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max)}…` : text)

/**
 * `GET /staff/admin/import`: the upload form (file and 自动创建 checkbox).
 *
 * @example c.html(<ImportUploadPage session={session} />)
 */
export function ImportUploadPage(props: {
  session: StaffSession
  notice?: Notice | null
  error?: string
  createMissing?: boolean
}) {
  const error = props.error
  return (
    <AdminFrame title="导入历史工单" section="import" session={props.session} notice={props.notice}>
      <p class="hint">
        把其他平台或旧系统的历史工单导入本系统：上传文件后先预览列的对应关系和前几行，
        可以先试运行（只检查，不写入），再正式导入。同一文件重复导入不会产生重复工单。
      </p>
      <section class="card">
        <h2 class="mt0">上传文件</h2>
        <form
          method="post"
          action="/staff/admin/import"
          enctype="multipart/form-data"
          novalidate
        >
          <Csrf session={props.session} />
          <div class="field">
            <label class="label" for="import-file">
              导入文件
            </label>
            <span class="hint" id="import-file-hint">
              {UPLOAD_HINT}
            </span>
            <input
              type="file"
              id="import-file"
              name="file"
              accept=".csv,.xlsx"
              required
              aria-invalid={error ? 'true' : undefined}
              aria-describedby="import-file-hint import-file-error"
            />
            <span class="field-error" id="import-file-error">
              {error ?? ''}
            </span>
          </div>
          <div class="field">
            <label class="check" for="import-createMissing">
              <input
                type="checkbox"
                id="import-createMissing"
                name="createMissing"
                value="1"
                checked={props.createMissing}
              />
              <span>自动创建文件中有、系统中没有的承办单位、区域和分类</span>
            </label>
          </div>
          <button type="submit">上传并预览</button>
        </form>
      </section>
    </AdminFrame>
  )
}

/** The form with the two buttons 试运行 and 导入, posting the upload's id. */
function RunForm({ session, upload }: { session: StaffSession; upload: UploadInfo }) {
  return (
    <form method="post" action="/staff/admin/import/run">
      <Csrf session={session} />
      <input type="hidden" name="id" value={upload.id} />
      <div class="field">
        <label class="check" for="run-createMissing">
          <input
            type="checkbox"
            id="run-createMissing"
            name="createMissing"
            value="1"
            checked={upload.createMissing}
          />
          <span>自动创建文件中有、系统中没有的承办单位、区域和分类</span>
        </label>
      </div>
      <p class="hint">试运行检查每一行并报告结果，不写入任何数据；导入则写入通过检查的行。</p>
      <button type="submit" name="mode" value="dry" class="secondary">
        试运行
      </button>{' '}
      <button type="submit" name="mode" value="import">
        导入
      </button>
    </form>
  )
}

/**
 * The page after an upload: the column mapping, the first rows, the missing required columns and
 * the 试运行 / 导入 buttons.
 *
 * @example c.html(<ImportPreviewPage session={session} upload={upload} preview={preview} />)
 */
export function ImportPreviewPage(props: {
  session: StaffSession
  upload: UploadInfo
  preview: ImportPreview
}) {
  const { upload, preview } = props
  const encoding = preview.encoding === 'gb18030' ? 'GB18030' : 'UTF-8'
  const source = preview.format === 'xlsx' ? 'XLSX' : `CSV，${encoding}`
  const width = preview.headers.length
  const missing = preview.missingRequired
  return (
    <AdminFrame title="导入预览" section="import" session={props.session}>
      <p>
        文件：<strong>{upload.name}</strong>（{source}，{sizeText(upload.size)}）
      </p>
      {missing.length > 0 ? (
        <div class="notice bad" role="alert" id="missing-required">
          <h2>缺少必需的列</h2>
          <p class="m0">
            文件缺少必需的列 {missing.map(columnText).join('、')}，无法导入。
            请在文件第一行补上这些列后<a href="/staff/admin/import">重新上传</a>。
          </p>
        </div>
      ) : null}
      <h2>列的对应关系</h2>
      <div class="table-scroll">
        <table class="cases" id="column-mapping">
          <thead>
            <tr>
              <th scope="col">文件中的列</th>
              <th scope="col">导入为</th>
            </tr>
          </thead>
          <tbody>
            {preview.headers.map((h) => (
              <tr>
                <td>{h.header === '' ? '（空）' : h.header}</td>
                <td>
                  {h.column ? (
                    <code>{columnText(h.column)}</code>
                  ) : (
                    <span class="badge warn">不导入</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>前 {preview.rows.length} 行</h2>
      {preview.rows.length === 0 ? (
        <p>文件只有列名，没有数据行。</p>
      ) : (
        <div class="table-scroll">
          <table class="cases" id="first-rows">
            <thead>
              <tr>
                {preview.headers.map((h) => (
                  <th scope="col">{h.column ? h.header : `${h.header}（不导入）`}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((row) => (
                <tr>
                  {Array.from({ length: Math.max(width, row.length) }, (_, i) => (
                    <td>{clip(row[i] ?? '')}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {missing.length === 0 && (
        <section class="card" id="run">
          <h2 class="mt0">试运行或导入</h2>
          <RunForm session={props.session} upload={upload} />
        </section>
      )}
      <p>
        <a href="/staff/admin/import">上传另一个文件</a>
      </p>
    </AdminFrame>
  )
}

/**
 * The run panel: progress while running (htmx polls it every second and swaps it for the next
 * state), the summary once finished.
 *
 * @example <ImportRunPanel session={session} run={run} />
 */
export function ImportRunPanel({ session, run }: { session: StaffSession; run: ImportRunView }) {
  const id = run.upload.id
  if (!run.finished) {
    const percent =
      run.bytes !== null && run.totalBytes
        ? Math.min(100, Math.floor((run.bytes / run.totalBytes) * 100))
        : null
    return (
      <section
        class="card"
        id="import-run"
        hx-get={`/staff/admin/import/status/${id}`}
        hx-trigger="every 1s"
        hx-swap="outerHTML"
        aria-busy="true"
      >
        <h2 class="mt0">{run.dryRun ? '正在试运行…' : '正在导入…'}</h2>
        <p role="status">
          已处理 <strong class="num">{run.rows}</strong> 行
          {percent !== null && `（已读取文件的 ${percent}%）`}
        </p>
        {percent !== null && (
          <progress max={100} value={percent}>
            {percent}%
          </progress>
        )}
        <p class="hint">
          页面每秒自动更新；也可以离开本页，之后打开
          <a href={`/staff/admin/import/status/${id}`}>这个链接</a>查看结果。
        </p>
      </section>
    )
  }
  const s = run.summary
  return (
    <section class="card" id="import-run">
      <h2 class="mt0">{run.dryRun ? '试运行结果' : '导入结果'}</h2>
      {run.error !== null ? (
        <p class="notice bad" role="alert">
          {run.dryRun ? '试运行' : '导入'}没有完成：{run.error}
        </p>
      ) : null}
      {s && (
        <>
          {run.dryRun && (
            <p class="notice warn" role="status">
              这是试运行：没有写入任何数据，下面是正式导入时会得到的结果。
            </p>
          )}
          <table class="cases" id="import-summary">
            <thead>
              <tr>
                <th scope="col" class="num">读取</th>
                <th scope="col" class="num">{run.dryRun ? '将新建' : '新建'}</th>
                <th scope="col" class="num">{run.dryRun ? '将更新' : '更新'}</th>
                <th scope="col" class="num">未变</th>
                <th scope="col" class="num">拒绝</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td class="num" data-figure="read">{s.read}</td>
                <td class="num" data-figure="imported">{s.imported}</td>
                <td class="num" data-figure="updated">{s.updated}</td>
                <td class="num" data-figure="unchanged">{s.unchanged}</td>
                <td class="num" data-figure="rejected">{s.rejected}</td>
              </tr>
            </tbody>
          </table>
          {s.createdUnits.length > 0 && (
            <p>
              {run.dryRun ? '将创建的单位' : '已创建的单位'}：{s.createdUnits.join('；')}
            </p>
          )}
          {s.createdCategories.length > 0 && (
            <p>
              {run.dryRun ? '将创建的分类' : '已创建的分类'}：{s.createdCategories.join('；')}
            </p>
          )}
          {s.rejected > 0 && (
            <>
              <h3>
                被拒绝的行
                {s.rejected > run.shownRows
                  ? `（前 ${run.shownRows} 行，共 ${s.rejected} 行）`
                  : ''}
              </h3>
              <p class="hint">被拒绝的行没有写入任何内容。可下载错误文件，改正后直接导入该文件。</p>
              <div class="table-scroll">
                <table class="cases" id="rejections">
                  <thead>
                    <tr>
                      <th scope="col" class="num">行号</th>
                      <th scope="col">列</th>
                      <th scope="col">原因</th>
                    </tr>
                  </thead>
                  <tbody>
                    {run.rejections.map((r) => (
                      <tr>
                        <td class="num">{r.line}</td>
                        <td>{r.column}</td>
                        <td>{r.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {s.errorsPath && (
                <p>
                  <a href={`/staff/admin/import/errors/${id}`} download>
                    下载错误文件（CSV，含全部被拒绝的行及行号、列、原因）
                  </a>
                </p>
              )}
            </>
          )}
        </>
      )}
      {run.dryRun || run.error !== null ? (
        <RunForm session={session} upload={run.upload} />
      ) : null}
      <p>
        <a href="/staff/admin/import">导入另一个文件</a>
      </p>
    </section>
  )
}

/**
 * A run's own page (after 试运行 / 导入, and the status link without JavaScript).
 *
 * @example c.html(<ImportRunPage session={session} run={run} />)
 */
export function ImportRunPage(props: {
  session: StaffSession
  run: ImportRunView
  notice?: Notice | null
}) {
  const { run } = props
  return (
    <AdminFrame
      title={run.dryRun ? '试运行' : '导入'}
      section="import"
      session={props.session}
      notice={props.notice}
    >
      <p>
        文件：<strong>{run.upload.name}</strong>（{sizeText(run.upload.size)}）
      </p>
      <ImportRunPanel session={props.session} run={run} />
    </AdminFrame>
  )
}
