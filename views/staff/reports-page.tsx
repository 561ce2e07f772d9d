import { formatPercent } from '../../src/domain/bulletin'
import type { Figures } from '../../src/domain/figures'
import type { Grouping } from '../../db/repositories/rollups'
import type { StaffSession } from '../../src/services/sessions'
import type { Summary } from '../../src/services/reports'
import { LEAGUE_HIGHLIGHT, LEAGUE_MIN_VOLUME, LEAGUE_WEIGHTS, type LeagueRow } from '../../src/domain/league'
import { formatDateTime } from '../format'
import { TrendChart } from './charts'
import { StaffLayout } from './layout'
import { WindowReportSection } from './window-panel'
import type { WindowReport } from '../../src/services/intake'

/** The league table's rows, with the unit's code for links. */
export type LeagueView = LeagueRow<{ id: number; code: string; name: string }>[]

/** Props of {@link ReportsPage}. */
export interface ReportsPageProps {
  /** The 12 months up to the period's end, for the trend chart. */
  trend: Summary
  /** The briefing paragraph (简报段落) for the period. */
  paragraph: string
  league: LeagueView
  /** The list of cases behind a figure, optionally narrowed to one group. */
  caseLink: (figure: string, group?: Record<string, string>) => string
  session: StaffSession
  summary: Summary
  previous: Summary
  lastYear: Summary
  scopes: { code: string; name: string }[]
  query: { from: string; to: string; by: Grouping | null; scope: string | null }
  csvUrl: string
  /** The 办不成事 window's visits, solved on the spot and 否定答复 of the period. */
  windowReport?: WindowReport
}

const GROUPING_LABELS: Record<Grouping, string> = {
  channel: '渠道',
  unit: '承办单位',
  category: '分类',
  kind: '诉求类型',
  month: '月份',
}

interface RateRow {
  label: string
  rate: keyof Figures
  numerator: keyof Figures
  denominator: keyof Figures
}

const RATES: RateRow[] = [
  { label: '办结率', rate: 'closureRate', numerator: 'closed', denominator: 'valid' },
  { label: '按期办结率', rate: 'onTimeRate', numerator: 'closedOnTime', denominator: 'closed' },
  { label: '满意率', rate: 'satisfactionRate', numerator: 'satisfied', denominator: 'rated' },
  { label: '回访率', rate: 'callbackRate', numerator: 'rated', denominator: 'closed' },
  { label: '回退率', rate: 'returnRate', numerator: 'returned', denominator: 'valid' },
  { label: '重办率', rate: 'reopenRate', numerator: 'reopened', denominator: 'closed' },
]

const LINKED = new Set<keyof Figures>([
  'received',
  'invalid',
  'merged',
  'closed',
  'closedOnTime',
  'overdueOpen',
  'rated',
  'satisfied',
  'dissatisfied',
  'returned',
  'extended',
  'reopened',
])

const COUNTS: [keyof Figures, string][] = [
  ['received', '受理'],
  ['invalid', '无效'],
  ['merged', '重复件'],
  ['valid', '有效'],
  ['closed', '办结'],
  ['closedOnTime', '按期办结'],
  ['overdueOpen', '超期未办结'],
  ['rated', '已回访'],
  ['satisfied', '满意'],
  ['dissatisfied', '不满意'],
  ['returned', '退单'],
  ['extended', '延期'],
  ['reopened', '重办'],
]

function groupFilter(by: Grouping, key: string, summary: Summary, league: LeagueView): Record<string, string> {
  switch (by) {
    case 'channel':
      return { channel: key }
    case 'kind':
      return { kind: key }
    case 'category':
      return key === 'none' ? {} : { category: key }
    case 'unit': {
      if (key === 'none') return { unitId: 'none' }
      const unit = league.find((r) => r.unit.code === key)?.unit
      return unit ? { unitId: String(unit.id) } : {}
    }
    case 'month': {
      const last = new Date(Date.UTC(Number(key.slice(0, 4)), Number(key.slice(5, 7)), 0)).getUTCDate()
      const from = `${key}-01` < summary.from ? summary.from : `${key}-01`
      const to = `${key}-${last}` > summary.to ? summary.to : `${key}-${last}`
      return { from, to }
    }
  }
}

function pct(f: Figures, row: RateRow): string {
  return formatPercent(f[row.numerator] as number, f[row.denominator] as number) ?? '—'
}

function delta(now: number | null, before: number | null): string {
  if (now === null || before === null) return '—'
  const points = (now - before) * 100
  const sign = points > 0 ? '+' : points < 0 ? '−' : '±'
  return `${sign}${Math.abs(points).toFixed(2)} 个百分点`
}

