import type { Migration } from 'kysely'
import * as initial from './2026-11-26-001-initial'
import * as attachments from './2026-11-26-002-attachments'
import * as outbox from './2026-11-26-003-outbox'
import * as admin from './2026-11-26-004-admin'
import * as monthlyRollups from './2026-11-26-005-monthly-rollups'
import * as snapshots from './2026-11-26-006-snapshots'
import * as reportCube from './2026-11-26-007-report-cube'
import * as intake from './2026-11-26-008-intake'
import * as receivedAt from './2026-11-26-009-received-at'

/**
 * Every migration by name, in order. A static map rather than a folder scan: Workers have no fs.
 *
 * @example new Migrator({ db, provider: { getMigrations: async () => migrations } })
 */
export const migrations: Record<string, Migration> = {
  '2026-11-26-001-initial': initial,
  '2026-11-26-002-attachments': attachments,
  '2026-11-26-003-outbox': outbox,
  '2026-11-26-004-admin': admin,
  '2026-11-26-005-monthly-rollups': monthlyRollups,
  '2026-11-26-006-snapshots': snapshots,
  '2026-11-26-007-report-cube': reportCube,
  '2026-11-26-008-intake': intake,
  '2026-11-26-009-received-at': receivedAt,
}
