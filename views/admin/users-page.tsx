import { ROLE_LABELS, STAFF_ROLES } from '../../src/domain/codes'
import type { StaffAccount } from '../../src/services/admin'
import type { StaffSession } from '../../src/services/sessions'
import { formatDateTime } from '../format'
import {
  ActiveBadge,
  AdminFrame,
  Csrf,
  ErrorSummary,
  SelectField,
  TextField,
  type FormState,
  type Notice,
} from './parts'

/** A password just generated: shown on this one page and never again. */
export interface OneTimePassword {
  username: string
  password: string
}

/** What the users list shows. */
export interface UsersPageProps {
  session: StaffSession
  timeZone: string
  users: StaffAccount[]
  units: { id: number; name: string }[]
  form: FormState
  notice?: Notice | null
  created?: OneTimePassword | null
}

/** The user form's field labels (for the error summary). */
export const USER_LABELS: Record<string, string> = {
  username: '用户名',
  displayName: '姓名',
  role: '角色',
  unitId: '所属单位',
  active: '状态',
}

const ROLE_OPTIONS = STAFF_ROLES.map((r) => [r, ROLE_LABELS[r]] as const)

/**
 * The one-time password box: shown once, with a copy button.
 *
 * @example <PasswordShown shown={{ username: 'wang', password: 'abcd-…' }} />
 */
export function PasswordShown({
  shown,
  reset = false,
}: {
  shown: OneTimePassword
  reset?: boolean
}) {
  return (
    <div class="notice ok" role="status">
      <h2>
        {reset ? '已重置' : '已创建'}账号 {shown.username} 的密码
      </h2>
      <p class="m0">这是一次性密码，只显示这一次。请当面或通过安全渠道交给本人，登录后尽快修改。</p>
      <div class="code-box">
        <span class="code" id="one-time-password">
          {shown.password}
        </span>
        <button
          type="button"
          class="secondary small js-only"
          data-copy="one-time-password"
          data-copied="已复制"
        >
          复制
        </button>
      </div>
    </div>
  )
}

function unitOptions(units: { id: number; name: string }[]) {
  return units.map((u) => [String(u.id), u.name] as const)
}

/**
 * `/staff/admin/users`: every staff account and the form to add one.
 *
 * @example c.html(<UsersPage {...props} />)
 */
