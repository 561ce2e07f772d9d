import type { Category, Unit } from '../../db/repositories/reference-data'
import type { StaffSession } from '../../src/services/sessions'
import {
  ActiveBadge,
  AdminFrame,
  CheckField,
  Csrf,
  ErrorSummary,
  indent,
  SelectField,
  TextField,
  treeOrder,
  type FormState,
  type Notice,
} from './parts'

/** The category form's field labels (for the error summary). */
export const CATEGORY_LABELS: Record<string, string> = {
  code: '代码',
  name: '名称',
  parentId: '上级分类',
  defaultUnitId: '默认承办单位',
  active: '启用',
}

/**
 * The fields of a category, for adding one or changing it.
 *
 * @example <CategoryForm session={session} categories={categories} units={units} form={state} action="/staff/admin/categories" />
 */
export function CategoryForm(props: {
  session: StaffSession
  categories: Category[]
  units: Unit[]
  form: FormState
  action: string
  editing?: number
}) {
  const f = props.form
  const parents = props.categories
    .filter((c) => c.parentId === null && c.id !== props.editing)
    .map((c) => [String(c.id), c.name] as const)
  const units = treeOrder(props.units).map(
    ({ item, depth }) => [String(item.id), indent(item.name, depth)] as const,
  )
  return (
    <form method="post" action={props.action} novalidate>
      <Csrf session={props.session} />
      <ErrorSummary form="category" errors={f.errors} labels={CATEGORY_LABELS} />
      <div class="row two">
        <TextField
          form="category"
          name="code"
          label="代码"
          state={f}
          required
          maxlength={40}
          hint="如 roads.potholes；导入和接口用它指代分类"
        />
        <TextField form="category" name="name" label="名称" state={f} required maxlength={100} />
        <SelectField
          form="category"
          name="parentId"
          label="上级分类"
          state={f}
          options={parents}
          blank="无（一级分类）"
          hint="分类最多两级"
        />
        <SelectField
          form="category"
          name="defaultUnitId"
          label="默认承办单位"
          state={f}
          options={units}
          blank="无"
          hint="派单时建议的单位；二级分类未设置时用上级分类的"
        />
      </div>
      {props.editing !== undefined && (
        <CheckField
          form="category"
          name="active"
          label="启用（停用后群众和话务员不能再选）"
          state={f}
        />
      )}
      <button type="submit">{props.editing !== undefined ? '保存' : '添加分类'}</button>
    </form>
  )
}

/**
 * `/staff/admin/categories`: the category tree with default units, and the form to add one.
 *
 * @example c.html(<CategoriesPage session={session} categories={categories} units={units} form={EMPTY_FORM} />)
 */
export function CategoriesPage(props: {
  session: StaffSession
  categories: Category[]
  units: Unit[]
  form: FormState
  notice?: Notice | null
}) {
  const unitName = new Map(props.units.map((u) => [u.id, u.name]))
  return (
    <AdminFrame title="分类" section="categories" session={props.session} notice={props.notice}>
      <div class="table-scroll">
        <table class="cases">
          <thead>
            <tr>
              <th scope="col">名称</th>
              <th scope="col">代码</th>
              <th scope="col">默认承办单位</th>
              <th scope="col">状态</th>
            </tr>
          </thead>
          <tbody>
            {props.categories.length === 0 && (
              <tr>
                <td colspan={4}>还没有分类</td>
              </tr>
            )}
            {treeOrder(props.categories).map(({ item, depth }) => (
              <tr>
                <td>
                  <a href={`/staff/admin/categories/${item.id}`}>{indent(item.name, depth)}</a>
                </td>
                <td>{item.code}</td>
                <td>
                  {item.defaultUnitId
                    ? (unitName.get(item.defaultUnitId) ?? '—')
                    : depth > 0
                      ? '（同上级）'
                      : '—'}
                </td>
                <td>
                  <ActiveBadge active={item.active} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section class="card" id="new">
        <h2 class="mt0">添加分类</h2>
        <CategoryForm
          session={props.session}
          categories={props.categories}
          units={props.units}
          form={props.form}
          action="/staff/admin/categories#new"
        />
      </section>
    </AdminFrame>
  )
}

/**
 * `/staff/admin/categories/{id}`: change one category.
 *
 * @example c.html(<CategoryPage session={session} category={category} categories={categories} units={units} form={state} />)
 */
export function CategoryPage(props: {
  session: StaffSession
  category: Category
  categories: Category[]
  units: Unit[]
  form: FormState
  notice?: Notice | null
}) {
  return (
    <AdminFrame
      title={`分类 ${props.category.name}`}
      section="categories"
      session={props.session}
      notice={props.notice}
    >
      <p>
        <a href="/staff/admin/categories">← 返回分类列表</a>
      </p>
      <section class="card">
        <CategoryForm
          session={props.session}
          categories={props.categories}
          units={props.units}
          form={props.form}
          action={`/staff/admin/categories/${props.category.id}`}
          editing={props.category.id}
        />
      </section>
    </AdminFrame>
  )
}
