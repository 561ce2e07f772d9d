import {
  CHANNEL_LABELS,
  KIND_LABELS,
  RATING_LABELS,
  RATINGS,
  RETURN_REASON_LABELS,
  RETURN_REASONS,
  ROLE_LABELS,
  URGE_LEVEL_LABELS,
  URGE_LEVELS,
  URGENCY_LABELS,
  type ReturnReason,
  type UrgeLevel,
} from '../../src/domain/codes'
import { ACTION_LABELS, STATUS_LABELS, type Action } from '../../src/domain/status'
import type { WorkOrder } from '../../src/domain/work-order'
import type { StoredEvent } from '../../db/repositories/events'
import type { StaffSession } from '../../src/services/sessions'
import { formatDateTime } from '../format'
import { StaffLayout } from './layout'
import { WindowPanelSlot } from './window-panel'

/** What the citizen block shows: nothing (保密 or reporter), masked, or revealed for a call. */
export interface CitizenView {
  mode: 'none' | 'masked' | 'revealed'
  name: string | null
  phone: string | null
  idNumber: string | null
  mayReveal: boolean
}

/** A possible master for a merge (重复件). */
export interface MergeCandidate {
  id: number
  caseNumber: string
  title: string
  why: string
}

/** Everything the case page needs. */
export interface CasePageProps {
  session: StaffSession
  timeZone: string
  order: WorkOrder
  events: StoredEvent[]
  unitName: string | null
  districtName: string | null
  categoryName: string | null
  citizen: CitizenView
  actions: Action[]
  /** A window case the actor may close: the close is in the window panel (否定答复 mark). */
  closeInWindowPanel?: boolean
  units: { id: number; name: string }[]
  suggestedUnitId: number | null
  mergeCandidates: MergeCandidate[]
  workdaysLeft: number | null
  photos: { id: number }[]
  message: { kind: 'ok' | 'bad' | 'warn'; text: string } | null
  replyTemplates: string[]
}

function eventText(e: StoredEvent, units: Map<number, string>): string {
  const d = e.data
  switch (e.action) {
    case 'dispatch':
      return `派单至 ${units.get(Number(d.unitId)) ?? d.unitId}`
    case 'request_return':
      return `申请退单（${RETURN_REASON_LABELS[d.reason as ReturnReason] ?? d.reason}）`
    case 'approve_return':
      return `同意退单，退回热线办重新派单${d.pausedWorkdays ? `（暂停 ${d.pausedWorkdays} 个工作日）` : ''}`
    case 'request_extension':
      return `申请延期 ${d.workdays} 个工作日，依据：${d.basis}`
    case 'approve_extension':
      return `批准延期 ${d.workdays} 个工作日`
    case 'reject_extension':
      return `驳回延期申请`
    case 'rate':
      return `评价：${RATING_LABELS[d.rating as keyof typeof RATING_LABELS] ?? d.rating}`
    case 'urge':
      return `督办：${URGE_LEVEL_LABELS[d.level as UrgeLevel] ?? d.level}`
    case 'merge':
      return `并入工单 #${d.masterId}`
    case 'reply_and_close':
    case 'direct_answer':
      return `${ACTION_LABELS[e.action]}${d.onTime === false ? '（超期）' : ''}`
    default:
      return ACTION_LABELS[e.action]
  }
}

function Hidden({ session, order, action }: { session: StaffSession; order: WorkOrder; action: Action }) {
  return (
    <>
      <input type="hidden" name="_csrf" value={session.csrfToken} />
      <input type="hidden" name="action" value={action} />
      <input type="hidden" name="version" value={String(order.version)} />
    </>
  )
}

function Note({ id, label = '备注', required = false }: { id: string; label?: string; required?: boolean }) {
  return (
    <div class="field">
      <label class="label" for={id}>
        {label}
      </label>
      <textarea id={id} name="note" rows={2} maxlength={2000} required={required}></textarea>
    </div>
  )
}

