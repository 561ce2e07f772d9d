import { KINDS, type Kind } from '../domain/codes'
import { HotlineError } from '../domain/errors'
import type { FilingFormValues } from '../../views/file-page'
import { t, type Locale } from '../../views/i18n'
import { inTransaction, nowOf, type Deps } from './deps'
import type { PhotoStore } from './photo-store'
import { preparePhotos, type PhotoUpload, type PreparedPhoto } from './photos'
import { mobilePhone } from './schemas'
import { fileCase } from './work-orders'

/** A parsed multipart body of the filing form. */
export type WebFiling = Record<string, string | File | (string | File)[]>

/** Filed (go to `location`), or the form back with the citizen's values and an error per field. */
export type WebFilingOutcome =
  | { ok: true; location: string }
  | { ok: false; values: FilingFormValues; errors: Record<string, string> }

const PRINCIPAL = 'web-form'
const KEEP_KEYS_MS = 24 * 3600 * 1000

function text(body: WebFiling, name: string): string {
  const v = body[name]
  const first = Array.isArray(v) ? v[0] : v
  return typeof first === 'string' ? first.trim() : ''
}

function files(body: WebFiling, name: string): File[] {
  const v = body[name]
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v]
  return list.filter((f): f is File => typeof f !== 'string' && f.size > 0)
}

/**
 * Checks the citizen's form in their language: every field's error at once, in Chinese (or
 * English), nothing stored.
 *
 * @example const { values, errors } = checkFilingForm(body, 'zh')
 */
export function checkFilingForm(
  body: WebFiling,
  locale: Locale,
): { values: FilingFormValues; errors: Record<string, string> } {
  const m = t(locale).errors
  const values: FilingFormValues = {
    kind: text(body, 'kind'),
    categoryId: text(body, 'categoryId'),
    title: text(body, 'title'),
    content: text(body, 'content'),
    districtId: text(body, 'districtId'),
    address: text(body, 'address'),
    citizenName: text(body, 'citizenName'),
    citizenPhone: text(body, 'citizenPhone').replace(/[\s-]/g, ''),
    confidential: text(body, 'confidential') !== '',
    consent: text(body, 'consent') !== '',
    submissionId: text(body, 'submissionId'),
  }
  const errors: Record<string, string> = {}
  if (!KINDS.includes(values.kind as Kind)) errors.kind = m.chooseKind
  if (!/^\d+$/.test(values.categoryId)) errors.categoryId = m.chooseCategory
  if (values.title === '') errors.title = m.titleRequired
  else if (values.title.length > 100) errors.title = m.tooLong(100)
  if (values.content === '') errors.content = m.contentRequired
  else if (values.content.length > 4000) errors.content = m.tooLong(4000)
  if (!/^\d+$/.test(values.districtId)) errors.districtId = m.chooseDistrict
  if (values.address.length > 200) errors.address = m.tooLong(200)
  if (values.citizenName.length > 50) errors.citizenName = m.tooLong(50)
  if (values.citizenPhone !== '' && !mobilePhone.safeParse(values.citizenPhone).success) {
    errors.citizenPhone = m.phone
  }
  if (!values.consent) errors.consent = m.consent
  return { values, errors }
}

/**
 * Files a case from the public web form: checks the fields, re-encodes the photos, and files it
 * once per submission id — a double click, a refresh or a retry returns the first case's page.
 * The stored answer (which holds the tracking code) is kept 24 hours, then purged.
 *
 * @example const outcome = await fileWebCase(deps, body, 'zh', databasePhotoStore)
 */
export async function fileWebCase(
  deps: Deps,
  body: WebFiling,
  locale: Locale,
  photoStore: PhotoStore,
): Promise<WebFilingOutcome> {
  const { values, errors } = checkFilingForm(body, locale)
  let photos: PreparedPhoto[] = []
  const uploads = files(body, 'photos')
  try {
    const parts: PhotoUpload[] = await Promise.all(
      uploads.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
    )
    photos = await preparePhotos(parts, 'photos')
  } catch (err) {
    if (!(err instanceof HotlineError) || !err.fields?.photos) throw err
    errors.photos = err.fields.photos
  }
  if (Object.keys(errors).length > 0) return { ok: false, values, errors }

  const key = /^[0-9a-f]{32}$/.test(values.submissionId) ? values.submissionId : null
  if (key) {
    const earlier = await storedLocation(deps, key)
    if (earlier) return { ok: true, location: earlier }
  }
  try {
    const location = await inTransaction(deps.db, async (trx) => {
      const now = nowOf(deps)
      if (key) {
        await trx
          .deleteFrom('idempotency_keys')
          .where('principal', '=', PRINCIPAL)
          .where('created_at', '<', new Date(Date.parse(now) - KEEP_KEYS_MS).toISOString())
          .execute()
        await trx
          .insertInto('idempotency_keys')
          .values({ principal: PRINCIPAL, key, request_hash: '', status: 0, body: '', created_at: now })
          .execute()
      }
      const { trackingCode } = await fileCase(
        { ...deps, db: trx },
        {
          channel: 'web',
          kind: values.kind as Kind,
          urgency: 'normal',
          categoryId: Number(values.categoryId),
          districtId: Number(values.districtId),
          title: values.title,
          content: values.content,
          address: values.address || undefined,
          citizenName: values.citizenName || undefined,
          citizenPhone: values.citizenPhone || undefined,
          confidential: values.confidential,
        },
        { id: null, role: 'citizen', unitId: null, name: '群众' },
        { store: photoStore, items: photos },
      )
      const target = `/track/${trackingCode}?filed=1`
      if (key) {
        await trx
          .updateTable('idempotency_keys')
          .set({ status: 303, body: target })
          .where('principal', '=', PRINCIPAL)
          .where('key', '=', key)
          .execute()
      }
      return target
    })
    return { ok: true, location }
  } catch (err) {
    if (key) {
      const earlier = await storedLocation(deps, key)
      if (earlier) return { ok: true, location: earlier }
    }
    if (err instanceof HotlineError && err.fields) {
      const m = t(locale).errors
      const mapped: Record<string, string> = {}
      for (const field of Object.keys(err.fields)) {
        mapped[field] =
          field === 'categoryId' ? m.chooseCategory : field === 'districtId' ? m.chooseDistrict : m.required
      }
      return { ok: false, values, errors: mapped }
    }
    throw err
  }
}

async function storedLocation(deps: Deps, key: string): Promise<string | null> {
  const row = await deps.db
    .selectFrom('idempotency_keys')
    .select(['status', 'body'])
    .where('principal', '=', PRINCIPAL)
    .where('key', '=', key)
    .executeTakeFirst()
  return row && row.status === 303 ? row.body : null
}
