import { KINDS, type Kind } from '../src/domain/codes'
import { t, type Locale } from './i18n'
import { Layout } from './layout'

/** What the citizen typed, kept when the form comes back with errors. */
export interface FilingFormValues {
  kind: string
  categoryId: string
  title: string
  content: string
  districtId: string
  address: string
  citizenName: string
  citizenPhone: string
  confidential: boolean
  consent: boolean
  submissionId: string
}

/** A two-level category tree for the select. */
export interface CategoryGroup {
  id: number
  name: string
  children: { id: number; name: string }[]
}

/** Everything the filing form needs. */
export interface FilingFormProps {
  locale: Locale
  values: FilingFormValues
  errors: Record<string, string>
  categories: CategoryGroup[]
  districts: { id: number; name: string }[]
}

/**
 * Empty form values with a fresh submission id (one case per id, whatever the retries).
 *
 * @example emptyFilingValues('3f2a…')
 */
export function emptyFilingValues(submissionId: string): FilingFormValues {
  return {
    kind: '',
    categoryId: '',
    title: '',
    content: '',
    districtId: '',
    address: '',
    citizenName: '',
    citizenPhone: '',
    confidential: false,
    consent: false,
    submissionId,
  }
}

function ErrorText({ id, error }: { id: string; error: string | undefined }) {
  return (
    <span class="field-error" id={`${id}-error`}>
      {error ?? ''}
    </span>
  )
}

