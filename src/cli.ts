import { writeFileSync, existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { openStore, type Store } from '../db/connect'
import { migrateToLatest } from '../db/migrate'
import { GROUPINGS, type Grouping } from '../db/repositories/rollups'
import { ADMIN_USAGE, runAdminCommand } from './cli-admin'
import { IMPORT_USAGE, runImportCommand } from './cli-import'
import { loadConfig, ConfigError } from './config'
import { HotlineError, invalidField } from './domain/errors'
import { addUser, createToken, listTokens, revokeToken } from './services/accounts'
import { createDeps, type Deps } from './services/deps'
import { recount } from './services/recount'
import { briefingParagraph, summarize } from './services/reports'
import { padDisplay, summaryCsv, summaryText } from './services/summary-formats'

/** Where a command writes; tests pass buffers. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
  readStdin: () => Promise<string>
  env: Record<string, string | undefined>
}

const USAGE = `Usage: hotline <command> [options]

Commands:
  serve                                   start the web server (PORT, HOST, DATABASE_URL)
  migrate                                 apply pending database migrations
  demo [--cases N] [--seed N]             seed a demo district with a year of cases
  user add --username U --role R [--unit UNIT] [--display-name NAME] --password-stdin
  token create --name N --role R [--unit UNIT] | token list | token revoke --id N
  report --from DATE --to DATE [--scope UNIT] [--by channel|unit|category|kind|month]
         [--format json|csv|text]
  bulletin --from DATE --to DATE [--scope UNIT] [--paragraph]
  recount --from DATE --to DATE [--scope UNIT]
  backup FILE
${IMPORT_USAGE}
${ADMIN_USAGE}

Roles: dispatcher, caseworker, supervisor, reporter, admin. Exit codes: 0 ok, 1 bad input, 2 failure.`

/** A usage mistake: exit code 1. */
class UsageError extends Error {}

/**
 * Runs one `hotline` command and returns its exit code: 0 on success, 1 on bad input (the message
 * names the problem), 2 on other failures.
 *
 * @example process.exitCode = await runCli(process.argv.slice(2), nodeIo)
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  let store: Store | undefined
  try {
    if (!command || command === '--help' || command === 'help' || command === '-h') {
      io.out(USAGE)
      return command ? 0 : 1
    }
    const config = loadConfig(io.env)
    if (command === 'serve') {
      const { startServer } = await import('./server')
      await startServer(config)
      return await new Promise<number>(() => {})
    }
    store = openStore(config.DATABASE_URL)
    const applied = await migrateToLatest(store.db)
    const deps = createDeps({
      db: store.db,
      dialect: store.dialect,
      timeZone: config.TZ_REPORT,
      caseNumberPrefix: config.CASE_NUMBER_PREFIX,
    })
    switch (command) {
      case 'migrate':
        io.out(applied.length ? `applied: ${applied.join(', ')}` : 'the schema is up to date')
        return 0
      case 'demo':
        return await demo(deps, rest, io)
      case 'user':
        return await user(deps, rest, io)
      case 'token':
        return await token(deps, rest, io)
      case 'report':
        return await report(deps, rest, io)
      case 'bulletin':
        return await bulletin(deps, rest, io)
      case 'recount':
        return await recountCommand(deps, rest, io)
      case 'backup':
        return await backup(store, rest, io)
      case 'import':
        return await runImportCommand(deps, rest, io)
      case 'unit':
      case 'category':
      case 'sla':
      case 'calendar':
      case 'template':
        return await runAdminCommand(deps, [command, ...rest], io)
      default:
        throw new UsageError(`unknown command ${command}\n\n${USAGE}`)
    }
  } catch (err) {
    return failure(err, io)
  } finally {
    await store?.close()
  }
}

function failure(err: unknown, io: CliIo): number {
  if (err instanceof HotlineError) {
    io.err(`hotline: ${err.message}`)
    return 1
  }
  if (err instanceof UsageError || err instanceof ConfigError) {
    io.err(`hotline: ${err.message}`)
    return 1
  }
  if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
    io.err(`hotline: ${err.message}`)
    return 1
  }
  io.err(`hotline: ${err instanceof Error ? err.message : String(err)}`)
  return 2
}

function options<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], spec: T) {
  return parseArgs({ args, options: spec, strict: true, allowPositionals: true })
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v.trim() === '') throw invalidField(name, 'is required')
  return v
}

function wholeNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value)) throw invalidField(name, 'must be a whole number')
  return Number(value)
}

async function demo(deps: Deps, args: string[], io: CliIo): Promise<number> {
  const { values } = options(args, { cases: { type: 'string' }, seed: { type: 'string' } })
  const cases = wholeNumber(values.cases, 'cases', 3000)
  if (cases < 1 || cases > 200_000) throw invalidField('cases', 'must be from 1 to 200000')
  const { seedDemo } = await import('./services/demo')
  const result = await seedDemo(deps, {
    cases,
    seed: wholeNumber(values.seed, 'seed', 2026),
    log: (line) => io.err(line),
  })
  io.out(`seeded ${result.units} units, ${result.categories} categories, ${result.cases} cases`)
  io.out(
    `cases by state: ${Object.entries(result.byStatus)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}`,
  )
  io.out('\nStaff accounts (one-time passwords, shown only now):')
  for (const u of result.users) {
    const unit = padDisplay(u.unit ?? '', 24)
    io.out(`  ${u.username.padEnd(14)} ${u.role.padEnd(11)} ${unit} ${u.password}`)
  }
  return 0
}

async function user(deps: Deps, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = options(args, {
    username: { type: 'string' },
    role: { type: 'string' },
    unit: { type: 'string' },
    'display-name': { type: 'string' },
    'password-stdin': { type: 'boolean' },
  })
  if (positionals[0] !== 'add') throw new UsageError('usage: hotline user add --username U --role R [--unit UNIT] --password-stdin')
  if (!values['password-stdin']) throw invalidField('password-stdin', 'is required: pipe the password on standard input')
  const password = (await io.readStdin()).replace(/\r?\n$/, '')
  const created = await addUser(deps, {
    username: required(values, 'username'),
    role: required(values, 'role'),
    unit: values.unit,
    displayName: values['display-name'],
    password,
  })
  io.out(`user ${created.username} (${created.role}) created with id ${created.id}`)
  return 0
}

async function token(deps: Deps, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = options(args, {
    name: { type: 'string' },
    role: { type: 'string' },
    unit: { type: 'string' },
    id: { type: 'string' },
  })
  if (positionals[0] === 'list') {
    for (const t of await listTokens(deps)) {
      const state = t.revokedAt ? `revoked ${t.revokedAt}` : `last used ${t.lastUsedAt ?? 'never'}`
      io.out(`${String(t.id).padStart(4)}  ${t.name.padEnd(24)} ${t.role.padEnd(11)} ${state}`)
    }
    return 0
  }
  if (positionals[0] === 'revoke') {
    await revokeToken(deps, wholeNumber(values.id, 'id', 0))
    io.out(`token ${values.id} revoked`)
    return 0
  }
  if (positionals[0] !== 'create') {
    throw new UsageError('usage: hotline token create --name N --role R [--unit UNIT] | token list | token revoke --id N')
  }
  const created = await createToken(deps, {
    name: required(values, 'name'),
    role: required(values, 'role'),
    unit: values.unit,
  })
  io.err(`token ${created.id} created; it is shown once, store it now`)
  io.out(created.token)
  return 0
}

function periodOptions(
  args: string[],
  extra: Record<string, { type: 'string' } | { type: 'boolean' }> = {},
) {
  const { values } = options(args, {
    from: { type: 'string' },
    to: { type: 'string' },
    scope: { type: 'string' },
    ...extra,
  })
  return {
    values: values as Record<string, string | boolean | undefined>,
    query: { from: required(values, 'from'), to: required(values, 'to'), scope: values.scope ?? null },
  }
}

async function report(deps: Deps, args: string[], io: CliIo): Promise<number> {
  const { values, query } = periodOptions(args, { by: { type: 'string' }, format: { type: 'string' } })
  const by = typeof values.by === 'string' ? values.by : null
  if (by !== null && !GROUPINGS.includes(by as Grouping)) {
    throw invalidField('by', `must be one of ${GROUPINGS.join(', ')}`)
  }
  const format = typeof values.format === 'string' ? values.format : 'text'
  if (!['json', 'csv', 'text'].includes(format)) throw invalidField('format', 'must be json, csv or text')
  const summary = await summarize(deps, { ...query, by: by as Grouping | null })
  if (format === 'json') io.out(JSON.stringify(summary, null, 2))
  else if (format === 'csv') io.out(summaryCsv(summary).replace(/\r\n$/, ''))
  else io.out(summaryText(summary))
  return 0
}

async function bulletin(deps: Deps, args: string[], io: CliIo): Promise<number> {
  const { values, query } = periodOptions(args, { paragraph: { type: 'boolean' } })
  if (values.paragraph) {
    io.out(await briefingParagraph(deps, query))
    return 0
  }
  const summary = await summarize(deps, query)
  io.out(summary.bulletin)
  return 0
}

async function recountCommand(deps: Deps, args: string[], io: CliIo): Promise<number> {
  const { query } = periodOptions(args)
  const result = await recount(deps, query)
  if (result.differences.length === 0) {
    io.out(
      `rollups agree with the raw cases: ${result.received} cases, ${result.groupsCompared} groups compared`,
    )
    return 0
  }
  io.out(`${result.differences.length} differences between the rollups and the raw cases:`)
  for (const d of result.differences) {
    io.out(`  ${d.by} ${d.key} ${d.field}: rollup ${d.rollup}, recount ${d.recount}`)
  }
  return 2
}

const BACKUP_TABLES = [
  'units',
  'categories',
  'sla_rules',
  'calendar_days',
  'calendar_years',
  'users',
  'api_tokens',
  'work_orders',
  'work_order_events',
  'ratings',
  'report_cube',
  'counters',
  'attachments',
  'attachment_blobs',
  'report_snapshots',
  'outbox',
  'settings',
  'admin_audit',
  'reply_templates',
  'window_visits',
] as const

async function backup(store: Store, args: string[], io: CliIo): Promise<number> {
  const { positionals } = options(args, {})
  const file = positionals[0]
  if (!file) throw new UsageError('usage: hotline backup FILE')
  const target = resolve(file)
  if (existsSync(target)) throw invalidField('FILE', `${file} exists already; choose a new name`)
  if (store.dialect === 'sqlite') {
    await sql`VACUUM INTO ${target}`.execute(store.db)
    io.out(`backup written to ${target} (a consistent SQLite copy)`)
    return 0
  }
  const dump: Record<string, unknown[]> = {}
  await store.db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    for (const table of BACKUP_TABLES) {
      dump[table] = await trx.selectFrom(table).selectAll().execute()
    }
  })
  writeFileSync(target, JSON.stringify({ format: 'hotline-backup', version: 1, tables: dump }))
  io.out(`backup written to ${target} (JSON, one consistent snapshot of ${BACKUP_TABLES.length} tables)`)
  return 0
}

/**
 * The real process's streams and environment.
 *
 * @example await runCli(process.argv.slice(2), nodeIo())
 */
export function nodeIo(): CliIo {
  return {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    readStdin: async () => {
      if (process.stdin.isTTY) return ''
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
    env: process.env,
  }
}

/**
 * Runs the command line of this process and exits with its code (except `serve`, which stays up).
 *
 * @example await main()
 */
export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), nodeIo())
  process.exit(code)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
