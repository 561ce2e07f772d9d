import type { Channel, Kind, Rating } from '../src/domain/codes'
import type { Status } from '../src/domain/status'

/** The languages of the public pages: Chinese first, English switchable. */
export const LOCALES = ['zh', 'en'] as const
export type Locale = (typeof LOCALES)[number]

const zh = {
  lang: 'zh-CN',
  siteName: '12345 政务服务便民热线',
  siteTagline: '有诉求，找12345',
  switchTo: 'English',
  nav: { file: '我要反映', track: '查询进度', stats: '办理公开' },
  footer: '南昌市12345政务服务便民热线 · 电话 12345 · 本系统不收集与诉求无关的个人信息',
  file: {
    title: '我要反映',
    intro: '请描述您遇到的问题，我们会转交责任单位办理，并在办理时限内答复您。',
    kind: '诉求类型',
    category: '问题分类',
    categoryPlaceholder: '请选择分类',
    titleLabel: '标题',
    titleHint: '一句话概括，例如“长堎大道路面坑洼”',
    content: '诉求内容',
    contentHint: '发生了什么、在哪里、从什么时候开始（最多 4000 字）',
    district: '所在区域',
    districtPlaceholder: '请选择区域',
    address: '详细地址',
    photos: '图片（可选）',
    photosHint: '最多 3 张，JPEG、PNG 或 WebP，每张不超过 5 MB；位置等隐藏信息会被清除',
    aboutYou: '联系方式（可选）',
    aboutYouHint: '不留联系方式也可以提交，之后凭查询码查看进度。',
    name: '姓名',
    phone: '手机号码',
    confidential: '对承办单位保密我的身份（保密件）',
    consent:
      '我同意热线办为办理本诉求处理我提供的个人信息；信息仅用于办理和回访，不会公开，查询页面不显示姓名和电话。',
    submit: '提交诉求',
    submitting: '正在提交…',
    errorSummary: '提交未成功，请修改标出的内容：',
  },
  track: {
    title: '诉求办理进度',
    lookupTitle: '查询进度',
    lookupIntro: '请输入提交诉求时获得的查询码。',
    codeLabel: '查询码',
    lookup: '查询',
    filedTitle: '提交成功',
    filedIntro: '请保存下面的查询码，这是查看进度和评价的唯一凭证，我们不会再次显示：',
    copy: '复制查询码',
    copied: '已复制',
    caseNumber: '工单编号（电话咨询时使用）',
    status: '当前状态',
    deadline: '办理时限',
    provisional: '（节假日安排公布后可能调整）',
    unit: '承办单位',
    timeline: '办理过程',
    reply: '答复内容',
    yourRequest: '您反映的问题',
    photos: '图片',
    notFoundTitle: '没有找到这条诉求',
    notFoundIntro: '请检查查询码是否完整、正确。查询码共 32 位，由数字和字母组成。',
  },
  rate: {
    title: '请评价本次办理',
    comment: '意见或建议（可选）',
    whyDissatisfied: '如不满意，请告诉我们原因，热线办会回访核实。',
    submit: '提交评价',
    thanks: '感谢您的评价！',
    thanksDissatisfied: '感谢您的反馈，热线办将回访核实，必要时重新交办。',
    yours: '您的评价',
  },
  stats: {
    title: '办理情况公开',
    intro: '近12个月受理和办理情况，每项数据均可由工单逐件复核。',
    month: '月份',
    received: '受理量',
    closureRate: '办结率',
    onTimeRate: '按期办结率',
    satisfactionRate: '满意率',
    byChannel: '按渠道',
    byUnit: '按承办单位',
    channel: '渠道',
    unit: '承办单位',
    total: '合计',
    none: '—',
  },
  errors: {
    required: '请填写此项',
    titleRequired: '请填写标题',
    contentRequired: '请填写诉求内容',
    chooseKind: '请选择诉求类型',
    chooseCategory: '请选择问题分类',
    chooseDistrict: '请选择区域',
    tooLong: (n: number) => `不能超过 ${n} 字`,
    phone: '请输入 11 位手机号码',
    consent: '请阅读并同意个人信息处理说明',
    tooMany: '操作过于频繁，请稍后再试',
    tooManyIntro: (s: number) => `为保护系统安全，请在 ${Math.ceil(s / 60)} 分钟后再试。`,
    tooLarge: '提交的内容过大',
    tooLargeIntro: '图片总大小请不要超过 15 MB。',
    pageNotFound: '页面不存在',
    badRequest: '无法完成请求',
    serverError: '系统繁忙，请稍后再试',
    rateRequired: '请选择满意程度',
  },
  kinds: {
    consultation: '咨询',
    help: '求助',
    suggestion: '建议',
    complaint: '投诉',
    report: '举报',
  } satisfies Record<Kind, string>,
  statuses: {
    received: '已受理，等待派单',
    dispatched: '已转交承办单位',
    in_progress: '承办单位正在办理',
    return_requested: '正在重新确认承办单位',
    closed: '已办结',
    archived: '已办结',
    invalid: '已受理，经核实不予办理',
    merged: '已与相同诉求合并办理',
  } satisfies Record<Status, string>,
  ratings: {
    very_satisfied: '非常满意',
    satisfied: '满意',
    basically_satisfied: '基本满意',
    dissatisfied: '不满意',
    very_dissatisfied: '非常不满意',
  } satisfies Record<Rating, string>,
  channels: {
    hotline_12345: '12345热线',
    wenzheng: '问政江西',
    ganfutong: '赣服通',
    window: '办不成事窗口',
    web: '网上',
    enterprise_visit: '企业走访',
    other: '其他',
  } satisfies Record<Channel, string>,
  events: {
    receive: '诉求已受理',
    dispatch: (unit: string) => `已转交${unit}办理`,
    sign: '承办单位已签收',
    approve_return: '正在重新确认承办单位',
    approve_extension: (days: number, basis: string) => `办理期限延长 ${days} 个工作日（${basis}）`,
    reply_and_close: '承办单位已答复，诉求办结',
    direct_answer: '热线办已直接答复，诉求办结',
    rate: '您已评价',
    reopen: '根据您的评价，诉求已重新交办',
    mark_invalid: '经核实，该诉求不予办理',
    merge: '已与相同诉求合并办理',
    archive: '已归档',
  },
}

