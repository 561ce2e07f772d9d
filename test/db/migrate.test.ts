import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest } from '../../db/migrate'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  let store: TestStore
  beforeAll(async () => {
    store = await openTestStore(dialect, '2025-01-01T00:00:00.000Z')
  })
  afterAll(() => store.close())

  it('are idempotent: a second run applies nothing', async () => {
    expect(await migrateToLatest(store.deps.db)).toEqual([])
    const tables = ['work_orders', 'work_order_events', 'report_cube', 'ratings', 'units']
    for (const table of tables) {
      const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(store.deps.db)
      expect(Number(rows[0]?.n)).toBe(0)
    }
  })

  it('refuse a database with a migration this version does not know', async () => {
    await sql`insert into kysely_migration (name, timestamp) values ('2099-01-01-001-future', '2099-01-01T00:00:00.000Z')`.execute(store.deps.db)
    await expect(migrateToLatest(store.deps.db)).rejects.toThrow(
      /schema is newer than this version of Hotline \(unknown migrations: 2099-01-01-001-future\)/,
    )
    await sql`delete from kysely_migration where name = '2099-01-01-001-future'`.execute(store.deps.db)
  })
})

describe('SQLite settings', () => {
  it('opens files in WAL mode with synchronous=FULL, foreign keys on and a busy timeout', async () => {
    const { createSqliteDb } = await import('../../db/dialects/sqlite')
    const { mkdtempSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { db, raw } = createSqliteDb({ filename: join(mkdtempSync(join(tmpdir(), 'hl-')), 'x.db') })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(raw.pragma('synchronous', { simple: true })).toBe(2)
    expect(raw.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(raw.pragma('busy_timeout', { simple: true })).toBe(5000)
    await db.destroy()
  })
})
