import type { Child } from 'hono/jsx'
import type { StaffSession } from '../../src/services/sessions'
import { StaffLayout } from '../staff/layout'

/** The sections of the admin area, in the order of its tabs. */
export const ADMIN_SECTIONS = [
  ['', '概览'],
  ['users', '用户'],
  ['units', '单位'],
  ['categories', '分类'],
  ['sla', '办理时限'],
  ['calendar', '工作日历'],
  ['templates', '答复模板'],
  ['tokens', 'API 令牌'],
  ['import', '导入'],
  ['audit', '操作日志'],
] as const
export type AdminSection = (typeof ADMIN_SECTIONS)[number][0]

/** A message above the page's content. */
export interface Notice {
  kind: 'ok' | 'bad' | 'warn'
  text: string
}

/** What every form page gets back after a refused submission: the values as sent and the errors. */
export interface FormState {
  values: Record<string, string>
  errors: Record<string, string>
}

/** An empty form. */
export const EMPTY_FORM: FormState = { values: {}, errors: {} }

/**
 * The frame of every admin page: the staff layout, the section tabs and an optional notice.
 *
 * @example <AdminFrame title="单位" section="units" session={session}>…</AdminFrame>
 */
export function AdminFrame(props: {
  title: string
  section: AdminSection
  session: StaffSession
  notice?: Notice | null
  children?: Child
}) {
  return (
    <StaffLayout title={`${props.title} · 系统管理`} session={props.session} wide>
      <p class="m0">
        <a href="/staff/admin">系统管理</a>
      </p>
      <h1>{props.title}</h1>
      <nav aria-label="系统管理">
        <ul class="tabs">
          {ADMIN_SECTIONS.map(([path, label]) => (
            <li>
              <a
                href={path ? `/staff/admin/${path}` : '/staff/admin'}
                aria-current={path === props.section ? 'page' : undefined}
              >
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {props.notice && (
        <p
          class={`notice ${props.notice.kind}`}
          role={props.notice.kind === 'ok' ? 'status' : 'alert'}
        >
          {props.notice.text}
        </p>
      )}
      {props.children}
    </StaffLayout>
  )
}

/**
 * The hidden CSRF field every admin form carries.
 *
 * @example <Csrf session={session} />
 */
export function Csrf({ session }: { session: StaffSession }) {
  return <input type="hidden" name="_csrf" value={session.csrfToken} />
}

/**
 * The list of a refused form's errors, each linking to its field (`{form}-{field}`).
 *
 * @example <ErrorSummary form="unit" errors={errors} labels={{ code: '代码' }} />
 */
export function ErrorSummary(props: {
  form: string
  errors: Record<string, string>
  labels: Record<string, string>
}) {
  const list = Object.entries(props.errors)
  if (list.length === 0) return null
  return (
    <div class="notice bad" role="alert" tabindex={-1} id="error-summary">
      <h2>请修改以下内容</h2>
      <ul>
        {list.map(([field, message]) => (
          <li>
            {props.labels[field] ? (
              <a href={`#${props.form}-${field}`}>
                {props.labels[field]}：{message}
              </a>
            ) : (
              message
            )}
          </li>
        ))}
      </ul>
    </div>
  )
}

function aria(id: string, error: string | undefined, hint: boolean) {
  return {
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '),
  }
}

function Hint({ id, hint }: { id: string; hint?: string }) {
  return hint ? (
    <span class="hint" id={`${id}-hint`}>
      {hint}
    </span>
  ) : null
}

/**
 * A labelled text (or number, date) input with its hint and error.
 *
 * @example <TextField form="unit" name="code" label="代码" state={state} required />
 */
export function TextField(props: {
  form: string
  name: string
  label: string
  state: FormState
  type?: 'text' | 'number' | 'date'
  hint?: string
  required?: boolean
  maxlength?: number
  min?: number
  max?: number
}) {
  const id = `${props.form}-${props.name}`
  const error = props.state.errors[props.name]
  return (
    <div class="field">
      <label class="label" for={id}>
        {props.label}
      </label>
      <Hint id={id} hint={props.hint} />
      <input
        type={props.type ?? 'text'}
        id={id}
        name={props.name}
        value={props.state.values[props.name] ?? ''}
        required={props.required}
        maxlength={props.maxlength}
        min={props.min}
        max={props.max}
        {...aria(id, error, Boolean(props.hint))}
      />
      <span class="field-error" id={`${id}-error`}>
        {error ?? ''}
      </span>
    </div>
  )
}

/**
 * A labelled textarea with its hint and error.
 *
 * @example <TextArea form="template" name="body" label="正文" state={state} rows={6} />
 */
export function TextArea(props: {
  form: string
  name: string
  label: string
  state: FormState
  hint?: string
  rows?: number
  maxlength?: number
  required?: boolean
}) {
  const id = `${props.form}-${props.name}`
  const error = props.state.errors[props.name]
  return (
    <div class="field">
      <label class="label" for={id}>
        {props.label}
      </label>
      <Hint id={id} hint={props.hint} />
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 4}
        maxlength={props.maxlength}
        required={props.required}
        {...aria(id, error, Boolean(props.hint))}
      >
        {props.state.values[props.name] ?? ''}
      </textarea>
      <span class="field-error" id={`${id}-error`}>
        {error ?? ''}
      </span>
    </div>
  )
}

/**
 * A labelled select; `blank` adds a first option with an empty value (“none” or “any”).
 *
 * @example <SelectField form="unit" name="level" label="层级" state={state} options={[['city', '市']]} />
 */
export function SelectField(props: {
  form: string
  name: string
  label: string
  state: FormState
  options: readonly (readonly [string, string])[]
  blank?: string
  hint?: string
  required?: boolean
}) {
  const id = `${props.form}-${props.name}`
  const error = props.state.errors[props.name]
  const value = props.state.values[props.name] ?? ''
  return (
    <div class="field">
      <label class="label" for={id}>
        {props.label}
      </label>
      <Hint id={id} hint={props.hint} />
      <select
        id={id}
        name={props.name}
        required={props.required}
        {...aria(id, error, Boolean(props.hint))}
      >
        {props.blank !== undefined && <option value="">{props.blank}</option>}
        {props.options.map(([v, l]) => (
          <option value={v} selected={v === value}>
            {l}
          </option>
        ))}
      </select>
      <span class="field-error" id={`${id}-error`}>
        {error ?? ''}
      </span>
    </div>
  )
}

/**
 * A checkbox with its label (checked when the value is `1`, `on` or `true`).
 *
 * @example <CheckField form="unit" name="active" label="启用" state={state} />
 */
export function CheckField(props: { form: string; name: string; label: string; state: FormState }) {
  const id = `${props.form}-${props.name}`
  const v = props.state.values[props.name]
  return (
    <div class="field">
      <label class="check" for={id}>
        <input
          type="checkbox"
          id={id}
          name={props.name}
          value="1"
          checked={v === '1' || v === 'on' || v === 'true'}
        />
        <span>{props.label}</span>
      </label>
    </div>
  )
}

/**
 * Items of a parent-linked tree in depth-first order with their depth (orphans and cycles last).
 *
 * @example treeOrder(units).map(({ item, depth }) => '　'.repeat(depth) + item.name)
 */
export function treeOrder<T extends { id: number; parentId: number | null }>(
  items: readonly T[],
): { item: T; depth: number }[] {
  const children = new Map<number | null, T[]>()
  const ids = new Set(items.map((i) => i.id))
  for (const item of items) {
    const parent = item.parentId !== null && ids.has(item.parentId) ? item.parentId : null
    children.set(parent, [...(children.get(parent) ?? []), item])
  }
  const out: { item: T; depth: number }[] = []
  const seen = new Set<number>()
  const walk = (parent: number | null, depth: number) => {
    for (const item of children.get(parent) ?? []) {
      if (seen.has(item.id)) continue
      seen.add(item.id)
      out.push({ item, depth })
      walk(item.id, depth + 1)
    }
  }
  walk(null, 0)
  for (const item of items) if (!seen.has(item.id)) out.push({ item, depth: 0 })
  return out
}

/**
 * A name indented by its depth in a tree, for lists and select options.
 *
 * @example indent('长堎街道', 2) // '　　└ 长堎街道'
 */
export function indent(name: string, depth: number): string {
  return depth === 0 ? name : `${'　'.repeat(depth - 1)}└ ${name}`
}

/**
 * Yes/no as a badge.
 *
 * @example <ActiveBadge active={unit.active} />
 */
export function ActiveBadge({ active, off = '停用' }: { active: boolean; off?: string }) {
  return active ? <span class="badge ok">启用</span> : <span class="badge bad">{off}</span>
}
