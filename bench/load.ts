/**
 * Bulk loaders for the report benchmarks: a fresh SQLite file or a fresh Postgres database, the
 * schema from the real migrations, the reference data and N synthetic cases (see `generate.ts`)
 * with their rollups, written month by month by the app's own `applyRollupDeltas` (the batch form
 * of the live write path: `caseCounts` per case, summed in memory per rollup key, multi-row
 * upserts), whatever the rollup tables are. Only the benchmark loads cases this way: the work_orders secondary
 * indexes are dropped for the load and rebuilt from their own definitions afterwards, SQLite runs
 * with `synchronous=OFF` and no journal, Postgres with `session_replication_role=replica` (no
 * foreign-key triggers) and `synchronous_commit=off`.
 */
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { existsSync, rmSync, statSync } from 'node:fs'
import pg from 'pg'
import { openStore } from '../db/connect'
import type { Database } from '../db/database'
import { createPostgresDb } from '../db/dialects/postgres'
import { migrateToLatest } from '../db/migrate'
import { applyRollupDeltas } from '../db/repositories/rollups'
import {
  categorySeeds,
  emptyStats,
  generate,
  unitSeeds,
  WORK_ORDER_COLUMNS,
  type GenerationStats,
  type Row,
} from './generate'

export interface LoadOptions {
  cases: number
  asOf: Date
  seed: number
  log: (line: string) => void
}

export interface LoadResult {
  /** The DATABASE_URL to open the loaded store with. */
  url: string
  asOf: string
  seed: number
  stats: GenerationStats
  /** Wall time of each phase and in all, in ms. */
  phases: { schema: number; rows: number; rollups?: number; indexes: number; finish: number; total: number }
}

const WO_COLUMN_LIST = WORK_ORDER_COLUMNS.map(([c]) => c).join(', ')
const ROWS_PER_STATEMENT_SQLITE = 500

