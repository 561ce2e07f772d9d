import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../db/connect'
import { migrateToLatest } from '../../db/migrate'
import { runCli } from '../../src/cli'
import { loadConfig } from '../../src/config'
import { createDeps } from '../../src/services/deps'
import { fileCase, performAction } from '../../src/services/work-orders'
import { seedFixture } from '../helpers/fixtures'

const dir = mkdtempSync(join(tmpdir(), 'hotline-cli-'))
const url = `sqlite:${join(dir, 'cli.db')}`

async function run(args: string[], stdin = '', env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readStdin: async () => stdin,
    env: { DATABASE_URL: url, ...env },
  })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

beforeAll(async () => {
  const store = openStore(url)
  await migrateToLatest(store.db)
  let now = new Date('2025-03-03T02:00:00.000Z')
  const deps = createDeps({ db: store.db, dialect: 'sqlite', timeZone: 'Asia/Shanghai', clock: () => now })
  const fx = await seedFixture(deps)
  const filing = { channel: 'hotline_12345' as const, kind: 'help' as const, title: '路灯不亮', content: '小区门口路灯不亮' }
  for (let i = 0; i < 3; i++) {
    const { order } = await fileCase(deps, { ...filing, districtId: fx.units.district }, fx.actors.dispatcher)
    await performAction(deps, order.id, { action: 'dispatch', unitId: fx.units.street }, fx.actors.dispatcher)
    if (i < 2) {
      await performAction(deps, order.id, { action: 'sign' }, fx.actors.streetWorker)
      await performAction(deps, order.id, { action: 'reply_and_close', reply: '已修复' }, fx.actors.streetWorker)
      await performAction(deps, order.id, { action: 'rate', rating: i === 0 ? 'satisfied' : 'dissatisfied' }, fx.actors.dispatcher)
    }
  }
  now = new Date('2025-03-20T02:00:00.000Z')
  await store.close()
})

