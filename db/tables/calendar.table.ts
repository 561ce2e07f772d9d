import type { Insertable, Selectable } from 'kysely'

/** `calendar_days`: the admin's overrides of the official holiday schedule. */
export interface CalendarDaysTable {
  day: string
  workday: number
  note: string | null
  created_at: string
}

/** `calendar_years`: years whose official schedule the admin has loaded beyond the package. */
export interface CalendarYearsTable {
  year: number
  loaded_at: string
  source: string
}
export type CalendarDayRow = Selectable<CalendarDaysTable>
export type NewCalendarDayRow = Insertable<CalendarDaysTable>
