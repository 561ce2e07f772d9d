/**
 * The import benchmark (导入基准): writes a CSV of N synthetic historical cases with Chinese headers
 * and labels under `bench/data/`, imports it with `hotline import` into a fresh SQLite file and a
 * fresh Postgres database (each run in a child process so that its peak RSS is the import's own),
 * imports it a second time (every row unchanged), checks with `recount` that the rollups agree with
 * the raw cases, and records the figures in `bench/RESULTS.md` between `<!-- import:start -->` and
 * `<!-- import:end -->` (the rest of that file belongs to the report benchmarks).
 *
 *   node --import tsx bench/import.ts [--rows 1000000] [--only sqlite|postgres] [--regenerate]
 *                                     [--repeat N] [--wait-idle SECONDS] [--no-record]
 *
 * The first import runs `--repeat` times on a fresh store each (3 on SQLite, 1 on Postgres by
 * default): the table gives the median time and the highest peak RSS.
 *
 * Postgres: `BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432`) names the server; the
 * database `hotline_bench_import` is dropped and created afresh.
 */
import { spawnSync } from 'node:child_process'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { once } from 'node:events'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { openStore } from '../db/connect'
import { migrateToLatest } from '../db/migrate'
import { insertCategory, insertUnit, replaceSlaRules } from '../db/repositories/reference-data'
import { runCli } from '../src/cli'
import { IMPORT_FIELDS, IMPORT_HEADERS_ZH } from '../src/domain/import-row'
import { CsvParser } from '../src/services/import'
import { DEFAULT_SLA_RULES } from '../src/domain/sla'
import { createDeps } from '../src/services/deps'
import { recount } from '../src/services/recount'

const here = dirname(fileURLToPath(import.meta.url))
const DATA = join(here, 'data')
const RESULTS = join(here, 'RESULTS.md')
const PG_SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432'
const PG_DATABASE = 'hotline_bench_import'
const TIME_ZONE = 'Asia/Shanghai'
/** The clock of every run: after the last generated case. */
const NOW = '2026-03-01T00:00:00.000Z'
const YEAR = 2025

// ---------------------------------------------------------------------------------------------
// The reference data and the CSV

const DISTRICTS = [
  {
    code: 'XJ',
    name: '新建区',
    units: [
      '长堎街道',
      '望城镇',
      '西山镇',
      '石岗镇',
      '新建区城管局',
      '新建区住建局',
      '新建区市场监管局',
    ],
  },
  {
    code: 'HGT',
    name: '红谷滩区',
    units: [
      '卫东街道',
      '沙井街道',
      '红谷滩区城管局',
      '红谷滩区住建局',
      '红谷滩区教体局',
      '红谷滩区卫健委',
      '红谷滩区人社局',
    ],
  },
  {
    code: 'WL',
    name: '湾里管理局',
    units: ['幸福街道', '招贤镇', '梅岭镇', '太平镇', '湾里城管局', '湾里住建局', '湾里市场监管局'],
  },
]
const CATEGORIES = [
  '道路交通',
  '道路破损',
  '噪音扰民',
  '环境卫生',
  '物业管理',
  '供水供电',
  '劳动保障',
  '教育',
  '医疗卫生',
  '市场监管',
  '城市管理',
  '其他事项',
]
const CHANNELS: [string, number][] = [
  ['12345热线', 62],
  ['问政江西', 11],
  ['赣服通', 10],
  ['网上', 7],
  ['办不成事窗口', 4],
  ['企业走访', 3],
  ['其他', 3],
]
const KINDS: [string, number][] = [
  ['咨询', 30],
  ['求助', 25],
  ['建议', 8],
  ['投诉', 32],
  ['举报', 5],
]
const RATINGS: [string, number][] = [
  ['非常满意', 55],
  ['满意', 30],
  ['基本满意', 10],
  ['不满意', 4],
  ['非常不满意', 1],
]
const TITLES = [
  '路面坑洼',
  '夜间施工噪音',
  '小区路灯不亮',
  '垃圾清运不及时',
  '物业收费纠纷',
  '停水停电',
  '拖欠工资',
  '学位咨询',
  '医保报销',
  '商品质量问题',
  '占道经营',
  '政策咨询',
]
const NAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴']

