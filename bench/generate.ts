/**
 * Synthetic cases for the report benchmarks: a city of 25 units (南昌市 → 3 districts → 7 handling
 * units each), 36 categories and N cases spread over the three years ending at `asOf`.
 * Deterministic for a given seed, size and `asOf`.
 *
 * Nothing here touches a database: {@link generate} yields batches of work_orders rows in the
 * column order of {@link WORK_ORDER_COLUMNS} and, at the end of each month, the month's cases as
 * rollup changes (`{ before: null, after: case }`) for the app's own `applyRollupDeltas`, so the
 * rollups are built exactly as live writes and the importer build them.
 */
import type { RollupChange } from '../db/repositories/rollups'
import type { Channel, Kind, Rating, Urgency } from '../src/domain/codes'
import { DEFAULT_SLA_RULES, slaWorkdaysFor } from '../src/domain/sla'
import type { Status } from '../src/domain/status'
import { addDays, endOfLocalDay, localDateOf, weekday, zonedToInstant } from '../src/domain/zoned-time'

export const TIME_ZONE = 'Asia/Shanghai'

/** The work_orders columns the loader writes, with their Postgres types (for `unnest`). */
export const WORK_ORDER_COLUMNS = [
  ['id', 'int4'],
  ['case_number', 'text'],
  ['tracking_hash', 'text'],
  ['channel', 'text'],
  ['kind', 'text'],
  ['urgency', 'text'],
  ['category_id', 'int4'],
  ['unit_id', 'int4'],
  ['district_id', 'int4'],
  ['title', 'text'],
  ['content', 'text'],
  ['address', 'text'],
  ['citizen_name', 'text'],
  ['citizen_phone', 'text'],
  ['citizen_id_number', 'text'],
  ['confidential', 'int4'],
  ['status', 'text'],
  ['version', 'int4'],
  ['received_at', 'text'],
  ['received_day', 'text'],
  ['due_at', 'text'],
  ['due_base_day', 'text'],
  ['due_workdays', 'int4'],
  ['due_provisional', 'int4'],
  ['paused_at', 'text'],
  ['status_before_return', 'text'],
  ['return_reason', 'text'],
  ['pending_extension_workdays', 'int4'],
  ['pending_extension_basis', 'text'],
  ['dispatched_at', 'text'],
  ['closed_at', 'text'],
  ['closed_on_time', 'int4'],
  ['handling_workdays', 'int4'],
  ['reply', 'text'],
  ['rating', 'text'],
  ['rating_comment', 'text'],
  ['rated_at', 'text'],
  ['return_count', 'int4'],
  ['extension_count', 'int4'],
  ['reopen_count', 'int4'],
  ['urge_level', 'text'],
  ['merged_into_id', 'int4'],
  ['external_id', 'text'],
  ['created_at', 'text'],
  ['updated_at', 'text'],
] as const

export type Row = (string | number | null)[]

// ---------------------------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------------------------

type Handler = 'local' | 'cg' | 'zj' | 'sj'

export interface UnitSeed {
  id: number
  code: string
  name: string
  parentId: number | null
  level: 'city' | 'district' | 'street' | 'town' | 'department'
  handler: Handler | null
}

export interface CategorySeed {
  id: number
  code: string
  name: string
  parentId: number | null
  handler: Handler
  weight: number
}

const DISTRICTS = [
  { code: 'XJ', name: '新建区', weight: 0.45, localities: ['长堎街道', '望城镇', '生米镇', '西山镇'] },
  { code: 'HGT', name: '红谷滩区', weight: 0.4, localities: ['沙井街道', '卫东街道', '凤凰洲街道', '红角洲街道'] },
  { code: 'WL', name: '湾里管理局', weight: 0.15, localities: ['站前街道', '招贤镇', '梅岭镇', '太平镇'] },
]
const DEPARTMENTS: { code: string; name: string; handler: Handler }[] = [
  { code: 'CG', name: '城管局', handler: 'cg' },
  { code: 'ZJ', name: '住建局', handler: 'zj' },
  { code: 'SJ', name: '市场监管局', handler: 'sj' },
]

