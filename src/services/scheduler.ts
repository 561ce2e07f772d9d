import { z } from 'zod'
import { nowOf, type Deps } from './deps'
import { deliverOutbox, pruneOutbox, type DeliveryResult, type WebhookOptions } from './outbox'
import { runSupervision, safeErrorText, type SupervisionResult } from './supervision'

/**
 * The scheduler (定时任务): automatic supervision, then delivery of the outbox. In-process on Node
 * ({@link startScheduler}), from a cron trigger on Workers ({@link scheduledTick}). Safe with
 * several instances: urges are version-checked and outbox rows are claimed before they are sent.
 */

/** What one tick did; a step is null when it failed as a whole or was not configured. */
export interface TickResult {
  supervision: SupervisionResult | null
  delivery: DeliveryResult | null
}

/** Options of {@link startScheduler}. */
export interface SchedulerOptions {
  /** Pause between the end of one tick and the start of the next. */
  intervalMs?: number
  /** Where notifications go; without it they wait in the outbox. */
  webhook?: WebhookOptions
  /** Where lines go (no personal data is ever written). */
  log?: (line: string) => void
}

/**
 * One tick: supervision, then delivery when a webhook is set. Each step's failure is logged (error
 * name, code and message, masked) and does not stop the other.
 *
 * @example const { supervision, delivery } = await runTick(deps, { url, secret })
 */
export async function runTick(
  deps: Deps,
  webhook?: WebhookOptions,
  log: (line: string) => void = console.error,
): Promise<TickResult> {
  const out: TickResult = { supervision: null, delivery: null }
  try {
    const s = await runSupervision(deps)
    out.supervision = s
    if (s.reminder + s.yellow + s.red > 0) {
      log(`[hotline] supervision: 催办 ${s.reminder}, 黄牌 ${s.yellow}, 红牌 ${s.red}`)
    }
    if (s.failed > 0) log(`[hotline] supervision: ${s.failed} failed; ${s.errors.join('; ')}`)
  } catch (err) {
    log(`[hotline] supervision failed: ${safeErrorText(err)}`)
  }
  if (webhook) {
    try {
      const d = await deliverOutbox(deps, webhook)
      out.delivery = d
      await pruneOutbox(deps.db, nowOf(deps))
      if (d.retrying + d.dead > 0) {
        log(
          `[hotline] outbox: ${d.delivered} delivered, ${d.retrying} to retry, ` +
            `${d.dead} given up (see the admin page)`,
        )
      }
    } catch (err) {
      log(`[hotline] outbox delivery failed: ${safeErrorText(err)}`)
    }
  }
  return out
}

/**
 * Starts the in-process scheduler on Node: a tick at once, then one `intervalMs` after each tick
 * ends (ticks never overlap). The timer does not keep the process alive. Returns `stop()`, which
 * resolves once a running tick has finished (stop it before closing the store).
 *
 * @example
 * const stop = startScheduler(deps, { webhook: { url, secret } })
 * await stop()
 */
export function startScheduler(deps: Deps, options: SchedulerOptions = {}): () => Promise<void> {
  const { intervalMs = 60_000, webhook, log = console.error } = options
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<unknown> = Promise.resolve()
  const schedule = (ms: number) => {
    if (stopped) return
    timer = setTimeout(() => {
      running = runTick(deps, webhook, log).finally(() => schedule(intervalMs))
    }, ms)
    timer.unref?.()
  }
  schedule(0)
  return async () => {
    stopped = true
    if (timer) clearTimeout(timer)
    await running.catch(() => {})
  }
}

/** The scheduler's variables, on Node's environment and the Worker's alike. */
export interface SchedulerEnv {
  /** The webhook notifications are POSTed to (an SMS or messaging gateway's adapter). */
  WEBHOOK_URL?: string
  /** The HMAC key shared with the receiver, at least 16 characters. */
  WEBHOOK_SECRET?: string
}

const webhookSchema = z
  .object({
    WEBHOOK_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'must be an http(s) URL'),
    WEBHOOK_SECRET: z
      .string()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  })
  .refine((e) => (e.WEBHOOK_URL === undefined) === (e.WEBHOOK_SECRET === undefined), {
    message: 'WEBHOOK_URL and WEBHOOK_SECRET go together: set both or neither',
  })

/**
 * The webhook the environment names, undefined when none is set; throws a message naming the
 * variable when one is bad or only one of the two is set.
 *
 * @example webhookFromEnv(process.env) // { url: 'https://…', secret: '…' } or undefined
 */
export function webhookFromEnv(
  env: Readonly<Record<string, unknown>>,
): { url: string; secret: string } | undefined {
  const parsed = webhookSchema.safeParse({
    WEBHOOK_URL: typeof env.WEBHOOK_URL === 'string' ? env.WEBHOOK_URL : undefined,
    WEBHOOK_SECRET: typeof env.WEBHOOK_SECRET === 'string' ? env.WEBHOOK_SECRET : undefined,
  })
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
    )
    throw new Error(`invalid configuration: ${problems.join('; ')}`)
  }
  const { WEBHOOK_URL: url, WEBHOOK_SECRET: secret } = parsed.data
  return url && secret ? { url, secret } : undefined
}

/**
 * One tick for a Workers cron trigger (`[triggers] crons = ["* * * * *"]`): the same work as a
 * Node tick, with the webhook read from the Worker's variables.
 *
 * @example
 * async scheduled(_controller, env, ctx) {
 *   ctx.waitUntil(depsFor(env).then((deps) => scheduledTick(deps, env)))
 * }
 */
export async function scheduledTick(
  deps: Deps,
  env: SchedulerEnv,
  log: (line: string) => void = console.error,
): Promise<TickResult> {
  return runTick(deps, webhookFromEnv({ ...env }), log)
}
