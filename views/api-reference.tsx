import type { Child } from 'hono/jsx'
import type { Locale } from './i18n'
import { Layout } from './layout'

/*
 * The API reference page (`GET /api/v1/docs`): the OpenAPI document rendered on the server as
 * plain HTML (no script, no CDN), so what a reader sees is exactly what `openapi.json` says.
 */

type Json = Record<string, unknown>

const asObject = (v: unknown): Json =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {}
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** `code`, **bold** and blank-line paragraphs of the document's descriptions. */
function Prose({ text }: { text: string | undefined }) {
  if (!text) return null
  return (
    <>
      {text.split(/\n\s*\n/).map((para) => (
        <p>{inline(para.replace(/\s*\n\s*/g, ' '))}</p>
      ))}
    </>
  )
}

function inline(text: string): Child[] {
  const parts: Child[] = []
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*/g
  let last = 0
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m.index > last) parts.push(text.slice(last, m.index))
    parts.push(m[1] !== undefined ? <code>{m[1]}</code> : <strong>{m[2]}</strong>)
    last = m.index + m[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

const refName = (ref: string) => ref.split('/').at(-1) ?? ref

/** A schema's type in a few words, with links to named schemas. */
function TypeOf({ schema }: { schema: unknown }): Child {
  const s = asObject(schema)
  const ref = asString(s.$ref)
  if (ref) return <a href={`#schema-${refName(ref)}`}>{refName(ref)}</a>
  if (s.const !== undefined) return <code>{JSON.stringify(s.const)}</code>
  if (Array.isArray(s.enum)) {
    return (
      <>
        one of{' '}
        {s.enum.map((v, i) => (
          <>
            {i > 0 ? ', ' : ''}
            <code>{String(v)}</code>
          </>
        ))}
      </>
    )
  }
  const union = asArray(s.anyOf).length > 0 ? asArray(s.anyOf) : asArray(s.oneOf)
  if (union.length > 0) {
    return (
      <>
        {union.map((u, i) => (
          <>
            {i > 0 ? ' or ' : ''}
            <TypeOf schema={u} />
          </>
        ))}
      </>
    )
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [String(s.type)] : []
  if (types.includes('array')) {
    return (
      <>
        array of <TypeOf schema={s.items} />
        {types.includes('null') ? ' or null' : ''}
      </>
    )
  }
  const format = asString(s.format)
  return <>{types.length > 0 ? types.join(' or ') + (format ? ` (${format})` : '') : 'any'}</>
}

/** Limits worth telling: lengths, ranges, patterns, defaults. */
function constraints(schema: unknown): string {
  const s = asObject(schema)
  const out: string[] = []
  if (typeof s.minLength === 'number' && s.minLength > 0)
    out.push(`at least ${s.minLength} characters`)
  if (typeof s.maxLength === 'number') out.push(`at most ${s.maxLength} characters`)
  if (typeof s.minimum === 'number') out.push(`≥ ${s.minimum}`)
  if (typeof s.exclusiveMinimum === 'number') out.push(`> ${s.exclusiveMinimum}`)
  if (typeof s.maximum === 'number' && s.maximum < Number.MAX_SAFE_INTEGER)
    out.push(`≤ ${s.maximum}`)
  if (typeof s.pattern === 'string' && s.format === undefined) out.push(`matches ${s.pattern}`)
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`)
  return out.join('; ')
}

/** The properties of an object schema (or each variant of a union of objects). */
function Properties({ schema }: { schema: unknown }) {
  const s = asObject(schema)
  const variants = asArray(s.oneOf).length > 0 ? asArray(s.oneOf) : asArray(s.anyOf)
  if (variants.length > 0 && variants.every((v) => asObject(v).type === 'object')) {
    return (
      <>
        {variants.map((v) => {
          const action = asObject(asObject(asObject(v).properties).action).const
          return (
            <section>
              <h4>{action !== undefined ? <code>{String(action)}</code> : 'Variant'}</h4>
              <Properties schema={v} />
            </section>
          )
        })}
      </>
    )
  }
  const props = asObject(s.properties)
  const required = new Set(asArray(s.required).map(String))
  const names = Object.keys(props)
  if (names.length === 0) {
    return (
      <p>
        <TypeOf schema={schema} />
      </p>
    )
  }
  return (
    <dl>
      {names.map((name) => {
        const p = props[name]
        const note = constraints(p)
        return (
          <>
            <dt>
              <code>{name}</code> — <TypeOf schema={p} />
              {required.has(name) ? ', required' : ''}
            </dt>
            <dd>
              {inline(asString(asObject(p).description) ?? '')}
              {note ? <small> ({note})</small> : null}
            </dd>
          </>
        )
      })}
    </dl>
  )
}

function Operation({ path, method, op }: { path: string; method: string; op: Json }) {
  const params = asArray(op.parameters).map(asObject)
  const body = asObject(asObject(asObject(op.requestBody).content)['application/json']).schema
  const responses = asObject(op.responses)
  const id = asString(op.operationId) ?? `${method}-${path}`
  return (
    <section class="card" id={id}>
      <h3>
        <code>
          {method.toUpperCase()} {path}
        </code>
      </h3>
      <p>
        <strong>{asString(op.summary)}</strong> <small>({id})</small>
      </p>
      <Prose text={asString(op.description)} />
      {params.length > 0 && (
        <>
          <h4>Parameters</h4>
          <dl>
            {params.map((p) => {
              const note = constraints(p.schema)
              return (
                <>
                  <dt>
                    <code>{asString(p.name)}</code> — in {asString(p.in)},{' '}
                    <TypeOf schema={p.schema} />
                    {p.required ? ', required' : ''}
                  </dt>
                  <dd>
                    {inline(asString(p.description) ?? '')}
                    {note ? <small> ({note})</small> : null}
                    {p.example !== undefined ? (
                      <small>
                        {' '}
                        e.g. <code>{String(p.example)}</code>
                      </small>
                    ) : null}
                  </dd>
                </>
              )
            })}
          </dl>
        </>
      )}
      {body !== undefined && (
        <>
          <h4>Request body (application/json)</h4>
          <p>
            <TypeOf schema={body} />
          </p>
        </>
      )}
      <h4>Responses</h4>
      <dl>
        {Object.entries(responses).map(([status, r]) => {
          const content = asObject(asObject(r).content)
          const media = Object.keys(content)
          const headers = Object.keys(asObject(asObject(r).headers))
          return (
            <>
              <dt>
                <strong>{status}</strong>
                {media.map((m) => {
                  const schema = asObject(content[m]).schema
                  const named = asString(asObject(schema).$ref)
                  return (
                    <>
                      {' '}
                      — {m}
                      {named ? (
                        <>
                          {' '}
                          <TypeOf schema={schema} />
                        </>
                      ) : null}
                    </>
                  )
                })}
              </dt>
              <dd>
                {inline(asString(asObject(r).description) ?? '')}
                {headers.length > 0 ? <small> Headers: {headers.join(', ')}.</small> : null}
              </dd>
            </>
          )
        })}
      </dl>
    </section>
  )
}

/** Props of {@link ApiReferencePage}. */
export interface ApiReferenceProps {
  locale: Locale
  path: string
  /** The OpenAPI 3.1 document (`openApiDocument()`). */
  doc: Record<string, unknown>
}

/**
 * The API reference: the introduction, every operation by tag with its parameters, body and
 * responses, and every named schema's fields — all read from the OpenAPI document.
 *
 * @example c.html(<ApiReferencePage locale="zh" path="/api/v1/docs" doc={openApiDocument()} />)
 */
export function ApiReferencePage({ locale, path, doc }: ApiReferenceProps) {
  const info = asObject(doc.info)
  const title = asString(info.title) ?? 'API'
  const paths = asObject(doc.paths)
  const ops = Object.entries(paths).flatMap(([p, item]) =>
    Object.entries(asObject(item)).map(([method, op]) => ({ path: p, method, op: asObject(op) })),
  )
  const tags = asArray(doc.tags).map((t) => asString(asObject(t).name) ?? '')
  const schemas = asObject(asObject(doc.components).schemas)
  return (
    <Layout locale={locale} title={title} path={path}>
      <h1>{title}</h1>
      <p class="lead">
        Version {asString(info.version)} · OpenAPI {asString(doc.openapi)} ·{' '}
        <a href="/api/v1/openapi.json">openapi.json</a>
      </p>
      <Prose text={asString(info.description)} />
      <nav aria-label="Operations">
        <h2>Operations</h2>
        {tags.map((tag) => (
          <>
            <h3>{tag}</h3>
            <ul>
              {ops
                .filter((o) => asArray(o.op.tags).includes(tag))
                .map((o) => (
                  <li>
                    <a href={`#${asString(o.op.operationId) ?? ''}`}>
                      <code>
                        {o.method.toUpperCase()} {o.path}
                      </code>
                    </a>{' '}
                    {asString(o.op.summary)}
                  </li>
                ))}
            </ul>
          </>
        ))}
      </nav>
      {tags.map((tag) => (
        <>
          <h2>{tag}</h2>
          {ops
            .filter((o) => asArray(o.op.tags).includes(tag))
            .map((o) => (
              <Operation path={o.path} method={o.method} op={o.op} />
            ))}
        </>
      ))}
      <h2>Schemas</h2>
      {Object.entries(schemas).map(([name, schema]) => (
        <section class="card" id={`schema-${name}`}>
          <h3>{name}</h3>
          <Prose text={asString(asObject(schema).description)} />
          <Properties schema={schema} />
        </section>
      ))}
    </Layout>
  )
}
