import { RATINGS, isSatisfied, type Rating } from '../src/domain/codes'
import type { Status } from '../src/domain/status'
import { formatDateTime } from './format'
import { t, type Locale } from './i18n'
import { Layout } from './layout'

/** One line of the public timeline: what the citizen may see, never notes or staff names. */
export interface PublicEvent {
  at: string
  text: string
}

/** What the tracking page shows of a case. */
export interface PublicCase {
  caseNumber: string
  kind: string
  title: string
  content: string
  status: Status
  dueAt: string
  dueProvisional: boolean
  unitName: string | null
  reply: string | null
  rating: Rating | null
  ratingComment: string | null
  mayRate: boolean
  photos: { id: number }[]
}

/** Props of {@link TrackPage}. */
export interface TrackPageProps {
  locale: Locale
  timeZone: string
  code: string
  path: string
  order: PublicCase
  events: PublicEvent[]
  justFiled: boolean
  ratingErrors?: Record<string, string>
  ratingValues?: { rating?: string; comment?: string }
  justRated?: boolean
}

/**
 * The rating form, or the thanks once rated; htmx swaps this part alone.
 *
 * @example <RatingPanel locale="zh" code={code} order={order} />
 */
export function RatingPanel(props: Pick<TrackPageProps, 'locale' | 'code' | 'order' | 'ratingErrors' | 'ratingValues' | 'justRated'>) {
  const m = t(props.locale)
  const { order } = props
  if (!order.mayRate) {
    if (!order.rating) return <div id="rating"></div>
    return (
      <section id="rating" class="card" aria-live="polite">
        {props.justRated && (
          <p class="notice ok" role="status">
            {isSatisfied(order.rating) ? m.rate.thanks : m.rate.thanksDissatisfied}
          </p>
        )}
        <dl class="facts">
          <dt>{m.rate.yours}</dt>
          <dd>{m.ratings[order.rating]}</dd>
        </dl>
      </section>
    )
  }
  const error = props.ratingErrors?.rating
  return (
    <section id="rating" class="card">
      <form
        method="post"
        action={`/track/${props.code}/rating`}
        hx-post={`/track/${props.code}/rating`}
        hx-target="#rating"
        hx-swap="outerHTML"
        hx-disable="find button"
      >
        <fieldset aria-describedby="rating-error">
          <legend>
            <h2 class="m0">{m.rate.title}</h2>
          </legend>
          <div class="choices" id="rating-choices">
            {RATINGS.map((r) => (
              <label>
                <input
                  type="radio"
                  name="rating"
                  value={r}
                  checked={props.ratingValues?.rating === r}
                  aria-invalid={error ? 'true' : undefined}
                />
                {m.ratings[r]}
              </label>
            ))}
          </div>
          <span class="field-error" id="rating-error">
            {error ?? ''}
          </span>
        </fieldset>
        <div class="field">
          <label class="label" for="comment">
            {m.rate.comment}
          </label>
          <span class="hint" id="comment-hint">
            {m.rate.whyDissatisfied}
          </span>
          <textarea id="comment" name="comment" maxlength={1000} rows={3} aria-describedby="comment-hint">
            {props.ratingValues?.comment ?? ''}
          </textarea>
        </div>
        <button type="submit">{m.rate.submit}</button>
      </form>
    </section>
  )
}

/**
 * The tracking page: status in plain words, the deadline, the public timeline, the reply and, after
 * closure, the rating form.
 *
 * @example c.html(<TrackPage {...props} />)
 */
export function TrackPage(props: TrackPageProps) {
  const m = t(props.locale)
  const { order } = props
  const closed = order.status === 'closed' || order.status === 'archived'
  const statusClass = closed ? 'closed' : order.status === 'invalid' || order.status === 'merged' ? 'other' : ''
  return (
    <Layout locale={props.locale} title={m.track.title} path={props.path}>
      {props.justFiled && (
        <section class="notice ok" role="status" aria-labelledby="filed-title">
          <h2 id="filed-title">{m.track.filedTitle}</h2>
          <p class="m0">{m.track.filedIntro}</p>
          <div class="code-box">
            <span class="code" id="tracking-code">
              {props.code.replace(/(.{4})(?=.)/g, '$1 ')}
            </span>
            <button type="button" class="secondary js-only" data-copy="tracking-code" data-copied={m.track.copied}>
              {m.track.copy}
            </button>
          </div>
        </section>
      )}
      <h1>{m.track.title}</h1>
      <section class="card">
        <dl class="facts">
          <dt>{m.track.caseNumber}</dt>
          <dd>{order.caseNumber}</dd>
          <dt>{m.track.status}</dt>
          <dd>
            <span class={`status ${statusClass}`}>{m.statuses[order.status]}</span>
          </dd>
          {!closed && order.status !== 'invalid' && order.status !== 'merged' && (
            <>
              <dt>{m.track.deadline}</dt>
              <dd>
                {formatDateTime(order.dueAt, props.timeZone)}
                {order.dueProvisional ? m.track.provisional : ''}
              </dd>
            </>
          )}
          {order.unitName && (
            <>
              <dt>{m.track.unit}</dt>
              <dd>{order.unitName}</dd>
            </>
          )}
        </dl>
        {order.reply && (
          <>
            <h2>{m.track.reply}</h2>
            <blockquote class="reply">{order.reply}</blockquote>
          </>
        )}
      </section>
      <RatingPanel {...props} />
      <section class="card">
        <h2 class="mt0">{m.track.timeline}</h2>
        <ol class="timeline">
          {props.events.map((ev) => (
            <li>
              <time datetime={ev.at}>{formatDateTime(ev.at, props.timeZone)}</time>
              {ev.text}
            </li>
          ))}
        </ol>
      </section>
      <section class="card">
        <h2 class="mt0">{m.track.yourRequest}</h2>
        <p class="m0">
          <strong>{order.title}</strong>
        </p>
        <p class="content">{order.content}</p>
        {order.photos.length > 0 && (
          <div class="photos" aria-label={m.track.photos}>
            {order.photos.map((p, i) => (
              <a href={`/track/${props.code}/photos/${p.id}`}>
                <img src={`/track/${props.code}/photos/${p.id}`} alt={`${m.track.photos} ${i + 1}`} loading="lazy" />
              </a>
            ))}
          </div>
        )}
      </section>
    </Layout>
  )
}

/**
 * The lookup form at `/track`, and the not-found page (404) for a wrong code.
 *
 * @example c.html(<LookupPage locale="zh" path="/track" notFound={false} />)
 */
export function LookupPage(props: { locale: Locale; path: string; notFound: boolean; code?: string }) {
  const m = t(props.locale).track
  return (
    <Layout locale={props.locale} title={props.notFound ? m.notFoundTitle : m.lookupTitle} path={props.path}>
      <h1>{props.notFound ? m.notFoundTitle : m.lookupTitle}</h1>
      <p class="lead">{props.notFound ? m.notFoundIntro : m.lookupIntro}</p>
      <form class="card" method="get" action="/track">
        <div class="field">
          <label class="label" for="code">
            {m.codeLabel}
          </label>
          <input type="text" id="code" name="code" autocomplete="off" spellcheck={false} required value={props.code ?? ''} />
        </div>
        <button type="submit">{m.lookup}</button>
      </form>
    </Layout>
  )
}
