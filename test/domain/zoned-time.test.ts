import { describe, expect, it } from 'vitest'
import {
  addDays,
  endOfLocalDay,
  isLocalDate,
  isValidTimeZone,
  localDateOf,
  startOfLocalDay,
  weekday,
  zonedToInstant,
} from '../../src/domain/zoned-time'

describe('zoned time in Asia/Shanghai', () => {
  it('cuts days at midnight +08:00', () => {
    expect(localDateOf('2025-12-31T15:59:59.999Z', 'Asia/Shanghai')).toBe('2025-12-31')
    expect(localDateOf('2025-12-31T16:00:00.000Z', 'Asia/Shanghai')).toBe('2026-01-01')
    expect(localDateOf(new Date('2025-12-31T16:00:00.000Z'), 'Asia/Shanghai')).toBe('2026-01-01')
    expect(startOfLocalDay('2025-10-16', 'Asia/Shanghai')).toBe('2025-10-15T16:00:00.000Z')
    expect(endOfLocalDay('2025-10-16', 'Asia/Shanghai')).toBe('2025-10-16T15:59:59.000Z')
    expect(zonedToInstant('2026-01-01', '00:00', 'Asia/Shanghai')).toBe('2025-12-31T16:00:00.000Z')
  })

  it('handles daylight saving time in other zones', () => {
    expect(endOfLocalDay('2025-03-30', 'Europe/Berlin')).toBe('2025-03-30T21:59:59.000Z')
    expect(startOfLocalDay('2025-03-30', 'Europe/Berlin')).toBe('2025-03-29T23:00:00.000Z')
    expect(endOfLocalDay('2025-11-02', 'America/New_York')).toBe('2025-11-03T04:59:59.000Z')
  })

  it('knows valid zones', () => {
    expect(isValidTimeZone('Asia/Shanghai')).toBe(true)
    expect(isValidTimeZone('UTC')).toBe(true)
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false)
  })
})

describe('calendar arithmetic', () => {
  it.each([
    ['2025-12-31', 1, '2026-01-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2025-02-28', 1, '2025-03-01'],
    ['2025-03-01', -1, '2025-02-28'],
    ['2025-10-16', 0, '2025-10-16'],
    ['2025-01-31', 365, '2026-01-31'],
  ] as const)('addDays(%s, %i) = %s', (date, days, result) => {
    expect(addDays(date, days)).toBe(result)
  })

  it.each([
    ['2025-09-28', 0],
    ['2025-09-26', 5],
    ['2025-10-11', 6],
    ['2026-01-01', 4],
  ] as const)('weekday(%s) = %i', (date, day) => {
    expect(weekday(date)).toBe(day)
  })

  it.each([
    ['2025-02-28', true],
    ['2024-02-29', true],
    ['2025-02-29', false],
    ['2025-13-01', false],
    ['2025-1-01', false],
    ['2025-01-01T00:00', false],
    ['', false],
  ] as const)('isLocalDate(%s) = %s', (value, ok) => {
    expect(isLocalDate(value)).toBe(ok)
  })
})

describe('days whose midnight does not exist', () => {
  // In America/Santiago the clocks jump from 2025-09-07 00:00 (-04:00) to 01:00 (-03:00) at
  // 04:00Z, so the first instant of 2025-09-07 there is 2025-09-07T04:00:00.000Z. The same happens
  // in America/Havana (2025-03-09) and Atlantic/Azores (2025-03-30). A period [from, to] "in whole
  // days of TZ_REPORT" must start inside its first day.
  it('startOfLocalDay stays inside the day (America/Santiago 2025-09-07)', () => {
    const start = startOfLocalDay('2025-09-07', 'America/Santiago')
    expect(localDateOf(start, 'America/Santiago')).toBe('2025-09-07')
    expect(start).toBe('2025-09-07T04:00:00.000Z')
  })
})
