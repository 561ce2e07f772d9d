import { listUnits } from '../../db/repositories/reference-data'
import type { ReportSnapshotRow } from '../../db/tables/snapshots.table'
import { HotlineError, invalidField } from '../domain/errors'
import { figuresOf, zeroCounts, type Figures } from '../domain/figures'
import type { Actor } from '../domain/work-order'
import { localDateOf } from '../domain/zoned-time'
import { nowOf, type Deps } from './deps'
import { summarize, type Summary, type SummaryGroup } from './reports'
import { FIELD_ORDER } from './summary-fields'

/** Who may publish a month's figures (月度发布). */
export const PUBLISHER_ROLES = ['supervisor', 'admin'] as const

/** A field of the summary, in {@link FIELD_ORDER}. */
export type SummaryField = (typeof FIELD_ORDER)[number]

/** What a publication freezes: the month's summary by unit and by channel, as of one moment. */
export interface SnapshotDocument {
  byUnit: Summary
  byChannel: Summary
}

/** A published month (月度发布) with its frozen figures. */
export interface Snapshot extends SnapshotDocument {
  id: number
  /** `YYYY-MM` in TZ_REPORT. */
  month: string
  /** The scope's unit code, or null for the whole city. */
  scope: string | null
  scopeName: string | null
  publishedAt: string
  publishedBy: number | null
  publishedByName: string
  /** The moment the frozen figures were computed. */
  asOf: string
}

/** One field of a published month against the figures now. */
export interface FieldDifference {
  field: SummaryField
  published: number | null
  current: number | null
  /** `current − published`; null when either is null. */
  delta: number | null
  changed: boolean
}

/** One group (a unit or a channel) of a published month against the figures now. */
export interface GroupDifference {
  key: string
  label: string
  /** `added`: the group has cases now but had none when published; `removed`: the reverse. */
  status: 'same' | 'changed' | 'added' | 'removed'
  fields: FieldDifference[]
}

