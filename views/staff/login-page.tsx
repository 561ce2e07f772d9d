import { StaffLayout } from './layout'

/**
 * `/staff/login`: username and password; one message for every failure.
 *
 * @example c.html(<LoginPage next="/staff/cases" error={null} username="" />)
 */
export function LoginPage(props: { next: string; error: string | null; username: string }) {
  return (
    <StaffLayout title="登录" session={null}>
      <h1>工作人员登录</h1>
      <form class="card narrow" method="post" action="/staff/login">
        {props.error && (
          <p class="notice bad" role="alert">
            {props.error}
          </p>
        )}
        <input type="hidden" name="next" value={props.next} />
        <div class="field">
          <label class="label" for="username">
            用户名
          </label>
          <input type="text" id="username" name="username" autocomplete="username" required value={props.username} />
        </div>
        <div class="field">
          <label class="label" for="password">
            密码
          </label>
          <input type="password" id="password" name="password" autocomplete="current-password" required />
        </div>
        <button type="submit">登录</button>
      </form>
    </StaffLayout>
  )
}
