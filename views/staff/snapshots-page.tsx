import type { StaffSession } from '../../src/services/sessions'
import {
  PUBLISHER_ROLES,
  type FieldDifference,
  type GroupDifference,
  type Snapshot,
  type SnapshotComparison,
  type SummaryField,
} from '../../src/services/snapshots'
import { FIELD_LABELS, isRateField } from '../../src/services/summary-xlsx'
import { formatDateTime } from '../format'
import { StaffLayout } from './layout'

/** A message above the page: a publication done or refused. */
export interface SnapshotMessage {
  kind: 'ok' | 'bad' | 'warn'
  text: string
}

/** Props of {@link SnapshotsPage}. */
export interface SnapshotsPageProps {
  session: StaffSession
  timeZone: string
  snapshots: Snapshot[]
  /** Months that have ended, newest first: the publish form's choices. */
  months: string[]
  scopes: { code: string; name: string }[]
  message: SnapshotMessage | null
  /** What the form showed when it was sent back. */
  form: { month: string; scope: string }
}

/** Props of {@link SnapshotPage}. */
export interface SnapshotPageProps {
  session: StaffSession
  timeZone: string
  snapshot: Snapshot
  comparison: SnapshotComparison
}

/** The columns of the group tables; every other changed field is listed in the last column. */
const GROUP_COLUMNS: SummaryField[] = [
  'received',
  'valid',
  'closed',
  'closedOnTime',
  'overdueOpen',
  'rated',
  'satisfied',
  'dissatisfied',
  'reopened',
  'closureRate',
  'onTimeRate',
  'satisfactionRate',
]

/**
 * `2025-10` as `2025年10月`.
 *
 * @example monthLabel('2025-10') // '2025年10月'
 */
export function monthLabel(month: string): string {
  return `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`
}

/**
 * A figure as shown: counts whole, rates as percentages with two decimals, average workdays with
 * two decimals, empty as —.
 *
 * @example formatFigure('closureRate', 0.5) // '50.00%'
 */
export function formatFigure(field: SummaryField, value: number | null): string {
  if (value === null) return '—'
  if (isRateField(field)) return `${(value * 100).toFixed(2)}%`
  if (field === 'avgHandlingWorkdays') return value.toFixed(2)
  return String(value)
}

/**
 * The change of a figure: `+2`, `−1`, `+3.33 个百分点`, or — when either side is empty.
 *
 * @example formatDelta('rated', 1) // '+1'
 */
export function formatDelta(field: SummaryField, delta: number | null): string {
  if (delta === null) return '—'
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±'
  if (isRateField(field)) return `${sign}${Math.abs(delta * 100).toFixed(2)} 个百分点`
  if (field === 'avgHandlingWorkdays') return `${sign}${Math.abs(delta).toFixed(2)}`
  return `${sign}${Math.abs(delta)}`
}

/**
 * `已发布 X，现为 Y（+n）`: how a changed figure reads.
 *
 * @example
 * changeText({ field: 'rated', published: 3, current: 4, delta: 1, changed: true })
 * // '已发布 3，现为 4（+1）'
 */
export function changeText(d: FieldDifference): string {
  const before = formatFigure(d.field, d.published)
  const now = formatFigure(d.field, d.current)
  return `已发布 ${before}，现为 ${now}（${formatDelta(d.field, d.delta)}）`
}

function scopeText(s: Snapshot): string {
  return s.scopeName ?? (s.scope ? s.scope : '全部')
}

function Message({ message }: { message: SnapshotMessage | null }) {
  if (!message) return null
  return (
    <p class={`notice ${message.kind}`} role={message.kind === 'ok' ? 'status' : 'alert'}>
      {message.text}
    </p>
  )
}

/**
 * `/staff/reports/snapshots`: the published months (月度发布), and for supervisors and admins the
 * form that publishes an ended month.
 *
 * @example c.html(<SnapshotsPage {...props} />)
 */
