import { addDays, weekday, type LocalDate } from './zoned-time'

/**
 * The working-day calendar (工作日历): official holidays (法定节假日) and make-up working days
 * (调休上班) on top of the Monday–Friday week. Pure data: it is built from the maintained holiday
 * package and the admin's overrides, never from code.
 */
export interface Calendar {
  /** Whether the day is a working day. */
  isWorkday(date: LocalDate): boolean
  /** Whether the official schedule for the day's year is missing, so weekends alone are counted. */
  isProvisional(date: LocalDate): boolean
}

/** One day the admin set by hand: it wins over the package. */
export interface CalendarOverride {
  day: LocalDate
  workday: boolean
}

/** Inputs of {@link createCalendar}. */
export interface CalendarData {
  /** Official days off that fall on weekdays or weekends alike. */
  holidays: Iterable<LocalDate>
  /** Official make-up working days (调休), usually weekends. */
  makeUpWorkdays: Iterable<LocalDate>
  /** Years whose official schedule is loaded. */
  scheduledYears: Iterable<number>
  overrides?: Iterable<CalendarOverride>
}

/**
 * Builds a calendar from holiday data and overrides.
 *
 * @example
 * const cal = createCalendar({ holidays: ['2025-10-01'], makeUpWorkdays: ['2025-09-28'], scheduledYears: [2025] })
 * cal.isWorkday('2025-09-28') // true (a Sunday, but 调休)
 */
export function createCalendar(data: CalendarData): Calendar {
  const holidays = new Set(data.holidays)
  const makeUp = new Set(data.makeUpWorkdays)
  const years = new Set(data.scheduledYears)
  const overrides = new Map<LocalDate, boolean>()
  for (const o of data.overrides ?? []) overrides.set(o.day, o.workday)
  return {
    isWorkday(date) {
      const forced = overrides.get(date)
      if (forced !== undefined) return forced
      if (holidays.has(date)) return false
      if (makeUp.has(date)) return true
      const wd = weekday(date)
      return wd !== 0 && wd !== 6
    },
    isProvisional(date) {
      return !years.has(Number(date.slice(0, 4)))
    },
  }
}

/**
 * The calendar of plain weeks: Monday to Friday, every year provisional.
 *
 * @example weekendsOnlyCalendar.isWorkday('2025-10-01') // true
 */
export const weekendsOnlyCalendar: Calendar = createCalendar({
  holidays: [],
  makeUpWorkdays: [],
  scheduledYears: [],
})

/**
 * The local day that is `n` working days after `start` (not counting `start`); `n = 0` is `start`.
 *
 * @example addWorkdays(calendar, '2025-09-26', 13) // '2025-10-21' with the 2025 schedule
 */
export function addWorkdays(calendar: Calendar, start: LocalDate, n: number): LocalDate {
  let day = start
  let left = n
  while (left > 0) {
    day = addDays(day, 1)
    if (calendar.isWorkday(day)) left--
  }
  return day
}

/**
 * Working days counted from the day after `from` up to and including `to` (0 when `to <= from`).
 *
 * @example workdaysBetween(calendar, '2025-09-26', '2025-09-29') // 2 (Sun 28th is 调休, Mon 29th)
 */
export function workdaysBetween(calendar: Calendar, from: LocalDate, to: LocalDate): number {
  let count = 0
  for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) {
    if (calendar.isWorkday(day)) count++
  }
  return count
}

/**
 * Whether any day from `from` to `to` (inclusive) lies in a year without an official schedule.
 *
 * @example spansProvisionalYear(calendar, '2026-12-20', '2027-01-08') // true until 2027 is loaded
 */
export function spansProvisionalYear(calendar: Calendar, from: LocalDate, to: LocalDate): boolean {
  for (let year = Number(from.slice(0, 4)); year <= Number(to.slice(0, 4)); year++) {
    if (calendar.isProvisional(`${year}-01-01`)) return true
  }
  return false
}
