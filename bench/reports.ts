/**
 * Report benchmarks (not part of `npm test`): loads N synthetic cases into SQLite and/or Postgres,
 * checks the rollups against the raw cases (`recount`), then times the one-year summary by unit,
 * the 12-month trend and the unit league table, each from the rollups (`summarize`) and from a
 * plain GROUP BY over the cases (`summarizeFromCases`), asserting both give identical figures.
 * Writes bench/RESULTS.md.
 *
 *   node --import tsx bench/reports.ts --cases 1000000,10000000 --dialects sqlite,postgres
 *
 * Options: --runs N (timed runs of the rollup path, default 30), --baseline-runs N (default 10,
 * 5 from 5M cases), --seed N, --reuse (reuse a store loaded earlier with the same size and seed),
 * --keep (keep the Postgres databases; they are dropped by default), --clean (delete the SQLite
 * files afterwards), --wait-idle S (before timing, wait up to S seconds for the 1-minute load
 * average to drop below 1: other work on a 2-core machine skews the figures), --label NAME (keeps
 * this run's results apart from other code versions of the same dataset), --no-write, --render
 * (only rewrite RESULTS.md from the results kept in bench/data/results).
 */
import SqliteDatabase from 'better-sqlite3'
import { execSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kysely, PostgresDialect, SqliteDialect, sql, type LogEvent } from 'kysely'
import pg from 'pg'
import { openStore, type Store } from '../db/connect'
import type { Database, DialectName } from '../db/database'
import { listUnits, type Unit } from '../db/repositories/reference-data'
import { figuresOf, zeroCounts } from '../src/domain/figures'
import { leagueTable, type LeagueRow } from '../src/domain/league'
import { addDays, localDateOf } from '../src/domain/zoned-time'
import { createDeps, type Deps } from '../src/services/deps'
import { recount } from '../src/services/recount'
import { summarize, summarizeFromCases, type Summary, type SummaryQuery } from '../src/services/reports'
import { TIME_ZONE } from './generate'
import {
  dropPostgres,
  loadPostgres,
  loadSqlite,
  PG_SERVER,
  postgresSize,
  postgresVersion,
  removeSqlite,
  sqliteSize,
  type LoadResult,
} from './load'

const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
const DATA_DIR = join(BENCH_DIR, 'data')
const RESULTS_DIR = join(DATA_DIR, 'results')
const RESULTS_FILE = join(BENCH_DIR, 'RESULTS.md')
const TARGET_MS = 100
const TARGET_RATIO = 20

type BenchDialect = Exclude<DialectName, 'd1'>

interface Options {
  cases: number[]
  dialects: BenchDialect[]
  runs: number
  baselineRuns: number | null
  seed: number
  reuse: boolean
  keep: boolean
  clean: boolean
  write: boolean
  waitIdle: number
  label: string
}

