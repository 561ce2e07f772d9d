import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bulletinSentence,
  formatPercent,
  formatVolume,
  periodOpening,
} from '../../src/domain/bulletin'
import { figuresOf, zeroCounts } from '../../src/domain/figures'

describe('formatVolume', () => {
  it.each([
    [65312, '6.5万余件'],
    [65000, '6.5万件'],
    [60000, '6万件'],
    [60500, '6万余件'],
    [9999, '9999件'],
    [10000, '1万件'],
    [10001, '1万余件'],
    [10999, '1万余件'],
    [11000, '1.1万件'],
    [1446, '1446件'],
    [123456, '12.3万余件'],
    [0, '0件'],
    [1000000, '100万件'],
    [1234567, '123.4万余件'],
  ] as const)('%i → %s', (count, text) => {
    expect(formatVolume(count)).toBe(text)
  })

  it('takes another unit word', () => {
    expect(formatVolume(65312, '次')).toBe('6.5万余次')
    expect(formatVolume(12, '次')).toBe('12次')
  })
})

describe('formatPercent', () => {
  it.each([
    [99996, 100000, '99.99%'],
    [1, 1, '100%'],
    [0, 5, '0%'],
    [1, 3, '33.33%'],
    [2, 3, '66.67%'],
    [199, 200, '99.5%'],
    [1, 2, '50%'],
    [1, 8, '12.5%'], // 12.5 exactly
    [1, 16, '6.25%'],
    [1, 400, '0.25%'],
    [1, 2000, '0.05%'],
    [1, 20000, '0.01%'], // 0.005%: exactly half a hundredth, rounded up
    [1, 20001, '0%'],
    [1, 800, '0.13%'], // 0.125%: half up, not half to even
    [19999, 20000, '99.99%'], // 99.995% rounds to 100.00 but is below 100%
    [1, 1000, '0.1%'],
    [2499, 2500, '99.96%'],
    [9999, 10000, '99.99%'],
    [99999, 100000, '99.99%'], // 99.999% rounds to 100.00 but is below 100%
    [5, 5, '100%'],
    [10, 1000, '1%'],
    [101, 10000, '1.01%'],
  ] as const)('%i / %i → %s', (n, d, text) => {
    expect(formatPercent(n, d)).toBe(text)
  })

  it('is null for a zero denominator', () => {
    expect(formatPercent(0, 0)).toBeNull()
    expect(formatPercent(3, 0)).toBeNull()
  })

  it('never writes a rate below 1 as 100%, and at most two decimals without trailing zeros', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 10_000_000 })
          .chain((d) => fc.tuple(fc.integer({ min: 0, max: d - 1 }), fc.constant(d))),
        ([n, d]) => {
          const text = formatPercent(n, d)
          expect(text).not.toBe('100%')
          expect(text).toMatch(/^(0|[1-9]\d?)(\.(\d[1-9]|[1-9]))?%$/)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('rounds half up to the hundredth of a percent (checked with exact integer arithmetic)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 1_000_000 })
          .chain((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.constant(d))),
        ([n, d]) => {
          // hundredths of a percent, half up: floor(n * 10000 / d + 1/2) in BigInt
          let h = (BigInt(n) * 20000n + BigInt(d)) / (2n * BigInt(d))
          if (n < d && h >= 10000n) h = 9999n
          const whole = h / 100n
          const frac = h % 100n
          const expected =
            frac === 0n
              ? `${whole}%`
              : `${whole}.${frac.toString().padStart(2, '0').replace(/0$/, '')}%`
          expect(formatPercent(n, d)).toBe(expected)
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('periodOpening', () => {
  it.each([
    ['2022-01-01', '2022-12-31', '全年'],
    ['2025-01-01', '2025-12-31', '全年'],
    ['2025-03-01', '2025-03-31', '本月'],
    ['2025-12-01', '2025-12-31', '本月'],
    ['2024-02-01', '2024-02-29', '本月'], // leap year
    ['2023-02-01', '2023-02-28', '本月'],
    ['2025-04-01', '2025-04-30', '本月'],
    ['2024-02-01', '2024-02-28', '2024年2月1日至2024年2月28日'], // one day short in a leap year
    ['2025-04-01', '2025-04-29', '2025年4月1日至2025年4月29日'],
    ['2025-03-02', '2025-04-01', '2025年3月2日至2025年4月1日'],
    ['2025-03-01', '2025-04-30', '2025年3月1日至2025年4月30日'], // two months
    ['2025-01-01', '2025-03-31', '2025年1月1日至2025年3月31日'], // a quarter
    ['2024-01-01', '2025-12-31', '2024年1月1日至2025年12月31日'], // two years
    ['2024-12-01', '2025-01-31', '2024年12月1日至2025年1月31日'],
    ['2025-01-02', '2025-12-31', '2025年1月2日至2025年12月31日'],
    ['2025-10-16', '2025-10-16', '2025年10月16日至2025年10月16日'],
  ] as const)('%s … %s → %s', (from, to, text) => {
    expect(periodOpening(from, to)).toBe(text)
  })
})

describe('bulletinSentence', () => {
  it('the briefing example, word for word', () => {
    // 65312 received, 12 invalid → 65300 valid, all closed; 2500 rated, 2499 satisfied (99.96%)
    const figures = figuresOf({
      ...zeroCounts(),
      received: 65312,
      invalid: 12,
      closed: 65300,
      closedOnTime: 65000,
      rated: 2500,
      satisfied: 2499,
      dissatisfied: 1,
    })
    expect(bulletinSentence('2022-01-01', '2022-12-31', figures)).toBe(
      '全年累计受理诉求6.5万余件,办结率100%,满意率达99.96%',
    )
  })

  it('a month with no rated case leaves the 满意率 out', () => {
    const figures = figuresOf({ ...zeroCounts(), received: 1446, merged: 46, closed: 1393 })
    // 1393 / 1400 = 99.5%
    expect(bulletinSentence('2025-03-01', '2025-03-31', figures)).toBe(
      '本月累计受理诉求1446件,办结率99.5%',
    )
  })

  it('nothing valid: only the volume', () => {
    const figures = figuresOf({ ...zeroCounts(), received: 3, invalid: 3 })
    expect(bulletinSentence('2025-03-02', '2025-04-01', figures)).toBe(
      '2025年3月2日至2025年4月1日累计受理诉求3件',
    )
  })

  it('nothing at all', () => {
    expect(bulletinSentence('2025-01-01', '2025-12-31', figuresOf(zeroCounts()))).toBe(
      '全年累计受理诉求0件',
    )
  })

  it('a rate just under 100% stays under 100%', () => {
    const figures = figuresOf({
      ...zeroCounts(),
      received: 100000,
      closed: 99996,
      rated: 60000,
      satisfied: 60000,
    })
    expect(bulletinSentence('2025-01-01', '2025-12-31', figures)).toBe(
      '全年累计受理诉求10万件,办结率99.99%,满意率达100%',
    )
  })
})
