import type { CalendarYearStatus } from '../../src/services/admin'
import type { StaffSession } from '../../src/services/sessions'
import { formatDateTime } from '../format'
import { AdminFrame } from './parts'

/** What the admin overview shows. */
export interface AdminIndexProps {
  session: StaffSession
  timeZone: string
  years: CalendarYearStatus[]
  provisionalOpen: number
  counts: {
    users: number
    units: number
    categories: number
    rules: number
    templates: number
    overrides: number
    tokens: number
  }
}

/**
 * The warning that a year's official holiday schedule is missing, with what to do about it.
 *
 * @example <MissingScheduleWarning year={2027} />
 */
export function MissingScheduleWarning({ year }: { year: number }) {
  return (
    <div class="notice warn" role="alert">
      <h2>尚未载入 {year} 年的节假日安排</h2>
      <p class="m0">
        落在 {year} 年的办理时限目前只按周末计算，并标为“暂定”。国务院办公厅公布 {year}{' '}
        年节假日安排后，请到
        <a href="/staff/admin/calendar#load">工作日历</a>
        粘贴该年的放假和调休日期载入（或升级节假日数据包）；载入后，暂定的办理时限会自动重算。
      </p>
    </div>
  )
}

const SOURCE_LABELS = { package: '节假日数据包', loaded: '管理员载入' } as const

/**
 * `/staff/admin`: whether this and next year's holiday schedules are loaded, and the sections.
 *
 * @example c.html(<AdminIndexPage {...props} />)
 */
export function AdminIndexPage(props: AdminIndexProps) {
  const missing = props.years.filter((y) => y.source === null)
  const sections = [
    [
      'users',
      '用户与角色',
      `${props.counts.users} 个账号`,
      '新建账号、调整角色和单位、停用、重置密码',
    ],
    [
      'units',
      '单位',
      `${props.counts.units} 个单位`,
      '市、区（管理局）、街道、镇和部门组成的单位树',
    ],
    ['categories', '分类', `${props.counts.categories} 个分类`, '两级分类及各自的默认承办单位'],
    ['sla', '办理时限', `${props.counts.rules} 条规则`, '按诉求类型、紧急程度和渠道设定工作日数'],
    [
      'calendar',
      '工作日历',
      `${props.counts.overrides} 天调整`,
      '法定节假日、调休上班日和年度安排',
    ],
    ['templates', '答复模板', `${props.counts.templates} 个模板`, '按分类提供的答复范本'],
    [
      'tokens',
      'API 令牌',
      `${props.counts.tokens} 个有效`,
      '其他系统调用接口用的令牌：新建、撤销、查看最近使用',
    ],
    ['audit', '操作日志', '', '每一次管理操作的前后对比'],
  ] as const
  return (
    <AdminFrame title="系统管理" section="" session={props.session}>
      {missing.map((y) => (
        <MissingScheduleWarning year={y.year} />
      ))}
      {props.provisionalOpen > 0 && (
        <p class="notice warn">
          目前有 {props.provisionalOpen}{' '}
          件未办结工单的办理时限为暂定（落在尚未载入节假日安排的年份）。
        </p>
      )}
      <section class="card">
        <h2 class="mt0">节假日安排</h2>
        <div class="table-scroll">
          <table class="cases">
            <thead>
              <tr>
                <th scope="col">年份</th>
                <th scope="col">状态</th>
                <th scope="col">来源</th>
                <th scope="col">手工调整</th>
              </tr>
            </thead>
            <tbody>
              {props.years.map((y) => (
                <tr>
                  <td>{y.year} 年</td>
                  <td>
                    {y.source ? (
                      <span class="badge ok">已载入</span>
                    ) : (
                      <span class="badge bad">未载入（暂按周末计算）</span>
                    )}
                  </td>
                  <td>
                    {y.source ? SOURCE_LABELS[y.source] : '—'}
                    {y.loadedAt && ` · ${formatDateTime(y.loadedAt, props.timeZone)}`}
                  </td>
                  <td>{y.overrides} 天</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <div class="row two">
        {sections.map(([path, title, count, text]) => (
          <section class="card">
            <h2 class="mt0">
              <a href={`/staff/admin/${path}`}>{title}</a>{' '}
              {count && <span class="badge">{count}</span>}
            </h2>
            <p class="hint m0">{text}</p>
          </section>
        ))}
      </div>
    </AdminFrame>
  )
}
