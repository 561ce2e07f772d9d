import { localDateOf } from '../src/domain/zoned-time'

const formatters = new Map<string, Intl.DateTimeFormat>()

/**
 * An instant as local `YYYY-MM-DD HH:mm` in the report time zone.
 *
 * @example formatDateTime('2025-10-21T15:59:59.000Z', 'Asia/Shanghai') // '2025-10-21 23:59'
 */
export function formatDateTime(instant: string, timeZone: string): string {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
    })
    formatters.set(timeZone, f)
  }
  return `${localDateOf(instant, timeZone)} ${f.format(new Date(instant))}`
}