function parseCount(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim().replace(/_/g, ''))
  if (!m) throw new Error(`--cases: not a count: ${s}`)
  const mult = m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1e6
  return Math.round(Number(m[1]) * mult)
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    cases: [1_000_000],
    dialects: ['sqlite'],
    runs: 30,
    baselineRuns: null,
    seed: 2026,
    reuse: false,
    keep: false,
    clean: false,
    write: true,
    waitIdle: 0,
    label: '',
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    switch (a) {
      case '--cases':
        o.cases = value().split(',').map(parseCount)
        break
      case '--dialects':
        o.dialects = value()
          .split(',')
          .map((d) => {
            if (d !== 'sqlite' && d !== 'postgres') throw new Error(`--dialects: unknown ${d}`)
            return d
          })
        break
      case '--runs':
        o.runs = Number(value())
        break
      case '--baseline-runs':
        o.baselineRuns = Number(value())
        break
      case '--seed':
        o.seed = Number(value())
        break
      case '--reuse':
        o.reuse = true
        break
      case '--keep':
        o.keep = true
        break
      case '--clean':
        o.clean = true
        break
      case '--label':
        o.label = value().replace(/[^\w.-]/g, '-')
        break
      case '--wait-idle':
        o.waitIdle = Number(value())
        break
      case '--render':
        o.cases = []
        break
      case '--no-write':
        o.write = false
        break
      default:
        throw new Error(`unknown option ${a}`)
    }
  }
  return o
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`)

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

interface Timing {
  runs: number
  median: number
  p95: number
  min: number
  max: number
  /** The first (warm-up) run: page cache warm from the load, connection caches cold. */
  first: number
  /**
   * CPU time of this process per run (user + system), median and p95. On SQLite the query runs in
   * this process, so this is the query's cost without the waiting a busy machine adds to the wall
   * time; on Postgres it is only the client's share.
   */
  cpuMedian: number
  cpuP95: number
}

function medianOf(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function p95Of(sorted: number[]): number {
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]!
}

async function measure(fn: () => Promise<unknown>, runs: number, warmup: number): Promise<Timing> {
  let first = 0
  for (let i = 0; i < warmup; i++) {
    const t = performance.now()
    await fn()
    if (i === 0) first = performance.now() - t
  }
  const times: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage()
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
    const used = process.cpuUsage(c)
    cpu.push((used.user + used.system) / 1000)
  }
  times.sort((a, b) => a - b)
  cpu.sort((a, b) => a - b)
  return {
    runs,
    median: medianOf(times),
    p95: p95Of(times),
    min: times[0]!,
    max: times[times.length - 1]!,
    first,
    cpuMedian: medianOf(cpu),
    cpuP95: p95Of(cpu),
  }
}

// ---------------------------------------------------------------------------------------------
// The three figures
// ---------------------------------------------------------------------------------------------

/** The units the league table ranks (as the reports page picks them). */
const HANDLING_LEVELS = new Set(['street', 'town', 'department'])

/** The league table exactly as the reports page builds it from a by-unit summary. */
function league(units: Unit[], byUnit: Summary): LeagueRow<{ id: number; code: string; name: string }>[] {
  return leagueTable(
    units
      .filter((u) => HANDLING_LEVELS.has(u.level))
      .map((u) => ({
        unit: { id: u.id, code: u.code, name: u.name },
        figures: byUnit.groups.find((g) => g.key === u.code) ?? figuresOf(zeroCounts()),
      }))
      .filter((e) => e.figures.received > 0),
  )
}

interface QuerySpec {
  name: string
  query: SummaryQuery
  run: (deps: Deps, path: typeof summarize) => Promise<unknown>
}

function querySpecs(today: string): { year: { from: string; to: string }; specs: QuerySpec[] } {
  // One year back: the day after the same date last year (28 Feb for 29 Feb), to today.
  const back = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`
  const sameDay = back.endsWith('-02-29') ? `${back.slice(0, 8)}28` : back
  const year = { from: addDays(sameDay, 1), to: today }
  // The 12-month trend: the current month and the 11 before it, by month.
  const [y, m] = today.split('-').map(Number) as [number, number]
  const start = new Date(Date.UTC(y, m - 1 - 11, 1))
  const trendFrom = `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}-01`
  const byUnit: SummaryQuery = { ...year, by: 'unit' }
  return {
    year,
    specs: [
      {
        name: `summary by unit, ${year.from} … ${year.to}`,
        query: byUnit,
        run: (deps, path) => path(deps, byUnit),
      },
      {
        name: `12-month trend by month, ${trendFrom} … ${today}`,
        query: { from: trendFrom, to: today, by: 'month' },
        run: (deps, path) => path(deps, { from: trendFrom, to: today, by: 'month' }),
      },
      {
        name: `league table of handling units, ${year.from} … ${year.to}`,
        query: byUnit,
        run: async (deps, path) => {
          const [units, summary] = await Promise.all([listUnits(deps.db), path(deps, byUnit)])
          return league(units, summary)
        },
      },
    ],
  }
}

/** What must agree between the two paths: every figure of the totals and of every group. */
function comparable(result: unknown): string {
  if (Array.isArray(result)) return JSON.stringify(result)
  const s = result as Summary
  return JSON.stringify({ totals: s.totals, groups: s.groups, bulletin: s.bulletin, asOf: s.asOf })
}