const CATEGORY_TREE: { code: string; name: string; handler: Handler; leaves: string[] }[] = [
  { code: 'CSJS', name: '城乡建设', handler: 'zj', leaves: ['房屋质量', '物业纠纷', '燃气安全', '供水问题', '工地施工'] },
  { code: 'SRHJ', name: '市容环境', handler: 'cg', leaves: ['路灯不亮', '垃圾清运', '占道经营', '违章搭建', '噪音扰民'] },
  { code: 'SCJG', name: '市场监管', handler: 'sj', leaves: ['食品安全', '价格投诉', '消费维权', '无证经营', '虚假广告'] },
  { code: 'JTCX', name: '交通出行', handler: 'local', leaves: ['道路破损', '停车管理', '公交线路', '交通信号', '共享单车'] },
  { code: 'SHBZ', name: '社会保障', handler: 'local', leaves: ['社保缴纳', '医保报销', '就业招聘', '拖欠工资', '养老服务'] },
  { code: 'SQZL', name: '社区治理', handler: 'local', leaves: ['邻里纠纷', '治安隐患', '消防通道', '户籍办理', '养犬管理'] },
]

/** The unit tree: 1 city, 3 districts, 7 handling units under each (4 localities, 3 departments). */
export function unitSeeds(): UnitSeed[] {
  const units: UnitSeed[] = [
    { id: 1, code: 'NC', name: '南昌市', parentId: null, level: 'city', handler: null },
  ]
  let id = 2
  for (const d of DISTRICTS) {
    const districtId = id++
    units.push({ id: districtId, code: d.code, name: d.name, parentId: 1, level: 'district', handler: null })
    d.localities.forEach((name, i) =>
      units.push({
        id: id++,
        code: `${d.code}-L${i + 1}`,
        name,
        parentId: districtId,
        level: name.endsWith('镇') ? 'town' : 'street',
        handler: 'local',
      }),
    )
    for (const dep of DEPARTMENTS) {
      units.push({
        id: id++,
        code: `${d.code}-${dep.code}`,
        name: `${d.name}${dep.name}`,
        parentId: districtId,
        level: 'department',
        handler: dep.handler,
      })
    }
  }
  return units
}

/** 6 top-level categories with 5 leaves each (36 in all); leaves carry Zipf-like weights. */
export function categorySeeds(): CategorySeed[] {
  const out: CategorySeed[] = []
  let id = 1
  let rank = 1
  for (const top of CATEGORY_TREE) {
    const topId = id++
    out.push({ id: topId, code: top.code, name: top.name, parentId: null, handler: top.handler, weight: 0 })
    top.leaves.forEach((name, i) => {
      out.push({
        id: id++,
        code: `${top.code}-${String(i + 1).padStart(2, '0')}`,
        name,
        parentId: topId,
        handler: top.handler,
        weight: 1 / Math.pow(rank++ % 11 + 1, 0.8),
      })
    })
  }
  return out
}

/** The handling units (the units the league table ranks). */
export function isHandlingUnit(level: string): boolean {
  return level !== 'city' && level !== 'district'
}

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/** mulberry32: small, fast and good enough for synthetic data. */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
}

/** A weighted choice over fixed items, by cumulative weights. */
class Picker<T> {
  private readonly cum: number[]
  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    let acc = 0
    const total = weights.reduce((a, b) => a + b, 0)
    this.cum = weights.map((w) => (acc += w / total))
    this.cum[this.cum.length - 1] = 1
  }
  pick(rng: Rng): T {
    const r = rng.next()
    let i = 0
    while (this.cum[i]! < r) i++
    return this.items[i]!
  }
}

const CHANNEL_MIX = new Picker<Channel>(
  ['hotline_12345', 'wenzheng', 'ganfutong', 'window', 'web', 'enterprise_visit', 'other'],
  [62, 9, 11, 3, 9, 2, 4],
)
const KIND_MIX = new Picker<Kind>(
  ['consultation', 'help', 'suggestion', 'complaint', 'report'],
  [34, 24, 8, 30, 4],
)
const URGENCY_MIX = new Picker<Urgency>(['normal', 'urgent', 'critical'], [95, 4.5, 0.5])
const SATISFIED_MIX = new Picker<Rating>(
  ['very_satisfied', 'satisfied', 'basically_satisfied'],
  [62, 30, 8],
)
const OPEN_MIX = new Picker<Status>(
  ['received', 'dispatched', 'in_progress', 'return_requested'],
  [15, 25, 55, 5],
)
const RETURN_REASONS = ['wrong_locality', 'wrong_function', 'unclear_ownership', 'incomplete_information']

