import type { Figures } from './figures'
import { addDays, type LocalDate } from './zoned-time'

/**
 * A count the way the city's briefing (简报) writes it: 10,000 or more in 万 with one decimal,
 * truncated, with 余 when something was cut; smaller counts in full.
 *
 * @example formatVolume(65312) // '6.5万余件'
 * @example formatVolume(65000) // '6.5万件'
 * @example formatVolume(1446) // '1446件'
 */
export function formatVolume(count: number, unit = '件'): string {
  if (count < 10000) return `${count}${unit}`
  const tenths = Math.floor(count / 1000)
  const cut = count % 1000 !== 0
  const wan = tenths % 10 === 0 ? String(tenths / 10) : (tenths / 10).toFixed(1)
  return `${wan}万${cut ? '余' : ''}${unit}`
}

/**
 * A ratio as a percentage with at most two decimals, rounded half up, trailing zeros dropped; a
 * ratio below 1 is never written as 100%. Works on the integer counts, so no float drift.
 * Returns null when the denominator is 0.
 *
 * @example formatPercent(99996, 100000) // '99.99%'
 * @example formatPercent(1, 1) // '100%'
 * @example formatPercent(199, 200) // '99.5%'
 */
export function formatPercent(numerator: number, denominator: number): string | null {
  if (denominator === 0) return null
  let hundredths = Math.floor((numerator * 20000 + denominator) / (2 * denominator))
  if (numerator < denominator && hundredths >= 10000) hundredths = 9999
  const whole = Math.floor(hundredths / 100)
  const frac = hundredths % 100
  if (frac === 0) return `${whole}%`
  const decimals = frac % 10 === 0 ? String(frac / 10) : String(frac).padStart(2, '0')
  return `${whole}.${decimals}%`
}

/**
 * How the briefing names a period: 全年 for a calendar year, 本月 for a calendar month, otherwise
 * the dates in full.
 *
 * @example periodOpening('2022-01-01', '2022-12-31') // '全年'
 * @example periodOpening('2025-03-01', '2025-03-31') // '本月'
 * @example periodOpening('2025-03-02', '2025-04-01') // '2025年3月2日至2025年4月1日'
 */
export function periodOpening(from: LocalDate, to: LocalDate): string {
  const sameYear = from.slice(0, 4) === to.slice(0, 4)
  if (sameYear && from.endsWith('-01-01') && to.endsWith('-12-31')) return '全年'
  const sameMonth = from.slice(0, 7) === to.slice(0, 7)
  if (sameMonth && from.endsWith('-01') && addDays(to, 1).endsWith('-01')) return '本月'
  return `${chineseDate(from)}至${chineseDate(to)}`
}

function chineseDate(date: LocalDate): string {
  const [y, m, d] = date.split('-').map(Number)
  return `${y}年${m}月${d}日`
}

/**
 * The bulletin sentence: volume received, then 办结率 and 满意率; an empty rate is left out.
 *
 * @example
 * bulletinSentence('2022-01-01', '2022-12-31', figures)
 * // '全年累计受理诉求6.5万余件,办结率100%,满意率达99.96%'
 */
export function bulletinSentence(
  from: LocalDate,
  to: LocalDate,
  figures: Pick<Figures, 'received' | 'closed' | 'valid' | 'satisfied' | 'rated'>,
): string {
  const parts = [`${periodOpening(from, to)}累计受理诉求${formatVolume(figures.received)}`]
  const closure = formatPercent(figures.closed, figures.valid)
  if (closure) parts.push(`办结率${closure}`)
  const satisfaction = formatPercent(figures.satisfied, figures.rated)
  if (satisfaction) parts.push(`满意率达${satisfaction}`)
  return parts.join(',')
}

/** What the briefing paragraph needs: the period, the scope's name, totals and channel groups. */
export interface ParagraphInput {
  from: LocalDate
  to: LocalDate
  /** The scope's name (e.g. 新建区), or null for the whole city. */
  scopeName: string | null
  totals: Pick<Figures, 'received' | 'closed' | 'valid' | 'satisfied' | 'rated' | 'closedOnTime'>
  /** Figures per channel code (`hotline_12345`, `wenzheng`, `window`, …). */
  channels: Record<string, Pick<Figures, 'received' | 'closed' | 'valid'>>
}

const MERGED_CHANNELS: [string, string][] = [
  ['wenzheng', '“问政江西”'],
  ['ganfutong', '“赣服通”'],
  ['web', '网上'],
  ['other', '公安非警务类热线'],
]

/**
 * The service-pillar paragraph of a briefing (简报), in the style of the city's: which channels the
 * hotline merged, the bulletin sentence, the on-time rate, the 办不成事 window and the enterprise
 * visits, each only when it had cases. Every figure follows the bulletin's formatting rules.
 *
 * @example
 * bulletinParagraph({ from: '2022-01-01', to: '2022-12-31', scopeName: '新建区', totals, channels })
 * // '新建区“12345”热线办全面整合“问政江西”、“赣服通”等政务服务渠道,全年累计受理诉求6.5万余件,办结率100%,满意率达99.96%,按期办结率98.5%。…'
 */
export function bulletinParagraph(input: ParagraphInput): string {
  const merged = MERGED_CHANNELS.filter(([code]) => (input.channels[code]?.received ?? 0) > 0).map(
    ([, label]) => label,
  )
  const head = `${input.scopeName ?? ''}“12345”热线办${
    merged.length > 0 ? `全面整合${merged.join('、')}等政务服务渠道,` : ''
  }`
  const parts = [head + bulletinSentence(input.from, input.to, input.totals)]
  const onTime = formatPercent(input.totals.closedOnTime, input.totals.closed)
  if (onTime) parts[0] += `,按期办结率${onTime}`
  let text = `${parts[0]}。`
  const window = input.channels.window
  if (window && window.received > 0) {
    const rate = formatPercent(window.closed, window.valid)
    text += `“办不成事”反映窗口受理企业群众诉求${formatVolume(window.received)},解决${formatVolume(window.closed)}${rate ? `,办结率${rate}` : ''}。`
  }
  const visits = input.channels.enterprise_visit
  if (visits && visits.received > 0) {
    const rate = formatPercent(visits.closed, visits.valid)
    text += `开展企业走访,解决企业反映诉求和问题线索${formatVolume(visits.received, '条')}${rate ? `,办结率为${rate}` : ''}。`
  }
  return text
}
