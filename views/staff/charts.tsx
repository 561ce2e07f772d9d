import { scaleBand, scaleLinear } from 'd3-scale'
import { line } from 'd3-shape'

/** One month of the trend chart. */
export interface TrendPoint {
  label: string
  received: number
  /** 办结率 and 满意率 as ratios, null when empty. */
  closureRate: number | null
  satisfactionRate: number | null
}

const W = 720
const H = 260
const M = { top: 16, right: 48, bottom: 32, left: 48 }

/**
 * A server-rendered SVG of 12 months: bars for the volume received, lines for 办结率 and 满意率 on
 * a right-hand axis. Decorative for screen readers (`aria-hidden`): the table beside it carries the
 * same numbers.
 *
 * @example <TrendChart points={months} />
 */
export function TrendChart({ points }: { points: TrendPoint[] }) {
  const x = scaleBand<string>()
    .domain(points.map((p) => p.label))
    .range([M.left, W - M.right])
    .padding(0.25)
  const maxVolume = Math.max(1, ...points.map((p) => p.received))
  const y = scaleLinear().domain([0, maxVolume]).nice(4).range([H - M.bottom, M.top])
  const rates = points.flatMap((p) => [p.closureRate, p.satisfactionRate]).filter((r): r is number => r !== null)
  const low = Math.min(0.9, ...rates)
  const yRate = scaleLinear().domain([Math.floor(low * 20) / 20, 1]).range([H - M.bottom, M.top])
  const centre = (p: TrendPoint) => (x(p.label) ?? 0) + x.bandwidth() / 2
  const pathFor = (key: 'closureRate' | 'satisfactionRate') =>
    line<TrendPoint>()
      .defined((p) => p[key] !== null)
      .x(centre)
      .y((p) => yRate(p[key] ?? 0))(points) ?? ''
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-hidden="true" focusable="false">
      {y.ticks(4).map((t) => (
        <g>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} class="grid" />
          <text x={M.left - 6} y={y(t) + 4} text-anchor="end" class="tick">
            {t}
          </text>
        </g>
      ))}
      {yRate.ticks(4).map((t) => (
        <text x={W - M.right + 6} y={yRate(t) + 4} class="tick">
          {`${Math.round(t * 100)}%`}
        </text>
      ))}
      {points.map((p) => (
        <g>
          <rect x={x(p.label)} y={y(p.received)} width={x.bandwidth()} height={H - M.bottom - y(p.received)} class="bar" />
          <text x={centre(p)} y={H - M.bottom + 16} text-anchor="middle" class="tick">
            {p.label}
          </text>
        </g>
      ))}
      <path d={pathFor('closureRate')} class="line closure" />
      <path d={pathFor('satisfactionRate')} class="line satisfaction" />
    </svg>
  )
}

/**
 * Horizontal bars of the volume per channel.
 *
 * @example <VolumeBars rows={[{ label: '12345热线', value: 1523 }]} />
 */
export function VolumeBars({ rows }: { rows: { label: string; value: number }[] }) {
  const rowH = 26
  const height = rows.length * rowH + 8
  const x = scaleLinear()
    .domain([0, Math.max(1, ...rows.map((r) => r.value))])
    .range([0, W - 200 - 70])
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-hidden="true" focusable="false">
      {rows.map((r, i) => (
        <g>
          <text x={190} y={i * rowH + 20} text-anchor="end" class="tick">
            {r.label}
          </text>
          <rect x={200} y={i * rowH + 6} width={x(r.value)} height={rowH - 8} class="bar" />
          <text x={200 + x(r.value) + 6} y={i * rowH + 20} class="tick">
            {r.value}
          </text>
        </g>
      ))}
    </svg>
  )
}
