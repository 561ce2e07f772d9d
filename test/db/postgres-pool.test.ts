import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createPostgresDb } from '../../db/dialects/postgres'

const url = process.env.TEST_DATABASE_URL

describe.skipIf(!url)('the pool on postgres', () => {
  it('survives a connection the server ends while idle, and serves the next query', async () => {
    const errors: Error[] = []
    const onIdleError = (e: Error) => void errors.push(e)
    const db = createPostgresDb({ connectionString: url!, max: 1, onIdleError })
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)
      const pid = rows[0]!.pid
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      try {
        await admin.query('select pg_terminate_backend($1)', [pid])
      } finally {
        await admin.end()
      }
      for (let i = 0; i < 50 && errors.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(errors).toHaveLength(1)
      expect(errors[0]!.message).toMatch(/terminat/)
      const again = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)
      expect(again.rows[0]!.pid).not.toBe(pid)
    } finally {
      await db.destroy()
    }
  })
})
