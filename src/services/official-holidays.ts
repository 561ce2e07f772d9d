import holidayData from 'chinese-days/dist/chinese-days.json' with { type: 'json' }
import {
  createCalendar,
  type Calendar,
  type CalendarData,
  type CalendarOverride,
} from '../domain/calendar'

/**
 * The official holiday schedule (国务院办公厅节假日安排) from the maintained `chinese-days` package:
 * holidays and make-up working days (调休), and the years it covers.
 *
 * @example officialHolidays().scheduledYears.includes(2026) // true
 */
export function officialHolidays(): {
  holidays: string[]
  makeUpWorkdays: string[]
  scheduledYears: number[]
} {
  const holidays = Object.keys(holidayData.holidays)
  const makeUpWorkdays = Object.keys(holidayData.workdays)
  const years = new Set([...holidays, ...makeUpWorkdays].map((d) => Number(d.slice(0, 4))))
  return { holidays, makeUpWorkdays, scheduledYears: [...years].sort() }
}

/**
 * The working-day calendar: the official schedule, plus years and days the admin loaded by hand.
 *
 * @example officialCalendar().isWorkday('2025-09-28') // true (Sunday, 调休)
 */
export function officialCalendar(
  overrides: Iterable<CalendarOverride> = [],
  extraYears: Iterable<number> = [],
): Calendar {
  const official = officialHolidays()
  const data: CalendarData = {
    holidays: official.holidays,
    makeUpWorkdays: official.makeUpWorkdays,
    scheduledYears: [...official.scheduledYears, ...extraYears],
    overrides,
  }
  return createCalendar(data)
}
