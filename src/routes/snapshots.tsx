import { Hono, type Context } from 'hono'
import { listUnits } from '../../db/repositories/reference-data'
import {
  monthLabel,
  SnapshotPage,
  SnapshotsPage,
  type SnapshotMessage,
} from '../../views/staff/snapshots-page'
import { HotlineError } from '../domain/errors'
import { requireStaff } from '../http/staff-auth'
import {
  compareWithSnapshot,
  endedMonths,
  getSnapshot,
  listSnapshots,
  publishMonth,
} from '../services/snapshots'
import { REPORT_ROLES } from './reports'

/** How many ended months the publish form offers. */
const MONTH_CHOICES = 24

async function listPage(
  c: Context,
  message: SnapshotMessage | null,
  form: { month: string; scope: string },
  status: 200 | 403 | 409 | 422 = 200,
) {
  const { deps, staff } = c.var
  const [snapshots, units] = await Promise.all([listSnapshots(deps), listUnits(deps.db)])
  c.header('Cache-Control', 'no-store')
  return c.html(
    <SnapshotsPage
      session={staff}
      timeZone={deps.timeZone}
      snapshots={snapshots}
      months={endedMonths(deps, MONTH_CHOICES)}
      scopes={units
        .filter((u) => u.level === 'city' || u.level === 'district')
        .map((u) => ({ code: u.code, name: u.name }))}
      message={message}
      form={form}
    />,
    status,
  )
}

function refusalText(err: HotlineError, month: string): string {
  switch (err.code) {
    case 'forbidden':
      return '只有督查和管理员可以发布月度数据。'
    case 'conflict':
      return `${monthLabel(month)}（该范围）已经发布过，不能重复发布；发布后的变动请在该月的对比页查看。`
    default:
      if (err.fields?.month && /not ended/.test(err.message)) {
        return `${monthLabel(month)}尚未结束，月份结束后才能发布。`
      }
      return `请检查填写的内容：${err.message}`
  }
}

/**
 * Month-end publication (月度发布): `GET /staff/reports/snapshots` lists the published months and
 * offers supervisors and admins the publish form; `POST` publishes (CSRF-checked; 403, 409 or 422
 * with the page and a message when refused); `GET /staff/reports/snapshots/{id}` shows the frozen
 * figures beside the current ones. Mount before the report routes.
 *
 * @example app.route('/', snapshotRoutes())
 */
export function snapshotRoutes() {
  const app = new Hono()
  app.use('/staff/reports/snapshots', requireStaff(REPORT_ROLES))
  app.use('/staff/reports/snapshots/*', requireStaff(REPORT_ROLES))

  app.get('/staff/reports/snapshots', (c) => listPage(c, null, { month: '', scope: '' }))

  app.post('/staff/reports/snapshots', async (c) => {
    const body = await c.req.parseBody()
    const month = typeof body.month === 'string' ? body.month.trim() : ''
    const scope = typeof body.scope === 'string' ? body.scope.trim() : ''
    try {
      const snapshot = await publishMonth(c.var.deps, month, scope, c.var.actor)
      return c.redirect(`/staff/reports/snapshots/${snapshot.id}`, 303)
    } catch (err) {
      if (!(err instanceof HotlineError)) throw err
      const status = err.status === 403 || err.status === 409 ? err.status : 422
      return listPage(c, { kind: 'bad', text: refusalText(err, month) }, { month, scope }, status)
    }
  })

  app.get('/staff/reports/snapshots/:id', async (c) => {
    const raw = c.req.param('id')
    if (!/^\d{1,9}$/.test(raw)) throw new HotlineError('not_found', 'no such snapshot')
    const { deps, staff } = c.var
    const snapshot = await getSnapshot(deps, Number(raw))
    const comparison = await compareWithSnapshot(deps, snapshot)
    c.header('Cache-Control', 'no-store')
    return c.html(
      <SnapshotPage
        session={staff}
        timeZone={deps.timeZone}
        snapshot={snapshot}
        comparison={comparison}
      />,
    )
  })

  return app
}