export function SnapshotsPage(props: SnapshotsPageProps) {
  const mayPublish = (PUBLISHER_ROLES as readonly string[]).includes(props.session.user.role)
  return (
    <StaffLayout title="月度发布" session={props.session} wide>
      <h1>月度发布</h1>
      <p class="lead">
        发布后，该月的数字连同统计时点一起冻结；之后的迟到回访、重办等变动不会改写已发布的数字，而是在对比页上以差异列出。
        · <a href="/staff/reports">返回报表</a>
      </p>
      <Message message={props.message} />
      {mayPublish && (
        <form class="card filters" method="post" action="/staff/reports/snapshots">
          <input type="hidden" name="_csrf" value={props.session.csrfToken} />
          <div class="field">
            <label class="label" for="s-month">
              月份
            </label>
            <select id="s-month" name="month" required>
              {props.months.map((m) => (
                <option value={m} selected={props.form.month === m}>
                  {monthLabel(m)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label class="label" for="s-scope">
              范围
            </label>
            <select id="s-scope" name="scope">
              <option value="">全部</option>
              {props.scopes.map((u) => (
                <option value={u.code} selected={props.form.scope === u.code}>
                  {u.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">发布</button>
        </form>
      )}
      <section class="card">
        <h2 class="mt0">已发布</h2>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">月份</th>
                <th scope="col">范围</th>
                <th scope="col">受理</th>
                <th scope="col">办结率</th>
                <th scope="col">满意率</th>
                <th scope="col">数据截至</th>
                <th scope="col">发布时间</th>
                <th scope="col">发布人</th>
              </tr>
            </thead>
            <tbody>
              {props.snapshots.length === 0 && (
                <tr>
                  <td colspan={8}>还没有发布过月度数据</td>
                </tr>
              )}
              {props.snapshots.map((s) => {
                const t = s.byUnit.totals
                return (
                  <tr>
                    <th scope="row">
                      <a href={`/staff/reports/snapshots/${s.id}`}>{monthLabel(s.month)}</a>
                    </th>
                    <td>{scopeText(s)}</td>
                    <td>{t.received}</td>
                    <td>{formatFigure('closureRate', t.closureRate)}</td>
                    <td>{formatFigure('satisfactionRate', t.satisfactionRate)}</td>
                    <td>{formatDateTime(s.asOf, props.timeZone)}</td>
                    <td>{formatDateTime(s.publishedAt, props.timeZone)}</td>
                    <td>{s.publishedByName}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </section>
    </StaffLayout>
  )
}

function Cell({ d }: { d: FieldDifference }) {
  if (!d.changed) return <td>{formatFigure(d.field, d.published)}</td>
  return (
    <td class="changed">
      <mark>{changeText(d)}</mark>
    </td>
  )
}

function GroupTable(props: { title: string; groupLabel: string; groups: GroupDifference[] }) {
  return (
    <section class="card">
      <h2 class="mt0">{props.title}</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{props.groupLabel}</th>
              {GROUP_COLUMNS.map((f) => (
                <th scope="col">{FIELD_LABELS[f]}</th>
              ))}
              <th scope="col">其他变动</th>
            </tr>
          </thead>
          <tbody>
            {props.groups.length === 0 && (
              <tr>
                <td colspan={GROUP_COLUMNS.length + 2}>本月没有工单</td>
              </tr>
            )}
            {props.groups.map((g) => {
              const others = g.fields.filter((d) => d.changed && !GROUP_COLUMNS.includes(d.field))
              return (
                <tr class={g.status === 'same' ? undefined : 'changed'}>
                  <th scope="row">
                    {g.label}
                    {g.status === 'added' && <span class="badge warn"> 发布后新增</span>}
                    {g.status === 'removed' && <span class="badge warn"> 现已无工单</span>}
                  </th>
                  {GROUP_COLUMNS.map((f) => (
                    <Cell d={g.fields.find((d) => d.field === f)!} />
                  ))}
                  <td>
                    {others.map((d) => (
                      <div>
                        <mark>
                          {FIELD_LABELS[d.field]}：{changeText(d)}
                        </mark>
                      </div>
                    ))}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

/**
 * `/staff/reports/snapshots/{id}`: a published month's frozen figures (totals, by unit, by
 * channel) beside the same month's figures now, every difference highlighted as
 * `已发布 X，现为 Y（+n）`.
 *
 * @example c.html(<SnapshotPage {...props} />)
 */
export function SnapshotPage(props: SnapshotPageProps) {
  const { snapshot: s, comparison: cmp } = props
  const title = `${monthLabel(s.month)} · ${scopeText(s)}`
  const report = new URLSearchParams({ from: s.byUnit.from, to: s.byUnit.to, by: 'unit' })
  if (s.scope) report.set('scope', s.scope)
  return (
    <StaffLayout title={`月度发布 ${title}`} session={props.session} wide>
      <h1>月度发布：{title}</h1>
      <p class="lead">
        <a href="/staff/reports/snapshots">全部发布</a> ·{' '}
        <a href={`/staff/reports?${report}`}>查看当前报表</a>
      </p>
      <section class="card">
        <dl class="facts">
          <dt>统计期间</dt>
          <dd>
            {s.byUnit.from} 至 {s.byUnit.to}（{s.byUnit.timezone}）
          </dd>
          <dt>发布</dt>
          <dd>
            {formatDateTime(s.publishedAt, props.timeZone)} · {s.publishedByName}
          </dd>
          <dt>已发布数字截至</dt>
          <dd>{formatDateTime(s.asOf, props.timeZone)}</dd>
          <dt>当前数字截至</dt>
          <dd>{formatDateTime(cmp.current.byUnit.asOf, props.timeZone)}</dd>
        </dl>
      </section>
      {cmp.changed ? (
        <p class="notice warn" role="status">
          发布后数据有变动（迟到的回访、重办、补录等）。已发布的数字保持不变，差异以“已发布 X，现为
          Y（±n）”标出。
        </p>
      ) : (
        <p class="notice ok" role="status">
          发布后数据没有变动。
        </p>
      )}
      <section class="card">
        <h2 class="mt0">合计</h2>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">指标</th>
                <th scope="col">已发布</th>
                <th scope="col">现为</th>
                <th scope="col">差异</th>
              </tr>
            </thead>
            <tbody>
              {cmp.totals.map((d) => (
                <tr class={d.changed ? 'changed' : undefined}>
                  <th scope="row">{FIELD_LABELS[d.field]}</th>
                  <td>{formatFigure(d.field, d.published)}</td>
                  <td>
                    {d.changed ? (
                      <mark>{formatFigure(d.field, d.current)}</mark>
                    ) : (
                      formatFigure(d.field, d.current)
                    )}
                  </td>
                  <td>{d.changed ? <mark>{formatDelta(d.field, d.delta)}</mark> : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <GroupTable title="按承办单位" groupLabel="承办单位" groups={cmp.byUnit} />
      <GroupTable title="按渠道" groupLabel="渠道" groups={cmp.byChannel} />
      <section class="card">
        <h2 class="mt0">已发布的简报表述</h2>
        <p>{s.byUnit.bulletin}</p>
        {cmp.current.byUnit.bulletin !== s.byUnit.bulletin && (
          <p>
            <mark>现为：{cmp.current.byUnit.bulletin}</mark>
          </p>
        )}
      </section>
    </StaffLayout>
  )
}
