import { ROLE_LABELS, STAFF_ROLES } from '../../src/domain/codes'
import type { ApiTokenEntry } from '../../src/services/admin'
import type { StaffSession } from '../../src/services/sessions'
import { formatDateTime } from '../format'
import {
  AdminFrame,
  Csrf,
  ErrorSummary,
  SelectField,
  TextField,
  type FormState,
  type Notice,
} from './parts'

/** A token just created: shown on this one page and never again (only its hash is kept). */
export interface OneTimeToken {
  id: number
  name: string
  token: string
}

/** What the API token page shows. */
export interface TokensPageProps {
  session: StaffSession
  timeZone: string
  tokens: ApiTokenEntry[]
  units: { id: number; name: string }[]
  form: FormState
  notice?: Notice | null
  created?: OneTimeToken | null
}

/** The token form's field labels (for the error summary). */
export const TOKEN_LABELS: Record<string, string> = {
  name: '名称',
  role: '角色',
  unitId: '所属单位',
}

const ROLE_OPTIONS = STAFF_ROLES.map((r) => [r, ROLE_LABELS[r]] as const)

/**
 * The new token box: shown once, with a copy button.
 *
 * @example <TokenShown shown={{ id: 3, name: '大屏', token: 'htk_…' }} />
 */
export function TokenShown({ shown }: { shown: OneTimeToken }) {
  return (
    <div class="notice ok" role="status">
      <h2>
        已创建令牌 {shown.id}（{shown.name}）
      </h2>
      <p class="m0">
        令牌只显示这一次，系统只保存它的摘要，之后无法再查看。请立即复制，通过安全渠道交给
        对接系统的负责人；调用接口时放在请求头 Authorization: Bearer 之后。
      </p>
      <div class="code-box">
        <code class="tracking" id="one-time-token">
          {shown.token}
        </code>
        <button
          type="button"
          class="secondary small js-only"
          data-copy="one-time-token"
          data-copied="已复制"
        >
          复制
        </button>
      </div>
    </div>
  )
}

/**
 * `/staff/admin/tokens`: every API token (never the token itself), the form to create one and a
 * revoke button for each one still in force.
 *
 * @example c.html(<TokensPage {...props} />)
 */
export function TokensPage(props: TokensPageProps) {
  const f = props.form
  const at = (iso: string) => formatDateTime(iso, props.timeZone)
  return (
    <AdminFrame title="API 令牌" section="tokens" session={props.session} notice={props.notice}>
      {props.created && <TokenShown shown={props.created} />}
      <p class="hint">
        令牌供其他系统调用 /api/v1 接口，按所选角色和单位授权。也可以在服务器上用 hotline token
        create 创建。
      </p>
      <div class="table-scroll">
        <table class="cases">
          <thead>
            <tr>
              <th scope="col">编号</th>
              <th scope="col">名称</th>
              <th scope="col">角色</th>
              <th scope="col">所属单位</th>
              <th scope="col">创建时间</th>
              <th scope="col">最近使用</th>
              <th scope="col">状态</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.length === 0 && (
              <tr>
                <td colspan={8}>还没有令牌</td>
              </tr>
            )}
            {props.tokens.map((t) => (
              <tr>
                <td class="num">{t.id}</td>
                <td>{t.name}</td>
                <td>{ROLE_LABELS[t.role] ?? t.role}</td>
                <td>{t.unitName ?? '—'}</td>
                <td class="num">{at(t.createdAt)}</td>
                <td class="num">{t.lastUsedAt ? at(t.lastUsedAt) : '从未使用'}</td>
                <td>
                  {t.revokedAt ? (
                    <span class="badge bad">已撤销 · {at(t.revokedAt)}</span>
                  ) : (
                    <span class="badge ok">有效</span>
                  )}
                </td>
                <td>
                  {!t.revokedAt && (
                    <form
                      method="post"
                      action={`/staff/admin/tokens/${t.id}/revoke`}
                      class="inline"
                    >
                      <Csrf session={props.session} />
                      <button
                        type="submit"
                        class="secondary small"
                        aria-label={`撤销令牌 ${t.id}（${t.name}）`}
                      >
                        撤销
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="hint">撤销立即生效：之后用该令牌的调用都会被拒绝（401），且不能恢复。</p>
      <section class="card" id="new">
        <h2 class="mt0">新建令牌</h2>
        <form method="post" action="/staff/admin/tokens#new" novalidate>
          <Csrf session={props.session} />
          <ErrorSummary form="token" errors={f.errors} labels={TOKEN_LABELS} />
          <div class="row two">
            <TextField
              form="token"
              name="name"
              label="名称"
              state={f}
              required
              maxlength={100}
              hint="写明用途或对接系统，如“省平台同步”“指挥中心大屏”"
            />
            <SelectField
              form="token"
              name="role"
              label="角色"
              state={f}
              options={ROLE_OPTIONS}
              blank="请选择"
              required
              hint="决定能调用哪些接口、看到哪些工单"
            />
            <SelectField
              form="token"
              name="unitId"
              label="所属单位"
              state={f}
              options={props.units.map((u) => [String(u.id), u.name] as const)}
              blank="无"
              hint="承办单位令牌必须选择"
            />
          </div>
          <p class="hint">令牌只在创建后显示一次。</p>
          <button type="submit">新建令牌</button>
        </form>
      </section>
    </AdminFrame>
  )
}
