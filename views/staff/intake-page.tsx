import type { Child } from 'hono/jsx'
import {
  CHANNEL_LABELS,
  KIND_LABELS,
  KINDS,
  URGENCIES,
  URGENCY_LABELS,
} from '../../src/domain/codes'
import { STATUS_LABELS } from '../../src/domain/status'
import {
  DUPLICATE_REASON_LABELS,
  INTAKE_CHANNELS,
  type CallOutcome,
  type DuplicateCandidate,
} from '../../src/services/intake'
import type { StaffSession } from '../../src/services/sessions'
import { formatDateTime } from '../format'
import { StaffLayout } from './layout'

/** The form's values as strings (checkboxes `'on'` or `''`), kept when a submission is refused. */
export type FormValues = Record<string, string>

/** Shown after a successful intake, above the empty form: the operator takes the next call. */
export interface FiledNotice {
  id: number
  caseNumber: string
  /** What happened: `已直接答复并办结`, `已派单至 长堎街道`, `已受理，待派单`. */
  outcome: string
  /** The caller's number, masked; null when none was left. */
  maskedPhone: string | null
  /** The tracking code, shown this once (to read out to the caller). */
  trackingCode: string
}

/** A choice of a select or a datalist. */
export interface Choice {
  id: number
  name: string
}

/** Everything the intake form needs. */
export interface IntakeFormProps {
  session: StaffSession
  values: FormValues
  errors: Record<string, string>
  /** Every active category's label (`城市管理 / 占道经营`) for the type-ahead. */
  categories: string[]
  districts: Choice[]
  /** Handling units a call may be dispatched to. */
  units: Choice[]
  filed: FiledNotice | null
  /** The duplicates panel's content when the form comes back refused; null before any lookup. */
  duplicates: DuplicateCandidate[] | null
  timeZone: string
}

const OUTCOME_LABELS: Record<CallOutcome, string> = {
  dispatch: '派单',
  direct_answer: '直接答复',
  receive: '暂存待派',
}

const INTAKE_CHANNEL_LABELS: Record<(typeof INTAKE_CHANNELS)[number], string> = {
  hotline_12345: CHANNEL_LABELS.hotline_12345,
  wenzheng: CHANNEL_LABELS.wenzheng,
  ganfutong: CHANNEL_LABELS.ganfutong,
  other: '公安非警务类转办（110）',
}

/** The Chinese message of a refused field, whatever the service's (English) reason. */
const FIELD_MESSAGES: Record<string, string> = {
  citizenPhone:
    '请填写正确的来电号码（11 位手机号或带区号的固定电话），来电人不愿留号请勾选“匿名来电”',
  citizenName: '姓名不超过 50 字',
  kind: '请选择诉求类型',
  urgency: '请选择紧急程度',
  districtId: '请选择区域',
  address: '地址不超过 200 字',
  title: '请填写标题（不超过 100 字）',
  content: '请填写诉求内容（连同起因不超过 4000 字）',
  cause: '起因不超过 1000 字',
  category: '没有这个分类，请从列表中选择',
  categoryId: '没有这个分类，请从列表中选择',
  channel: '请选择渠道',
  unitId: '请选择承办单位（所选分类没有默认承办单位时必选）',
  reply: '请填写答复内容（群众可见）',
  outcome: '请选择处理方式',
  service: '请填写办理事项',
  counter: '请填写窗口',
  failureReason: '请填写未办成原因',
  solution: '当场解决请填写解决情况（群众可见）',
  details: '补充说明不超过 2000 字',
  legalBasis: '否定答复必须写明法律依据',
}

/**
 * Chinese messages for a refused form, one per field (the category's id is reported on the
 * type-ahead, since that is what the operator typed).
 *
 * @example
 * fieldMessages({ receivedAt: 'must not be in the future' }) // { receivedAt: '受理时间不能晚于现在' }
 */
export function fieldMessages(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [field, reason] of Object.entries(fields)) {
    const name = field === 'categoryId' ? 'category' : field
    if (name === 'receivedAt') {
      out[name] = reason.includes('future')
        ? '受理时间不能晚于现在'
        : '受理时间请写成“时:分”或“年-月-日 时:分”，留空为现在'
    } else if (name === 'category' && reason.includes('ambiguous')) {
      out[name] = '有多个同名分类，请从列表中选择完整名称'
    } else {
      out[name] = FIELD_MESSAGES[name] ?? `请检查：${reason}`
    }
  }
  return out
}