/**
 * `/staff/reports`: every figure of CONTRACT.md section 5 with numerator and denominator, the
 * change against the previous period (环比) and the same period last year (同比), groups, the
 * bulletin sentence ready to edit and copy, and the CSV export.
 *
 * @example c.html(<ReportsPage {...props} />)
 */
export function ReportsPage(props: ReportsPageProps) {
  const { summary: s, query } = props
  const t = s.totals
  return (
    <StaffLayout title="报表" session={props.session} wide>
      <h1>报表</h1>
      <form class="card filters" method="get" action="/staff/reports">
        <div class="field">
          <label class="label" for="r-from">
            自
          </label>
          <input type="date" id="r-from" name="from" value={query.from} required />
        </div>
        <div class="field">
          <label class="label" for="r-to">
            至
          </label>
          <input type="date" id="r-to" name="to" value={query.to} required />
        </div>
        <div class="field">
          <label class="label" for="r-by">
            分组
          </label>
          <select id="r-by" name="by">
            <option value="">不分组</option>
            {(Object.keys(GROUPING_LABELS) as Grouping[]).map((g) => (
              <option value={g} selected={query.by === g}>
                {GROUPING_LABELS[g]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label class="label" for="r-scope">
            范围
          </label>
          <select id="r-scope" name="scope">
            <option value="">全部</option>
            {props.scopes.map((u) => (
              <option value={u.code} selected={query.scope === u.code}>
                {u.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">查询</button>
      </form>
      <p class="lead">
        {s.from} 至 {s.to}
        {s.scope ? ` · ${s.scope.name}` : ''} · 统计口径：{s.timezone}，截至 {formatDateTime(s.asOf, s.timezone)} ·{' '}
        <a href={props.csvUrl}>导出 CSV</a> · <a href={props.csvUrl.replace('summary.csv', 'summary.xlsx')}>导出 Excel</a> ·{' '}
        <a href="/staff/reports/snapshots">月度发布</a>
      </p>
      <section class="card">
        <h2 class="mt0">简报表述</h2>
        <label class="label" for="bulletin">
          可修改后复制
        </label>
        <textarea id="bulletin" rows={2}>
          {s.bulletin}
        </textarea>
        <p>
          <button type="button" class="secondary js-only" data-copy-value="bulletin">
            复制
          </button>
        </p>
        <label class="label" for="paragraph">
          简报段落（渠道整合、办结、按期、满意、“办不成事”窗口、企业走访）
        </label>
        <textarea id="paragraph" rows={4}>
          {props.paragraph}
        </textarea>
        <p>
          <button type="button" class="secondary js-only" data-copy-value="paragraph">
            复制段落
          </button>
        </p>
      </section>
      <section class="card">
        <h2 class="mt0">近12个月趋势</h2>
        <p class="legend" aria-hidden="true">
          <span>
            <span class="swatch bar"></span>受理量
          </span>
          <span>
            <span class="swatch closure"></span>办结率
          </span>
          <span>
            <span class="swatch satisfaction"></span>满意率
          </span>
        </p>
        <TrendChart
          points={props.trend.groups.map((g) => ({
            label: `${Number(g.key.slice(5, 7))}月`,
            received: g.received,
            closureRate: g.closureRate,
            satisfactionRate: g.satisfactionRate,
          }))}
        />
        <details>
          <summary>数据表</summary>
          <div class="table-scroll">
            <table>
              <caption class="sr-only">近12个月受理量、办结率、满意率</caption>
              <thead>
                <tr>
                  <th scope="col">月份</th>
                  <th scope="col">受理</th>
                  <th scope="col">办结率</th>
                  <th scope="col">满意率</th>
                </tr>
              </thead>
              <tbody>
                {props.trend.groups.map((g) => (
                  <tr>
                    <th scope="row">{g.label}</th>
                    <td>{g.received}</td>
                    <td>{pct(g, RATES[0]!)}</td>
                    <td>{pct(g, RATES[2]!)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>
      <div class="case-grid">
        <section class="card">
          <h2 class="mt0">比率</h2>
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">指标</th>
                  <th scope="col">本期</th>
                  <th scope="col">分子 / 分母</th>
                  <th scope="col">环比</th>
                  <th scope="col">同比</th>
                </tr>
              </thead>
              <tbody>
                {RATES.map((r) => (
                  <tr>
                    <th scope="row">{r.label}</th>
                    <td>{pct(t, r)}</td>
                    <td>
                      {t[r.numerator]} / {t[r.denominator]}
                    </td>
                    <td>{delta(t[r.rate] as number | null, props.previous.totals[r.rate] as number | null)}</td>
                    <td>{delta(t[r.rate] as number | null, props.lastYear.totals[r.rate] as number | null)}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">平均办理工作日</th>
                  <td>{t.avgHandlingWorkdays === null ? '—' : t.avgHandlingWorkdays.toFixed(2)}</td>
                  <td>
                    {t.handlingWorkdays} / {t.closed}
                  </td>
                  <td>—</td>
                  <td>—</td>
                </tr>
              </tbody>
            </table>
          </div>
        </section>
        <section class="card">
          <h2 class="mt0">件数</h2>
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">项目</th>
                  <th scope="col">本期</th>
                  <th scope="col">上期</th>
                  <th scope="col">去年同期</th>
                </tr>
              </thead>
              <tbody>
                {COUNTS.map(([k, label]) => (
                  <tr>
                    <th scope="row">{label}</th>
                    <td>{k === 'valid' || LINKED.has(k) ? <a href={props.caseLink(k)}>{t[k]}</a> : t[k]}</td>
                    <td>{props.previous.totals[k]}</td>
                    <td>{props.lastYear.totals[k]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </div>
      {s.by && (
        <section class="card">
          <h2 class="mt0">按{GROUPING_LABELS[s.by]}</h2>
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">{GROUPING_LABELS[s.by]}</th>
                  <th scope="col">受理</th>
                  <th scope="col">有效</th>
                  <th scope="col">办结</th>
                  <th scope="col">办结率</th>
                  <th scope="col">按期办结率</th>
                  <th scope="col">满意率</th>
                  <th scope="col">超期未办结</th>
                </tr>
              </thead>
              <tbody>
                {s.groups.map((g) => {
                  const filter = groupFilter(s.by!, g.key, s, props.league)
                  return (
                  <tr>
                    <th scope="row">{g.label}</th>
                    <td>
                      <a href={props.caseLink('received', filter)}>{g.received}</a>
                    </td>
                    <td>{g.valid}</td>
                    <td>
                      <a href={props.caseLink('closed', filter)}>{g.closed}</a>
                    </td>
                    <td>{pct(g, RATES[0]!)}</td>
                    <td>{pct(g, RATES[1]!)}</td>
                    <td>{pct(g, RATES[2]!)}</td>
                    <td>
                      <a href={props.caseLink('overdueOpen', filter)}>{g.overdueOpen}</a>
                    </td>
                  </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {props.windowReport && <WindowReportSection report={props.windowReport} timeZone={s.timezone} />}
      <section class="card">
        <h2 class="mt0">承办单位红黑榜</h2>
        <p class="hint">
          得分 = 办结率×{LEAGUE_WEIGHTS.closureRate * 100}% + 按期办结率×{LEAGUE_WEIGHTS.onTimeRate * 100}% + 满意率×
          {LEAGUE_WEIGHTS.satisfactionRate * 100}% + (1−回退率)×{LEAGUE_WEIGHTS.returnRate * 100}% + (1−重办率)×
          {LEAGUE_WEIGHTS.reopenRate * 100}%；无分母的比率不计入并按权重折算。有效件少于 {LEAGUE_MIN_VOLUME}{' '}
          件的单位列出但不排名；前 {LEAGUE_HIGHLIGHT} 名为红榜，后 {LEAGUE_HIGHLIGHT} 名为黑榜。每个数字都可点开查看对应工单。
        </p>
        <div class="table-scroll">
          <table class="league">
            <thead>
              <tr>
                <th scope="col">名次</th>
                <th scope="col">承办单位</th>
                <th scope="col">得分</th>
                <th scope="col">有效件</th>
                <th scope="col">办结率</th>
                <th scope="col">按期办结率</th>
                <th scope="col">满意率</th>
                <th scope="col">回退率</th>
                <th scope="col">重办率</th>
                <th scope="col">超期未办结</th>
              </tr>
            </thead>
            <tbody>
              {props.league.map((r) => {
                const f = r.figures
                const unit = { unitId: String(r.unit.id) }
                const link = (figure: string, text: string) => <a href={props.caseLink(figure, unit)}>{text}</a>
                return (
                  <tr class={r.band ?? undefined}>
                    <td>{r.rank ?? '—'}{r.band === 'red' ? ' 红榜' : r.band === 'black' ? ' 黑榜' : ''}</td>
                    <th scope="row">{r.unit.name}</th>
                    <td>{r.score === null ? '—' : r.score.toFixed(2)}</td>
                    <td>{link('valid', String(f.valid))}</td>
                    <td>{link('closed', pct(f, RATES[0]!))}</td>
                    <td>{link('closedOnTime', pct(f, RATES[1]!))}</td>
                    <td>{link('satisfied', pct(f, RATES[2]!))}</td>
                    <td>{link('returned', pct(f, RATES[4]!))}</td>
                    <td>{link('reopened', pct(f, RATES[5]!))}</td>
                    <td>{link('overdueOpen', String(f.overdueOpen))}</td>
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
