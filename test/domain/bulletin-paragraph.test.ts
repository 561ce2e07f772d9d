import { describe, expect, it } from 'vitest'
import { bulletinParagraph } from '../../src/domain/bulletin'

const totals = { received: 65312, valid: 65312, closed: 65312, closedOnTime: 64000, rated: 2500, satisfied: 2499 }

describe('bulletinParagraph', () => {
  it('writes the briefing’s service paragraph word for word', () => {
    expect(
      bulletinParagraph({
        from: '2022-01-01',
        to: '2022-12-31',
        scopeName: '新建区',
        totals,
        channels: {
          hotline_12345: { received: 54772, valid: 54772, closed: 54772 },
          wenzheng: { received: 5000, valid: 5000, closed: 5000 },
          ganfutong: { received: 3000, valid: 3000, closed: 3000 },
          other: { received: 2000, valid: 2000, closed: 2000 },
          window: { received: 94, valid: 92, closed: 92 },
          enterprise_visit: { received: 1446, valid: 1446, closed: 1439 },
        },
      }),
    ).toBe(
      '新建区“12345”热线办全面整合“问政江西”、“赣服通”、公安非警务类热线等政务服务渠道,' +
        '全年累计受理诉求6.5万余件,办结率100%,满意率达99.96%,按期办结率97.99%。' +
        '“办不成事”反映窗口受理企业群众诉求94件,解决92件,办结率100%。' +
        '开展企业走访,解决企业反映诉求和问题线索1446条,办结率为99.52%。',
    )
  })

  it('leaves out what had no cases and rates with no denominator', () => {
    expect(
      bulletinParagraph({
        from: '2025-03-01',
        to: '2025-03-31',
        scopeName: null,
        totals: { received: 12, valid: 12, closed: 0, closedOnTime: 0, rated: 0, satisfied: 0 },
        channels: { hotline_12345: { received: 12, valid: 12, closed: 0 } },
      }),
    ).toBe('“12345”热线办本月累计受理诉求12件,办结率0%。')
  })
})