/** Props shared by the small field components: the control's id is `{form}-{name}`. */
export interface FieldProps {
  form: string
  name: string
  label: string
  values: FormValues
  errors: Record<string, string>
  hint?: string
  first?: string | null
  class?: string
}

function describedBy(id: string, hint: boolean) {
  return [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ')
}

/**
 * A field's label, hint and error around its control.
 *
 * @example <Field form="intake" name="title" label="标题" …><input … /></Field>
 */
export function Field(props: FieldProps & { children?: Child }) {
  const id = `${props.form}-${props.name}`
  return (
    <div class={props.class ? `field ${props.class}` : 'field'}>
      <label class="label" for={id}>
        {props.label}
      </label>
      {props.hint && (
        <span class="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      )}
      {props.children}
      <span class="field-error" id={`${id}-error`}>
        {props.errors[props.name] ?? ''}
      </span>
    </div>
  )
}

/**
 * The attributes every control gets: id, name, error state, and autofocus when it is the first.
 *
 * @example <input type="text" {...control(props)} value={values.title} />
 */
export function control(props: FieldProps) {
  const id = `${props.form}-${props.name}`
  const error = props.errors[props.name]
  return {
    id,
    name: props.name,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': describedBy(id, Boolean(props.hint)),
    autofocus: props.first === props.name ? true : undefined,
  }
}

/**
 * A group of radio pills (keyboard: Tab into the group, arrows to choose).
 *
 * @example <Radios form="intake" name="kind" label="诉求类型" options={[['help', '求助']]} … />
 */
export function Radios(props: FieldProps & { options: readonly (readonly [string, string])[] }) {
  const id = `${props.form}-${props.name}`
  const value = props.values[props.name] ?? ''
  return (
    <fieldset
      class={props.class ? `field ${props.class}` : 'field'}
      aria-describedby={`${id}-error`}
    >
      <legend>{props.label}</legend>
      <div class="choices">
        {props.options.map(([v, label], i) => (
          <label>
            <input
              type="radio"
              id={i === 0 ? id : `${id}-${v}`}
              name={props.name}
              value={v}
              checked={value === v}
              aria-invalid={props.errors[props.name] ? 'true' : undefined}
              autofocus={props.first === props.name && i === 0 ? true : undefined}
            />
            {label}
          </label>
        ))}
      </div>
      <span class="field-error" id={`${id}-error`}>
        {props.errors[props.name] ?? ''}
      </span>
    </fieldset>
  )
}

/**
 * The list of refused fields, each linking to its control. Not `#error-summary`: focus goes to the
 * first refused field instead, so the operator can fix it and press Enter.
 *
 * @example <Problems form="intake" errors={errors} labels={{ title: '标题' }} />
 */
export function Problems(props: {
  form: string
  errors: Record<string, string>
  labels: Record<string, string>
}) {
  const list = Object.entries(props.errors)
  if (list.length === 0) return null
  return (
    <div class="notice bad" role="alert">
      <h2>请修改以下内容</h2>
      <ul>
        {list.map(([field, message]) => (
          <li>
            <a href={`#${props.form}-${field}`}>
              {props.labels[field] ?? field}：{message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  )
}

/**
 * The field that gets the focus: the first refused one in form order, else `fallback`.
 *
 * @example firstField(['citizenPhone', 'title'], { title: '…' }, 'citizenPhone') // 'title'
 */
export function firstField(
  order: readonly string[],
  errors: Record<string, string>,
  fallback: string,
): string {
  return order.find((f) => errors[f]) ?? fallback
}

const LABELS: Record<string, string> = {
  citizenPhone: '来电号码',
  citizenName: '姓名',
  receivedAt: '来电时间',
  districtId: '区域',
  address: '详细地址',
  title: '标题',
  content: '诉求内容',
  cause: '起因',
  kind: '诉求类型',
  urgency: '紧急程度',
  category: '分类',
  channel: '渠道',
  outcome: '处理方式',
  unitId: '承办单位',
  reply: '答复内容',
}
const ORDER = Object.keys(LABELS)

/** The three fields whose typing looks for likely duplicates. */
function duplicateLookup() {
  return {
    'data-dup': '',
    'hx-get': '/staff/intake/duplicates',
    'hx-trigger': 'input changed delay:400ms',
    'hx-include': '[data-dup]',
    'hx-target': '#duplicates',
    'hx-sync': '#duplicates:replace',
  }
}

/**
 * The likely duplicates of the call being typed (an htmx fragment: `#duplicates`' content).
 *
 * @example <DuplicatesList rows={rows} timeZone="Asia/Shanghai" searched />
 */
export function DuplicatesList(props: {
  rows: DuplicateCandidate[]
  timeZone: string
  searched: boolean
}) {
  if (!props.searched)
    return <p class="hint">输入来电号码、地址或标题后，这里列出可能重复的工单。</p>
  if (props.rows.length === 0) return <p class="hint">未发现可能重复的工单。</p>
  return (
    <ul class="duplicates">
      {props.rows.map((r) => (
        <li>
          <a href={`/staff/cases/${r.id}`} target="_blank" rel="noopener">
            {r.caseNumber}
          </a>{' '}
          <span class="status">{STATUS_LABELS[r.status]}</span>
          {r.reasons.map((x) => (
            <span class="badge warn">{DUPLICATE_REASON_LABELS[x]}</span>
          ))}
          <br />
          {r.title}
          <br />
          <small>受理于 {formatDateTime(r.receivedAt, props.timeZone)}</small>
        </li>
      ))}
    </ul>
  )
}

/**
 * The success notice after an intake: the case number with a link, what happened, the masked
 * number, and the tracking code (shown this once).
 *
 * @example <FiledBanner filed={filed} />
 */
export function FiledBanner({ filed }: { filed: FiledNotice }) {
  return (
    <div class="notice ok" role="status" id="intake-filed">
      <strong>
        已受理 <a href={`/staff/cases/${filed.id}`}>{filed.caseNumber}</a>
      </strong>{' '}
      · {filed.outcome}
      {filed.maskedPhone ? ` · 来电 ${filed.maskedPhone}` : ''}
      <br />
      <small>
        查询码（仅显示这一次，可告知来电人在网上查询进度）：
        <code class="tracking">{filed.trackingCode}</code>
      </small>
    </div>
  )
}

/**
 * The intake form with its duplicates panel: `#intake` is what htmx swaps after a submission (an
 * empty form with the success notice, or the same values with the errors).
 *
 * @example <IntakeForm {...props} />
 */
export function IntakeForm(props: IntakeFormProps) {
  const { values, errors } = props
  const first = firstField(ORDER, errors, 'citizenPhone')
  const f = (name: string, hint?: string, cls?: string): FieldProps => ({
    form: 'intake',
    name,
    label: LABELS[name] ?? name,
    values,
    errors,
    first,
    ...(hint ? { hint } : {}),
    ...(cls ? { class: cls } : {}),
  })
  const v = (name: string) => values[name] ?? ''
  const phone = f('citizenPhone')
  const name = { ...f('citizenName'), label: '姓名（可不留）' }
  const when = f('receivedAt', '留空为现在；补录填 09:30')
  const district = f('districtId')
  const address = f('address')
  const title = f('title')
  const content = f('content')
  const cause = { ...f('cause'), label: '起因（事情经过，可不填）' }
  const category = f('category', '输入关键字，从列表中选择')
  const channel = f('channel')
  const unit = f('unitId', undefined, 'when-dispatch')
  const reply = { ...f('reply', undefined, 'when-answer'), label: '答复内容（群众可见）' }
  return (
    <div id="intake" class="intake">
      <form
        id="intake-form"
        class="card intake-form"
        method="post"
        action="/staff/intake"
        novalidate
        hx-post="/staff/intake"
        hx-target="#intake"
        hx-swap="outerHTML"
        hx-disable="find button[type='submit']"
      >
        {props.filed && <FiledBanner filed={props.filed} />}
        <Problems form="intake" errors={errors} labels={LABELS} />
        <input type="hidden" name="_csrf" value={props.session.csrfToken} />
        <input type="hidden" name="submissionId" value={values.submissionId ?? ''} />

        <fieldset class="section">
          <legend>来电人（谁）</legend>
          <div class="row two">
            <Field {...phone}>
              <input
                type="tel"
                {...control(phone)}
                value={v('citizenPhone')}
                inputmode="tel"
                autocomplete="off"
                maxlength={20}
                {...duplicateLookup()}
              />
            </Field>
            <Field {...name}>
              <input
                type="text"
                {...control(name)}
                value={v('citizenName')}
                maxlength={50}
                autocomplete="off"
              />
            </Field>
          </div>
          <div class="checks">
            <label class="check">
              <input
                type="checkbox"
                id="intake-anonymous"
                name="anonymous"
                checked={v('anonymous') === 'on'}
              />
              <span>匿名来电（不记录姓名和号码）</span>
            </label>
            <label class="check">
              <input
                type="checkbox"
                id="intake-confidential"
                name="confidential"
                checked={v('confidential') === 'on'}
              />
              <span>保密（对承办单位隐去来电人身份）</span>
            </label>
          </div>
        </fieldset>

        <fieldset class="section">
          <legend>时间与地点（何时、何地）</legend>
          <div class="row three">
            <Field {...when}>
              <input
                type="text"
                {...control(when)}
                value={v('receivedAt')}
                maxlength={40}
                autocomplete="off"
                placeholder="现在"
              />
            </Field>
            <Field {...district}>
              <select {...control(district)}>
                <option value="">请选择</option>
                {props.districts.map((d) => (
                  <option value={String(d.id)} selected={v('districtId') === String(d.id)}>
                    {d.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field {...address}>
              <input
                type="text"
                {...control(address)}
                value={v('address')}
                maxlength={200}
                autocomplete="off"
                {...duplicateLookup()}
              />
            </Field>
          </div>
        </fieldset>

        <fieldset class="section">
          <legend>诉求（何事、起因）</legend>
          <Field {...title}>
            <input
              type="text"
              {...control(title)}
              value={v('title')}
              maxlength={100}
              autocomplete="off"
              {...duplicateLookup()}
            />
          </Field>
          <Field {...content}>
            <textarea {...control(content)} rows={4} maxlength={4000}>
              {v('content')}
            </textarea>
          </Field>
          <Field {...cause}>
            <input
              type="text"
              {...control(cause)}
              value={v('cause')}
              maxlength={1000}
              autocomplete="off"
            />
          </Field>
        </fieldset>

        <fieldset class="section">
          <legend>分类</legend>
          <Radios {...f('kind')} options={KINDS.map((k) => [k, KIND_LABELS[k]] as const)} />
          <Radios
            {...f('urgency')}
            options={URGENCIES.map((u) => [u, URGENCY_LABELS[u]] as const)}
          />
          <div class="row two">
            <Field {...category}>
              <input
                type="text"
                {...control(category)}
                value={v('category')}
                list="intake-categories"
                maxlength={100}
                autocomplete="off"
              />
              <datalist id="intake-categories">
                {props.categories.map((label) => (
                  <option value={label}></option>
                ))}
              </datalist>
            </Field>
            <Field {...channel}>
              <select {...control(channel)}>
                {INTAKE_CHANNELS.map((c) => (
                  <option value={c} selected={v('channel') === c}>
                    {INTAKE_CHANNEL_LABELS[c]}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        </fieldset>

        <fieldset class="section">
          <legend>处理</legend>
          <Radios
            {...f('outcome')}
            options={(['dispatch', 'direct_answer', 'receive'] as const).map(
              (o) => [o, OUTCOME_LABELS[o]] as const,
            )}
          />
          <Field {...unit}>
            <select {...control(unit)}>
              <option value="">按分类的默认承办单位</option>
              {props.units.map((u) => (
                <option value={String(u.id)} selected={v('unitId') === String(u.id)}>
                  {u.name}
                </option>
              ))}
            </select>
          </Field>
          <Field {...reply}>
            <textarea {...control(reply)} rows={3} maxlength={4000}>
              {v('reply')}
            </textarea>
          </Field>
        </fieldset>

        <div class="submit-row">
          <button type="submit">受理登记</button>
          <span class="hint">在任一单行输入框按 Enter 即可提交；Tab 跳到下一项。</span>
        </div>
      </form>
      <aside class="card duplicates-card" aria-labelledby="duplicates-title">
        <h2 class="mt0" id="duplicates-title">
          可能重复的工单
        </h2>
        <div id="duplicates" aria-live="polite">
          <DuplicatesList
            rows={props.duplicates ?? []}
            timeZone={props.timeZone}
            searched={props.duplicates !== null}
          />
        </div>
      </aside>
    </div>
  )
}

/**
 * `/staff/intake` (接听登记): the operator's form for a call, five facts first.
 *
 * @example c.html(<IntakePage {...props} />)
 */
export function IntakePage(props: IntakeFormProps) {
  return (
    <StaffLayout title="接听登记" session={props.session} wide>
      <h1>接听登记</h1>
      <p class="lead">依次记录谁、何时、何地、何事、起因，再选择直接答复、派单或暂存待派。</p>
      <IntakeForm {...props} />
    </StaffLayout>
  )
}
