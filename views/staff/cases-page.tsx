import { CHANNEL_LABELS, CHANNELS, KIND_LABELS, KINDS, URGE_LEVEL_LABELS, URGENCIES, URGENCY_LABELS, type Channel, type Kind, type UrgeLevel, type Urgency } from '../../src/domain/codes'
import { STATUS_LABELS } from '../../src/domain/status'
import type { StaffSession } from '../../src/services/sessions'
import { QUEUE_LABELS, QUEUES, type CaseListQuery, type CaseListRow, type Queue } from '../../src/services/queues'
import { formatDateTime } from '../format'
import { StaffLayout } from './layout'

/** What the list page shows. */
export interface CasesPageProps {
  session: StaffSession
  timeZone: string
  query: CaseListQuery
  counts: Record<Queue, number>
  rows: CaseListRow[]
  total: number
  units: { id: number; name: string }[]
  categories: { id: number; name: string }[]
  districts: { id: number; name: string }[]
}

/**
 * A URL of the list with some parameters changed (defaults dropped so links stay short).
 *
 * @example listUrl(query, { page: 2 }) // '/staff/cases?queue=overdue&page=2'
 */
export function listUrl(query: CaseListQuery, change: Partial<CaseListQuery>): string {
  const merged = { ...query, ...change }
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === '' || v === null) continue
    if (k === 'queue' && v === 'all') continue
    if (k === 'sort' && v === 'received_at') continue
    if (k === 'dir' && v === 'desc') continue
    if (k === 'page' && v === 1) continue
    if (k === 'pageSize' && v === 25) continue
    params.set(k, String(v))
  }
  const s = params.toString()
  return s ? `/staff/cases?${s}` : '/staff/cases'
}

