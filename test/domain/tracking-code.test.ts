import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatCaseNumber,
  normalizeTrackingCode,
  TRACKING_CODE_BYTES,
  trackingCodeFrom,
} from '../../src/domain/tracking-code'

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]+$/

/** Crockford base32 of bytes, big-endian, computed with BigInt as an independent reference. */
function reference(bytes: Uint8Array): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
  let value = 0n
  for (const b of bytes) value = (value << 8n) | BigInt(b)
  let bits = bytes.length * 8
  const pad = (5 - (bits % 5)) % 5
  value <<= BigInt(pad)
  bits += pad
  let out = ''
  for (let shift = bits - 5; shift >= 0; shift -= 5)
    out += alphabet[Number((value >> BigInt(shift)) & 31n)]
  return out
}

describe('trackingCodeFrom', () => {
  it('encodes 20 bytes (160 bits) as 32 Crockford characters', () => {
    expect(TRACKING_CODE_BYTES).toBe(20)
    const code = trackingCodeFrom(randomBytes(20))
    expect(code).toHaveLength(32)
    expect(code).toMatch(CROCKFORD)
  })

  it.each([
    [Uint8Array.from({ length: 20 }, (_, i) => i), '000G40R40M30E209185GR38E1W8124GK'],
    [new Uint8Array(20), '0'.repeat(32)],
    [new Uint8Array(20).fill(255), 'Z'.repeat(32)],
    [
      Uint8Array.from([
        0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe,
        0xef, 0xde, 0xad, 0xbe, 0xef,
      ]),
      'VTPVXVYYNPZEZQNDQVQXXBDYXZFAVFQF',
    ],
  ])('known vector %#', (bytes, code) => {
    expect(trackingCodeFrom(bytes)).toBe(code)
  })

  it('16 bytes (128 bits, the minimum) give 26 characters', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i)
    expect(trackingCodeFrom(bytes)).toBe('000G40R40M30E209185GR38E1W')
  })

  it('refuses fewer than 128 bits', () => {
    expect(() => trackingCodeFrom(new Uint8Array(15))).toThrow('at least 128 random bits')
  })

  it('matches the reference encoding for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 40 }), (bytes) => {
        expect(trackingCodeFrom(bytes)).toBe(reference(bytes))
      }),
    )
  })

  it('two codes from fresh random bytes differ', () => {
    const codes = new Set(Array.from({ length: 200 }, () => trackingCodeFrom(randomBytes(20))))
    expect(codes.size).toBe(200)
  })
})

describe('normalizeTrackingCode', () => {
  const code = '000G40R40M30E209185GR38E1W8124GK'

  it('round-trips any code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
        const c = trackingCodeFrom(bytes)
        expect(normalizeTrackingCode(c)).toBe(c)
        expect(normalizeTrackingCode(c.toLowerCase())).toBe(c)
        expect(normalizeTrackingCode(c.match(/.{4}/g)?.join('-') ?? '')).toBe(c)
      }),
    )
  })

  it('accepts lower case, dashes, spaces and look-alike letters', () => {
    expect(normalizeTrackingCode(code.toLowerCase())).toBe(code)
    expect(normalizeTrackingCode('000G-40R4-0M30-E209-185G-R38E-1W81-24GK')).toBe(code)
    expect(normalizeTrackingCode(' 000g 40r4 0m30 e209 185g r38e 1w81 24gk ')).toBe(code)
    expect(normalizeTrackingCode('OOOG40R40M30E2O9185GR38E1W8124GK')).toBe(code)
    expect(normalizeTrackingCode('ooog40r40m30e2o9i85gr38e1w8l24gk')).toBe(code)
  })

  it('rejects wrong lengths', () => {
    expect(normalizeTrackingCode(code.slice(0, 31))).toBeNull()
    expect(normalizeTrackingCode(`${code}0`)).toBeNull()
    expect(normalizeTrackingCode('')).toBeNull()
    expect(normalizeTrackingCode('NC20260001234')).toBeNull()
  })

  it('rejects characters outside the alphabet', () => {
    expect(normalizeTrackingCode(`${code.slice(0, 31)}U`)).toBeNull()
    expect(normalizeTrackingCode(`${code.slice(0, 31)}*`)).toBeNull()
    expect(normalizeTrackingCode(`${code.slice(0, 31)}_`)).toBeNull()
  })
})

describe('formatCaseNumber', () => {
  it.each([
    ['NC', 2026, 1234, 'NC20260001234'],
    ['NC', 2025, 1, 'NC20250000001'],
    ['NC', 2025, 9999999, 'NC20259999999'],
    ['HL', 2024, 0, 'HL20240000000'],
  ] as const)('%s %i %i → %s', (prefix, year, sequence, number) => {
    expect(formatCaseNumber(prefix, year, sequence)).toBe(number)
  })
})