// ---------------------------------------------------------------------------------------------
// Diagnostics: per-statement times and query plans
// ---------------------------------------------------------------------------------------------

interface StatementInfo {
  sql: string
  parameters: readonly unknown[]
  ms: number
  rows: number | null
  /** Rows of the rollup table the statement aggregates (its WHERE without the GROUP BY). */
  scanned: number | null
  plan: string
}

async function diagnose(
  dialect: BenchDialect,
  url: string,
  deps: Deps,
  spec: QuerySpec,
  path: typeof summarize,
  explainAnalyze: boolean,
): Promise<StatementInfo[]> {
  const captured: { sql: string; parameters: readonly unknown[]; ms: number }[] = []
  const logEvent = (e: LogEvent) => {
    if (e.level === 'query') {
      captured.push({ sql: e.query.sql, parameters: e.query.parameters, ms: e.queryDurationMillis })
    }
  }
  let raw: SqliteDatabase.Database | null = null
  let pool: pg.Pool | null = null
  let db: Kysely<Database>
  if (dialect === 'sqlite') {
    raw = new SqliteDatabase(url.slice('sqlite:'.length), { readonly: true })
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }), log: logEvent })
  } else {
    pool = new pg.Pool({ connectionString: url, max: 10 })
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: logEvent })
  }
  try {
    const d = { ...deps, db }
    await spec.run(d, path) // warm
    captured.length = 0
    await spec.run(d, path)
    const out: StatementInfo[] = []
    for (const q of captured) {
      let plan = ''
      let rows: number | null = null
      if (raw) {
        const lines = raw.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as {
          id: number
          parent: number
          detail: string
        }[]
        const depth = new Map<number, number>([[0, 0]])
        plan = lines
          .map((l) => {
            const dd = (depth.get(l.parent) ?? 0) + 1
            depth.set(l.id, dd)
            return `${'  '.repeat(dd - 1)}${l.detail}`
          })
          .join('\n')
        rows = raw.prepare(q.sql).all(...(q.parameters as unknown[])).length
      } else {
        const option = explainAnalyze ? '(analyze, buffers, costs off)' : '(costs off)'
        const r = await pool!.query(`explain ${option} ${q.sql}`, q.parameters as unknown[])
        plan = r.rows.map((x: Record<string, string>) => x['QUERY PLAN']).join('\n')
        rows = (await pool!.query(q.sql, q.parameters as unknown[])).rowCount
      }
      let scanned: number | null = null
      const m = /^select .*? from ("report_\w+")(.*?)( group by .*)?$/s.exec(q.sql)
      if (m) {
        const countSql = `select count(*) as n from ${m[1]}${m[2]}`
        scanned = raw
          ? (raw.prepare(countSql).get(...(q.parameters as unknown[])) as { n: number }).n
          : Number((await pool!.query(countSql, q.parameters as unknown[])).rows[0].n)
      }
      out.push({ sql: q.sql, parameters: q.parameters, ms: q.ms, rows, scanned, plan })
    }
    return out
  } finally {
    await db.destroy()
  }
}

// ---------------------------------------------------------------------------------------------
// One dataset
// ---------------------------------------------------------------------------------------------

interface QueryResult {
  name: string
  rollups: Timing
  baseline: Timing
  ratio: number
  identical: boolean
  groups: number
  statements: StatementInfo[]
  baselineStatements: StatementInfo[]
}

interface DatasetResult {
  dialect: BenchDialect
  cases: number
  label?: string
  seed: number
  asOf: string
  ranAt: string
  sizeBytes: number
  load: LoadResult
  reused: boolean
  recount: { ms: number; received: number; groupsCompared: number; differences: number }
  /** Rows in each rollup table (tables named report_*, snapshots excluded). */
  rollupTables: Record<string, number>
  /** The code measured: commit, uncommitted files under db/ and src/, migrations applied. */
  code: { commit: string; dirty: string[]; migrations: string[] }
  /** 1-minute load average of the machine before and after the timed runs. */
  loadAverage: { before: number; after: number }
  queries: QueryResult[]
}

