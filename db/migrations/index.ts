import type { Migration } from 'kysely'
import * as initial from './2026-11-26-001-initial'
import * as attachments from './2026-11-26-002-attachments'

/**
 * Every migration by name, in order. A static map rather than a folder scan: Workers have no fs.
 *
 * @example new Migrator({ db, provider: { getMigrations: async () => migrations } })
 */
export const migrations: Record<string, Migration> = {
  '2026-11-26-001-initial': initial,
  '2026-11-26-002-attachments': attachments,
}