/** Migrates a fresh store and adds the city, its units, the categories and the default SLA. */
export async function seedReference(url: string, options: { migrate?: boolean } = {}) {
  const store = openStore(url)
  try {
    if (options.migrate ?? true) await migrateToLatest(store.db)
    const at = '2025-01-01T00:00:00.000Z'
    const city = await insertUnit(
      store.db,
      { code: 'NC', name: '南昌市', parentId: null, level: 'city' },
      at,
    )
    let n = 0
    for (const d of DISTRICTS) {
      const id = await insertUnit(
        store.db,
        { code: d.code, name: d.name, parentId: city, level: 'district' },
        at,
      )
      for (const u of d.units) {
        const level = u.endsWith('街道') ? 'street' : u.endsWith('镇') ? 'town' : 'department'
        await insertUnit(store.db, { code: `${d.code}-${++n}`, name: u, parentId: id, level }, at)
      }
    }
    for (const [i, c] of CATEGORIES.entries()) {
      await insertCategory(
        store.db,
        { code: `c${i + 1}`, name: c, parentId: null, defaultUnitId: null },
        at,
      )
    }
    await replaceSlaRules(store.db, DEFAULT_SLA_RULES, at)
  } finally {
    await store.close()
  }
}

/** mulberry32: a small deterministic generator. */
function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function weighted(rand: () => number, items: [string, number][]): string {
  const total = items.reduce((s, [, w]) => s + w, 0)
  let r = rand() * total
  for (const [v, w] of items) if ((r -= w) < 0) return v
  return items[items.length - 1]![0]
}