function dataName(dialect: BenchDialect, cases: number) {
  return dialect === 'sqlite' ? join(DATA_DIR, `sqlite-${cases}.db`) : `hotline_bench_${cases}`
}

async function loadOrReuse(
  dialect: BenchDialect,
  cases: number,
  o: Options,
): Promise<{ load: LoadResult; reused: boolean }> {
  const metaFile = join(DATA_DIR, `${dialect}-${cases}.load.json`)
  if (o.reuse && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as LoadResult
    if (meta.seed === o.seed && meta.stats.cases === cases) {
      try {
        const store = openStore(meta.url)
        const { n } = await store.db
          .selectFrom('work_orders')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
        await store.close()
        if (Number(n) === cases) {
          log(`reusing ${meta.url} (loaded ${meta.asOf})`)
          return { load: meta, reused: true }
        }
      } catch {
        // not there any more: load again
      }
    }
  }
  const asOf = new Date()
  log(`loading ${cases.toLocaleString('en')} cases into ${dialect}`)
  const options = { cases, asOf, seed: o.seed, log }
  const load =
    dialect === 'sqlite'
      ? await loadSqlite(dataName(dialect, cases), options)
      : await loadPostgres(dataName(dialect, cases), options)
  log(`loaded in ${(load.phases.total / 1000).toFixed(1)} s`)
  writeFileSync(metaFile, JSON.stringify(load, null, 2))
  return { load, reused: false }
}

async function runDataset(dialect: BenchDialect, cases: number, o: Options): Promise<DatasetResult> {
  mkdirSync(DATA_DIR, { recursive: true })
  const { load, reused } = await loadOrReuse(dialect, cases, o)
  const sizeBytes =
    dialect === 'sqlite' ? sqliteSize(dataName(dialect, cases)) : await postgresSize(dataName(dialect, cases))
  const store: Store = openStore(load.url)
  try {
    const asOf = new Date(load.asOf)
    const deps = createDeps({ db: store.db, dialect, timeZone: TIME_ZONE, clock: () => asOf })
    const today = localDateOf(asOf, TIME_ZONE)
    const { year, specs } = querySpecs(today)

    log(`recount ${year.from} … ${year.to}`)
    let t = performance.now()
    const check = await recount(deps, year)
    const recountMs = performance.now() - t
    if (check.differences.length > 0) {
      for (const d of check.differences.slice(0, 20)) {
        log(`  DIFFERENCE ${d.by} ${d.key} ${d.field}: rollup ${d.rollup}, recount ${d.recount}`)
      }
      throw new Error(`recount found ${check.differences.length} differences in ${dialect} ${cases}`)
    }
    log(`  no differences (${check.received.toLocaleString('en')} cases, ${check.groupsCompared} groups, ${(recountMs / 1000).toFixed(1)} s)`)

    const rollupTables = await countRollupTables(store)
    const code = await codeVersion(store)
    await waitForIdle(o.waitIdle)
    const before = os.loadavg()[0]!
    const baselineRuns = o.baselineRuns ?? (cases >= 5_000_000 ? 5 : 10)
    const queries: QueryResult[] = []
    for (const spec of specs) {
      const fromRollups = await spec.run(deps, summarize)
      const fromCases = await spec.run(deps, summarizeFromCases)
      const identical = comparable(fromRollups) === comparable(fromCases)
      if (!identical) throw new Error(`${spec.name}: the rollups and the raw cases disagree`)
      const groups = Array.isArray(fromRollups) ? fromRollups.length : (fromRollups as Summary).groups.length
      log(`${spec.name}: identical (${groups} rows); timing`)
      const rollups = await measure(() => spec.run(deps, summarize), o.runs, 3)
      const baseline = await measure(() => spec.run(deps, summarizeFromCases), baselineRuns, 1)
      const ratio = baseline.median / rollups.median
      log(`  rollups median ${rollups.median.toFixed(1)} ms p95 ${rollups.p95.toFixed(1)} ms (CPU ${rollups.cpuMedian.toFixed(1)} ms); GROUP BY median ${baseline.median.toFixed(0)} ms (CPU ${baseline.cpuMedian.toFixed(0)} ms); ×${ratio.toFixed(0)}`)
      const safely = async (run: () => Promise<StatementInfo[]>) => {
        try {
          return await run()
        } catch (e) {
          log(`  could not explain: ${(e as Error).message}`)
          return []
        }
      }
      const statements = await safely(() => diagnose(dialect, load.url, deps, spec, summarize, true))
      const baselineStatements =
        spec === specs[0] ? await safely(() => diagnose(dialect, load.url, deps, spec, summarizeFromCases, false)) : []
      queries.push({ name: spec.name, rollups, baseline, ratio, identical, groups, statements, baselineStatements })
    }
    return {
      dialect,
      cases,
      label: o.label,
      seed: load.seed,
      asOf: load.asOf,
      ranAt: new Date().toISOString(),
      sizeBytes,
      load,
      reused,
      recount: {
        ms: recountMs,
        received: check.received,
        groupsCompared: check.groupsCompared,
        differences: check.differences.length,
      },
      rollupTables,
      code,
      loadAverage: { before, after: os.loadavg()[0]! },
      queries,
    }
  } finally {
    await store.close()
  }
}