function progress(log: LoadOptions['log'], total: number) {
  let next = 0
  const started = performance.now()
  return (done: number) => {
    if (done < next && done < total) return
    next = done + Math.max(1, Math.floor(total / 10))
    const s = (performance.now() - started) / 1000
    log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} cases, ${s.toFixed(1)} s (${Math.round(done / Math.max(s, 0.001)).toLocaleString('en')}/s)`)
  }
}

// ---------------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------------

/** Removes a SQLite database file and its WAL and shared-memory files. */
export function removeSqlite(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true })
}

/** Bytes on disk of a SQLite database (file plus WAL). */
export function sqliteSize(file: string): number {
  let n = 0
  for (const f of [file, `${file}-wal`]) if (existsSync(f)) n += statSync(f).size
  return n
}

/**
 * Loads a fresh SQLite file. The schema comes from `migrateToLatest` through `openStore`; the rows go
 * in through better-sqlite3 directly with multi-row prepared INSERTs.
 *
 * @example const loaded = await loadSqlite('bench/data/sqlite-1000000.db', { cases: 1e6, asOf, seed, log })
 */
export async function loadSqlite(file: string, options: LoadOptions): Promise<LoadResult> {
  const t0 = performance.now()
  removeSqlite(file)
  const store = openStore(`sqlite:${file}`, { synchronous: 'OFF' })
  try {
    await migrateToLatest(store.db)
  } finally {
    await store.close()
  }

  const raw = new SqliteDatabase(file)
  raw.pragma('journal_mode = OFF')
  raw.pragma('synchronous = OFF')
  raw.pragma('foreign_keys = OFF')
  raw.pragma('cache_size = -1048576')
  raw.pragma('temp_store = MEMORY')
  const now = options.asOf.toISOString()
  const insertUnit = raw.prepare(
    'insert into units (id, code, name, parent_id, level, created_at) values (?, ?, ?, ?, ?, ?)',
  )
  const insertCategory = raw.prepare(
    'insert into categories (id, code, name, parent_id, default_unit_id, created_at) values (?, ?, ?, ?, ?, ?)',
  )
  raw.transaction(() => {
    for (const u of unitSeeds()) insertUnit.run(u.id, u.code, u.name, u.parentId, u.level, now)
    for (const c of categorySeeds()) insertCategory.run(c.id, c.code, c.name, c.parentId, null, now)
  })()
  const indexes = raw
    .prepare(
      "select name, sql from sqlite_master where type = 'index' and tbl_name = 'work_orders' and sql is not null",
    )
    .all() as { name: string; sql: string }[]
  for (const ix of indexes) raw.exec(`drop index ${ix.name}`)
  const t1 = performance.now()

  const statements = new Map<string, SqliteDatabase.Statement>()
  const insertRows = (table: string, columns: string, width: number, rows: Row[]) => {
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT_SQLITE) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT_SQLITE)
      const key = `${table}:${chunk.length}`
      let stmt = statements.get(key)
      if (!stmt) {
        const one = `(${new Array(width).fill('?').join(', ')})`
        stmt = raw.prepare(
          `insert into ${table} (${columns}) values ${new Array(chunk.length).fill(one).join(', ')}`,
        )
        statements.set(key, stmt)
      }
      stmt.run(chunk.flat())
    }
  }
  // The rollups go through the app's repository on this same connection (inside our transaction).
  const kdb = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) })
  const stats = emptyStats()
  const tick = progress(options.log, options.cases)
  let done = 0
  let sinceCommit = 0
  let rollupMs = 0
  raw.exec('begin')
  for (const ev of generate({ cases: options.cases, asOf: options.asOf, seed: options.seed }, stats)) {
    if (ev.type === 'cases') {
      insertRows('work_orders', WO_COLUMN_LIST, WORK_ORDER_COLUMNS.length, ev.rows)
      done += ev.rows.length
      sinceCommit += ev.rows.length
      tick(done)
    } else {
      const t = performance.now()
      await applyRollupDeltas(kdb, ev.changes)
      rollupMs += performance.now() - t
    }
    if (sinceCommit >= 250_000) {
      raw.exec('commit')
      raw.exec('begin')
      sinceCommit = 0
    }
  }
  raw.exec('commit')
  const t2 = performance.now()
  options.log(`  rows in ${((t2 - t1) / 1000).toFixed(1)} s (rollups ${(rollupMs / 1000).toFixed(1)} s); building ${indexes.length} indexes`)
  for (const ix of indexes) raw.exec(ix.sql)
  const t3 = performance.now()
  raw.pragma('journal_mode = WAL')
  raw.pragma('wal_checkpoint(TRUNCATE)')
  await kdb.destroy() // closes raw
  const t4 = performance.now()
  return {
    url: `sqlite:${file}`,
    asOf: options.asOf.toISOString(),
    seed: options.seed,
    stats,
    phases: { schema: t1 - t0, rows: t2 - t1, rollups: rollupMs, indexes: t3 - t2, finish: t4 - t3, total: t4 - t0 },
  }
}

// ---------------------------------------------------------------------------------------------
// Postgres
// ---------------------------------------------------------------------------------------------

/** The server the benchmark creates its databases on (trust auth, user postgres). */
export const PG_SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432'

function pgUrl(database: string) {
  return `${PG_SERVER}/${database}`
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl('postgres') })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/** Drops a benchmark database (and ends any session still on it). */
export async function dropPostgres(database: string): Promise<void> {
  if (!/^hotline_bench_\w+$/.test(database)) throw new Error(`refusing to drop ${database}`)
  await adminQuery(`drop database if exists ${database} with (force)`)
}

/** Bytes on disk of a Postgres database. */
export async function postgresSize(database: string): Promise<number> {
  const client = new pg.Client({ connectionString: pgUrl(database) })
  await client.connect()
  try {
    const { rows } = await client.query('select pg_database_size(current_database())::text as n')
    return Number(rows[0].n)
  } finally {
    await client.end()
  }
}

/** The Postgres server version string. */
export async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: pgUrl('postgres') })
  await client.connect()
  try {
    const { rows } = await client.query(
      "select version() as v, current_setting('shared_buffers') as sb, current_setting('work_mem') as wm, current_setting('max_parallel_workers_per_gather') as pw",
    )
    const r = rows[0]
    return `${String(r.v).split(' on ')[0]} (shared_buffers ${r.sb}, work_mem ${r.wm}, max_parallel_workers_per_gather ${r.pw})`
  } finally {
    await client.end()
  }
}

/** COPY text format: tab-separated, `\N` for null, backslash escapes. */
function copyText(rows: Row[]): string {
  let out = ''
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v = row[i]
      if (i > 0) out += '\t'
      if (v === null || v === undefined) out += '\\N'
      else if (typeof v === 'number') out += String(v)
      else out += /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : v
    }
    out += '\n'
  }
  return out
}
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

interface CopyConnection {
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
  stream: NodeJS.WritableStream & { writableLength: number }
}

/**
 * `COPY … FROM STDIN` through pg's own Query (what pg-copy-streams does, without the dependency):
 * the data is sent once the server answers CopyInResponse, in chunks as the caller writes them.
 */
class CopyIn extends pg.Query {
  readonly done: Promise<void>
  private connection: CopyConnection | null = null
  private pending: Buffer[] = []
  private ended = false

  constructor(text: string) {
    let settle!: (error: Error | undefined) => void
    super(text, (error) => settle(error))
    this.done = new Promise((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve())
    })
    this.done.catch(() => {}) // awaited by the caller; this only keeps it from being "unhandled"
  }

  handleCopyInResponse(connection: CopyConnection): void {
    this.connection = connection
    for (const chunk of this.pending) connection.sendCopyFromChunk(chunk)
    this.pending = []
    if (this.ended) connection.endCopyFrom()
  }

  /** Sends rows; resolves when the socket has room for more. */
  async write(rows: Row[]): Promise<void> {
    const chunk = Buffer.from(copyText(rows), 'utf8')
    if (!this.connection) {
      this.pending.push(chunk)
      return
    }
    this.connection.sendCopyFromChunk(chunk)
    const stream = this.connection.stream
    if (stream.writableLength > 8 * 2 ** 20) await new Promise((resolve) => stream.once('drain', resolve))
  }

  end(): Promise<void> {
    this.ended = true
    if (this.connection) this.connection.endCopyFrom()
    return this.done
  }
}

/** A connection set up for bulk loading: no FK triggers, no waiting for the WAL flush. */
async function loadingClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('set session_replication_role = replica')
  await client.query('set synchronous_commit = off')
  await client.query("set maintenance_work_mem = '1GB'")
  return client
}

async function copyInto(client: pg.Client, table: string, columns: readonly string[]): Promise<CopyIn> {
  const copy = new CopyIn(`copy ${table} (${columns.join(', ')}) from stdin`)
  client.query(copy)
  return copy
}

/**
 * Creates `database` afresh and loads it: schema through `openStore` + `migrateToLatest`, cases
 * with one `COPY … FROM STDIN` streamed while they are generated, rollups month by month through
 * `applyRollupDeltas` on a second connection.
 *
 * @example const loaded = await loadPostgres('hotline_bench_1000000', { cases: 1e6, asOf, seed, log })
 */
export async function loadPostgres(database: string, options: LoadOptions): Promise<LoadResult> {
  const t0 = performance.now()
  await dropPostgres(database)
  await adminQuery(`create database ${database}`)
  const url = pgUrl(database)
  const store = openStore(url)
  try {
    await migrateToLatest(store.db)
  } finally {
    await store.close()
  }

  const client = await loadingClient(url)
  // The rollups go through the app's repository, on their own connection, while the COPY runs.
  const kdb = createPostgresDb({ connectionString: url, max: 1 })
  try {
    const now = options.asOf.toISOString()
    for (const u of unitSeeds()) {
      await client.query(
        'insert into units (id, code, name, parent_id, level, created_at) values ($1, $2, $3, $4, $5, $6)',
        [u.id, u.code, u.name, u.parentId, u.level, now],
      )
    }
    for (const c of categorySeeds()) {
      await client.query(
        'insert into categories (id, code, name, parent_id, default_unit_id, created_at) values ($1, $2, $3, $4, $5, $6)',
        [c.id, c.code, c.name, c.parentId, null, now],
      )
    }
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `select i.indexname, i.indexdef from pg_indexes i
        where i.schemaname = current_schema() and i.tablename = 'work_orders'
          and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
    )
    for (const ix of indexes) await client.query(`drop index ${ix.indexname}`)
    const t1 = performance.now()

    const cases = await copyInto(client, 'work_orders', WORK_ORDER_COLUMNS.map(([c]) => c))
    const stats = emptyStats()
    const tick = progress(options.log, options.cases)
    let done = 0
    let rollupMs = 0
    let rollups: Promise<void> = Promise.resolve()
    try {
      for (const ev of generate({ cases: options.cases, asOf: options.asOf, seed: options.seed }, stats)) {
        if (ev.type === 'cases') {
          await cases.write(ev.rows)
          done += ev.rows.length
          tick(done)
        } else {
          await rollups // at most one month in flight
          const changes = ev.changes
          rollups = (async () => {
            const t = performance.now()
            await kdb.transaction().execute((trx) => applyRollupDeltas(trx, changes))
            rollupMs += performance.now() - t
          })()
          rollups.catch(() => {}) // awaited above or below
        }
      }
    } finally {
      await Promise.all([cases.end(), rollups])
    }
    const t2 = performance.now()
    options.log(`  rows in ${((t2 - t1) / 1000).toFixed(1)} s (rollups ${(rollupMs / 1000).toFixed(1)} s, alongside); building ${indexes.length} indexes`)
    for (const ix of indexes) await client.query(ix.indexdef)
    const t3 = performance.now()
    for (const table of ['units', 'categories', 'work_orders']) {
      await client.query(
        `select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`,
      )
    }
    // What autovacuum would reach shortly after a bulk load, done now so every run sees the same.
    await client.query('vacuum (analyze)')
    const t4 = performance.now()
    return {
      url,
      asOf: options.asOf.toISOString(),
      seed: options.seed,
      stats,
      phases: { schema: t1 - t0, rows: t2 - t1, rollups: rollupMs, indexes: t3 - t2, finish: t4 - t3, total: t4 - t0 },
    }
  } finally {
    await Promise.all([client.end(), kdb.destroy()])
  }
}
