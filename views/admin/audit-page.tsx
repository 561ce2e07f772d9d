import { CHANNEL_LABELS, KIND_LABELS, ROLE_LABELS, URGENCY_LABELS } from '../../src/domain/codes'
import {
  AUDIT_ENTITIES,
  AUDIT_ENTITY_LABELS,
  UNIT_LEVEL_LABELS,
  type AuditEntity,
  type AuditEntry,
} from '../../src/services/admin'
import type { StaffSession } from '../../src/services/sessions'
import { formatDateTime } from '../format'
import { AdminFrame } from './parts'

const ACTION_LABELS: Record<string, string> = {
  create: '新增',
  update: '修改',
  delete: '删除',
  enable: '启用',
  disable: '停用',
  reset_password: '重置密码',
  load: '载入',
  revoke: '撤销',
}

const FIELD_LABELS: Record<string, string> = {
  username: '用户名',
  displayName: '姓名',
  role: '角色',
  unitId: '单位',
  active: '启用',
  lockedUntil: '锁定至',
  passwordChanged: '密码已更换',
  code: '代码',
  name: '名称',
  parentId: '上级',
  level: '层级',
  defaultUnitId: '默认单位',
  kind: '类型',
  urgency: '紧急程度',
  channel: '渠道',
  workdays: '工作日数',
  day: '日期',
  workday: '上班',
  note: '备注',
  categoryId: '分类',
  title: '标题',
  body: '正文',
  revoked: '已撤销',
}

/** Names of units and categories by id, so the log shows 长堎街道 rather than 5. */
export interface AuditNames {
  units: ReadonlyMap<number, string>
  categories: ReadonlyMap<number, string>
}

const CODE_LABELS: Record<string, Record<string, string>> = {
  role: ROLE_LABELS,
  level: UNIT_LEVEL_LABELS,
  kind: KIND_LABELS,
  urgency: URGENCY_LABELS,
  channel: CHANNEL_LABELS,
}

/** A field's value as a person reads it: labels for codes, names for unit and category ids. */
function valueOf(entity: string, key: string, value: unknown, names: AuditNames): unknown {
  if (typeof value === 'string' && CODE_LABELS[key]?.[value]) return CODE_LABELS[key][value]
  if (typeof value !== 'number') return value
  const units =
    key === 'unitId' || key === 'defaultUnitId' || (key === 'parentId' && entity === 'unit')
  const categories = key === 'categoryId' || (key === 'parentId' && entity === 'category')
  const name = units ? names.units.get(value) : categories ? names.categories.get(value) : undefined
  return name ? `${name}（${value}）` : value
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'boolean') return value ? '是' : '否'
  const s = typeof value === 'string' ? value : JSON.stringify(value)
  return s.length > 80 ? `${s.slice(0, 80)}…` : s
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}

/**
 * The lines that describe one change: the fields that differ (before → after), all fields of a
 * new or deleted thing, or what a schedule load did.
 *
 * @example changeLines({ action: 'update', before: { name: 'a' }, after: { name: 'b' } }, 'unit', names) // ['名称：a → b']
 */
export function changeLines(
  change: AuditEntry['change'],
  entity: string,
  names: AuditNames,
): string[] {
  if (change.action === 'load') {
    const after = record(change.after)
    const before = record(change.before)
    const days = Array.isArray(after.days) ? (after.days as { workday?: boolean }[]) : []
    const old = Array.isArray(before.days) ? before.days.length : 0
    const ids = Array.isArray(change.recomputedCaseIds)
      ? (change.recomputedCaseIds as number[])
      : []
    return [
      `休 ${days.filter((d) => !d.workday).length} 天、班 ${days.filter((d) => d.workday).length} 天（原有调整 ${old} 天${before.loaded ? '，此前已载入过' : ''}）`,
      ids.length
        ? `重算 ${ids.length} 件工单的办理时限：#${ids.join('、#')}`
        : '没有需要重算的工单',
    ]
  }
  const before = record(change.before)
  const after = record(change.after)
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  const label = (k: string) => FIELD_LABELS[k] ?? k
  const v = (k: string, value: unknown) => show(valueOf(entity, k, value, names))
  if (change.before === null) return keys.map((k) => `${label(k)}：${v(k, after[k])}`)
  if (change.after === null) return keys.map((k) => `${label(k)}：${v(k, before[k])}`)
  const lines = keys
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${label(k)}：${v(k, before[k])} → ${v(k, after[k])}`)
  if (typeof change.endedSessions === 'number' && change.endedSessions > 0) {
    lines.push(`结束登录会话 ${change.endedSessions} 个`)
  }
  return lines.length ? lines : ['没有变化']
}

/** What the audit page shows. */
export interface AuditPageProps {
  session: StaffSession
  timeZone: string
  rows: AuditEntry[]
  total: number
  page: number
  pageSize: number
  entity: string | null
  names: AuditNames
}

function pageUrl(page: number, entity: string | null): string {
  const params = new URLSearchParams()
  if (entity) params.set('entity', entity)
  if (page > 1) params.set('page', String(page))
  const s = params.toString()
  return s ? `/staff/admin/audit?${s}` : '/staff/admin/audit'
}

/**
 * `/staff/admin/audit`: every admin change, newest first, paged, filterable by kind.
 *
 * @example c.html(<AuditPage {...props} />)
 */
export function AuditPage(props: AuditPageProps) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize))
  return (
    <AdminFrame title="操作日志" section="audit" session={props.session}>
      <form class="card filters" method="get" action="/staff/admin/audit">
        <div class="field">
          <label class="label" for="audit-entity">
            对象
          </label>
          <select id="audit-entity" name="entity">
            <option value="">全部</option>
            {AUDIT_ENTITIES.map((e) => (
              <option value={e} selected={e === props.entity}>
                {AUDIT_ENTITY_LABELS[e]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">筛选</button>
      </form>
      <p class="lead">
        共 {props.total} 条 · 第 {props.page}/{pages} 页
      </p>
      <div class="table-scroll">
        <table class="cases">
          <thead>
            <tr>
              <th scope="col">时间</th>
              <th scope="col">操作人</th>
              <th scope="col">对象</th>
              <th scope="col">操作</th>
              <th scope="col">内容</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.length === 0 && (
              <tr>
                <td colspan={5}>没有记录</td>
              </tr>
            )}
            {props.rows.map((r) => (
              <tr>
                <td class="num">{formatDateTime(r.at, props.timeZone)}</td>
                <td>{r.actorName}</td>
                <td>
                  {AUDIT_ENTITY_LABELS[r.entity as AuditEntity] ?? r.entity} {r.entityId}
                </td>
                <td>{ACTION_LABELS[r.change.action] ?? r.change.action}</td>
                <td>
                  {changeLines(r.change, r.entity, props.names).map((line) => (
                    <span class="hint">{line}</span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="分页">
        {props.page > 1 && <a href={pageUrl(props.page - 1, props.entity)}>上一页</a>}
        {props.page < pages && <a href={pageUrl(props.page + 1, props.entity)}>下一页</a>}
      </nav>
    </AdminFrame>
  )
}