export function UsersPage(props: UsersPageProps) {
  const f = props.form
  return (
    <AdminFrame title="用户与角色" section="users" session={props.session} notice={props.notice}>
      {props.created && <PasswordShown shown={props.created} />}
      <div class="table-scroll">
        <table class="cases">
          <thead>
            <tr>
              <th scope="col">用户名</th>
              <th scope="col">姓名</th>
              <th scope="col">角色</th>
              <th scope="col">所属单位</th>
              <th scope="col">状态</th>
              <th scope="col">创建时间</th>
            </tr>
          </thead>
          <tbody>
            {props.users.length === 0 && (
              <tr>
                <td colspan={6}>还没有账号</td>
              </tr>
            )}
            {props.users.map((u) => (
              <tr>
                <td>
                  <a href={`/staff/admin/users/${u.id}`}>{u.username}</a>
                </td>
                <td>{u.displayName}</td>
                <td>{ROLE_LABELS[u.role]}</td>
                <td>{u.unitName ?? '—'}</td>
                <td>
                  <ActiveBadge active={u.active} />
                  {u.lockedUntil && <span class="badge warn"> 锁定中</span>}
                </td>
                <td class="num">{formatDateTime(u.createdAt, props.timeZone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section class="card" id="new">
        <h2 class="mt0">新建账号</h2>
        <form method="post" action="/staff/admin/users#new" novalidate>
          <Csrf session={props.session} />
          <ErrorSummary form="user" errors={f.errors} labels={USER_LABELS} />
          <div class="row two">
            <TextField
              form="user"
              name="username"
              label="用户名"
              state={f}
              required
              maxlength={40}
              hint="2–40 个字母、数字、点、横线或下划线，用于登录"
            />
            <TextField
              form="user"
              name="displayName"
              label="姓名"
              state={f}
              maxlength={50}
              hint="页面和日志里显示的名字，可不填"
            />
            <SelectField
              form="user"
              name="role"
              label="角色"
              state={f}
              options={ROLE_OPTIONS}
              blank="请选择"
              required
              hint="决定能看到和办理哪些工单"
            />
            <SelectField
              form="user"
              name="unitId"
              label="所属单位"
              state={f}
              options={unitOptions(props.units)}
              blank="无"
              hint="承办单位账号必须选择"
            />
          </div>
          <p class="hint">系统会生成一次性密码，只在创建后显示一次。</p>
          <button type="submit">新建账号</button>
        </form>
      </section>
    </AdminFrame>
  )
}

/** What the page of one account shows. */
export interface UserPageProps {
  session: StaffSession
  timeZone: string
  user: StaffAccount
  units: { id: number; name: string }[]
  form: FormState
  notice?: Notice | null
  reset?: OneTimePassword | null
}

/**
 * `/staff/admin/users/{id}`: change the role, unit and name; disable or enable; reset the password.
 *
 * @example c.html(<UserPage {...props} />)
 */
export function UserPage(props: UserPageProps) {
  const { user, session } = props
  const f = props.form
  const self = session.user.id === user.id
  return (
    <AdminFrame
      title={`用户 ${user.username}`}
      section="users"
      session={session}
      notice={props.notice}
    >
      <p>
        <a href="/staff/admin/users">← 返回用户列表</a>
      </p>
      {props.reset && <PasswordShown shown={props.reset} reset />}
      <div class="case-grid">
        <section class="card">
          <h2 class="mt0">角色与单位</h2>
          <form method="post" action={`/staff/admin/users/${user.id}`} novalidate>
            <Csrf session={session} />
            <ErrorSummary form="user" errors={f.errors} labels={USER_LABELS} />
            <TextField form="user" name="displayName" label="姓名" state={f} maxlength={50} />
            <SelectField
              form="user"
              name="role"
              label="角色"
              state={f}
              options={ROLE_OPTIONS}
              required
            />
            <SelectField
              form="user"
              name="unitId"
              label="所属单位"
              state={f}
              options={unitOptions(props.units)}
              blank="无"
              hint="承办单位账号必须选择"
            />
            <button type="submit">保存</button>
          </form>
        </section>
        <section class="card">
          <h2 class="mt0">账号状态</h2>
          <dl class="facts">
            <dt>状态</dt>
            <dd>
              <ActiveBadge active={user.active} />
              {user.lockedUntil && (
                <span class="badge warn">
                  {' '}
                  登录失败过多，锁定至 {formatDateTime(user.lockedUntil, props.timeZone)}
                </span>
              )}
            </dd>
            <dt>创建时间</dt>
            <dd>{formatDateTime(user.createdAt, props.timeZone)}</dd>
          </dl>
          {user.active ? (
            <form method="post" action={`/staff/admin/users/${user.id}/disable`}>
              <Csrf session={session} />
              <p class="hint">停用后该账号立即退出所有登录，不能再登录。</p>
              <button type="submit" class="secondary" disabled={self}>
                停用账号
              </button>
              {self && <span class="hint">不能停用自己的账号</span>}
            </form>
          ) : (
            <form method="post" action={`/staff/admin/users/${user.id}/enable`}>
              <Csrf session={session} />
              <button type="submit" class="secondary">
                重新启用
              </button>
            </form>
          )}
          <form method="post" action={`/staff/admin/users/${user.id}/password`}>
            <Csrf session={session} />
            <p class="hint">
              重置后生成新的一次性密码（只显示一次），原密码失效，并解除锁定、退出所有登录。
            </p>
            <button type="submit" class="secondary">
              重置密码
            </button>
          </form>
        </section>
      </div>
    </AdminFrame>
  )
}