const pad = (n: number) => String(n).padStart(2, '0')
/** A local wall-clock time `YYYY-MM-DD HH:mm:ss` for minutes since the start of the year. */
function wall(minutes: number): string {
  const t = new Date(Date.UTC(YEAR, 0, 1) + minutes * 60_000)
  const day = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`
  return `${day} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`
}

/**
 * Writes N rows received through the year in time order: about 80% closed or archived (most
 * rated), 4% invalid, 2% merged into an earlier case, the rest open; a tenth with a given deadline.
 */
export async function writeCsv(file: string, rows: number, seed: number): Promise<void> {
  const rand = random(seed)
  const out = createWriteStream(file)
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  out.write(`\uFEFF${IMPORT_FIELDS.map((f) => IMPORT_HEADERS_ZH[f]).join(',')}\r\n`)
  const minutesInYear = 365 * 24 * 60
  const masters: number[] = []
  let buffer = ''
  for (let i = 1; i <= rows; i++) {
    const received = Math.floor(((i - 1 + rand()) / rows) * (minutesInYear - 60 * 24 * 30))
    const district = DISTRICTS[Math.floor(rand() * DISTRICTS.length)]!
    const unit = district.units[Math.floor(rand() * district.units.length)]!
    const titleIndex = Math.floor(rand() * TITLES.length)
    const r = rand()
    let status: string
    let closed = ''
    let rating = ''
    let ratedAt = ''
    let mergedInto = ''
    let unitCell = unit
    if (r < 0.04) status = '无效'
    else if (r < 0.06 && masters.length > 0) {
      status = '重复件'
      mergedInto = `BX${String(masters[Math.floor(rand() * masters.length)]).padStart(8, '0')}`
    } else if (r < 0.86) {
      status = rand() < 0.3 ? '归档' : '办结'
      const closedAt = received + 60 + Math.floor(rand() * 60 * 24 * 12)
      closed = wall(closedAt)
      if (rand() < 0.85) {
        rating = weighted(rand, RATINGS)
        ratedAt = wall(closedAt + 60 + Math.floor(rand() * 60 * 24 * 2))
      }
    } else {
      const o = rand()
      status = o < 0.2 ? '受理' : o < 0.6 ? '已派单' : '办理中'
      if (status === '受理') unitCell = ''
    }
    if (status !== '无效' && status !== '重复件') {
      masters.push(i)
      if (masters.length > 2000) masters.shift()
    }
    const kind = weighted(rand, KINDS)
    const cells = [
      `BX${String(i).padStart(8, '0')}`,
      weighted(rand, CHANNELS),
      kind,
      rand() < 0.03 ? '紧急' : '一般',
      CATEGORIES[Math.floor(rand() * CATEGORIES.length)]!,
      unitCell,
      district.name,
      TITLES[titleIndex]!,
      `${district.name}${unit}辖区群众反映：${TITLES[titleIndex]}，请尽快处理。编号${i}`,
      `${district.name}${unit}${1 + Math.floor(rand() * 300)}号`,
      `${NAMES[Math.floor(rand() * NAMES.length)]}先生`,
      `138${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`,
      wall(received),
      rand() < 0.1 ? wall(received + 60 * 24 * 10).slice(0, 10) : '',
      closed,
      '',
      rating,
      ratedAt,
      status,
      rand() < 0.03 ? '是' : '否',
      rand() < 0.02 ? '是' : '否',
      rand() < 0.01 && rating !== '' ? '是' : '否',
      mergedInto,
    ]
    buffer += `${cells.map(cell).join(',')}\r\n`
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain')
      buffer = ''
    }
  }
  out.write(buffer)
  out.end()
  await once(out, 'finish')
}

// ---------------------------------------------------------------------------------------------
// One import in a child process

interface ChildResult {
  code: number
  seconds: number
  maxRssMb: number
  out: string
}

/** In the child: runs `hotline import FILE` against DATABASE_URL and prints the measurements. */
async function child(url: string, file: string) {
  const out: string[] = []
  const err: string[] = []
  const started = performance.now()
  const code = await runCli(['import', file], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readStdin: async () => '',
    env: { ...process.env, DATABASE_URL: url, TZ_REPORT: TIME_ZONE },
    progress: null,
  } as Parameters<typeof runCli>[1])
  const seconds = (performance.now() - started) / 1000
  const result: ChildResult = {
    code,
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    out: [...out, ...err.slice(0, 5)].join('\n'),
  }
  process.stdout.write(`\n${JSON.stringify(result)}\n`)
}

function runChild(url: string, file: string): ChildResult {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', url, file],
    { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
  )
  const last = r.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(last) as ChildResult
  } catch {
    throw new Error(`the import child failed:\n${r.stdout}\n${r.stderr}`)
  }
}

async function check(url: string): Promise<{ differences: number; received: number }> {
  const store = openStore(url)
  try {
    const deps = createDeps({
      db: store.db,
      dialect: store.dialect,
      timeZone: TIME_ZONE,
      clock: () => new Date(NOW),
    })
    const r = await recount(deps, { from: `${YEAR}-01-01`, to: `${YEAR}-12-31`, scope: null })
    for (const d of r.differences.slice(0, 10)) console.log('  difference', d)
    return { differences: r.differences.length, received: r.received }
  } finally {
    await store.close()
  }
}

async function pgAdmin(text: string) {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/postgres` })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

interface DialectResult {
  dialect: 'sqlite' | 'postgres'
  /** The median of the first imports, and all of them. */
  first: ChildResult
  firsts: ChildResult[]
  again: ChildResult
  differences: number
  received: number
  /** The load average when each run started. */
  load: number[]
}

/** Waits (up to `seconds`) until the one-minute load average is below half the CPUs. */
async function waitIdle(seconds: number): Promise<number> {
  const limit = cpus().length / 2
  const until = Date.now() + seconds * 1000
  while (loadavg()[0]! > limit && Date.now() < until) {
    await new Promise((done) => setTimeout(done, 5000))
  }
  return loadavg()[0]!
}

function describeRun(r: ChildResult): string {
  const summary = r.out.split('\n')[0]
  return `${summary} in ${r.seconds.toFixed(1)} s, peak RSS ${r.maxRssMb.toFixed(0)} MB`
}

