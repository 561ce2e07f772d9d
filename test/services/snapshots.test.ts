import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HotlineError } from '../../src/domain/errors'
import { figuresOf, type Counts } from '../../src/domain/figures'
import type { Actor } from '../../src/domain/work-order'
import { summarize } from '../../src/services/reports'
import {
  compareWithSnapshot,
  endedMonths,
  getSnapshot,
  listSnapshots,
  monthPeriod,
  publishMonth,
  type FieldDifference,
  type Snapshot,
} from '../../src/services/snapshots'
import { FIELD_ORDER } from '../../src/services/summary-fields'
import type { FilingInput } from '../../src/services/schemas'
import { fileCase, performAction } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

/** A wall-clock time in Shanghai (fixed +08:00), independent of the code under test. */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`).toISOString()

/** Publication day: Wednesday 12 November 2025, 10:00 in Shanghai. */
const T0 = sh('2025-11-12 10:00:00')
/** The day after: a late rating and a reopen. */
const T1 = sh('2025-11-13 10:00:00')

async function refusal(promise: Promise<unknown>): Promise<HotlineError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof HotlineError) return err
    throw err
  }
  throw new Error('expected a refusal')
}

function byField(list: FieldDifference[]): Record<string, FieldDifference> {
  return Object.fromEntries(list.map((d) => [d.field, d]))
}

const COUNT_FIELDS = FIELD_ORDER.filter(
  (f) => !f.endsWith('Rate') && f !== 'avgHandlingWorkdays' && f !== 'valid',
)

describe.each(DIALECTS)('month-end snapshots on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  const ids: Record<string, number> = {}
  let published: Snapshot

  /** Files a case at `local` Shanghai time and takes the actions, each at its own time. */
  const file = async (
    name: string,
    local: string,
    input: Partial<FilingInput> & Pick<FilingInput, 'channel' | 'kind'>,
    then: [string, Actor, Record<string, unknown>][] = [],
  ) => {
    store.setNow(sh(local))
    const { order } = await fileCase(
      store.deps,
      { title: `工单${name}`, content: `诉求${name}`, districtId: fx.units.district, ...input },
      fx.actors.dispatcher,
    )
    for (const [when, actor, command] of then) {
      store.setNow(sh(when))
      await performAction(store.deps, order.id, command, actor)
    }
    ids[name] = order.id
  }

  beforeAll(async () => {
    store = await openTestStore(dialect, T0)
    fx = await seedFixture(store.deps)
    const { dispatcher: d, streetWorker: sw, bureauWorker: bw, otherWorker: ow } = fx.actors
    // A: street, closed on time, not yet rated when published (a late rating comes after).
    await file(
      'A',
      '2025-10-09 10:00:00',
      { channel: 'hotline_12345', kind: 'complaint', unitId: fx.units.street },
      [
        ['2025-10-09 11:00:00', sw, { action: 'sign' }],
        ['2025-10-10 11:00:00', sw, { action: 'reply_and_close', reply: '已处理' }],
      ],
    )
    // B: bureau, consultation closed late and rated dissatisfied: reopened after publication.
    await file(
      'B',
      '2025-10-09 10:00:00',
      { channel: 'ganfutong', kind: 'consultation', unitId: fx.units.bureau },
      [
        ['2025-10-09 11:00:00', bw, { action: 'sign' }],
        ['2025-10-20 11:00:00', bw, { action: 'reply_and_close', reply: '已答复' }],
        ['2025-10-21 11:00:00', d, { action: 'rate', rating: 'dissatisfied' }],
      ],
    )
    // C: street, still open and overdue when published.
    await file('C', '2025-10-15 10:00:00', {
      channel: 'web',
      kind: 'suggestion',
      unitId: fx.units.street,
    })
    // D: marked invalid.
    await file('D', '2025-10-20 10:00:00', { channel: 'other', kind: 'help' }, [
      ['2025-10-20 11:00:00', d, { action: 'mark_invalid', note: '无效来电' }],
    ])
    // F: the other district, closed and rated; nothing changes there.
    await file(
      'F',
      '2025-10-10 10:00:00',
      {
        channel: 'web',
        kind: 'help',
        districtId: fx.units.otherDistrict,
        unitId: fx.units.otherStreet,
      },
      [
        ['2025-10-10 11:00:00', ow, { action: 'sign' }],
        ['2025-10-11 11:00:00', ow, { action: 'reply_and_close', reply: '已处理' }],
        ['2025-10-12 11:00:00', d, { action: 'rate', rating: 'very_satisfied' }],
      ],
    )
    // N: November, outside the published month.
    await file('N', '2025-11-03 10:00:00', {
      channel: 'hotline_12345',
      kind: 'complaint',
      unitId: fx.units.street,
    })
    store.setNow(T0)
  })
  afterAll(() => store.close())

  it('publishes an ended month: the summary by unit and by channel, frozen with its asOf', async () => {
    const before = await summarize(store.deps, { ...monthPeriod('2025-10'), by: 'unit' })
    const beforeChannels = await summarize(store.deps, { ...monthPeriod('2025-10'), by: 'channel' })
    published = await publishMonth(store.deps, '2025-10', '', fx.actors.supervisor)
    expect(published).toMatchObject({
      month: '2025-10',
      scope: null,
      publishedAt: T0,
      publishedBy: fx.actors.supervisor.id,
      publishedByName: fx.actors.supervisor.name,
      asOf: T0,
    })
    expect(published.byUnit).toEqual(before)
    expect(published.byChannel).toEqual(beforeChannels)
    expect(published.byUnit.from).toBe('2025-10-01')
    expect(published.byUnit.to).toBe('2025-10-31')
    expect(published.byUnit.totals).toMatchObject({
      received: 5,
      invalid: 1,
      valid: 4,
      closed: 3,
      closedOnTime: 2,
      overdueOpen: 1,
      rated: 2,
      satisfied: 1,
      dissatisfied: 1,
      reopened: 0,
    })
    expect(published.byUnit.groups.map((g) => g.key)).toEqual(['XJ-CB', 'XJ-CG', 'HGT-WD', 'none'])
    expect(published.byChannel.groups.map((g) => g.key)).toEqual([
      'hotline_12345',
      'ganfutong',
      'web',
      'other',
    ])
    expect(await getSnapshot(store.deps, published.id)).toEqual(published)
    expect(await listSnapshots(store.deps)).toEqual([published])
  })

  it('keeps the published figures while a late rating and a reopen change the current ones', async () => {
    store.setNow(T1)
    await performAction(
      store.deps,
      ids.A!,
      { action: 'rate', rating: 'satisfied' },
      fx.actors.dispatcher,
    )
    await performAction(
      store.deps,
      ids.B!,
      { action: 'reopen', note: '群众不满意，重办' },
      fx.actors.dispatcher,
    )
    const now = await summarize(store.deps, { ...monthPeriod('2025-10'), by: 'unit' })
    expect(now.totals).toMatchObject({
      closed: 2,
      rated: 2,
      satisfied: 2,
      dissatisfied: 0,
      reopened: 1,
    })
    expect(await getSnapshot(store.deps, published.id)).toEqual(published)
    expect((await listSnapshots(store.deps))[0]).toEqual(published)
  })

  it('compares: the exact differences, in the totals and per unit and channel', async () => {
    store.setNow(T1)
    const b = await store.deps.db
      .selectFrom('work_orders')
      .select('handling_workdays')
      .where('id', '=', ids.B!)
      .executeTakeFirstOrThrow()
    const cmp = await compareWithSnapshot(store.deps, published)
    expect(cmp.changed).toBe(true)
    expect(cmp.current.byUnit.asOf).toBe(T1)
    expect(cmp.current.byChannel.asOf).toBe(T1)

    // Totals: A rated satisfied (+1 satisfied; rated stays, since B left the closed cases).
    const totals = byField(cmp.totals)
    const countDeltas: Partial<Record<keyof Counts | 'valid', number>> = {
      closed: -1,
      satisfied: 1,
      dissatisfied: -1,
      reopened: 1,
    }
    expect(b.handling_workdays).toBeNull()
    const handledB = published.byUnit.groups.find((g) => g.key === 'XJ-CG')!.handlingWorkdays
    expect(handledB).toBeGreaterThan(0)
    countDeltas.handlingWorkdays = -handledB
    for (const field of COUNT_FIELDS) {
      expect(totals[field]!.delta, field).toBe(countDeltas[field as keyof Counts] ?? 0)
      expect(totals[field]!.changed, field).toBe((countDeltas[field as keyof Counts] ?? 0) !== 0)
    }
    const expected = figuresOf({
      ...published.byUnit.totals,
      closed: 2,
      satisfied: 2,
      dissatisfied: 0,
      reopened: 1,
      handlingWorkdays: published.byUnit.totals.handlingWorkdays - handledB,
    })
    for (const field of FIELD_ORDER) {
      expect(totals[field]!.published, field).toBe(published.byUnit.totals[field])
      expect(totals[field]!.current, field).toBe(expected[field])
      const p = published.byUnit.totals[field]
      const c = expected[field]
      if (p !== null && c !== null) expect(totals[field]!.delta, field).toBeCloseTo(c - p, 12)
    }
    expect(totals.closureRate).toMatchObject({ published: 0.75, current: 0.5, changed: true })
    expect(totals.satisfactionRate).toMatchObject({ published: 0.5, current: 1, delta: 0.5 })
    expect(totals.onTimeRate).toMatchObject({ published: 2 / 3, current: 1, changed: true })
    expect(totals.returnRate).toMatchObject({ published: 0, current: 0, delta: 0, changed: false })

    // Per unit: the street unit got a rating, the bureau lost a closed case, the rest unchanged.
    const unit = Object.fromEntries(cmp.byUnit.map((g) => [g.key, g]))
    expect(cmp.byUnit.map((g) => g.key)).toEqual(['XJ-CB', 'XJ-CG', 'HGT-WD', 'none'])
    const changedIn = (key: string) =>
      Object.fromEntries(
        unit[key]!.fields.filter(
          (f) => f.changed && !f.field.endsWith('Rate') && f.field !== 'avgHandlingWorkdays',
        ).map((f) => [f.field, f.delta]),
      )
    expect(unit['XJ-CB']!.status).toBe('changed')
    expect(changedIn('XJ-CB')).toEqual({ rated: 1, satisfied: 1 })
    expect(unit['XJ-CG']!.status).toBe('changed')
    expect(changedIn('XJ-CG')).toEqual({
      closed: -1,
      rated: -1,
      dissatisfied: -1,
      reopened: 1,
      handlingWorkdays: -handledB,
    })
    expect(unit['HGT-WD']!.status).toBe('same')
    expect(unit.none!.status).toBe('same')

    const channel = Object.fromEntries(cmp.byChannel.map((g) => [g.key, g]))
    expect(channel.hotline_12345!.status).toBe('changed')
    expect(byField(channel.hotline_12345!.fields).satisfied).toMatchObject({
      published: 0,
      current: 1,
      delta: 1,
    })
    expect(channel.ganfutong!.status).toBe('changed')
    expect(byField(channel.ganfutong!.fields).closed).toMatchObject({
      published: 1,
      current: 0,
      delta: -1,
    })
    expect(channel.web!.status).toBe('same')
    expect(channel.other!.status).toBe('same')
  })

  it('refuses a second publication of the same month and scope: 409 naming the month', async () => {
    const err = await refusal(publishMonth(store.deps, '2025-10', '', fx.actors.admin))
    expect(err.code).toBe('conflict')
    expect(err.status).toBe(409)
    expect(err.message).toContain('2025-10')
    // Another scope is its own publication; a scope given by name is kept by its code.
    const district = await publishMonth(store.deps, '2025-10', '新建区', fx.actors.admin)
    expect(district.scope).toBe('XJ')
    expect(district.scopeName).toBe('新建区')
    expect(district.byUnit.totals.received).toBe(4)
    expect(district.byUnit.groups.map((g) => g.key)).not.toContain('HGT-WD')
    const again = await refusal(publishMonth(store.deps, '2025-10', 'XJ', fx.actors.supervisor))
    expect(again.code).toBe('conflict')
    expect(again.message).toContain('2025-10')
    expect((await listSnapshots(store.deps)).map((s) => s.scope)).toEqual([null, 'XJ'])
  })

  it('refuses a month that has not ended in TZ_REPORT, and a malformed month or scope', async () => {
    store.setNow(T0)
    for (const month of ['2025-11', '2025-12', '2026-01']) {
      const err = await refusal(publishMonth(store.deps, month, '', fx.actors.supervisor))
      expect(err.code, month).toBe('validation_failed')
      expect(Object.keys(err.fields ?? {}), month).toEqual(['month'])
    }
    for (const month of ['2025-1', '2025-13', 'last month', '']) {
      const err = await refusal(publishMonth(store.deps, month, '', fx.actors.supervisor))
      expect(err.fields, month).toHaveProperty('month')
    }
    const scope = await refusal(publishMonth(store.deps, '2025-09', 'NOPE', fx.actors.supervisor))
    expect(scope.fields).toHaveProperty('scope')
    // 23:59:59 on 30 November in Shanghai is still November; one second later it has ended.
    store.setNow(sh('2025-11-30 23:59:59'))
    expect(endedMonths(store.deps, 2)).toEqual(['2025-10', '2025-09'])
    expect(
      (await refusal(publishMonth(store.deps, '2025-11', '', fx.actors.supervisor))).code,
    ).toBe('validation_failed')
    store.setNow(sh('2025-12-01 00:00:00'))
    expect(endedMonths(store.deps, 2)).toEqual(['2025-11', '2025-10'])
    const november = await publishMonth(store.deps, '2025-11', '', fx.actors.supervisor)
    expect(november.byUnit.totals.received).toBe(1)
    store.setNow(T0)
  })

  it('lets only supervisors and admins publish', async () => {
    for (const who of [
      fx.actors.dispatcher,
      fx.actors.reporter,
      fx.actors.streetWorker,
      fx.actors.citizen,
      fx.actors.system,
    ]) {
      const err = await refusal(publishMonth(store.deps, '2025-09', '', who))
      expect(err.code, who.role).toBe('forbidden')
      expect(err.status).toBe(403)
    }
    expect((await listSnapshots(store.deps)).some((s) => s.month === '2025-09')).toBe(false)
  })

  it('answers not_found for an unknown snapshot', async () => {
    expect((await refusal(getSnapshot(store.deps, 999999))).code).toBe('not_found')
  })
})
