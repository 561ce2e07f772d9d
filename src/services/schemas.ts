import { z } from 'zod'
import {
  CHANNELS,
  KINDS,
  RATINGS,
  RETURN_REASONS,
  URGE_LEVELS,
  URGENCIES,
} from '../domain/codes'
import { HotlineError } from '../domain/errors'
import type { Command } from '../domain/work-order'

const text = (max: number) => z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`)
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .optional()
    .transform((v) => (v ? v : undefined))
const id = z.coerce.number().int('must be a whole number').positive('must be positive')

/** A mainland China mobile number (11 digits starting with 1[3-9]). */
export const mobilePhone = z
  .string()
  .trim()
  .regex(/^1[3-9]\d{9}$/, 'must be an 11-digit mainland mobile number')

/**
 * What filing a case takes, from any channel. Ids are numbers; `receivedAt` (ISO-8601 with an
 * offset) is for staff recording a call or a visit after the fact, never in the future.
 */
export const filingSchema = z.object({
  channel: z.enum(CHANNELS),
  kind: z.enum(KINDS),
  urgency: z.enum(URGENCIES).default('normal'),
  categoryId: id.optional(),
  districtId: id.optional(),
  unitId: id.optional(),
  title: text(100),
  content: text(4000),
  address: optionalText(200),
  citizenName: optionalText(50),
  citizenPhone: z
    .string()
    .trim()
    .transform((v) => v.replace(/[\s-]/g, ''))
    .pipe(
      z
        .string()
        .regex(/^(1[3-9]\d{9}|0\d{9,11})$/, 'must be a mobile number or a landline with its area code'),
    )
    .optional(),
  citizenIdNumber: z
    .string()
    .trim()
    .regex(/^\d{17}[\dXx]$/, 'must be an 18-character ID number')
    .optional(),
  confidential: z.boolean().default(false),
  receivedAt: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time' }).optional(),
  externalId: optionalText(100),
})
export type FilingInput = z.input<typeof filingSchema>
export type ValidFiling = z.output<typeof filingSchema>

const note = optionalText(2000)

/** Every action with its arguments, as the API and the forms send them. */
export const commandSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('dispatch'), unitId: id, note }),
  z.object({ action: z.literal('sign'), note }),
  z.object({ action: z.literal('request_return'), reason: z.enum(RETURN_REASONS), note: text(2000) }),
  z.object({ action: z.literal('approve_return'), note }),
  z.object({ action: z.literal('reject_return'), note }),
  z.object({
    action: z.literal('request_extension'),
    workdays: z.coerce.number().int('must be a whole number').min(1).max(60),
    basis: text(500),
    note,
  }),
  z.object({ action: z.literal('approve_extension'), note }),
  z.object({ action: z.literal('reject_extension'), note }),
  z.object({ action: z.literal('reply_and_close'), reply: text(4000), note }),
  z.object({ action: z.literal('direct_answer'), reply: text(4000), note }),
  z.object({ action: z.literal('rate'), rating: z.enum(RATINGS), comment: optionalText(1000), note }),
  z.object({ action: z.literal('reopen'), note }),
  z.object({ action: z.literal('urge'), level: z.enum(URGE_LEVELS), note }),
  z.object({ action: z.literal('mark_invalid'), note: text(2000) }),
  z.object({ action: z.literal('merge'), masterId: id, note }),
  z.object({ action: z.literal('archive'), note }),
  z.object({ action: z.literal('note'), note: text(2000) }),
])

/**
 * Parses with a zod schema or throws a `validation_failed` error naming each field and reason.
 *
 * @example const filing = parseInput(filingSchema, body)
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const fields: Record<string, string> = {}
  for (const issue of result.error.issues) {
    const path = issue.path.join('.') || 'body'
    fields[path] ??= issue.message
  }
  const summary = Object.entries(fields)
    .map(([f, reason]) => `${f}: ${reason}`)
    .join('; ')
  throw new HotlineError('validation_failed', summary, fields)
}

/**
 * Parses an action command.
 *
 * @example const command = parseCommand({ action: 'dispatch', unitId: 3 })
 */
export function parseCommand(input: unknown): Command {
  return parseInput(commandSchema, input) as Command
}
