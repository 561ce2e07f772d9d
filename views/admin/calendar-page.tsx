import type { CalendarDay, CalendarYearStatus } from '../../src/services/admin'
import type { StaffSession } from '../../src/services/sessions'
import { formatDateTime } from '../format'
import { MissingScheduleWarning } from './index-page'
import {
  AdminFrame,
  Csrf,
  ErrorSummary,
  SelectField,
  TextArea,
  TextField,
  type FormState,
  type Notice,
} from './parts'

/** The calendar forms' field labels (for the error summary). */
export const CALENDAR_LABELS: Record<string, string> = {
  day: '日期',
  workday: '上班或休息',
  note: '备注',
  year: '年份',
  schedule: '放假和调休日期',
}

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六']

function weekdayOf(day: string): string {
  return `周${WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()]}`
}

/** What the calendar page shows. */
export interface CalendarPageProps {
  session: StaffSession
  timeZone: string
  years: CalendarYearStatus[]
  days: CalendarDay[]
  dayForm: FormState
  loadForm: FormState
  notice?: Notice | null
}

/**
 * `/staff/admin/calendar`: which years' schedules are loaded, the day overrides, a form to set one
 * day, and a form to paste a year's official schedule.
 *
 * @example c.html(<CalendarPage {...props} />)
 */
export function CalendarPage(props: CalendarPageProps) {
  const d = props.dayForm
  const l = props.loadForm
  return (
    <AdminFrame title="工作日历" section="calendar" session={props.session} notice={props.notice}>
      {props.years
        .filter((y) => y.source === null)
        .map((y) => (
          <MissingScheduleWarning year={y.year} />
        ))}
      <p class="lead">
        工作日按周一至周五计，扣除国务院办公厅公布的法定节假日，加上调休上班日。节假日数据包已包含历年安排；这里的调整优先于数据包。
      </p>
      <ul class="tabs" aria-label="年度安排">
        {props.years.map((y) => (
          <li>
            <span class={y.source ? 'badge ok' : 'badge bad'}>
              {y.year} 年：
              {y.source === 'package'
                ? '数据包'
                : y.source === 'loaded'
                  ? `已载入 ${y.loadedAt ? formatDateTime(y.loadedAt, props.timeZone) : ''}`
                  : '未载入'}
            </span>
          </li>
        ))}
      </ul>
      <div class="case-grid">
        <section class="card">
          <h2 class="mt0">调整的日期</h2>
          <div class="table-scroll">
            <table class="cases">
              <thead>
                <tr>
                  <th scope="col">日期</th>
                  <th scope="col">安排</th>
                  <th scope="col">备注</th>
                  <th scope="col">
                    <span class="sr-only">操作</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {props.days.length === 0 && (
                  <tr>
                    <td colspan={4}>没有调整，完全按节假日数据包计算</td>
                  </tr>
                )}
                {props.days.map((day) => (
                  <tr>
                    <td class="num">
                      {day.day} {weekdayOf(day.day)}
                    </td>
                    <td>
                      {day.workday ? (
                        <span class="badge warn">班</span>
                      ) : (
                        <span class="badge ok">休</span>
                      )}
                    </td>
                    <td>{day.note ?? ''}</td>
                    <td>
                      <form
                        method="post"
                        action={`/staff/admin/calendar/${day.day}/delete`}
                        class="inline"
                      >
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
        </section>
        <div>
          <section class="card" id="day">
            <h2 class="mt0">调整一天</h2>
            <form method="post" action="/staff/admin/calendar#day" novalidate>
              <Csrf session={props.session} />
              <ErrorSummary form="day" errors={d.errors} labels={CALENDAR_LABELS} />
              <TextField form="day" name="day" label="日期" type="date" state={d} required />
              <SelectField
                form="day"
                name="workday"
                label="安排"
                state={d}
                options={[
                  ['0', '休息（休）'],
                  ['1', '上班（班）'],
                ]}
                required
              />
              <TextField
                form="day"
                name="note"
                label="备注"
                state={d}
                maxlength={100}
                hint="如：台风停工、春节调休"
              />
              <p class="hint">只影响此后计算的时限，已受理工单的时限不变。</p>
              <button type="submit">保存</button>
            </form>
          </section>
          <section class="card" id="load">
            <h2 class="mt0">载入年度节假日安排</h2>
            <form method="post" action="/staff/admin/calendar/load#load" novalidate>
              <Csrf session={props.session} />
              <ErrorSummary form="load" errors={l.errors} labels={CALENDAR_LABELS} />
              <TextField
                form="load"
                name="year"
                label="年份"
                type="number"
                min={2000}
                max={2100}
                state={l}
                required
              />
              <TextArea
                form="load"
                name="schedule"
                label="放假和调休日期"
                state={l}
                rows={10}
                hint="每行一天：YYYY-MM-DD 休 或 YYYY-MM-DD 班，可加备注，如 2027-01-01 休 元旦。载入后替换该年已有的调整，并重算所有暂定的办理时限。"
              />
              <button type="submit">载入</button>
            </form>
          </section>
        </div>
      </div>
    </AdminFrame>
  )
}