/** What {@link compareWithSnapshot} answers. */
export interface SnapshotComparison {
  current: SnapshotDocument
  totals: FieldDifference[]
  byUnit: GroupDifference[]
  byChannel: GroupDifference[]
  /** Whether any figure differs from the published one. */
  changed: boolean
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/

/**
 * The first and last day of a month `YYYY-MM`.
 *
 * @example monthPeriod('2024-02') // { from: '2024-02-01', to: '2024-02-29' }
 */
export function monthPeriod(month: string): { from: string; to: string } {
  const last = new Date(
    Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0),
  ).getUTCDate()
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` }
}

/**
 * The months that have ended in TZ_REPORT, newest first (the publish form's choices).
 *
 * @example endedMonths(deps, 3) // ['2025-10', '2025-09', '2025-08'] on 12 November 2025
 */
export function endedMonths(deps: Pick<Deps, 'clock' | 'timeZone'>, count: number): string[] {
  const current = localDateOf(nowOf(deps), deps.timeZone).slice(0, 7)
  let year = Number(current.slice(0, 4))
  let month = Number(current.slice(5, 7))
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    month -= 1
    if (month === 0) {
      month = 12
      year -= 1
    }
    out.push(`${year}-${String(month).padStart(2, '0')}`)
  }
  return out
}

/** Computes both documents with one clock reading, so they share their `asOf`. */
async function documentOf(
  deps: Deps,
  month: string,
  scope: string | null,
): Promise<SnapshotDocument> {
  const at = deps.clock()
  const fixed: Deps = { ...deps, clock: () => at }
  const period = monthPeriod(month)
  const [byUnit, byChannel] = await Promise.all([
    summarize(fixed, { ...period, scope, by: 'unit' }),
    summarize(fixed, { ...period, scope, by: 'channel' }),
  ])
  return { byUnit, byChannel }
}

function snapshotOf(row: ReportSnapshotRow): Snapshot {
  const document = JSON.parse(row.document) as SnapshotDocument
  return {
    id: row.id,
    month: row.month,
    scope: row.scope === '' ? null : row.scope,
    scopeName: document.byUnit.scope?.name ?? null,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
    publishedByName: row.published_by_name,
    asOf: row.as_of,
    byUnit: document.byUnit,
    byChannel: document.byChannel,
  }
}

function alreadyPublished(month: string, scope: string): HotlineError {
  return new HotlineError(
    'conflict',
    `month ${month}${scope ? ` (scope ${scope})` : ''} is already published`,
    { month: 'is already published' },
  )
}

/**
 * Publishes a month's figures (月度发布): freezes the summary by unit and by channel with their
 * `asOf`. Supervisors and admins only; the month must have ended in TZ_REPORT; a month and scope
 * are published once (409 otherwise). `scope` is a unit's code or name, or empty for the city.
 *
 * @example const snapshot = await publishMonth(deps, '2025-10', '', supervisor)
 */
export async function publishMonth(
  deps: Deps,
  month: string,
  scope: string | null | undefined,
  actor: Actor,
): Promise<Snapshot> {
  if (!(PUBLISHER_ROLES as readonly string[]).includes(actor.role)) {
    throw new HotlineError('forbidden', `role ${actor.role} may not publish monthly figures`)
  }
  if (!MONTH.test(month)) throw invalidField('month', 'must be a month YYYY-MM')
  const today = localDateOf(nowOf(deps), deps.timeZone)
  if (month >= today.slice(0, 7)) {
    throw invalidField('month', `${month} has not ended yet in ${deps.timeZone}`)
  }
  let code = ''
  if (scope) {
    const unit = (await listUnits(deps.db)).find((u) => u.code === scope || u.name === scope)
    if (!unit) throw invalidField('scope', `no unit with code or name ${scope}`)
    code = unit.code
  }
  const exists = async () =>
    (await deps.db
      .selectFrom('report_snapshots')
      .select('id')
      .where('month', '=', month)
      .where('scope', '=', code)
      .executeTakeFirst()) !== undefined
  if (await exists()) throw alreadyPublished(month, code)
  const document = await documentOf(deps, month, code || null)
  let id: number
  try {
    const row = await deps.db
      .insertInto('report_snapshots')
      .values({
        month,
        scope: code,
        published_at: nowOf(deps),
        published_by: actor.id,
        published_by_name: actor.name,
        as_of: document.byUnit.asOf,
        document: JSON.stringify(document),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    id = row.id
  } catch (err) {
    if (await exists()) throw alreadyPublished(month, code)
    throw err
  }
  return getSnapshot(deps, id)
}

/**
 * One published month, or `not_found`.
 *
 * @example const snapshot = await getSnapshot(deps, 3)
 */
export async function getSnapshot(deps: Deps, id: number): Promise<Snapshot> {
  const row = Number.isSafeInteger(id)
    ? await deps.db
        .selectFrom('report_snapshots')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined
  if (!row) throw new HotlineError('not_found', `snapshot ${id} not found`)
  return snapshotOf(row)
}

/**
 * Every published month, newest month first (then the city before its districts).
 *
 * @example const snapshots = await listSnapshots(deps)
 */
export async function listSnapshots(deps: Deps): Promise<Snapshot[]> {
  const rows = await deps.db
    .selectFrom('report_snapshots')
    .selectAll()
    .orderBy('month', 'desc')
    .orderBy('scope', 'asc')
    .orderBy('id', 'asc')
    .execute()
  return rows.map(snapshotOf)
}

/** A group with no cases: counts 0, rates empty. */
const NOTHING: Figures = figuresOf(zeroCounts())

function fieldDifferences(published: Figures, current: Figures): FieldDifference[] {
  return FIELD_ORDER.map((field) => {
    const before = published[field]
    const now = current[field]
    return {
      field,
      published: before,
      current: now,
      delta: before === null || now === null ? null : now - before,
      changed: before !== now,
    }
  })
}

function groupDifferences(published: SummaryGroup[], current: SummaryGroup[]): GroupDifference[] {
  const keys = [...published.map((g) => g.key)]
  for (const g of current) if (!keys.includes(g.key)) keys.push(g.key)
  return keys.map((key) => {
    const before = published.find((g) => g.key === key)
    const now = current.find((g) => g.key === key)
    const fields = fieldDifferences(before ?? NOTHING, now ?? NOTHING)
    const status = !before
      ? 'added'
      : !now
        ? 'removed'
        : fields.some((f) => f.changed)
          ? 'changed'
          : 'same'
    return { key, label: (now ?? before)!.label, status, fields }
  })
}

/**
 * The published figures against the same month's figures now (late ratings, reopened cases):
 * every field of the totals and of each unit and channel, with the difference.
 *
 * @example
 * const { totals } = await compareWithSnapshot(deps, snapshot)
 * totals[7] // { field: 'rated', published: 3, current: 4, delta: 1, changed: true }
 */
export async function compareWithSnapshot(
  deps: Deps,
  snapshot: Snapshot,
): Promise<SnapshotComparison> {
  const current = await documentOf(deps, snapshot.month, snapshot.scope)
  const totals = fieldDifferences(snapshot.byUnit.totals, current.byUnit.totals)
  const byUnit = groupDifferences(snapshot.byUnit.groups, current.byUnit.groups)
  const byChannel = groupDifferences(snapshot.byChannel.groups, current.byChannel.groups)
  const changed =
    totals.some((f) => f.changed) || [...byUnit, ...byChannel].some((g) => g.status !== 'same')
  return { current, totals, byUnit, byChannel, changed }
}
