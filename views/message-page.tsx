import type { Locale } from './i18n'
import { Layout } from './layout'

/**
 * A plain page with a heading and one paragraph: 404, 413, 429 and 500 pages.
 *
 * @example c.html(<MessagePage locale="zh" path="/x" title="页面不存在" text="…" />, 404)
 */
export function MessagePage(props: { locale: Locale; path: string; title: string; text: string }) {
  return (
    <Layout locale={props.locale} title={props.title} path={props.path}>
      <h1>{props.title}</h1>
      <p class="lead">{props.text}</p>
      <p>
        <a href="/">{props.locale === 'zh' ? '返回首页' : 'Back to the start'}</a>
      </p>
    </Layout>
  )
}
