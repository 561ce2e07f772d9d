/**
 * The code lists of the work order (工单): channels, kinds, urgencies, ratings, roles and reasons,
 * each with the Chinese label users see. Codes are what travels in JSON, CSV and the database.
 */

/** Where a case came in (渠道). */
export const CHANNELS = [
  'hotline_12345',
  'wenzheng',
  'ganfutong',
  'window',
  'web',
  'enterprise_visit',
  'other',
] as const
export type Channel = (typeof CHANNELS)[number]
export const CHANNEL_LABELS: Record<Channel, string> = {
  hotline_12345: '12345热线',
  wenzheng: '问政江西',
  ganfutong: '赣服通',
  window: '办不成事窗口',
  web: '网上',
  enterprise_visit: '企业走访',
  other: '其他',
}

/** What the citizen asks for (诉求类型). */
export const KINDS = ['consultation', 'help', 'suggestion', 'complaint', 'report'] as const
export type Kind = (typeof KINDS)[number]
export const KIND_LABELS: Record<Kind, string> = {
  consultation: '咨询',
  help: '求助',
  suggestion: '建议',
  complaint: '投诉',
  report: '举报',
}

/** How fast it must be handled (紧急程度). */
export const URGENCIES = ['normal', 'urgent', 'critical'] as const
export type Urgency = (typeof URGENCIES)[number]
export const URGENCY_LABELS: Record<Urgency, string> = {
  normal: '一般',
  urgent: '紧急',
  critical: '特急',
}

/** The citizen's rating at callback (回访满意度). */
export const RATINGS = [
  'very_satisfied',
  'satisfied',
  'basically_satisfied',
  'dissatisfied',
  'very_dissatisfied',
] as const
export type Rating = (typeof RATINGS)[number]
export const RATING_LABELS: Record<Rating, string> = {
  very_satisfied: '非常满意',
  satisfied: '满意',
  basically_satisfied: '基本满意',
  dissatisfied: '不满意',
  very_dissatisfied: '非常不满意',
}

/**
 * Whether a rating counts as satisfied in 满意率.
 *
 * @example isSatisfied('basically_satisfied') // true
 */
export function isSatisfied(rating: Rating): boolean {
  return rating === 'very_satisfied' || rating === 'satisfied' || rating === 'basically_satisfied'
}

/** Who acts. `system` is the scheduler and the importer, never a person. */
export const ROLES = [
  'citizen',
  'dispatcher',
  'caseworker',
  'supervisor',
  'reporter',
  'admin',
  'system',
] as const
export type Role = (typeof ROLES)[number]
export const ROLE_LABELS: Record<Role, string> = {
  citizen: '群众',
  dispatcher: '热线办',
  caseworker: '承办单位',
  supervisor: '督查',
  reporter: '统计',
  admin: '管理员',
  system: '系统',
}

/** Roles that staff accounts and API tokens may hold. */
export const STAFF_ROLES = ['dispatcher', 'caseworker', 'supervisor', 'reporter', 'admin'] as const
export type StaffRole = (typeof STAFF_ROLES)[number]

/** Levels of 督办. */
export const URGE_LEVELS = ['reminder', 'yellow', 'red'] as const
export type UrgeLevel = (typeof URGE_LEVELS)[number]
export const URGE_LEVEL_LABELS: Record<UrgeLevel, string> = {
  reminder: '催办',
  yellow: '黄牌',
  red: '红牌',
}

/** Why a unit sends a case back (退单理由). */
export const RETURN_REASONS = [
  'wrong_locality',
  'wrong_function',
  'unclear_ownership',
  'incomplete_information',
  'other',
] as const
export type ReturnReason = (typeof RETURN_REASONS)[number]
export const RETURN_REASON_LABELS: Record<ReturnReason, string> = {
  wrong_locality: '属地不符',
  wrong_function: '职能不符',
  unclear_ownership: '权属不清',
  incomplete_information: '信息不全',
  other: '其他',
}
