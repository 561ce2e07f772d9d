import type { Child } from 'hono/jsx'
import { raw } from 'hono/html'
import { ROLE_LABELS } from '../../src/domain/codes'
import type { StaffSession } from '../../src/services/sessions'

/** Props of {@link StaffLayout}. */
export interface StaffLayoutProps {
  title: string
  session: StaffSession | null
  children?: Child
  wide?: boolean
}

/**
 * The back-office frame: who is signed in, the navigation by role, logout. Every htmx request
 * inside carries the session's CSRF token (`hx-headers:inherited`).
 *
 * @example <StaffLayout title="工单" session={session}>…</StaffLayout>
 */
export function StaffLayout({ title, session, children, wide }: StaffLayoutProps) {
  const user = session?.user
  const headers = session ? JSON.stringify({ 'X-CSRF-Token': session.csrfToken }) : undefined
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="zh-CN">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content='{"mode":"same-origin"}' />
          <meta name="robots" content="noindex" />
          <title>{`${title} · 热线工单系统`}</title>
          <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
          <link rel="stylesheet" href="/assets/app.css" />
          <link rel="stylesheet" href="/assets/staff.css" />
          <script src="/assets/htmx.min.js" defer></script>
          <script src="/assets/app.js" defer></script>
        </head>
        <body class="staff" hx-headers:inherited={headers}>
          <header class="site">
            <div class={wide ? 'wrap wide' : 'wrap'}>
              <a class="brand" href="/staff/cases">
                <span class="brand-mark" aria-hidden="true">
                  12345
                </span>
                <span>
                  <strong>热线工单系统</strong>
                  <small>{user ? `${user.displayName} · ${ROLE_LABELS[user.role]}${user.unitName ? ` · ${user.unitName}` : ''}` : '工作人员登录'}</small>
                </span>
              </a>
              {user && (
                <nav aria-label="工作台">
                  <a href="/staff/cases">工单</a>
                  {user.role === 'dispatcher' && <a href="/staff/intake">接听登记</a>}
                  {user.role === 'dispatcher' && <a href="/staff/window">办不成事窗口</a>}
                  {(user.role === 'reporter' || user.role === 'supervisor' || user.role === 'dispatcher' || user.role === 'admin') && (
                    <a href="/staff/reports">报表</a>
                  )}
                  {user.role === 'admin' && <a href="/staff/admin">管理</a>}
                  <form method="post" action="/staff/logout" class="inline">
                    <input type="hidden" name="_csrf" value={session.csrfToken} />
                    <button type="submit" class="link">
                      退出
                    </button>
                  </form>
                </nav>
              )}
            </div>
          </header>
          <main id="main" class={wide ? 'wrap wide' : 'wrap'}>
            {children}
          </main>
        </body>
      </html>
    </>
  )
}
