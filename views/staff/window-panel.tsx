import type { WorkOrder } from '../../src/domain/work-order'
import type { WindowReport, WindowVisit } from '../../src/services/intake'
import type { StaffSession } from '../../src/services/sessions'
import { formatDateTime } from '../format'
import { control, Field, Problems, type FieldProps, type FormValues } from './intake-page'
import { StaffLayout } from './layout'

/**
 * The case page's slot for a 办不成事 window case: nothing for other channels; for a window case a
 * placeholder that htmx replaces with {@link WindowPanel} on load (without JavaScript, a link to
 * the same panel as a page). One line in the case page: `<WindowPanelSlot order={order} />`.
 *
 * @example <WindowPanelSlot order={order} />
 */
export function WindowPanelSlot({ order }: { order: Pick<WorkOrder, 'id' | 'channel'> }) {
  if (order.channel !== 'window') return null
  const url = `/staff/cases/${order.id}/window`
  return (
    <section class="card" id="window-panel" hx-get={url} hx-trigger="load" hx-swap="outerHTML">
      <a href={url}>“办不成事”窗口登记信息与办结</a>
    </section>
  )
}

/** Props of {@link WindowPanel}. */
export interface WindowPanelProps {
  session: StaffSession
  order: Pick<WorkOrder, 'id' | 'version' | 'caseNumber'>
  visit: WindowVisit | null
  /** Whether the actor may close it now (the handling unit; the centre when it is received). */
  mayClose: boolean
  values: FormValues
  errors: Record<string, string>
  /** A refusal that is not about a field (stale version, wrong role, wrong state). */
  message?: { kind: 'ok' | 'bad' | 'warn'; text: string } | null
}

const LABELS: Record<string, string> = {
  reply: '窗口件答复',
  legalBasis: '法律依据',
}

/**
 * The window facts of a case (which service, which counter, why it failed, solved on the spot,
 * 否定答复) and, for whoever may close it, the close form with the 否定答复 mark and its legal basis.
 *
 * @example <WindowPanel session={s} order={order} visit={visit} mayClose values={{}} errors={{}} />
 */
export function WindowPanel(props: WindowPanelProps) {
  const { visit, values, errors } = props
  const first = errors.reply ? 'reply' : errors.legalBasis ? 'legalBasis' : null
  const f = (name: string, label: string, hint?: string): FieldProps => ({
    form: 'window-close',
    name,
    label,
    values,
    errors,
    first,
    ...(hint ? { hint } : {}),
  })
  const reply = f('reply', '窗口件答复（群众可见）')
  const basis = f(
    'legalBasis',
    '法律依据',
    '否定答复时必填，并会附在答复后告知群众；例如《××条例》第×条',
  )
  const action = `/staff/cases/${props.order.id}/window-close`
  return (
    <section class="card" id="window-panel">
      <h2 class="mt0">“办不成事”窗口</h2>
      {props.message && (
        <p
          class={`notice ${props.message.kind}`}
          role={props.message.kind === 'ok' ? 'status' : 'alert'}
        >
          {props.message.text}
        </p>
      )}
      {visit ? (
        <dl class="facts">
          <dt>办理事项</dt>
          <dd>{visit.service}</dd>
          <dt>窗口</dt>
          <dd>{visit.counter}</dd>
          <dt>未办成原因</dt>
          <dd>{visit.failureReason}</dd>
          <dt>当场解决</dt>
          <dd>{visit.solvedOnSpot ? '是' : '否'}</dd>
          <dt>否定答复</dt>
          <dd>{visit.negativeAnswer ? `是 · 依据：${visit.legalBasis ?? ''}` : '否'}</dd>
        </dl>
      ) : (
        <p class="hint">此工单没有窗口登记信息。</p>
      )}
      {visit && props.mayClose && (
        <form
          class="window-close"
          method="post"
          action={action}
          hx-post={action}
          hx-target="#window-panel"
          hx-swap="outerHTML"
          hx-disable="find button"
        >
          <h3>办结窗口件</h3>
          <Problems form="window-close" errors={errors} labels={LABELS} />
          <input type="hidden" name="_csrf" value={props.session.csrfToken} />
          <input type="hidden" name="version" value={String(props.order.version)} />
          <Field {...reply}>
            <textarea {...control(reply)} rows={4} maxlength={4000}>
              {values.reply ?? ''}
            </textarea>
          </Field>
          <label class="check">
            <input
              type="checkbox"
              id="window-close-negative"
              name="negative"
              checked={values.negative === 'on'}
            />
            <span>否定答复（依法确实不能办理）</span>
          </label>
          <Field {...basis}>
            <input
              type="text"
              {...control(basis)}
              value={values.legalBasis ?? ''}
              maxlength={500}
              autocomplete="off"
            />
          </Field>
          <button type="submit">办结</button>
        </form>
      )}
    </section>
  )
}

/**
 * The window panel as a page of its own (without JavaScript, or after a refused close).
 *
 * @example c.html(<WindowPanelPage {...props} />, 422)
 */
export function WindowPanelPage(props: WindowPanelProps) {
  return (
    <StaffLayout title={`${props.order.caseNumber} · 办不成事窗口`} session={props.session}>
      <p>
        <a href={`/staff/cases/${props.order.id}`}>← 返回工单 {props.order.caseNumber}</a>
      </p>
      <WindowPanel {...props} />
    </StaffLayout>
  )
}

/**
 * The reports page's section on the window: visits, solved on the spot, and every 否定答复 of the
 * period with its legal basis (no personal data).
 *
 * @example <WindowReportSection report={report} timeZone="Asia/Shanghai" />
 */
export function WindowReportSection({
  report,
  timeZone,
}: {
  report: WindowReport
  timeZone: string
}) {
  return (
    <section class="card" id="window-report">
      <h2 class="mt0">“办不成事”窗口与否定答复</h2>
      <p>
        本期窗口受理 {report.visits} 件，当场解决 {report.solvedOnSpot} 件，否定答复{' '}
        {report.negativeAnswers.length} 件。
      </p>
      {report.negativeAnswers.length === 0 ? (
        <p class="hint">本期没有否定答复。</p>
      ) : (
        <div class="table-scroll">
          <table class="cases">
            <caption>否定答复</caption>
            <thead>
              <tr>
                <th scope="col">编号</th>
                <th scope="col">标题</th>
                <th scope="col">办理事项</th>
                <th scope="col">窗口</th>
                <th scope="col">承办单位</th>
                <th scope="col">法律依据</th>
                <th scope="col" class="num">
                  办结时间
                </th>
              </tr>
            </thead>
            <tbody>
              {report.negativeAnswers.map((r) => (
                <tr>
                  <td>
                    <a href={`/staff/cases/${r.id}`}>{r.caseNumber}</a>
                  </td>
                  <td>{r.title}</td>
                  <td>{r.service}</td>
                  <td>{r.counter}</td>
                  <td>{r.unitName ?? '热线办'}</td>
                  <td>{r.legalBasis}</td>
                  <td class="num">{r.closedAt ? formatDateTime(r.closedAt, timeZone) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