function Select(props: { name: string; label: string; value: string | number | undefined; options: [string, string][] }) {
  return (
    <div class="field">
      <label class="label" for={`f-${props.name}`}>
        {props.label}
      </label>
      <select id={`f-${props.name}`} name={props.name}>
        <option value="">全部</option>
        {props.options.map(([v, l]) => (
          <option value={v} selected={String(props.value ?? '') === v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  )
}

/**
 * The queues, filters and list; `#results` is what htmx swaps when a filter changes.
 *
 * @example <CaseResults {...props} />
 */
export function CaseResults(props: CasesPageProps) {
  const { query } = props
  const pages = Math.max(1, Math.ceil(props.total / query.pageSize))
  const sortLink = (col: CaseListQuery['sort'], label: string) => {
    const dir = query.sort === col && query.dir === 'desc' ? 'asc' : 'desc'
    const mark = query.sort === col ? (query.dir === 'desc' ? ' ↓' : ' ↑') : ''
    return (
      <a href={listUrl(query, { sort: col, dir, page: 1 })} hx-get={listUrl(query, { sort: col, dir, page: 1 })} hx-target="#results" hx-swap="outerHTML" hx-push-url="true">
        {label}
        {mark}
      </a>
    )
  }
  return (
    <div id="results">
      <input type="hidden" name="queue" value={query.queue} form="filters" />
      {query.figure && <input type="hidden" name="figure" value={query.figure} form="filters" />}
      {query.scope && <input type="hidden" name="scope" value={query.scope} form="filters" />}
      {query.category && <input type="hidden" name="category" value={query.category} form="filters" />}
      <ul class="tabs" aria-label="工作队列">
        {QUEUES.map((q) => (
          <li>
            <a
              href={listUrl(query, { queue: q, page: 1 })}
              hx-get={listUrl(query, { queue: q, page: 1 })}
              hx-target="#results"
              hx-swap="outerHTML"
              hx-push-url="true"
              aria-current={q === query.queue ? 'page' : undefined}
              class={(q === 'overdue' || q === 'due_soon') && props.counts[q] > 0 ? 'hot' : undefined}
            >
              {QUEUE_LABELS[q]} <span class="count">{props.counts[q]}</span>
            </a>
          </li>
        ))}
      </ul>
      <p class="lead">
        共 {props.total} 件 · 第 {query.page}/{pages} 页 ·{' '}
        <a href={listUrl(query, { page: 1 }).replace('/staff/cases', '/staff/cases/export.csv')}>导出 CSV</a> ·{' '}
        <a href={listUrl(query, { page: 1 }).replace('/staff/cases', '/staff/cases/export.xlsx')}>导出 Excel</a>
      </p>
      <div class="table-scroll">
        <table class="cases">
          <thead>
            <tr>
              <th scope="col">{sortLink('case_number', '编号')}</th>
              <th scope="col">标题</th>
              <th scope="col">渠道 / 类型</th>
              <th scope="col">状态</th>
              <th scope="col">承办单位</th>
              <th scope="col" class="num">
                {sortLink('received_at', '受理时间')}
              </th>
              <th scope="col" class="num">
                {sortLink('due_at', '办理时限')}
              </th>
            </tr>
          </thead>
          <tbody>
            {props.rows.length === 0 && (
              <tr>
                <td colspan={7}>没有符合条件的工单</td>
              </tr>
            )}
            {props.rows.map((r) => (
              <tr>
                <td>
                  <a href={`/staff/cases/${r.id}`}>{r.caseNumber}</a>
                </td>
                <td>
                  {r.title}
                  {r.confidential && <span class="badge warn"> 保密</span>}
                </td>
                <td>
                  {CHANNEL_LABELS[r.channel as Channel]} · {KIND_LABELS[r.kind as Kind]}
                  {r.urgency !== 'normal' && <span class="badge bad"> {URGENCY_LABELS[r.urgency as Urgency]}</span>}
                </td>
                <td>
                  {STATUS_LABELS[r.status]}
                  {r.urgeLevel && <span class="badge warn"> {URGE_LEVEL_LABELS[r.urgeLevel as UrgeLevel]}</span>}
                </td>
                <td>{r.unitName ?? '—'}</td>
                <td class="num">{formatDateTime(r.receivedAt, props.timeZone)}</td>
                <td class="num">
                  {formatDateTime(r.dueAt, props.timeZone)}
                  {r.overdue && <span class="badge bad"> 超期</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="分页">
        {query.page > 1 && <a href={listUrl(query, { page: query.page - 1 })}>上一页</a>}
        {query.page < pages && <a href={listUrl(query, { page: query.page + 1 })}>下一页</a>}
      </nav>
    </div>
  )
}

/**
 * `/staff/cases`: the queues with live counts, filters kept in the URL, the list.
 *
 * @example c.html(<CasesPage {...props} />)
 */
export function CasesPage(props: CasesPageProps) {
  const q = props.query
  return (
    <StaffLayout title="工单" session={props.session} wide>
      <h1>工单</h1>
      {(q.figure || q.scope || q.category) && (
        <p class="notice warn">
          报表钻取：{q.figure ? `指标 ${q.figure}` : ''} {q.scope ? `范围 ${q.scope}` : ''}{' '}
          {q.category ? `分类 ${q.category}` : ''} · <a href="/staff/cases">清除</a>
        </p>
      )}
      <form
        id="filters"
        class="card filters"
        method="get"
        action="/staff/cases"
        hx-get="/staff/cases"
        hx-target="#results"
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="submit, change"
      >

        <div class="field wide">
          <label class="label" for="f-q">
            搜索
          </label>
          <input type="search" id="f-q" name="q" value={q.q ?? ''} placeholder="标题、内容、编号或电话" />
        </div>
        <Select name="channel" label="渠道" value={q.channel} options={CHANNELS.map((c) => [c, CHANNEL_LABELS[c]])} />
        <Select name="kind" label="类型" value={q.kind} options={KINDS.map((k) => [k, KIND_LABELS[k]])} />
        <Select name="urgency" label="紧急程度" value={q.urgency} options={URGENCIES.map((u) => [u, URGENCY_LABELS[u]])} />
        {props.session.user.role !== 'caseworker' && (
          <Select name="unitId" label="承办单位" value={q.unitId} options={props.units.map((u) => [String(u.id), u.name])} />
        )}
        <Select name="categoryId" label="分类" value={q.categoryId} options={props.categories.map((c) => [String(c.id), c.name])} />
        <Select name="districtId" label="区域" value={q.districtId} options={props.districts.map((d) => [String(d.id), d.name])} />
        <div class="field">
          <label class="label" for="f-from">
            受理自
          </label>
          <input type="date" id="f-from" name="from" value={q.from ?? ''} />
        </div>
        <div class="field">
          <label class="label" for="f-to">
            至
          </label>
          <input type="date" id="f-to" name="to" value={q.to ?? ''} />
        </div>
        <button type="submit">筛选</button>
      </form>
      <CaseResults {...props} />
    </StaffLayout>
  )
}