/** Share of cases per hour of the local day (the hotline is busiest in office hours). */
const HOUR_WEIGHTS = [
  0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.8, 2, 5, 8, 9, 8.5, 6, 6.5, 8, 8.5, 8, 7, 5, 4, 3.5, 3, 2, 1,
]
const HOURS = new Picker(
  HOUR_WEIGHTS.map((_, h) => h),
  HOUR_WEIGHTS,
)

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

export interface GenerateOptions {
  /** How many cases in all. */
  cases: number
  /** The moment the data is generated for ("now"): the last case is received before it. */
  asOf: Date
  seed?: number
  /** Days of history ending today (default 1096: three years). */
  days?: number
  /** Work order rows per `cases` batch. */
  batchSize?: number
}

/** A case as the rollups see it. */
export type RollupOrder = NonNullable<RollupChange['after']>

export type GeneratorEvent =
  | { type: 'cases'; rows: Row[] }
  | { type: 'rollups'; month: string; changes: RollupChange[] }

/** What a generation produced, for the report. */
export interface GenerationStats {
  cases: number
  byStatus: Record<string, number>
  firstDay: string
  lastDay: string
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * Yields the cases in order of receipt (ids ascending), in batches, and each month's cases as
 * rollup changes once the month's rows have all been yielded.
 *
 * @example for (const ev of generate({ cases: 1000, asOf: new Date() }, stats)) sink(ev)
 */
export function* generate(options: GenerateOptions, stats: GenerationStats): Generator<GeneratorEvent> {
  const rng = new Rng(options.seed ?? 12345)
  const batchSize = options.batchSize ?? 5000
  const asOfMs = options.asOf.getTime()
  const today = localDateOf(options.asOf, TIME_ZONE)
  const nDays = options.days ?? 1096
  const firstDay = addDays(today, -(nDays - 1))
  stats.firstDay = firstDay
  stats.lastDay = today

  // Days from firstDay to 120 days after today (deadlines and closings can fall after receipt).
  const span = nDays + 120
  const dayStr: string[] = []
  const dayStart: number[] = []
  const dayEndIso: string[] = []
  for (let i = 0; i < span; i++) {
    const d = addDays(firstDay, i)
    dayStr.push(d)
    dayStart.push(Date.parse(zonedToInstant(d, '00:00:00', TIME_ZONE)))
    dayEndIso.push(endOfLocalDay(d, TIME_ZONE))
  }
  const todayIdx = nDays - 1
  const todayElapsed = Math.max(1000, asOfMs - dayStart[todayIdx]!)

  // Cases per day: growth over the years, quieter weekends, a seasonal swing, some noise; today
  // only has the part of the day that has passed.
  const weights: number[] = []
  for (let i = 0; i < nDays; i++) {
    const wd = weekday(dayStr[i]!)
    const month = Number(dayStr[i]!.slice(5, 7))
    let w = (1 + (0.3 * i) / nDays) * (wd === 0 || wd === 6 ? 0.6 : 1)
    w *= 1 + 0.15 * Math.sin(((month - 4) / 12) * 2 * Math.PI)
    w *= 0.85 + 0.3 * rng.next()
    if (i === todayIdx) w *= todayElapsed / DAY
    weights.push(w)
  }
  const totalW = weights.reduce((a, b) => a + b, 0)
  const perDay = weights.map((w) => Math.floor((options.cases * w) / totalW))
  let missing = options.cases - perDay.reduce((a, b) => a + b, 0)
  while (missing > 0) {
    perDay[rng.int(0, nDays - 2)]! += 1
    missing--
  }

  const units = unitSeeds()
  const districts = units.filter((u) => u.level === 'district')
  const districtPicker = new Picker(
    districts,
    DISTRICTS.map((d) => d.weight),
  )
  const leaves = categorySeeds().filter((c) => c.parentId !== null)
  const leafPicker = new Picker(
    leaves,
    leaves.map((c) => c.weight),
  )
  const childrenOf = new Map<number, UnitSeed[]>()
  for (const d of districts) childrenOf.set(d.id, units.filter((u) => u.parentId === d.id))
  const localityWeights = [0.4, 0.25, 0.2, 0.15]
  const localityPickers = new Map<number, Picker<UnitSeed>>()
  for (const d of districts) {
    localityPickers.set(
      d.id,
      new Picker(
        childrenOf.get(d.id)!.filter((u) => u.handler === 'local'),
        localityWeights,
      ),
    )
  }
  const departmentOf = (districtId: number, handler: Handler) =>
    childrenOf.get(districtId)!.find((u) => u.handler === handler)!

  const slaCache = new Map<string, number>()
  const sla = (kind: Kind, urgency: Urgency, channel: Channel) => {
    const key = `${kind}|${urgency}|${channel}`
    let v = slaCache.get(key)
    if (v === undefined) slaCache.set(key, (v = slaWorkdaysFor(DEFAULT_SLA_RULES, { kind, urgency, channel })))
    return v
  }
  /** Calendar days spanned by `w` working days (weekends only; good enough for synthetic data). */
  const calendarDays = (w: number) => (w <= 0 ? 0 : w + 2 * Math.floor((w - 1) / 5))
  const iso = (ms: number) => new Date(ms).toISOString()

  let id = 0
  let yearSeq = 0
  let seqYear = ''
  let batch: Row[] = []
  let changes: RollupChange[] = []
  let month = dayStr[0]!.slice(0, 7)

  for (let di = 0; di < nDays; di++) {
    const day = dayStr[di]!
    if (day.slice(0, 7) !== month) {
      if (batch.length > 0) {
        yield { type: 'cases', rows: batch }
        batch = []
      }
      yield { type: 'rollups', month, changes }
      changes = []
      month = day.slice(0, 7)
    }
    if (day.slice(0, 4) !== seqYear) {
      seqYear = day.slice(0, 4)
      yearSeq = 0
    }
    const n = perDay[di]!
    const age = todayIdx - di
    // Times of receipt within the day, sorted so ids follow time.
    const offsets = new Float64Array(n)
    for (let k = 0; k < n; k++) {
      offsets[k] =
        di === todayIdx
          ? Math.floor(rng.next() * (todayElapsed - 1000))
          : HOURS.pick(rng) * HOUR + Math.floor(rng.next() * HOUR)
    }
    offsets.sort()
    const pOpen = 0.92 * Math.exp(-age / 4.5) + 0.0004

    for (let k = 0; k < n; k++) {
      id++
      yearSeq++
      const recvMs = dayStart[di]! + offsets[k]!
      const receivedAt = iso(recvMs)
      const channel = CHANNEL_MIX.pick(rng)
      const kind = KIND_MIX.pick(rng)
      const urgency = URGENCY_MIX.pick(rng)
      const district = districtPicker.pick(rng)
      const category = rng.next() < 0.004 ? null : leafPicker.pick(rng)
      const rightUnit =
        category === null || category.handler === 'local'
          ? localityPickers.get(district.id)!.pick(rng)
          : departmentOf(district.id, category.handler)
      let dueWorkdays = sla(kind, urgency, channel)

      let status: Status
      let unitId: number | null = null
      let dispatchedAt: string | null = null
      let closedAt: string | null = null
      let closedOnTime: number | null = null
      let handlingWorkdays: number | null = null
      let reply: string | null = null
      let rating: Rating | null = null
      let ratedAt: string | null = null
      let pausedAt: string | null = null
      let statusBeforeReturn: string | null = null
      let returnReason: string | null = null
      let returnCount = 0
      let extensionCount = 0
      let reopenCount = 0
      let mergedIntoId: number | null = null
      let urgeLevel: string | null = null
      let version = 1
      let updatedMs = recvMs

      const r = rng.next()
      if (r < 0.025) {
        status = r < 0.015 ? 'invalid' : 'merged'
        if (rng.next() < 0.3) {
          unitId = rightUnit.id
          dispatchedAt = iso(recvMs + rng.int(2, 90) * MINUTE)
          version++
        }
        if (status === 'merged' && id > 2) mergedIntoId = id - rng.int(1, Math.min(id - 1, 200))
        version++
        updatedMs = Math.min(asOfMs, recvMs + rng.int(5, 600) * MINUTE)
      } else {
        const direct = kind === 'consultation' && rng.next() < 0.3
        if (!direct) {
          unitId = (rng.next() < 0.04 ? childrenOf.get(district.id)![rng.int(0, 6)]! : rightUnit).id
          if (rng.next() < 0.03) returnCount = rng.next() < 0.1 ? 2 : 1
          if (rng.next() < 0.02) {
            extensionCount = 1
            dueWorkdays += rng.int(3, 15)
          }
          if (rng.next() < 0.008) reopenCount = 1
        }
        if (rng.next() < pOpen) {
          status = direct ? 'received' : OPEN_MIX.pick(rng)
          if (status === 'received') unitId = null
          else {
            dispatchedAt = iso(Math.min(asOfMs, recvMs + rng.int(2, 120) * MINUTE))
            version += 2
          }
          if (status === 'return_requested') {
            pausedAt = iso(recvMs + Math.floor(rng.next() * (asOfMs - recvMs)))
            statusBeforeReturn = 'in_progress'
            returnReason = RETURN_REASONS[rng.int(0, RETURN_REASONS.length - 1)]!
            version++
          }
          if (age > 20) urgeLevel = age > 40 ? 'red' : 'yellow'
          updatedMs = Math.min(asOfMs, recvMs + rng.int(2, 240) * MINUTE)
        } else {
          const available = Math.floor((age * 5) / 7)
          let hw: number
          if (direct) hw = 0
          else if (rng.next() < 0.96) hw = Math.min(dueWorkdays, 1 + Math.floor(-Math.log(1 - rng.next()) * 2.5))
          else hw = dueWorkdays + rng.int(1, 10)
          hw = Math.min(hw, available)
          const closeIdx = Math.min(di + calendarDays(hw), todayIdx)
          let closeMs = dayStart[closeIdx]! + HOURS.pick(rng) * HOUR + Math.floor(rng.next() * HOUR)
          if (closeMs <= recvMs) closeMs = recvMs + rng.int(5, 180) * MINUTE
          if (closeMs > asOfMs) closeMs = recvMs + Math.floor(rng.next() * (asOfMs - recvMs))
          closedAt = iso(closeMs)
          handlingWorkdays = hw
          closedOnTime = hw <= dueWorkdays ? 1 : 0
          reply = direct ? '已直接答复' : '已办理并回复'
          if (!direct) {
            dispatchedAt = iso(Math.min(closeMs, recvMs + rng.int(2, 120) * MINUTE))
            version += 2
          }
          version += 1 + returnCount * 2 + extensionCount * 2 + reopenCount * 2
          updatedMs = closeMs
          if (rng.next() < 0.85) {
            const ratedMs = Math.min(asOfMs, closeMs + rng.int(30, 48 * 60) * MINUTE)
            ratedAt = iso(ratedMs)
            updatedMs = ratedMs
            const d = rng.next()
            rating = d < 0.01 ? 'dissatisfied' : d < 0.015 ? 'very_dissatisfied' : SATISFIED_MIX.pick(rng)
            version++
          }
          status = closeIdx < todayIdx - 10 && rng.next() < 0.9 ? 'archived' : 'closed'
          if (status === 'archived') version++
        }
      }
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1

      const dueIdx = di + calendarDays(dueWorkdays)
      const title = category ? category.name : '其他诉求'
      batch.push([
        id,
        `NC${seqYear}${String(yearSeq).padStart(7, '0')}`,
        null,
        channel,
        kind,
        urgency,
        category ? category.id : null,
        unitId,
        district.id,
        title,
        `${title}，请尽快处理`,
        null,
        null,
        `138${String(rng.int(0, 99_999_999)).padStart(8, '0')}`,
        null,
        rng.next() < 0.01 ? 1 : 0,
        status,
        version,
        receivedAt,
        day,
        dayEndIso[dueIdx]!,
        day,
        dueWorkdays,
        0,
        pausedAt,
        statusBeforeReturn,
        returnReason,
        null,
        null,
        dispatchedAt,
        closedAt,
        closedOnTime,
        handlingWorkdays,
        reply,
        rating,
        null,
        ratedAt,
        returnCount,
        extensionCount,
        reopenCount,
        urgeLevel,
        mergedIntoId,
        null,
        receivedAt,
        iso(updatedMs),
      ])

      const order: RollupOrder = {
        receivedDay: day,
        channel,
        kind,
        categoryId: category ? category.id : null,
        unitId,
        districtId: district.id,
        status,
        closedOnTime: closedOnTime === null ? null : closedOnTime === 1,
        rating,
        returnCount,
        extensionCount,
        reopenCount,
        handlingWorkdays,
      }
      changes.push({ before: null, after: order })

      if (batch.length >= batchSize) {
        yield { type: 'cases', rows: batch }
        batch = []
      }
    }
  }
  if (batch.length > 0) yield { type: 'cases', rows: batch }
  yield { type: 'rollups', month, changes }
  stats.cases = id
}

/** Empty stats to pass to {@link generate}. */
export function emptyStats(): GenerationStats {
  return { cases: 0, byStatus: {}, firstDay: '', lastDay: '' }
}
