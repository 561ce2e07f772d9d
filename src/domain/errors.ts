/**
 * Errors the domain and the services raise. Each carries a stable `code`, a message a person can
 * act on, and for bad input the fields at fault; routes and the CLI map them to HTTP statuses and
 * exit codes in one place.
 */

/** The error codes and the HTTP status each maps to. */
export const ERROR_STATUS = {
  validation_failed: 422,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  payload_too_large: 413,
  rate_limited: 429,
} as const
export type ErrorCode = keyof typeof ERROR_STATUS

/**
 * A refusal the caller can understand: bad input, a missing case, a forbidden or stale action.
 *
 * @example throw new HotlineError('validation_failed', '内容不能为空', { content: '必填' })
 */
export class HotlineError extends Error {
  readonly code: ErrorCode
  readonly fields: Record<string, string> | undefined

  constructor(code: ErrorCode, message: string, fields?: Record<string, string>) {
    super(message)
    this.name = 'HotlineError'
    this.code = code
    this.fields = fields
  }

  /** The HTTP status of this error. */
  get status(): number {
    return ERROR_STATUS[this.code]
  }
}

/**
 * A validation error naming one field and the reason.
 *
 * @example throw invalidField('unitId', 'is required to dispatch')
 */
export function invalidField(field: string, reason: string): HotlineError {
  return new HotlineError('validation_failed', `${field}: ${reason}`, { [field]: reason })
}
