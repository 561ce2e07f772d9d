import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localDateTime } from '../../src/services/case-list-csv'
import { allCases, listCases, parseCaseListQuery } from '../../src/services/queues'
import { fileCase } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

const NOW = '2025-11-20T04:00:00.000Z'
/** 23 cases received at one and the same instant: pages must break the tie by id. */
const SAME_MOMENT = '2025-10-15T02:00:00.000Z'
const TIES = 23

describe.each(DIALECTS)('case lists by receipt time on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture
  const ids: Record<string, number> = {}

  const file = async (name: string, receivedAt: string) => {
    const { order } = await fileCase(
      store.deps,
      {
        channel: 'hotline_12345',
        kind: 'consultation',
        title: name,
        content: `${name}：来电咨询`,
        categoryId: fx.categories.potholes,
        districtId: fx.units.district,
        receivedAt,
      },
      fx.actors.dispatcher,
    )
    ids[name] = order.id
  }
  const query = (params: string) => parseCaseListQuery(new URLSearchParams(params))
  const walk = async (params: string, pageSize: number) => {
    const pages: string[][] = []
    for await (const rows of allCases(store.deps, fx.actors.dispatcher, query(params), pageSize))
      pages.push(rows.map((r) => r.title))
    return pages
  }

  beforeAll(async () => {
    store = await openTestStore(dialect, NOW)
    fx = await seedFixture(store.deps)
    for (let i = 0; i < TIES; i++) await file(`tie${i}`, SAME_MOMENT)
    // The edges of 31 October in Asia/Shanghai (UTC+8), and the days around it.
    await file('before-october-31', '2025-10-30T15:59:59.000Z')
    await file('first-second', '2025-10-30T16:00:00.000Z')
    await file('last-second', '2025-10-31T15:59:59.999Z')
    await file('after-october-31', '2025-10-31T16:00:00.000Z')
  })
  afterAll(() => store.close())

  it('walks every case once, newest first, ties broken by id, whatever the page size', async () => {
    for (const size of [1, 7, 23, 500]) {
      const pages = await walk('queue=all', size)
      const titles = pages.flat()
      expect(titles).toHaveLength(TIES + 4)
      expect(new Set(titles).size).toBe(titles.length)
      expect(pages.every((p) => p.length <= size)).toBe(true)
      const ties = titles.filter((t) => t.startsWith('tie'))
      expect(ties.map((t) => ids[t])).toEqual(
        Array.from({ length: TIES }, (_, i) => ids[`tie${TIES - 1 - i}`]),
      )
      expect(titles.slice(0, 4)).toEqual([
        'after-october-31',
        'last-second',
        'first-second',
        'before-october-31',
      ])
    }
  })

  it('keeps a period to its days of receipt, to the last millisecond, in lists and walks', async () => {
    const oneDay = 'queue=all&from=2025-10-31&to=2025-10-31'
    expect((await walk(oneDay, 1)).flat()).toEqual(['last-second', 'first-second'])
    const { rows, total } = await listCases(store.deps, fx.actors.dispatcher, query(oneDay))
    expect(total).toBe(2)
    expect(rows.map((r) => r.title)).toEqual(['last-second', 'first-second'])
    const october = 'queue=all&from=2025-10-01&to=2025-10-31&sort=received_at&dir=asc&pageSize=50'
    const page = await listCases(store.deps, fx.actors.dispatcher, query(october))
    expect(page.total).toBe(TIES + 3)
    expect(page.rows.map((r) => r.title).slice(-3)).toEqual([
      'before-october-31',
      'first-second',
      'last-second',
    ])
  })
})

describe('local times in exports', () => {
  it('agree with Intl in zones with summer time and odd offsets, across transitions', () => {
    const zones = [
      'Asia/Shanghai',
      'America/New_York',
      'Europe/London',
      'Asia/Kathmandu',
      'Australia/Lord_Howe',
      'Australia/Adelaide',
    ]
    const exact = (ms: number, timeZone: string) => {
      const parts = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }).formatToParts(new Date(ms))
      const get = (t: string) => parts.find((p) => p.type === t)!.value
      return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`
    }
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
        (zone, ms) => {
          const iso = new Date(ms).toISOString()
          expect(localDateTime(iso, zone)).toBe(exact(ms, zone))
        },
      ),
      { numRuns: 2000 },
    )
    // The hours around some changes, minute by minute: Adelaide's (+10:30 → +9:30) falls in the
    // middle of a UTC hour.
    for (const [zone, start] of [
      ['America/New_York', Date.UTC(2025, 2, 9, 5)],
      ['America/New_York', Date.UTC(2025, 10, 2, 4)],
      ['Australia/Lord_Howe', Date.UTC(2025, 3, 5, 13)],
      ['Australia/Adelaide', Date.UTC(2025, 3, 5, 15)],
    ] as const) {
      for (let m = 0; m < 240; m++) {
        const ms = start + m * 60_000 + 17_000
        const iso = new Date(ms).toISOString()
        expect(localDateTime(iso, zone), `${zone} ${iso}`).toBe(exact(ms, zone))
      }
    }
  })
})
