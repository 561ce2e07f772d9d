/**
 * Tracking codes (查询码) and case numbers (工单编号).
 *
 * A tracking code is 160 random bits in Crockford base32 (32 characters, no I, L, O or U), shown
 * once on filing; only its hash is stored. The case number is short and sequential for phone calls
 * and is never enough on its own to see a case.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** Random bytes in a tracking code. */
export const TRACKING_CODE_BYTES = 20

/**
 * Encodes random bytes as a tracking code.
 *
 * @example trackingCodeFrom(crypto.getRandomValues(new Uint8Array(20))) // 'K3Q9…' (32 characters)
 */
export function trackingCodeFrom(bytes: Uint8Array): string {
  if (bytes.length < 16) throw new Error('a tracking code needs at least 128 random bits')
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
  return out
}

/**
 * Normalises what a person typed or pasted: case-insensitive, spaces and dashes ignored, and the
 * look-alikes O→0, I/L→1. Returns null when it cannot be a tracking code.
 *
 * @example normalizeTrackingCode('k3q9-…') // 'K3Q9…'
 */
export function normalizeTrackingCode(input: string): string | null {
  const code = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
  if (code.length !== 32) return null
  for (const ch of code) if (!ALPHABET.includes(ch)) return null
  return code
}

/**
 * The human case number: prefix, year of receipt and a 7-digit sequence within the year.
 *
 * @example formatCaseNumber('NC', 2026, 1234) // 'NC20260001234'
 */
export function formatCaseNumber(prefix: string, year: number, sequence: number): string {
  return `${prefix}${year}${String(sequence).padStart(7, '0')}`
}
