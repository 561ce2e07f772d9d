import type { Category } from '../../db/repositories/reference-data'
import type { ReplyTemplate } from '../../src/services/admin'
import type { StaffSession } from '../../src/services/sessions'
import {
  ActiveBadge,
  AdminFrame,
  CheckField,
  Csrf,
  ErrorSummary,
  indent,
  SelectField,
  TextArea,
  TextField,
  treeOrder,
  type FormState,
  type Notice,
} from './parts'

/** The template form's field labels (for the error summary). */
export const TEMPLATE_LABELS: Record<string, string> = {
  categoryId: '分类',
  title: '标题',
  body: '正文',
  active: '启用',
}

/**
 * The fields of a reply template, for adding one or changing it.
 *
 * @example <TemplateForm session={session} categories={categories} form={state} action="/staff/admin/templates#new" />
 */
export function TemplateForm(props: {
  session: StaffSession
  categories: Category[]
  form: FormState
  action: string
  editing?: number
}) {
  const f = props.form
  const options = treeOrder(props.categories).map(
    ({ item, depth }) => [String(item.id), indent(item.name, depth)] as const,
  )
  return (
    <form method="post" action={props.action} novalidate>
      <Csrf session={props.session} />
      <ErrorSummary form="template" errors={f.errors} labels={TEMPLATE_LABELS} />
      <div class="row two">
        <SelectField
          form="template"
          name="categoryId"
          label="分类"
          state={f}
          options={options}
          blank="通用（所有分类）"
          hint="一级分类的模板也用于其下的二级分类"
        />
        <TextField form="template" name="title" label="标题" state={f} required maxlength={100} />
      </div>
      <TextArea
        form="template"
        name="body"
        label="正文"
        state={f}
        rows={6}
        maxlength={4000}
        required
        hint="承办人答复时可复制后修改；群众会看到答复内容"
      />
      {props.editing !== undefined && (
        <CheckField form="template" name="active" label="启用" state={f} />
      )}
      <button type="submit">{props.editing !== undefined ? '保存' : '添加模板'}</button>
    </form>
  )
}

/**
 * `/staff/admin/templates`: the reply templates per category and the form to add one.
 *
 * @example c.html(<TemplatesPage session={session} templates={templates} categories={categories} form={EMPTY_FORM} />)
 */
export function TemplatesPage(props: {
  session: StaffSession
  templates: ReplyTemplate[]
  categories: Category[]
  form: FormState
  notice?: Notice | null
}) {
  const categoryName = new Map(props.categories.map((c) => [c.id, c.name]))
  return (
    <AdminFrame title="答复模板" section="templates" session={props.session} notice={props.notice}>
      <div class="table-scroll">
        <table class="cases">
          <thead>
            <tr>
              <th scope="col">标题</th>
              <th scope="col">分类</th>
              <th scope="col">正文</th>
              <th scope="col">状态</th>
            </tr>
          </thead>
          <tbody>
            {props.templates.length === 0 && (
              <tr>
                <td colspan={4}>还没有答复模板</td>
              </tr>
            )}
            {props.templates.map((t) => (
              <tr>
                <td>
                  <a href={`/staff/admin/templates/${t.id}`}>{t.title}</a>
                </td>
                <td>{t.categoryId ? (categoryName.get(t.categoryId) ?? '—') : '通用'}</td>
                <td>{t.body.length > 60 ? `${t.body.slice(0, 60)}…` : t.body}</td>
                <td>
                  <ActiveBadge active={t.active} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section class="card" id="new">
        <h2 class="mt0">添加模板</h2>
        <TemplateForm
          session={props.session}
          categories={props.categories}
          form={props.form}
          action="/staff/admin/templates#new"
        />
      </section>
    </AdminFrame>
  )
}

/**
 * `/staff/admin/templates/{id}`: change one template.
 *
 * @example c.html(<TemplatePage session={session} template={t} categories={categories} form={state} />)
 */
export function TemplatePage(props: {
  session: StaffSession
  template: ReplyTemplate
  categories: Category[]
  form: FormState
  notice?: Notice | null
}) {
  return (
    <AdminFrame
      title={`模板 ${props.template.title}`}
      section="templates"
      session={props.session}
      notice={props.notice}
    >
      <p>
        <a href="/staff/admin/templates">← 返回模板列表</a>
      </p>
      <section class="card">
        <TemplateForm
          session={props.session}
          categories={props.categories}
          form={props.form}
          action={`/staff/admin/templates/${props.template.id}`}
          editing={props.template.id}
        />
      </section>
    </AdminFrame>
  )
}
