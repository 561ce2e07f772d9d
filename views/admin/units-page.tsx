import type { Unit } from '../../db/repositories/reference-data'
import { UNIT_LEVEL_LABELS, UNIT_LEVELS, type UnitLevel } from '../../src/services/admin'
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

/** The unit form's field labels (for the error summary). */
export const UNIT_LABELS: Record<string, string> = {
  code: '代码',
  name: '名称',
  parentId: '上级单位',
  level: '层级',
  active: '启用',
}

const LEVEL_OPTIONS = UNIT_LEVELS.map((l) => [l, UNIT_LEVEL_LABELS[l]] as const)

/**
 * The fields of a unit, for adding one or changing it.
 *
 * @example <UnitForm session={session} units={units} form={state} action="/staff/admin/units" />
 */
export function UnitForm(props: {
  session: StaffSession
  units: Unit[]
  form: FormState
  action: string
  editing?: number
}) {
  const f = props.form
  const parents = treeOrder(props.units)
    .filter(({ item }) => item.id !== props.editing)
    .map(({ item, depth }) => [String(item.id), indent(item.name, depth)] as const)
  return (
    <form method="post" action={props.action} novalidate>
      <Csrf session={props.session} />
      <ErrorSummary form="unit" errors={f.errors} labels={UNIT_LABELS} />
      <div class="row two">
        <TextField
          form="unit"
          name="code"
          label="代码"
          state={f}
          required
          maxlength={40}
          hint="如 XJ-CB；导入、报表和命令行用它指代单位"
        />
        <TextField form="unit" name="name" label="名称" state={f} required maxlength={100} />
        <SelectField
          form="unit"
          name="parentId"
          label="上级单位"
          state={f}
          options={parents}
          blank="无（顶级）"
        />
        <SelectField
          form="unit"
          name="level"
          label="层级"
          state={f}
          options={LEVEL_OPTIONS}
          blank="请选择"
          required
        />
      </div>
      {props.editing !== undefined && (
        <CheckField form="unit" name="active" label="启用（停用后不能再派单到该单位）" state={f} />
      )}
      <button type="submit">{props.editing !== undefined ? '保存' : '添加单位'}</button>
    </form>
  )
}

/**
 * `/staff/admin/units`: the unit tree and the form to add a unit.
 *
 * @example c.html(<UnitsPage session={session} units={units} form={EMPTY_FORM} />)
 */
export function UnitsPage(props: {
  session: StaffSession
  units: Unit[]
  form: FormState
  notice?: Notice | null
}) {
  return (
    <AdminFrame title="单位" section="units" session={props.session} notice={props.notice}>
      <div class="table-scroll">
        <table class="cases">
          <thead>
            <tr>
              <th scope="col">名称</th>
              <th scope="col">代码</th>
              <th scope="col">层级</th>
              <th scope="col">状态</th>
            </tr>
          </thead>
          <tbody>
            {props.units.length === 0 && (
              <tr>
                <td colspan={4}>还没有单位</td>
              </tr>
            )}
            {treeOrder(props.units).map(({ item, depth }) => (
              <tr>
                <td>
                  <a href={`/staff/admin/units/${item.id}`}>{indent(item.name, depth)}</a>
                </td>
                <td>{item.code}</td>
                <td>{UNIT_LEVEL_LABELS[item.level as UnitLevel] ?? item.level}</td>
                <td>
                  <ActiveBadge active={item.active} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section class="card" id="new">
        <h2 class="mt0">添加单位</h2>
        <UnitForm
          session={props.session}
          units={props.units}
          form={props.form}
          action="/staff/admin/units#new"
        />
      </section>
    </AdminFrame>
  )
}

/**
 * `/staff/admin/units/{id}`: change one unit.
 *
 * @example c.html(<UnitPage session={session} unit={unit} units={units} form={state} />)
 */
export function UnitPage(props: {
  session: StaffSession
  unit: Unit
  units: Unit[]
  form: FormState
  notice?: Notice | null
}) {
  return (
    <AdminFrame
      title={`单位 ${props.unit.name}`}
      section="units"
      session={props.session}
      notice={props.notice}
    >
      <p>
        <a href="/staff/admin/units">← 返回单位列表</a>
      </p>
      <section class="card">
        <UnitForm
          session={props.session}
          units={props.units}
          form={props.form}
          action={`/staff/admin/units/${props.unit.id}`}
          editing={props.unit.id}
        />
      </section>
    </AdminFrame>
  )
}