function ActionForm(props: CasePageProps & { action: Action }) {
  const { action, order, session } = props
  const id = (f: string) => `${action}-${f}`
  let fields: unknown = <Note id={id('note')} />
  switch (action) {
    case 'dispatch':
      fields = (
        <>
          <div class="field">
            <label class="label" for={id('unit')}>
              承办单位
            </label>
            <select id={id('unit')} name="unitId" required>
              {props.units.map((u) => (
                <option value={String(u.id)} selected={u.id === props.suggestedUnitId}>
                  {u.name}
                  {u.id === props.suggestedUnitId ? '（建议）' : ''}
                </option>
              ))}
            </select>
          </div>
          <Note id={id('note')} />
        </>
      )
      break
    case 'request_return':
      fields = (
        <>
          <div class="field">
            <label class="label" for={id('reason')}>
              退单理由
            </label>
            <select id={id('reason')} name="reason" required>
              {RETURN_REASONS.map((r) => (
                <option value={r}>{RETURN_REASON_LABELS[r]}</option>
              ))}
            </select>
          </div>
          <Note id={id('note')} label="说明及依据（必填）" required />
        </>
      )
      break
    case 'request_extension':
      fields = (
        <>
          <div class="field">
            <label class="label" for={id('days')}>
              延期工作日
            </label>
            <input type="number" id={id('days')} name="workdays" min={1} max={60} required value="5" />
          </div>
          <div class="field">
            <label class="label" for={id('basis')}>
              法律政策依据（必填）
            </label>
            <input type="text" id={id('basis')} name="basis" maxlength={500} required />
          </div>
        </>
      )
      break
    case 'reply_and_close':
    case 'direct_answer':
      fields = (
        <>
          <div class="field">
            <label class="label" for={id('reply')}>
              答复内容（群众可见）
            </label>
            <textarea id={id('reply')} name="reply" rows={5} maxlength={4000} required></textarea>
          </div>
          {props.replyTemplates.length > 0 && (
            <details class="templates">
              <summary>答复模板（可复制后修改）</summary>
              {props.replyTemplates.map((tpl) => (
                <p class="hint">{tpl}</p>
              ))}
            </details>
          )}
          <Note id={id('note')} label="内部备注" />
        </>
      )
      break
    case 'rate':
      fields = (
        <>
          <div class="field">
            <label class="label" for={id('rating')}>
              回访结果
            </label>
            <select id={id('rating')} name="rating" required>
              {RATINGS.map((r) => (
                <option value={r}>{RATING_LABELS[r]}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label class="label" for={id('comment')}>
              群众意见
            </label>
            <textarea id={id('comment')} name="comment" rows={2} maxlength={1000}></textarea>
          </div>
        </>
      )
      break
    case 'urge':
      fields = (
        <>
          <div class="field">
            <label class="label" for={id('level')}>
              督办等级
            </label>
            <select id={id('level')} name="level" required>
              {URGE_LEVELS.map((l) => (
                <option value={l}>{URGE_LEVEL_LABELS[l]}</option>
              ))}
            </select>
          </div>
          <Note id={id('note')} />
        </>
      )
      break
    case 'merge':
      fields = (
        <>
          <fieldset class="field">
            <legend>并入哪件工单（主件）</legend>
            {props.mergeCandidates.length === 0 && <p class="hint">近 30 天没有相同电话、地址或相似标题的工单。</p>}
            {props.mergeCandidates.map((m) => (
              <label class="check">
                <input type="radio" name="masterId" value={String(m.id)} />
                <span>
                  {m.caseNumber} {m.title} <span class="badge">{m.why}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div class="field">
            <label class="label" for={id('number')}>
              或输入主件编号
            </label>
            <input type="text" id={id('number')} name="masterNumber" placeholder="NC2026…" />
          </div>
          <Note id={id('note')} />
        </>
      )
      break
    case 'mark_invalid':
      fields = <Note id={id('note')} label="无效原因（必填）" required />
      break
    case 'note':
      fields = <Note id={id('note')} label="内部备注（群众不可见）" required />
      break
  }
  return (
    <details>
      <summary>{ACTION_LABELS[action]}</summary>
      <form
        method="post"
        action={`/staff/cases/${order.id}/actions`}
        hx-post={`/staff/cases/${order.id}/actions`}
        hx-target="#case"
        hx-swap="outerHTML"
        hx-disable="find button"
      >
        <Hidden session={session} order={order} action={action} />
        {fields}
        <button type="submit">{ACTION_LABELS[action]}</button>
      </form>
    </details>
  )
}

/**
 * The case panel htmx swaps after an action: facts, citizen, content, timeline and actions.
 *
 * @example <CasePanel {...props} />
 */
export function CasePanel(props: CasePageProps) {
  const { order, citizen } = props
  const unitNames = new Map(props.units.map((u) => [u.id, u.name]))
  const open = ['received', 'dispatched', 'in_progress', 'return_requested'].includes(order.status)
  return (
    <div id="case">
      {props.message && (
        <p class={`notice ${props.message.kind}`} role={props.message.kind === 'ok' ? 'status' : 'alert'}>
          {props.message.text}
        </p>
      )}
      <h1>
        {order.caseNumber} <span class="status">{STATUS_LABELS[order.status]}</span>
        {order.urgeLevel && <span class="badge warn"> {URGE_LEVEL_LABELS[order.urgeLevel]}</span>}
        {order.confidential && <span class="badge warn"> 保密件</span>}
      </h1>
      <div class="case-grid">
        <div>
          <section class="card">
            <dl class="facts">
              <dt>渠道 / 类型</dt>
              <dd>
                {CHANNEL_LABELS[order.channel]} · {KIND_LABELS[order.kind]} · {URGENCY_LABELS[order.urgency]}
              </dd>
              <dt>分类</dt>
              <dd>{props.categoryName ?? '—'}</dd>
              <dt>区域 / 地址</dt>
              <dd>
                {props.districtName ?? '—'} {order.address ?? ''}
              </dd>
              <dt>承办单位</dt>
              <dd>{props.unitName ?? '—'}</dd>
              <dt>受理时间</dt>
              <dd>{formatDateTime(order.receivedAt, props.timeZone)}</dd>
              <dt>办理时限</dt>
              <dd>
                {formatDateTime(order.dueAt, props.timeZone)}
                {order.dueProvisional && <span class="badge warn"> 暂定（节假日安排未公布）</span>}
                {open && props.workdaysLeft !== null && (
                  <span class={`badge ${props.workdaysLeft < 0 ? 'bad' : props.workdaysLeft <= 1 ? 'warn' : 'ok'}`}>
                    {' '}
                    {props.workdaysLeft < 0 ? `已超期 ${-props.workdaysLeft} 个工作日` : `剩余 ${props.workdaysLeft} 个工作日`}
                  </span>
                )}
                {order.pausedAt && <span class="badge"> 退单审核中，计时暂停</span>}
              </dd>
              {order.pendingExtensionWorkdays !== null && (
                <>
                  <dt>待批延期</dt>
                  <dd>
                    {order.pendingExtensionWorkdays} 个工作日 · {order.pendingExtensionBasis}
                  </dd>
                </>
              )}
              {order.closedAt && (
                <>
                  <dt>办结时间</dt>
                  <dd>
                    {formatDateTime(order.closedAt, props.timeZone)} {order.closedOnTime ? '（按期）' : '（超期）'}
                  </dd>
                </>
              )}
              {order.rating && (
                <>
                  <dt>评价</dt>
                  <dd>
                    {RATING_LABELS[order.rating]} {order.ratingComment ? `· ${order.ratingComment}` : ''}
                  </dd>
                </>
              )}
            </dl>
          </section>
          <section class="card" id="citizen">
            <h2 class="mt0">诉求人</h2>
            {citizen.mode === 'none' ? (
              <p class="hint">{order.confidential ? '保密件：诉求人身份对承办单位保密。' : '无权查看个人信息。'}</p>
            ) : (
              <dl class="facts">
                <dt>姓名</dt>
                <dd>{citizen.name ?? '未留'}</dd>
                <dt>电话</dt>
                <dd>
                  {citizen.phone ?? '未留'}
                  {citizen.mode === 'masked' && citizen.mayReveal && order.citizenPhone && (
                    <form method="post" action={`/staff/cases/${order.id}/reveal`} class="inline" hx-post={`/staff/cases/${order.id}/reveal`} hx-target="#case" hx-swap="outerHTML">
                      <input type="hidden" name="_csrf" value={props.session.csrfToken} />{' '}
                      <button type="submit" class="secondary small">
                        查看完整号码（留痕）
                      </button>
                    </form>
                  )}
                </dd>
                {citizen.idNumber && (
                  <>
                    <dt>证件号码</dt>
                    <dd>{citizen.idNumber}</dd>
                  </>
                )}
              </dl>
            )}
          </section>
          <section class="card">
            <h2 class="mt0">{order.title}</h2>
            <p class="content">{order.content}</p>
            {props.photos.length > 0 && (
              <div class="photos">
                {props.photos.map((p) => (
                  <a href={`/staff/cases/${order.id}/photos/${p.id}`}>
                    <img src={`/staff/cases/${order.id}/photos/${p.id}`} alt={`图片 ${p.id}`} loading="lazy" />
                  </a>
                ))}
              </div>
            )}
            {order.reply && (
              <>
                <h2>答复</h2>
                <blockquote class="reply">{order.reply}</blockquote>
              </>
            )}
          </section>
          <WindowPanelSlot order={order} />
        </div>
        <div>
          <section class="card actions">
            <h2 class="mt0">可办理的操作</h2>
            {props.closeInWindowPanel && (
              <p class="hint">
                本件为“办不成事”窗口件：请在<a href="#window-panel">窗口面板</a>中答复办结，
                并注明是否为否定答复。
              </p>
            )}
            {props.actions.length === 0 && !props.closeInWindowPanel && (
              <p class="hint">当前没有您可以办理的操作。</p>
            )}
            {props.actions.map((a) => (
              <ActionForm {...props} action={a} />
            ))}
          </section>
          <section class="card">
            <h2 class="mt0">办理过程</h2>
            <ol class="timeline">
              {props.events.map((e) => (
                <li>
                  <time datetime={e.at}>{formatDateTime(e.at, props.timeZone)}</time>
                  {eventText(e, unitNames)}
                  <span class="who">
                    {' '}
                    · {e.actorName}（{ROLE_LABELS[e.actorRole]}）
                  </span>
                  {e.note && <span class="note">{e.note}</span>}
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>
    </div>
  )
}

/**
 * `/staff/cases/{id}`: everything about a case on one page.
 *
 * @example c.html(<CasePage {...props} />)
 */
export function CasePage(props: CasePageProps) {
  return (
    <StaffLayout title={props.order.caseNumber} session={props.session} wide>
      <p>
        <a href="/staff/cases">← 返回工单列表</a>
      </p>
      <CasePanel {...props} />
    </StaffLayout>
  )
}