async function waitForIdle(seconds: number) {
  const until = Date.now() + seconds * 1000
  while (os.loadavg()[0]! >= 1 && Date.now() < until) {
    log(`waiting for the machine to settle (load average ${os.loadavg()[0]!.toFixed(2)})`)
    await new Promise((resolve) => setTimeout(resolve, 10_000))
  }
}

async function countRollupTables(store: Store): Promise<Record<string, number>> {
  const names =
    store.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'report%'`.execute(store.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_name like 'report%'`.execute(store.db)
  const out: Record<string, number> = {}
  for (const { name } of names.rows.sort((a, b) => a.name.localeCompare(b.name))) {
    if (name.includes('snapshot')) continue
    const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(store.db)
    out[name] = Number(rows[0]!.n)
  }
  return out
}

async function codeVersion(store: Store): Promise<DatasetResult['code']> {
  const root = join(BENCH_DIR, '..')
  // BENCH_CODE_COMMIT names the code when it is not a git checkout (an exported snapshot).
  const commit =
    process.env.BENCH_CODE_COMMIT ?? (sh(`git -C ${JSON.stringify(root)} log -1 --format="%h %cI %s"`).slice(0, 120) || 'unknown')
  const dirty = process.env.BENCH_CODE_COMMIT
    ? []
    : sh(`git -C ${JSON.stringify(root)} status --porcelain -- db src`)
        .split('\n')
        .filter(Boolean)
        .map((l) => l.trim())
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db)
  return { commit, dirty, migrations: rows.map((r) => r.name) }
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return ''
  }
}

