/**
 * Calendar dates and instants in a report time zone (默认 Asia/Shanghai).
 *
 * Instants travel as UTC ISO-8601 strings with milliseconds (`2025-10-16T15:59:59.000Z`), which sort
 * the same as they compare; local calendar days travel as `YYYY-MM-DD`. Nothing here reads the clock.
 */

/** A local calendar day, `YYYY-MM-DD`. */
export type LocalDate = string

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/**
 * Whether `timeZone` is an IANA zone this runtime knows.
 *
 * @example isValidTimeZone('Asia/Shanghai') // true
 */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}

interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

function wallClock(epochMs: number, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMs))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  }
}

function offsetMs(epochMs: number, timeZone: string): number {
  const w = wallClock(epochMs, timeZone)
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  return asUtc - Math.floor(epochMs / 1000) * 1000
}

/**
 * The UTC instant at which the wall clock in `timeZone` shows the given local time.
 *
 * @example zonedToInstant('2025-10-16', '23:59:59', 'Asia/Shanghai') // '2025-10-16T15:59:59.000Z'
 */
export function zonedToInstant(date: LocalDate, time: string, timeZone: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const [hh = 0, mm = 0, ss = 0] = time.split(':').map(Number)
  const wall = Date.UTC(y, m - 1, d, hh, mm, ss)
  let guess = wall - offsetMs(wall, timeZone)
  guess = wall - offsetMs(guess, timeZone)
  return new Date(guess).toISOString()
}

/**
 * The local calendar day of an instant.
 *
 * @example localDateOf('2025-12-31T15:59:00.000Z', 'Asia/Shanghai') // '2025-12-31'
 */
export function localDateOf(instant: string | Date | number, timeZone: string): LocalDate {
  const ms =
    typeof instant === 'string' ? Date.parse(instant) : typeof instant === 'number' ? instant : instant.getTime()
  const w = wallClock(ms, timeZone)
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`
}

/**
 * The last second (23:59:59) of a local day, as a UTC instant.
 *
 * @example endOfLocalDay('2025-10-16', 'Asia/Shanghai') // '2025-10-16T15:59:59.000Z'
 */
export function endOfLocalDay(date: LocalDate, timeZone: string): string {
  return zonedToInstant(date, '23:59:59', timeZone)
}

/**
 * The first instant (00:00:00) of a local day, as a UTC instant.
 *
 * @example startOfLocalDay('2025-10-16', 'Asia/Shanghai') // '2025-10-15T16:00:00.000Z'
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): string {
  let ms = Date.parse(zonedToInstant(date, '00:00:00', timeZone))
  while (localDateOf(ms, timeZone) < date) ms += 15 * 60 * 1000
  return new Date(ms).toISOString()
}

/**
 * Adds whole days to a local date (calendar arithmetic, no time zone involved).
 *
 * @example addDays('2025-12-31', 1) // '2026-01-01'
 */
export function addDays(date: LocalDate, days: number): LocalDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const t = new Date(Date.UTC(y, m - 1, d + days))
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`
}

/**
 * Day of the week of a local date: 0 Sunday … 6 Saturday.
 *
 * @example weekday('2025-09-28') // 0
 */
export function weekday(date: LocalDate): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay()
}

/**
 * Whether a string is a real calendar date in `YYYY-MM-DD` form.
 *
 * @example isLocalDate('2025-02-29') // false
 */
export function isLocalDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  return addDays(value, 0) === value
}

/** Zero-pads to two digits. */
function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}