export type Messages = typeof zh

const en: Messages = {
  lang: 'en',
  siteName: '12345 Citizen Service Hotline',
  siteTagline: 'Tell the city, get it done',
  switchTo: '中文',
  nav: { file: 'Report a problem', track: 'Track a case', stats: 'Open figures' },
  footer: '12345 Citizen Service Hotline · call 12345 · we collect no personal data beyond your request',
  file: {
    title: 'Report a problem',
    intro: 'Describe the problem; we pass it to the unit responsible and answer within the deadline.',
    kind: 'Type of request',
    category: 'Category',
    categoryPlaceholder: 'Choose a category',
    titleLabel: 'Title',
    titleHint: 'One line, e.g. “Potholes on Changleng Avenue”',
    content: 'What happened',
    contentHint: 'What, where and since when (at most 4,000 characters)',
    district: 'District',
    districtPlaceholder: 'Choose a district',
    address: 'Address',
    photos: 'Photos (optional)',
    photosHint: 'Up to 3, JPEG, PNG or WebP, 5 MB each; location and other hidden data are removed',
    aboutYou: 'How to reach you (optional)',
    aboutYouHint: 'You may file anonymously; then the tracking code is the only way back in.',
    name: 'Name',
    phone: 'Mobile number',
    confidential: 'Keep my identity from the handling unit (confidential)',
    consent:
      'I agree that the hotline office processes the personal data I give to handle this request and call me back; it is never published and the tracking page shows neither name nor number.',
    submit: 'Send',
    submitting: 'Sending…',
    errorSummary: 'Not sent yet. Please fix the marked fields:',
  },
  track: {
    title: 'Your case',
    lookupTitle: 'Track a case',
    lookupIntro: 'Enter the tracking code you were given when you filed.',
    codeLabel: 'Tracking code',
    lookup: 'Look up',
    filedTitle: 'Received',
    filedIntro: 'Keep this tracking code: it is the only way to follow and rate your case, and it is not shown again:',
    copy: 'Copy code',
    copied: 'Copied',
    caseNumber: 'Case number (for phone calls)',
    status: 'Status',
    deadline: 'Due by',
    provisional: ' (may change when the holiday schedule is published)',
    unit: 'Handled by',
    timeline: 'What happened',
    reply: 'Reply',
    yourRequest: 'Your request',
    photos: 'Photos',
    notFoundTitle: 'No case found',
    notFoundIntro: 'Check that the code is complete: 32 letters and digits.',
  },
  rate: {
    title: 'How did we do?',
    comment: 'Comment (optional)',
    whyDissatisfied: 'If you are not satisfied, tell us why; the hotline office will call you back.',
    submit: 'Send rating',
    thanks: 'Thank you for your rating!',
    thanksDissatisfied: 'Thank you. The hotline office will call you back and reopen the case if needed.',
    yours: 'Your rating',
  },
  stats: {
    title: 'Open figures',
    intro: 'Cases received and handled in the last 12 months; every figure can be traced to the cases behind it.',
    month: 'Month',
    received: 'Received',
    closureRate: 'Closed',
    onTimeRate: 'On time',
    satisfactionRate: 'Satisfied',
    byChannel: 'By channel',
    byUnit: 'By handling unit',
    channel: 'Channel',
    unit: 'Unit',
    total: 'Total',
    none: '—',
  },
  errors: {
    required: 'Please fill this in',
    titleRequired: 'Please give a title',
    contentRequired: 'Please describe the problem',
    chooseKind: 'Please choose a type',
    chooseCategory: 'Please choose a category',
    chooseDistrict: 'Please choose a district',
    tooLong: (n: number) => `At most ${n} characters`,
    phone: 'Enter an 11-digit mobile number',
    consent: 'Please read and accept the data notice',
    tooMany: 'Too many requests',
    tooManyIntro: (s: number) => `Please try again in ${Math.ceil(s / 60)} minutes.`,
    tooLarge: 'Too large',
    tooLargeIntro: 'Photos may add up to 15 MB at most.',
    pageNotFound: 'Page not found',
    badRequest: 'The request could not be completed',
    serverError: 'Something went wrong; please try again later',
    rateRequired: 'Please choose a rating',
  },
  kinds: {
    consultation: 'Question',
    help: 'Help',
    suggestion: 'Suggestion',
    complaint: 'Complaint',
    report: 'Report',
  },
  statuses: {
    received: 'Received, waiting to be assigned',
    dispatched: 'Passed to the unit responsible',
    in_progress: 'Being handled',
    return_requested: 'Checking which unit is responsible',
    closed: 'Closed',
    archived: 'Closed',
    invalid: 'Received; not taken up after checking',
    merged: 'Handled together with the same request',
  },
  ratings: {
    very_satisfied: 'Very satisfied',
    satisfied: 'Satisfied',
    basically_satisfied: 'Mostly satisfied',
    dissatisfied: 'Dissatisfied',
    very_dissatisfied: 'Very dissatisfied',
  },
  channels: {
    hotline_12345: '12345 hotline',
    wenzheng: 'Wenzheng Jiangxi',
    ganfutong: 'Ganfutong app',
    window: 'Service-hall window',
    web: 'Web',
    enterprise_visit: 'Enterprise visits',
    other: 'Other',
  },
  events: {
    receive: 'Received',
    dispatch: (unit: string) => `Passed to ${unit}`,
    sign: 'Accepted by the unit',
    approve_return: 'Checking which unit is responsible',
    approve_extension: (days: number, basis: string) => `Deadline extended by ${days} working days (${basis})`,
    reply_and_close: 'The unit replied; closed',
    direct_answer: 'Answered by the hotline office; closed',
    rate: 'You rated the handling',
    reopen: 'Reopened after your rating',
    mark_invalid: 'Not taken up after checking',
    merge: 'Handled together with the same request',
    archive: 'Archived',
  },
}

const messages: Record<Locale, Messages> = { zh, en }

/**
 * The messages of a locale.
 *
 * @example t('zh').file.submit // '提交诉求'
 */
export function t(locale: Locale): Messages {
  return messages[locale]
}

/**
 * Picks the locale: an explicit choice (cookie or query) first, then Accept-Language, then Chinese.
 *
 * @example pickLocale(undefined, 'en-US,en;q=0.9') // 'en'
 */
export function pickLocale(chosen: string | undefined, acceptLanguage: string | undefined): Locale {
  if (chosen === 'zh' || chosen === 'en') return chosen
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', q = 'q=1'] = part.trim().split(';')
      return { tag: tag.toLowerCase(), q: Number(q.replace('q=', '')) || 0 }
    })
    .sort((a, b) => b.q - a.q)
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh'
    if (tag.startsWith('en')) return 'en'
  }
  return 'zh'
}