/** A fresh store with the reference data, and its URL. */
async function freshStore(dialect: 'sqlite' | 'postgres'): Promise<string> {
  let url: string
  if (dialect === 'sqlite') {
    const db = join(DATA, 'import-bench.db')
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
    url = `sqlite:${db}`
  } else {
    await pgAdmin(`drop database if exists ${PG_DATABASE} with (force)`)
    await pgAdmin(`create database ${PG_DATABASE}`)
    url = `${PG_SERVER}/${PG_DATABASE}`
  }
  await seedReference(url)
  return url
}

async function benchDialect(
  dialect: 'sqlite' | 'postgres',
  file: string,
  idleWait: number,
  repeat: number,
): Promise<DialectResult> {
  const firsts: ChildResult[] = []
  const loads: number[] = []
  let url = ''
  for (let r = 1; r <= repeat; r++) {
    url = await freshStore(dialect)
    const load = await waitIdle(idleWait)
    loads.push(load)
    console.log(`${dialect}: importing, run ${r} of ${repeat} (load average ${load.toFixed(1)})`)
    const run = runChild(url, file)
    console.log(`  ${describeRun(run)}`)
    firsts.push(run)
  }
  const first = [...firsts].sort((a, b) => a.seconds - b.seconds)[Math.floor(repeat / 2)]!
  const loadAgain = await waitIdle(idleWait)
  console.log(`${dialect}: importing the same file again (load average ${loadAgain.toFixed(1)})`)
  const again = runChild(url, file)
  console.log(`  ${describeRun(again)}`)
  console.log(`${dialect}: recount`)
  const { differences, received } = await check(url)
  console.log(`  ${differences} differences over ${received} cases`)
  return { dialect, first, firsts, again, differences, received, load: [...loads, loadAgain] }
}

/**
 * The baseline measured in the same run: reading the file alone (decode and CSV parse, no
 * checks, no database), so that a slow or fast moment of a shared machine shows in both.
 */
async function readAlone(file: string): Promise<number> {
  const started = performance.now()
  const decoder = new TextDecoder('utf-8')
  const parser = new CsvParser()
  let rows = 0
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 15 })) {
    parser.push(decoder.decode(chunk as Buffer, { stream: true }))
    while (parser.next(false)) rows++
  }
  parser.push(decoder.decode())
  while (parser.next(true)) rows++
  return (performance.now() - started) / 1000
}

// ---------------------------------------------------------------------------------------------
// RESULTS.md

