import type { Child } from 'hono/jsx'
import { raw } from 'hono/html'
import { t, type Locale } from './i18n'

/** What every public page passes to the layout. */
export interface LayoutProps {
  locale: Locale
  title: string
  /** The current path and query, for the language switch to come back to. */
  path: string
  children?: Child
}

/**
 * The public page frame: header with the service name and language switch, main, footer. Loads
 * the app's own stylesheet and htmx (no CDN); htmx stays on same-origin requests.
 *
 * @example <Layout locale="zh" title="我要反映" path="/">…</Layout>
 */
export function Layout({ locale, title, path, children }: LayoutProps) {
  const m = t(locale)
  const other: Locale = locale === 'zh' ? 'en' : 'zh'
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={m.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"mode":"same-origin","history":false}' />
        <title>{`${title} · ${m.siteName}`}</title>
        <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/htmx.min.js" defer></script>
        <script src="/assets/app.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          {locale === 'zh' ? '跳到主要内容' : 'Skip to content'}
        </a>
        <header class="site">
          <div class="wrap">
            <a class="brand" href="/">
              <span class="brand-mark" aria-hidden="true">
                12345
              </span>
              <span>
                <strong>{m.siteName}</strong>
                <small>{m.siteTagline}</small>
              </span>
            </a>
            <nav aria-label={locale === 'zh' ? '主导航' : 'Main'}>
              <a href="/">{m.nav.file}</a>
              <a href="/track">{m.nav.track}</a>
              <a href="/stats">{m.nav.stats}</a>
              <a
                class="lang"
                href={`/lang/${other}?next=${encodeURIComponent(path)}`}
                lang={other === 'zh' ? 'zh-CN' : 'en'}
              >
                {m.switchTo}
              </a>
            </nav>
          </div>
        </header>
        <main id="main" class="wrap">
          {children}
        </main>
        <footer class="site">
          <div class="wrap">{m.footer}</div>
        </footer>
      </body>
      </html>
    </>
  )
}