async function machine(withPostgres: boolean): Promise<[string, string][]> {
  const osName =
    /PRETTY_NAME="?([^"\n]+)"?/.exec(existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '')?.[1] ??
    os.type()
  const cpu =
    /model name\s*:\s*(.+)/.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ??
    os.cpus()[0]?.model ??
    '?'
  const sqlite = new SqliteDatabase(':memory:')
  const sqliteVersion = (sqlite.prepare('select sqlite_version() as v').get() as { v: string }).v
  sqlite.close()
  const bs3 = JSON.parse(
    readFileSync(join(BENCH_DIR, '..', 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'),
  ).version
  let pgVersion = 'not used'
  if (withPostgres) {
    try {
      pgVersion = await postgresVersion()
    } catch (e) {
      pgVersion = `unreachable at ${PG_SERVER} (${(e as Error).message})`
    }
  }
  const disk = sh(`df -h ${JSON.stringify(BENCH_DIR)} | tail -1`).split(/\s+/)
  return [
    ['OS', `${osName}, Linux ${os.release()} ${os.arch()}`],
    ['CPU', `${cpu}, ${os.availableParallelism()} cores`],
    ['Memory', `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`],
    ['Disk', disk.length >= 4 ? `${disk[0]} (${disk[1]}, ${disk[3]} free)` : '?'],
    ['Node', process.version],
    ['SQLite', `${sqliteVersion} (better-sqlite3 ${bs3}; WAL, synchronous=FULL as openStore opens it)`],
    ['Postgres', pgVersion],
  ]
}

const label = (n: number) =>
  n >= 1e6 && n % 1e5 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 100 === 0 ? `${n / 1e3}k` : String(n)
const mb = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`)
const ms = (x: number) => (x >= 1000 ? x.toFixed(0) : x >= 100 ? x.toFixed(0) : x.toFixed(1))
const secs = (x: number) => `${(x / 1000).toFixed(1)} s`

function renderResults(results: DatasetResult[], machineRows: [string, string][], command: string): string {
  const out: string[] = []
  out.push('## Reports: figures from the rollups vs a plain GROUP BY (`bench/reports.ts`)')
  out.push('')
  out.push(
    `Written by \`bench/reports.ts\` (\`npm run bench:reports -- …\`); last run: \`${command}\`. ` +
      'Each section is the latest run of that dataset; see bench/README.md for what is measured and how.',
  )
  out.push('')
  out.push('Target (the reporting issue): on SQLite at 10 million cases every figure under ' +
    `${TARGET_MS} ms, and at least ${TARGET_RATIO}× faster than the plain GROUP BY over the cases, with identical numbers. ` +
    `The last two columns check every dataset against it ("< ${TARGET_MS} ms": median and p95).`)
  out.push('')
  out.push('### Machine')
  out.push('')
  out.push('| | |')
  out.push('|---|---|')
  for (const [k, v] of machineRows) out.push(`| ${k} | ${v} |`)
  out.push('')
  const versions = new Map<string, DatasetResult>()
  for (const r of results) if (!versions.has(r.label ?? '')) versions.set(r.label ?? '', r)
  if (versions.size > 0) {
    out.push('### Code measured')
    out.push('')
    out.push('| label | commit | rollup tables | last migration |')
    out.push('|---|---|---|---|')
    for (const [name, r] of versions) {
      out.push(
        `| ${name || '—'} | ${r.code?.commit ?? '?'} | ${Object.keys(r.rollupTables ?? {}).join(', ')} | ${r.code?.migrations.at(-1) ?? '?'} |`,
      )
    }
    out.push('')
  }
  out.push('### Results')
  out.push('')
  out.push(
    'Milliseconds per call of the service (`summarize` from the rollups vs `summarizeFromCases`, one plain GROUP BY over ' +
      'work_orders), warm: median and p95 of the timed runs after warm-up. Ratio = baseline median / rollup median. ' +
      '"CPU median" is the CPU time of the benchmark process per call (SQLite only, where the query runs in-process): ' +
      'the cost of the call without the waiting that other work on this shared 2-core machine adds to the wall time (see the load averages below). ' +
      '"Same figures": totals and every group (every count and rate, and the bulletin) or every league row are identical.',
  )
  out.push('')
  out.push(
    `| dialect | cases | DB size | query | runs | median ms | p95 ms | CPU median ms | baseline runs | baseline median ms | baseline p95 ms | ratio | same figures | < ${TARGET_MS} ms | ≥ ${TARGET_RATIO}× |`,
  )
  out.push('|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|:-:|:-:|:-:|')
  for (const r of results) {
    for (const q of r.queries) {
      const fast = q.rollups.median < TARGET_MS && q.rollups.p95 < TARGET_MS
      const ratioOk = q.ratio >= TARGET_RATIO
      out.push(
        `| ${r.dialect}${r.label ? ` (${r.label})` : ''} | ${label(r.cases)} | ${mb(r.sizeBytes)} | ${q.name.split(',')[0]} | ${q.rollups.runs} | ${ms(q.rollups.median)} | ${ms(q.rollups.p95)} | ${r.dialect === 'sqlite' && q.rollups.cpuMedian !== undefined ? ms(q.rollups.cpuMedian) : '—'} | ${q.baseline.runs} | ${ms(q.baseline.median)} | ${ms(q.baseline.p95)} | ${q.ratio.toFixed(0)}× | ${q.identical ? 'yes' : '**NO**'} | ${fast ? 'yes' : '**no**'} | ${ratioOk ? 'yes' : '**no**'} |`,
      )
    }
  }
  out.push('')
  out.push('### Datasets and load times')
  out.push('')
  out.push(
    '| dialect | cases | received in the year | rollup rows | DB size | load total | schema + reference | rows (rollups within) | indexes | finish | recount (6 groupings) |',
  )
  out.push('|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|')
  for (const r of results) {
    const p = r.load.phases
    const tables = Object.entries(r.rollupTables ?? {})
      .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
      .join('<br>')
    out.push(
      `| ${r.dialect}${r.label ? ` (${r.label})` : ''} | ${r.cases.toLocaleString('en')} | ${r.recount.received.toLocaleString('en')} | ${tables} | ${mb(r.sizeBytes)} | ${secs(p.total)} | ${secs(p.schema)} | ${secs(p.rows)}${p.rollups === undefined ? '' : ` (${secs(p.rollups)})`} | ${secs(p.indexes)} | ${secs(p.finish)} | ${secs(r.recount.ms)}, ${r.recount.differences} differences |`,
    )
  }
  out.push('')
  out.push(
    '"finish" is the WAL checkpoint on SQLite and `VACUUM (ANALYZE)` on Postgres. The rollups are written by `applyRollupDeltas` month by month during the load (on Postgres alongside the COPY of the cases). Status mix and the code measured are under each dataset below.',
  )
  for (const r of results) {
    out.push('')
    out.push(`### ${r.dialect}, ${label(r.cases)} cases${r.label ? ` (${r.label})` : ''}`)
    out.push('')
    out.push(
      `Loaded ${r.load.asOf} (asOf of every query), seed ${r.seed}, cases received ${r.load.stats.firstDay} … ${r.load.stats.lastDay}; ` +
        `benchmarked ${r.ranAt}${r.reused ? ' (store reused from an earlier load)' : ''}; ` +
        `1-minute load average ${r.loadAverage?.before.toFixed(2)} before the timed runs, ${r.loadAverage?.after.toFixed(2)} after (2 cores; other work on the machine inflates the times).`,
    )
    out.push('')
    if (r.code) {
      out.push(
        `Code: commit ${r.code.commit}; ${describeDirty(r.code.dirty)}; migrations ${r.code.migrations.map((m) => m.replace(/^\d{4}-\d{2}-\d{2}-/, '')).join(', ')}.`,
      )
      out.push('')
    }
    const total = r.load.stats.cases
    out.push(
      'Status mix: ' +
        Object.entries(r.load.stats.byStatus)
          .sort((a, b) => b[1] - a[1])
          .map(([s, n]) => `${s} ${((100 * n) / total).toFixed(2)}%`)
          .join(', ') +
        '.',
    )
    out.push('')
    out.push(
      '| query | groups | first run ms | min ms | median ms | p95 ms | max ms | CPU median / p95 ms | baseline first ms | baseline median ms | baseline CPU median ms | ratio | CPU ratio |',
    )
    out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|')
    for (const q of r.queries) {
      const cpu = q.rollups.cpuMedian !== undefined && r.dialect === 'sqlite'
      out.push(
        `| ${q.name} | ${q.groups} | ${ms(q.rollups.first)} | ${ms(q.rollups.min)} | ${ms(q.rollups.median)} | ${ms(q.rollups.p95)} | ${ms(q.rollups.max)} | ${cpu ? `${ms(q.rollups.cpuMedian)} / ${ms(q.rollups.cpuP95)}` : '—'} | ${ms(q.baseline.first)} | ${ms(q.baseline.median)} | ${cpu ? ms(q.baseline.cpuMedian) : '—'} | ${q.ratio.toFixed(1)}× | ${cpu ? `${(q.baseline.cpuMedian / q.rollups.cpuMedian).toFixed(1)}×` : '—'} |`,
      )
    }
    out.push('')
    out.push('<details><summary>SQL statements of one call, their time and plan</summary>')
    out.push('')
    for (const q of r.queries) {
      out.push(`**${q.name}** (rollup path; statement times from one warm call through a logging Kysely)`)
      out.push('')
      for (const s of [...q.statements, ...q.baselineStatements]) {
        const read = s.scanned === null || s.scanned === undefined ? '' : `, ${s.scanned.toLocaleString('en')} rollup rows read`
        out.push(`- ${ms(s.ms)} ms, ${s.rows ?? '?'} rows returned${read}: \`${s.sql.replace(/\s+/g, ' ').slice(0, 400)}\` — parameters \`${JSON.stringify(s.parameters)}\``)
        out.push('')
        out.push('  ```')
        for (const line of s.plan.split('\n')) out.push(`  ${line}`)
        out.push('  ```')
      }
      out.push('')
    }
    out.push('</details>')
  }
  out.push('')
  return out.join('\n')
}

