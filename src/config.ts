import { z } from 'zod'
import { isValidTimeZone } from './domain/zoned-time'

const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined)),
  TZ_REPORT: z
    .string()
    .default('Asia/Shanghai')
    .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Shanghai'),
  /** Reverse proxies in front of the app; 0 (the default) ignores X-Forwarded-For/-Proto. */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** Where notifications (督办 and others) are posted, signed with WEBHOOK_SECRET; both or neither. */
  WEBHOOK_URL: z.url().optional(),
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How often the scheduler climbs the 督办 ladder and delivers notifications; 0 turns it off. */
  SCHEDULER_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  CASE_NUMBER_PREFIX: z
    .string()
    .regex(/^[A-Z]{1,6}$/, 'must be 1–6 capital letters')
    .default('NC'),
  /** Show closed cases' replies in Open311's public GET (default: a neutral note instead). */
  OPEN311_PUBLIC_REPLIES: z.stringbool().default(false),
})

/** The typed configuration read from the environment at start. */
export type Config = z.output<typeof envSchema>

const checkedSchema = envSchema.refine((c) => (c.WEBHOOK_URL === undefined) === (c.WEBHOOK_SECRET === undefined), {
  message: 'set both WEBHOOK_URL and WEBHOOK_SECRET, or neither',
  path: ['WEBHOOK_SECRET'],
})

/**
 * Reads and checks the environment, failing fast with a message that names each bad variable.
 *
 * @example const config = loadConfig(process.env)
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = checkedSchema.safeParse(env)
  if (result.success) return result.data
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
}

/** A bad environment variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}
