import {
  CHANNEL_LABELS,
  CHANNELS,
  KIND_LABELS,
  KINDS,
  URGENCIES,
  URGENCY_LABELS,
  type Channel,
  type Kind,
  type Urgency,
} from '../../src/domain/codes'
import { FALLBACK_WORKDAYS } from '../../src/domain/sla'
import type { StoredSlaRule } from '../../src/services/admin'
import type { StaffSession } from '../../src/services/sessions'
import {
  AdminFrame,
  Csrf,
  ErrorSummary,
  SelectField,
  TextField,
  type FormState,
  type Notice,
} from './parts'

/** The SLA form's field labels (for the error summary). */
export const SLA_LABELS: Record<string, string> = {
  kind: '诉求类型',
  urgency: '紧急程度',
  channel: '渠道',
  workdays: '工作日数',
}

function workdaysText(n: number): string {
  return n === 0 ? '当天办结' : `${n} 个工作日`
}

/**
 * `/staff/admin/sla`: the SLA rules (办理时限) and the form to set one.
 *
 * @example c.html(<SlaPage session={session} rules={rules} form={EMPTY_FORM} />)
 */
export function SlaPage(props: {
  session: StaffSession
  rules: StoredSlaRule[]
  form: FormState
  notice?: Notice | null
}) {
  const f = props.form
  return (
    <AdminFrame title="办理时限" section="sla" session={props.session} notice={props.notice}>
      <p class="lead">
        一件工单适用所有与它的类型、紧急程度、渠道相符的规则（空白表示任意），取其中最短的时限；没有规则相符时为{' '}
        {FALLBACK_WORKDAYS} 个工作日。修改只影响此后受理的工单，已受理的工单保持原时限。
      </p>
      <div class="table-scroll">
        <table class="cases">
          <thead>
            <tr>
              <th scope="col">诉求类型</th>
              <th scope="col">紧急程度</th>
              <th scope="col">渠道</th>
              <th scope="col">时限</th>
              <th scope="col">
                <span class="sr-only">操作</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.rules.length === 0 && (
              <tr>
                <td colspan={5}>没有规则：所有工单按 {FALLBACK_WORKDAYS} 个工作日计</td>
              </tr>
            )}
            {props.rules.map((r) => (
              <tr>
                <td>{r.kind ? KIND_LABELS[r.kind as Kind] : '任意'}</td>
                <td>{r.urgency ? URGENCY_LABELS[r.urgency as Urgency] : '任意'}</td>
                <td>{r.channel ? CHANNEL_LABELS[r.channel as Channel] : '任意'}</td>
                <td class="num">{workdaysText(r.workdays)}</td>
                <td class="num">
                  <form method="post" action={`/staff/admin/sla/${r.id}/delete`} class="inline">
                    <Csrf session={props.session} />
                    <button type="submit" class="secondary small">
                      删除
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section class="card" id="new">
        <h2 class="mt0">设定规则</h2>
        <p class="hint">类型、紧急程度、渠道组合相同的规则会被改为新的时限，否则新增一条。</p>
        <form method="post" action="/staff/admin/sla#new" novalidate>
          <Csrf session={props.session} />
          <ErrorSummary form="sla" errors={f.errors} labels={SLA_LABELS} />
          <div class="row two">
            <SelectField
              form="sla"
              name="kind"
              label="诉求类型"
              state={f}
              options={KINDS.map((k) => [k, KIND_LABELS[k]] as const)}
              blank="任意"
            />
            <SelectField
              form="sla"
              name="urgency"
              label="紧急程度"
              state={f}
              options={URGENCIES.map((u) => [u, URGENCY_LABELS[u]] as const)}
              blank="任意"
            />
            <SelectField
              form="sla"
              name="channel"
              label="渠道"
              state={f}
              options={CHANNELS.map((c) => [c, CHANNEL_LABELS[c]] as const)}
              blank="任意"
            />
            <TextField
              form="sla"
              name="workdays"
              label="工作日数"
              type="number"
              min={0}
              max={90}
              state={f}
              required
              hint="0 表示受理当天办结"
            />
          </div>
          <button type="submit">保存规则</button>
        </form>
      </section>
    </AdminFrame>
  )
}
