import { formatPercent } from '../src/domain/bulletin'
import type { Figures } from '../src/domain/figures'
import { t, type Locale } from './i18n'
import { Layout } from './layout'

/** One row of a figures table. */
export interface StatsRow {
  label: string
  figures: Figures
}

/** Props of {@link StatsPage}: three tables over the last 12 months. */
export interface StatsPageProps {
  locale: Locale
  path: string
  from: string
  to: string
  months: StatsRow[]
  channels: StatsRow[]
  units: StatsRow[]
  total: Figures
}

function FiguresTable(props: { locale: Locale; caption: string; first: string; rows: StatsRow[]; total: Figures }) {
  const m = t(props.locale).stats
  const pct = (n: number, d: number) => formatPercent(n, d) ?? m.none
  const cells = (f: Figures) => (
    <>
      <td>{f.received}</td>
      <td>{pct(f.closed, f.valid)}</td>
      <td>{pct(f.closedOnTime, f.closed)}</td>
      <td>{pct(f.satisfied, f.rated)}</td>
    </>
  )
  return (
    <div class="table-scroll">
      <table>
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.first}</th>
            <th scope="col">{m.received}</th>
            <th scope="col">{m.closureRate}</th>
            <th scope="col">{m.onTimeRate}</th>
            <th scope="col">{m.satisfactionRate}</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              <th scope="row">{r.label}</th>
              {cells(r.figures)}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td>{m.total}</td>
            {cells(props.total)}
          </tr>
        </tfoot>
      </table>
    </div>
  )
}

/**
 * `/stats`: the public monthly figures, by channel and by unit, with no personal data.
 *
 * @example c.html(<StatsPage {...props} />)
 */
export function StatsPage(props: StatsPageProps) {
  const m = t(props.locale).stats
  return (
    <Layout locale={props.locale} title={m.title} path={props.path}>
      <h1>{m.title}</h1>
      <p class="lead">
        {m.intro}
        {props.locale === 'zh' ? `（${props.from} 至 ${props.to}）` : ` (${props.from} – ${props.to})`}
      </p>
      <FiguresTable locale={props.locale} caption={m.month} first={m.month} rows={props.months} total={props.total} />
      <h2>{m.byChannel}</h2>
      <FiguresTable locale={props.locale} caption={m.byChannel} first={m.channel} rows={props.channels} total={props.total} />
      <h2>{m.byUnit}</h2>
      <FiguresTable locale={props.locale} caption={m.byUnit} first={m.unit} rows={props.units} total={props.total} />
    </Layout>
  )
}