function section(
  rows: number,
  file: string,
  results: DialectResult[],
  readSeconds: number,
): string {
  const n = (x: number) => Math.round(x).toLocaleString('en')
  const mb = (x: number) => `${x.toFixed(0)} MB`
  const size = mb(statSync(file).size / 2 ** 20)
  const cpu = `${cpus().length} × ${cpus()[0]?.model ?? '?'}`
  const memory = `${(totalmem() / 2 ** 30).toFixed(0)} GB`
  const today = new Date().toISOString().slice(0, 10)
  const lines = [
    '<!-- import:start -->',
    '## Import (`hotline import`)',
    '',
    `${n(rows)} rows, a ${size} CSV (UTF-8 with BOM, Chinese headers and labels), written by`,
    '`bench/import.ts` and imported with `hotline import` into a fresh database, each run in a',
    'process of its own (peak RSS from `process.resourceUsage().maxRSS`). The first run creates',
    'every case with its `import` event, its rating and its rollups (500-row batches; into the',
    'empty store the import is a bulk load: up to 150,000 rows or three seconds per transaction,',
    'four secondary indexes of `work_orders` built at the end, included in the time); it',
    'runs several times on a fresh store each, and the table gives the median time and the',
    'highest peak RSS of all runs. The second import reads the same file again into the last',
    'store and finds every row unchanged. Afterwards `recount` compares the rollups with the raw',
    'cases over the year. Baseline in the same run: reading the file alone (decoding and CSV',
    `parsing, no checks, no database) took ${readSeconds.toFixed(1)} s, ` +
      `${n(rows / readSeconds)} rows/s.`,
    '',
    `Machine: ${cpu}, ${memory}; Node ${process.version}; ${today}.`,
    '',
    '| store | first import (runs) | rows/s | × reading | peak RSS | again, unchanged | rows/s |' +
      ' peak RSS | recount |',
    '|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of results) {
    const store = r.dialect === 'sqlite' ? 'SQLite (WAL, synchronous=FULL)' : 'Postgres 15'
    const agree =
      r.differences === 0 ? `agrees (${n(r.received)} cases)` : `${r.differences} differences`
    const runs = r.firsts.map((f) => f.seconds.toFixed(1)).join(', ')
    const cells = [
      store,
      r.firsts.length > 1 ? `${r.first.seconds.toFixed(1)} s (${runs})` : `${runs} s`,
      n(rows / r.first.seconds),
      `${(r.first.seconds / readSeconds).toFixed(1)}×`,
      mb(peak(r)),
      `${r.again.seconds.toFixed(1)} s`,
      n(rows / r.again.seconds),
      mb(r.again.maxRssMb),
      agree,
    ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  const loads = results.map((r) => `${r.dialect} ${r.load.map((l) => l.toFixed(1)).join(', ')}`)
  const sqlite = results.find((r) => r.dialect === 'sqlite')
  const status = sqlite
    ? `${rows / sqlite.first.seconds >= 50_000 ? 'met' : '**missed**'} (rows/s), ` +
      `${peak(sqlite) < 300 ? 'met' : '**missed**'} (peak RSS)`
    : 'not measured'
  lines.push(
    '',
    `Load average when each run started: ${loads.join('; ')}.`,
    `Target: ≥ 50,000 rows/s on SQLite with peak RSS under 300 MB: ${status}.`,
    '<!-- import:end -->',
  )
  return lines.join('\n')
}

/** The highest peak RSS of a store's first imports. */
function peak(r: DialectResult): number {
  return Math.max(...r.firsts.map((f) => f.maxRssMb))
}

function record(text: string) {
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n'
  const pattern = /<!-- import:start -->[\s\S]*?<!-- import:end -->/
  const next = pattern.test(current)
    ? current.replace(pattern, text)
    : `${current.replace(/\n*$/, '')}\n\n${text}\n`
  writeFileSync(RESULTS, next)
}

async function main() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      only: { type: 'string' },
      regenerate: { type: 'boolean' },
      child: { type: 'boolean' },
      'no-record': { type: 'boolean' },
      'wait-idle': { type: 'string', default: '0' },
      repeat: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.child) {
    const [url, file] = process.argv.slice(-2) as [string, string]
    await child(url, file)
    return
  }
  const rows = Number(values.rows)
  const file = join(DATA, `import-${rows}.csv`)
  if (values.regenerate || !existsSync(file)) {
    mkdirSync(DATA, { recursive: true })
    console.log(`writing ${rows.toLocaleString('en')} rows to ${file}`)
    const t = performance.now()
    await writeCsv(file, rows, 2026)
    const seconds = ((performance.now() - t) / 1000).toFixed(1)
    console.log(`  ${seconds} s, ${(statSync(file).size / 2 ** 20).toFixed(0)} MB`)
  }
  const dialects = (values.only ? [values.only] : ['sqlite', 'postgres']) as (
    'sqlite' | 'postgres'
  )[]
  const results: DialectResult[] = []
  const idleWait = Number(values['wait-idle'])
  const readSeconds = await readAlone(file)
  console.log(`reading the file alone: ${readSeconds.toFixed(1)} s`)
  for (const d of dialects) {
    const repeat = Number(values.repeat ?? (d === 'sqlite' ? 3 : 1))
    results.push(await benchDialect(d, file, idleWait, repeat))
  }
  if (!values['no-record']) {
    record(section(rows, file, results, readSeconds))
    console.log(`recorded in ${RESULTS}`)
  }
  const failed = (r: DialectResult) =>
    r.differences > 0 || r.again.code !== 0 || r.firsts.some((f) => f.code !== 0)
  if (results.some(failed))
    process.exitCode = 1
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
