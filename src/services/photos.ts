import sharp from 'sharp'
import { HotlineError, invalidField } from '../domain/errors'

/**
 * Photos a citizen sends with a case: checked by content (never by name or declared type), decoded
 * with limits so a decompression bomb or a corrupt file is refused, turned upright, scaled down and
 * re-encoded without any metadata (EXIF, GPS, XMP, ICC), so nothing but the pixels is kept.
 *
 * Node only: sharp is a native module and cannot run on Workers.
 */

/** The largest upload accepted, per photo: 5 MB. */
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024

/** How many photos one case may carry. */
export const MAX_PHOTOS = 3

/** The largest image decoded, in pixels (width × height, as declared in the file's header). */
export const MAX_PHOTO_PIXELS = 40_000_000

/** Stored photos fit within this many pixels on each side. */
export const MAX_PHOTO_SIDE = 2560

/** The reasons a photo is refused, as the citizen reads them next to the field. */
export const PHOTO_ERRORS = {
  empty: '图片文件是空的',
  notAnImage: '只能上传 JPEG、PNG 或 WebP 图片',
  tooLarge: '每张图片不能超过 5 MB',
  unreadable: '图片尺寸过大或已损坏',
  tooMany: `最多上传 ${MAX_PHOTOS} 张图片`,
} as const

/** The types kept, with their stored content type and file extension. */
const PHOTO_TYPES = {
  jpeg: { contentType: 'image/jpeg', extension: 'jpg' },
  png: { contentType: 'image/png', extension: 'png' },
  webp: { contentType: 'image/webp', extension: 'webp' },
} as const

/** A photo format Hotline accepts. */
export type PhotoFormat = keyof typeof PHOTO_TYPES
/** The content type a stored photo is served with. */
export type PhotoContentType = (typeof PHOTO_TYPES)[PhotoFormat]['contentType']
/** The extension of a stored photo's generated name. */
export type PhotoExtension = (typeof PHOTO_TYPES)[PhotoFormat]['extension']

/** An uploaded file as the route hands it over: the name the browser sent and the raw bytes. */
export interface PhotoUpload {
  name: string
  bytes: Uint8Array
}

/** A photo ready to store: re-encoded bytes with no metadata, and what to record about them. */
export interface PreparedPhoto {
  bytes: Uint8Array
  contentType: PhotoContentType
  width: number
  height: number
  extension: PhotoExtension
}

const startsWith = (bytes: Uint8Array, offset: number, magic: readonly number[]): boolean =>
  bytes.length >= offset + magic.length && magic.every((b, i) => bytes[offset + i] === b)

const JPEG_MAGIC = [0xff, 0xd8, 0xff]
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const RIFF = [0x52, 0x49, 0x46, 0x46]
const WEBP = [0x57, 0x45, 0x42, 0x50]

/**
 * The format of an image by its first bytes (JPEG `FF D8 FF`, PNG's 8-byte signature, WebP
 * `RIFF....WEBP`), or undefined for anything else, whatever its name says.
 *
 * @example detectPhotoFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])) // 'jpeg'
 */
export function detectPhotoFormat(bytes: Uint8Array): PhotoFormat | undefined {
  if (startsWith(bytes, 0, JPEG_MAGIC)) return 'jpeg'
  if (startsWith(bytes, 0, PNG_MAGIC)) return 'png'
  if (startsWith(bytes, 0, RIFF) && startsWith(bytes, 8, WEBP)) return 'webp'
  return undefined
}

/** Decoder options: refuse more than MAX_PHOTO_PIXELS and any decoding error or truncation. */
const DECODE: sharp.SharpOptions = { limitInputPixels: MAX_PHOTO_PIXELS, failOn: 'error' }

/**
 * Checks one uploaded photo and re-encodes it: refuses an empty file, a file over 5 MB (before
 * decoding anything) and anything that is not JPEG, PNG or WebP by content; decodes it with a
 * pixel limit so a decompression bomb or a corrupt file is refused; applies the EXIF orientation,
 * shrinks it to fit 2560×2560 and writes it again in its own format with no metadata at all.
 * Refusals are `validation_failed` errors on `field` with a reason a citizen can act on.
 *
 * @example const photo = await preparePhoto({ name: 'IMG_0001.jpg', bytes }, 'photos')
 */
export async function preparePhoto(file: PhotoUpload, field = 'photos'): Promise<PreparedPhoto> {
  const { bytes } = file
  if (bytes.byteLength === 0) throw invalidField(field, PHOTO_ERRORS.empty)
  if (bytes.byteLength > MAX_PHOTO_BYTES) throw invalidField(field, PHOTO_ERRORS.tooLarge)
  const format = detectPhotoFormat(bytes)
  if (!format) throw invalidField(field, PHOTO_ERRORS.notAnImage)
  try {
    // The header alone: the pixel limit applies here already, so a bomb is never decoded.
    const declared = await sharp(bytes, DECODE).metadata()
    if (declared.format !== format) throw invalidField(field, PHOTO_ERRORS.notAnImage)
    const pipeline = sharp(bytes, DECODE).rotate().resize(MAX_PHOTO_SIDE, MAX_PHOTO_SIDE, {
      fit: 'inside',
      withoutEnlargement: true,
    })
    const encoded =
      format === 'jpeg'
        ? pipeline.jpeg({ quality: 82, mozjpeg: true })
        : format === 'png'
          ? pipeline.png()
          : pipeline.webp({ quality: 82 })
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true })
    return {
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      contentType: PHOTO_TYPES[format].contentType,
      width: info.width,
      height: info.height,
      extension: PHOTO_TYPES[format].extension,
    }
  } catch (err) {
    if (err instanceof HotlineError) throw err
    throw invalidField(field, PHOTO_ERRORS.unreadable)
  }
}

/**
 * Prepares a case's photos in order, one at a time (each decode may take up to 40 megapixels of
 * memory). Parts with no name and no bytes, which a form sends for a file input left empty, are
 * skipped; more than 3 photos are refused before any is decoded. When several photos are sent, a
 * refusal names the photo by its position (`第 2 张图片：…`).
 *
 * @example const photos = await preparePhotos(form.getAll('photos').map(toUpload), 'photos')
 */
export async function preparePhotos(
  files: readonly PhotoUpload[],
  field = 'photos',
): Promise<PreparedPhoto[]> {
  const chosen = files.filter((f) => f.name !== '' || f.bytes.byteLength > 0)
  if (chosen.length > MAX_PHOTOS) throw invalidField(field, PHOTO_ERRORS.tooMany)
  const prepared: PreparedPhoto[] = []
  for (const [i, file] of chosen.entries()) {
    try {
      prepared.push(await preparePhoto(file, field))
    } catch (err) {
      const reason = err instanceof HotlineError ? err.fields?.[field] : undefined
      if (reason === undefined || chosen.length === 1) throw err
      throw invalidField(field, `第 ${i + 1} 张图片：${reason}`)
    }
  }
  return prepared
}