describe('the hotline command', () => {
  it('prints usage and exits 1 without a command, 1 for an unknown one', async () => {
    expect((await run([])).code).toBe(1)
    const unknown = await run(['frobnicate'])
    expect(unknown.code).toBe(1)
    expect(unknown.err).toContain('unknown command frobnicate')
  })

  it('refuses a bad TZ_REPORT naming the variable', async () => {
    const r = await run(['migrate'], '', { TZ_REPORT: 'Mars/Base' })
    expect(r.code).toBe(1)
    expect(r.err).toContain('TZ_REPORT: must be an IANA time zone')
  })

  it('reads OPEN311_PUBLIC_REPLIES as a yes/no and refuses anything else, naming it', async () => {
    expect(loadConfig({}).OPEN311_PUBLIC_REPLIES).toBe(false)
    expect(loadConfig({ OPEN311_PUBLIC_REPLIES: 'true' }).OPEN311_PUBLIC_REPLIES).toBe(true)
    expect(() => loadConfig({ OPEN311_PUBLIC_REPLIES: 'maybe' })).toThrow(/OPEN311_PUBLIC_REPLIES/)
  })

  it('migrates idempotently', async () => {
    const r = await run(['migrate'])
    expect(r).toMatchObject({ code: 0, out: 'the schema is up to date' })
  })

  it('adds users, refusing bad input by field', async () => {
    const missing = await run(['user', 'add', '--username', 'li', '--role', 'dispatcher'])
    expect(missing.code).toBe(1)
    expect(missing.err).toContain('password-stdin: is required')
    const short = await run(['user', 'add', '--username', 'li', '--role', 'dispatcher', '--password-stdin'], 'short\n')
    expect(short.code).toBe(1)
    expect(short.err).toContain('password: must be at least 10 characters')
    const noUnit = await run(['user', 'add', '--username', 'li', '--role', 'caseworker', '--password-stdin'], 'long enough pw\n')
    expect(noUnit.err).toContain('unit: is required for a caseworker')
    const badRole = await run(['user', 'add', '--username', 'li', '--role', 'boss', '--password-stdin'], 'long enough pw\n')
    expect(badRole.err).toContain('role: must be one of dispatcher, caseworker, supervisor, reporter, admin')
    const ok = await run(['user', 'add', '--username', 'li', '--role', 'caseworker', '--unit', '长堎街道', '--password-stdin'], 'long enough pw\n')
    expect(ok.code).toBe(0)
    expect(ok.out).toMatch(/user li \(caseworker\) created/)
    const again = await run(['user', 'add', '--username', 'li', '--role', 'dispatcher', '--password-stdin'], 'long enough pw\n')
    expect(again.code).toBe(1)
    expect(again.err).toContain('username li is taken')
  })

  it('creates a token and prints it alone on the last line', async () => {
    const r = await run(['token', 'create', '--name', 'province-sync', '--role', 'dispatcher', '--unit', 'XJ'])
    expect(r.code).toBe(0)
    expect(r.out.split('\n').at(-1)).toMatch(/^htk_[A-Za-z0-9_-]{43}$/)
    const bad = await run(['token', 'create', '--name', 'x', '--role', 'dispatcher', '--unit', 'NOPE'])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('unit: no unit with code or name NOPE')
  })

  it('reports the figures as JSON, CSV and text, and the bulletin', async () => {
    const json = await run(['report', '--from', '2025-03-01', '--to', '2025-03-31', '--format', 'json', '--by', 'unit'])
    expect(json.code).toBe(0)
    const doc = JSON.parse(json.out)
    expect(doc.totals).toMatchObject({ received: 3, valid: 3, closed: 2, rated: 2, satisfied: 1, closureRate: 2 / 3, satisfactionRate: 0.5 })
    expect(doc.groups.map((g: { key: string }) => g.key)).toEqual(['XJ-CB'])
    expect(doc.timezone).toBe('Asia/Shanghai')
    expect(doc.bulletin).toBe('本月累计受理诉求3件,办结率66.67%,满意率达50%')
    const csv = await run(['report', '--from', '2025-03-01', '--to', '2025-03-31', '--format', 'csv', '--by', 'channel'])
    expect(csv.out.startsWith('\uFEFFkey,label,received,')).toBe(true)
    expect(csv.out.split('\r\n')[1]).toMatch(/^hotline_12345,12345热线,3,0,0,3,2,/)
    expect(csv.out.split('\r\n').at(-1)).toMatch(/^total,合计,3,/)
    const text = await run(['report', '--from', '2025-03-01', '--to', '2025-03-31'])
    expect(text.out).toContain('66.67%')
    const bulletin = await run(['bulletin', '--from', '2025-01-01', '--to', '2025-12-31', '--scope', 'XJ'])
    expect(bulletin).toMatchObject({ code: 0, out: '全年累计受理诉求3件,办结率66.67%,满意率达50%' })
  })

  it('refuses bad report input with exit 1 naming the field', async () => {
    expect((await run(['report', '--to', '2025-03-31'])).err).toContain('from: is required')
    expect((await run(['report', '--from', '2025-02-30', '--to', '2025-03-31'])).err).toContain('from: must be a date YYYY-MM-DD')
    expect((await run(['report', '--from', '2025-04-01', '--to', '2025-03-31'])).err).toContain('to: must not be before from')
    const by = await run(['report', '--from', '2025-03-01', '--to', '2025-03-31', '--by', 'weather'])
    expect(by.code).toBe(1)
    expect(by.err).toContain('by: must be one of channel, unit, category, kind, month')
    expect((await run(['report', '--from', '2025-03-01', '--to', '2025-03-31', '--scope', 'Atlantis'])).err).toContain('scope: no unit')
    const unknownOption = await run(['report', '--from', '2025-03-01', '--to', '2025-03-31', '--colour', 'red'])
    expect(unknownOption.code).toBe(1)
  })

  it('recounts and finds the rollups in agreement', async () => {
    const r = await run(['recount', '--from', '2025-01-01', '--to', '2025-12-31'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^rollups agree with the raw cases: 3 cases, \d+ groups compared$/)
  })

  it('backs up to a new file and refuses to overwrite', async () => {
    const file = join(dir, 'backup.db')
    const r = await run(['backup', file])
    expect(r.code).toBe(0)
    expect(existsSync(file)).toBe(true)
    const copy = openStore(`sqlite:${file}`)
    const n = await copy.db.selectFrom('work_orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(Number(n.n)).toBe(3)
    await copy.close()
    const again = await run(['backup', file])
    expect(again.code).toBe(1)
    expect(again.err).toContain('exists already')
  })
})

describe('hotline token list and revoke', () => {
  it('lists tokens without their secret and revokes one once', async () => {
    const created = await run(['token', 'create', '--name', 'to-revoke', '--role', 'reporter'])
    const secret = created.out.split('\n').at(-1)!
    const list = await run(['token', 'list'])
    expect(list.out).toContain('to-revoke')
    expect(list.out).not.toContain(secret)
    const id = list.out.split('\n').find((l) => l.includes('to-revoke'))!.trim().split(/\s+/)[0]!
    expect(await run(['token', 'revoke', '--id', id])).toMatchObject({ code: 0, out: `token ${id} revoked` })
    expect((await run(['token', 'list'])).out).toMatch(new RegExp(`to-revoke\\s+reporter\\s+revoked`))
    const again = await run(['token', 'revoke', '--id', id])
    expect(again.code).toBe(1)
    expect(again.err).toContain(`id: no active token with id ${id}`)
  })
})