/**
 * Writes this benchmark's block of RESULTS.md (between `<!-- reports:start -->` and
 * `<!-- reports:end -->`), keeping the blocks other benchmarks keep there (bench/import.ts).
 */
function writeResults(md: string) {
  const block = `<!-- reports:start -->\n${md.trim()}\n<!-- reports:end -->`
  const current = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : ''
  const mine = /<!-- reports:start -->[\s\S]*?<!-- reports:end -->/
  const next = mine.test(current)
    ? current.replace(mine, block)
    : [
        '# Benchmark results',
        block,
        ...(current.match(/<!-- (?!reports:)([\w-]+):start -->[\s\S]*?<!-- \1:end -->/g) ?? []),
      ].join('\n\n') + '\n'
  writeFileSync(RESULTS_FILE, next)
}

function describeDirty(dirty: string[]): string {
  if (dirty.length === 0) return 'no uncommitted changes under db/ and src/'
  const db = dirty.filter((d) => / db\//.test(d)).map((d) => `\`${d}\``)
  const src = dirty.length - db.length
  return `uncommitted changes: ${db.join(', ') || 'none under db/'}${src ? ` and ${src} files under src/` : ''}`
}

function loadAllResults(): DatasetResult[] {
  if (!existsSync(RESULTS_DIR)) return []
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as DatasetResult)
    .sort(
      (a, b) =>
        (a.label ?? '').localeCompare(b.label ?? '') || a.cases - b.cases || a.dialect.localeCompare(b.dialect),
    )
}