function aria(id: string, error: string | undefined, hint = false) {
  const describedBy = [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ')
  return {
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': describedBy,
  }
}

/**
 * The filing form, also the fragment htmx swaps back in when validation fails.
 *
 * @example <FilingForm locale="zh" values={…} errors={{}} categories={…} districts={…} />
 */
export function FilingForm({ locale, values, errors, categories, districts }: FilingFormProps) {
  const m = t(locale).file
  const e = errors
  const errorList = Object.entries(e)
  return (
    <form
      id="filing"
      class="card"
      method="post"
      action="/cases"
      enctype="multipart/form-data"
      novalidate
      hx-post="/cases"
      hx-target="this"
      hx-swap="outerHTML"
      hx-disable="find button[type='submit']"
    >
      {errorList.length > 0 && (
        <div class="notice bad" role="alert" tabindex={-1} id="error-summary">
          <h2>{m.errorSummary}</h2>
          <ul>
            {errorList.map(([field, message]) => (
              <li>
                <a href={`#${field}`}>{message}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <input type="hidden" name="submissionId" value={values.submissionId} />

      <fieldset class="field" aria-describedby="kind-error">
        <legend>{m.kind}</legend>
        <div class="choices">
          {KINDS.map((kind: Kind, i: number) => (
            <label>
              <input
                id={i === 0 ? 'kind' : undefined}
                type="radio"
                name="kind"
                value={kind}
                checked={values.kind === kind}
                required
                aria-invalid={e.kind ? 'true' : undefined}
              />
              {t(locale).kinds[kind]}
            </label>
          ))}
        </div>
        <ErrorText id="kind" error={e.kind} />
      </fieldset>

      <div class="field">
        <label class="label" for="categoryId">
          {m.category}
        </label>
        <select id="categoryId" name="categoryId" required {...aria('categoryId', e.categoryId)}>
          <option value="">{m.categoryPlaceholder}</option>
          {categories.map((group) => (
            <optgroup label={group.name}>
              {group.children.length === 0 ? (
                <option value={String(group.id)} selected={values.categoryId === String(group.id)}>
                  {group.name}
                </option>
              ) : (
                group.children.map((c) => (
                  <option value={String(c.id)} selected={values.categoryId === String(c.id)}>
                    {c.name}
                  </option>
                ))
              )}
            </optgroup>
          ))}
        </select>
        <ErrorText id="categoryId" error={e.categoryId} />
      </div>

      <div class="field">
        <label class="label" for="title">
          {m.titleLabel}
        </label>
        <span class="hint" id="title-hint">
          {m.titleHint}
        </span>
        <input
          type="text"
          id="title"
          name="title"
          maxlength={100}
          required
          value={values.title}
          {...aria('title', e.title, true)}
        />
        <ErrorText id="title" error={e.title} />
      </div>

      <div class="field">
        <label class="label" for="content">
          {m.content}
        </label>
        <span class="hint" id="content-hint">
          {m.contentHint} <span id="content-count" aria-live="polite"></span>
        </span>
        <textarea
          id="content"
          name="content"
          maxlength={4000}
          required
          rows={6}
          {...aria('content', e.content, true)}
        >
          {values.content}
        </textarea>
        <ErrorText id="content" error={e.content} />
      </div>

      <div class="row two">
        <div class="field">
          <label class="label" for="districtId">
            {m.district}
          </label>
          <select id="districtId" name="districtId" required {...aria('districtId', e.districtId)}>
            <option value="">{m.districtPlaceholder}</option>
            {districts.map((d) => (
              <option value={String(d.id)} selected={values.districtId === String(d.id)}>
                {d.name}
              </option>
            ))}
          </select>
          <ErrorText id="districtId" error={e.districtId} />
        </div>
        <div class="field">
          <label class="label" for="address">
            {m.address}
          </label>
          <input
            type="text"
            id="address"
            name="address"
            maxlength={200}
            autocomplete="street-address"
            value={values.address}
            {...aria('address', e.address)}
          />
          <ErrorText id="address" error={e.address} />
        </div>
      </div>

      <div class="field">
        <label class="label" for="photos">
          {m.photos}
        </label>
        <span class="hint" id="photos-hint">
          {m.photosHint}
        </span>
        <input
          type="file"
          id="photos"
          name="photos"
          accept="image/jpeg,image/png,image/webp"
          multiple
          {...aria('photos', e.photos, true)}
        />
        <ErrorText id="photos" error={e.photos} />
      </div>

      <fieldset class="field">
        <legend>{m.aboutYou}</legend>
        <span class="hint">{m.aboutYouHint}</span>
        <div class="row two">
          <div class="field">
            <label class="label" for="citizenName">
              {m.name}
            </label>
            <input
              type="text"
              id="citizenName"
              name="citizenName"
              maxlength={50}
              autocomplete="name"
              value={values.citizenName}
              {...aria('citizenName', e.citizenName)}
            />
            <ErrorText id="citizenName" error={e.citizenName} />
          </div>
          <div class="field">
            <label class="label" for="citizenPhone">
              {m.phone}
            </label>
            <input
              type="tel"
              id="citizenPhone"
              name="citizenPhone"
              inputmode="numeric"
              autocomplete="tel-national"
              maxlength={11}
              value={values.citizenPhone}
              {...aria('citizenPhone', e.citizenPhone)}
            />
            <ErrorText id="citizenPhone" error={e.citizenPhone} />
          </div>
        </div>
        <label class="check">
          <input type="checkbox" name="confidential" value="1" checked={values.confidential} />
          <span>{m.confidential}</span>
        </label>
      </fieldset>

      <div class="field">
        <label class="check">
          <input
            type="checkbox"
            id="consent"
            name="consent"
            value="1"
            required
            checked={values.consent}
            {...aria('consent', e.consent)}
          />
          <span>{m.consent}</span>
        </label>
        <ErrorText id="consent" error={e.consent} />
      </div>

      <div class="submit-row">
        <button type="submit">{m.submit}</button>
      </div>
    </form>
  )
}

/**
 * The home page: the filing form in the layout.
 *
 * @example c.html(<FilePage {...props} path="/" />)
 */
export function FilePage(props: FilingFormProps & { path: string }) {
  const m = t(props.locale).file
  return (
    <Layout locale={props.locale} title={m.title} path={props.path}>
      <h1>{m.title}</h1>
      <p class="lead">{m.intro}</p>
      <FilingForm {...props} />
    </Layout>
  )
}
