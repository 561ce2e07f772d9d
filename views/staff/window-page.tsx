import { KIND_LABELS, KINDS, URGENCIES, URGENCY_LABELS } from '../../src/domain/codes'
import type { WindowOutcome } from '../../src/services/intake'
import type { StaffSession } from '../../src/services/sessions'
import {
  control,
  Field,
  FiledBanner,
  firstField,
  Problems,
  Radios,
  type Choice,
  type FieldProps,
  type FiledNotice,
  type FormValues,
} from './intake-page'
import { StaffLayout } from './layout'

/** Everything the window form needs. */
export interface WindowFormProps {
  session: StaffSession
  values: FormValues
  errors: Record<string, string>
  categories: string[]
  districts: Choice[]
  units: Choice[]
  filed: FiledNotice | null
}

const OUTCOME_LABELS: Record<WindowOutcome, string> = {
  solved: '当场解决（即时办结）',
  dispatch: '转入办理流程（派单，窗口时限）',
}

const LABELS: Record<string, string> = {
  citizenName: '来访人姓名',
  citizenPhone: '联系电话',
  service: '办理事项',
  counter: '窗口',
  failureReason: '未办成原因',
  details: '补充说明',
  districtId: '区域',
  address: '详细地址',
  kind: '诉求类型',
  urgency: '紧急程度',
  category: '分类',
  title: '标题',
  outcome: '处理方式',
  solution: '解决情况（群众可见）',
  unitId: '承办单位',
}
const ORDER = Object.keys(LABELS)

/**
 * The 办不成事 window's form (`#window`, swapped by htmx after a submission): which service could
 * not be delivered, at which counter and why; then solved on the spot or sent to a unit.
 *
 * @example <WindowForm {...props} />
 */
export function WindowForm(props: WindowFormProps) {
  const { values, errors } = props
  const first = firstField(ORDER, errors, 'citizenName')
  const f = (name: string, hint?: string, cls?: string): FieldProps => ({
    form: 'window',
    name,
    label: LABELS[name] ?? name,
    values,
    errors,
    first,
    ...(hint ? { hint } : {}),
    ...(cls ? { class: cls } : {}),
  })
  const v = (name: string) => values[name] ?? ''
  const text = (p: FieldProps, max: number) => (
    <Field {...p}>
      <input type="text" {...control(p)} value={v(p.name)} maxlength={max} autocomplete="off" />
    </Field>
  )
  const area = (p: FieldProps, rows: number, max: number) => (
    <Field {...p}>
      <textarea {...control(p)} rows={rows} maxlength={max}>
        {v(p.name)}
      </textarea>
    </Field>
  )
  const phone = f('citizenPhone', '可不留；留下便于回访')
  const district = f('districtId')
  const category = f('category', '输入关键字，从列表中选择')
  const unit = f('unitId', undefined, 'when-dispatch')
  return (
    <div id="window">
      <form
        id="window-form"
        class="card intake-form"
        method="post"
        action="/staff/window"
        novalidate
        hx-post="/staff/window"
        hx-target="#window"
        hx-swap="outerHTML"
        hx-disable="find button[type='submit']"
      >
        {props.filed && <FiledBanner filed={props.filed} />}
        <Problems form="window" errors={errors} labels={LABELS} />
        <input type="hidden" name="_csrf" value={props.session.csrfToken} />
        <input type="hidden" name="submissionId" value={values.submissionId ?? ''} />

        <fieldset class="section">
          <legend>来访人</legend>
          <div class="row two">
            {text(f('citizenName'), 50)}
            <Field {...phone}>
              <input
                type="tel"
                {...control(phone)}
                value={v('citizenPhone')}
                inputmode="tel"
                autocomplete="off"
                maxlength={20}
              />
            </Field>
          </div>
        </fieldset>

        <fieldset class="section">
          <legend>没有办成的事</legend>
          <div class="row two">
            {text(f('service', '例如：不动产登记、社保转移'), 100)}
            {text(f('counter', '例如：3号综合窗口'), 100)}
          </div>
          {text(f('failureReason'), 1000)}
          {area(f('details'), 3, 2000)}
        </fieldset>

        <fieldset class="section">
          <legend>地点与分类</legend>
          <div class="row two">
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
            {text(f('address'), 200)}
          </div>
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
                list="window-categories"
                maxlength={100}
                autocomplete="off"
              />
              <datalist id="window-categories">
                {props.categories.map((label) => (
                  <option value={label}></option>
                ))}
              </datalist>
            </Field>
            {text(f('title', '留空为“办不成事：办理事项”'), 100)}
          </div>
        </fieldset>

        <fieldset class="section">
          <legend>处理</legend>
          <Radios
            {...f('outcome')}
            options={(['solved', 'dispatch'] as const).map((o) => [o, OUTCOME_LABELS[o]] as const)}
          />
          {area(f('solution', undefined, 'when-solved'), 3, 4000)}
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
        </fieldset>

        <div class="submit-row">
          <button type="submit">登记</button>
          <span class="hint">在任一单行输入框按 Enter 即可提交。</span>
        </div>
      </form>
    </div>
  )
}

/**
 * `/staff/window` (办不成事窗口): the window clerk's form for a walk-in complaint. Run by the
 * dispatch centre's accounts: there is no separate window-clerk role.
 *
 * @example c.html(<WindowPage {...props} />)
 */
export function WindowPage(props: WindowFormProps) {
  return (
    <StaffLayout title="办不成事窗口" session={props.session} wide>
      <h1>“办不成事”反映窗口</h1>
      <p class="lead">
        记录群众在窗口没有办成的事：能当场解决的当场办结；不能的转入办理流程，按窗口时限（5
        个工作日）办理。
      </p>
      <WindowForm {...props} />
    </StaffLayout>
  )
}