async function main() {
  const o = parseArgs(process.argv.slice(2))
  const command = `node --import tsx bench/reports.ts ${process.argv.slice(2).join(' ')}`.trim()
  mkdirSync(RESULTS_DIR, { recursive: true })
  let failed = false
  for (const cases of o.cases) {
    for (const dialect of o.dialects) {
      try {
        const result = await runDataset(dialect, cases, o)
        const name = `${dialect}-${cases}${o.label ? `-${o.label}` : ''}.json`
        writeFileSync(join(RESULTS_DIR, name), JSON.stringify(result, null, 2))
      } catch (e) {
        failed = true
        log(`FAILED ${dialect} ${cases}: ${(e as Error).stack ?? e}`)
      } finally {
        if (dialect === 'postgres' && !o.keep) await dropPostgres(dataName(dialect, cases)).catch(() => {})
        if (dialect === 'sqlite' && o.clean) removeSqlite(dataName(dialect, cases))
      }
    }
  }
  const results = loadAllResults()
  const md = renderResults(
    results,
    await machine(results.some((r) => r.dialect === 'postgres') || o.dialects.includes('postgres')),
    command,
  )
  if (o.write) {
    writeResults(md)
    log(`wrote ${RESULTS_FILE}`)
  }
  console.log(md.split('\n### ').slice(0, 4).join('\n### '))
  process.exitCode = failed ? 1 : 0
}

await main()
