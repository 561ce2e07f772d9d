import { crc32, deflateSync } from 'node:zlib'
import sharp from 'sharp'

/**
 * Builders for the citizens' forms as a browser sends them (multipart FormData for the filing
 * form, urlencoded for the rating form) and for the images the photo tests upload.
 */

/** The text fields of the filing form, as strings (checkboxes present only when ticked). */
export type FilingFields = Record<string, string | undefined>

/** One file part: what the browser names it, its declared type and its bytes. */
export interface FilePart {
  name: string
  type?: string
  bytes: Uint8Array
}

/**
 * A multipart body of the filing form: every defined field once, then each photo as a `photos`
 * part. A field set to `undefined` is left out (an unticked checkbox, a radio left empty).
 *
 * @example const body = filingForm({ ...validFields(fx), title: '' }, [{ name: 'a.jpg', bytes }])
 */
export function filingForm(fields: FilingFields, photos: readonly FilePart[] = []): FormData {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) form.append(name, value)
  }
  for (const p of photos) {
    form.append('photos', new File([new Uint8Array(p.bytes)], p.name, { type: p.type ?? 'application/octet-stream' }))
  }
  return form
}

/** A fresh 32-hex submission id, like the one GET / puts in the form. */
export function submissionId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** GPS and a description a phone might write into a photo: none of it may be kept. */
export const EXIF = {
  IFD0: { Make: 'PhoneMaker', ImageDescription: 'home-of-citizen' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '28/1 41/1 2/1',
    GPSLongitudeRef: 'E',
    GPSLongitude: '115/1 51/1 3/1',
  },
}

/** A small real JPEG (64×48) carrying EXIF with GPS and an ICC profile. */
export async function jpegWithExif(width = 64, height = 48): Promise<Uint8Array> {
  const buf = await sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .jpeg()
    .withExifMerge(EXIF)
    .withIccProfile('p3')
    .toBuffer()
  return new Uint8Array(buf)
}

/** A small real PNG. */
export async function png(width = 32, height = 32): Promise<Uint8Array> {
  const buf = await sharp({ create: { width, height, channels: 3, background: '#cc6633' } }).png().toBuffer()
  return new Uint8Array(buf)
}

/** A valid PNG of `size`×`size` one-bit pixels (20000: 400 megapixels in about 48 KB). */
export function pngBomb(size = 20_000): Uint8Array {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 1 // bit depth
  header[9] = 0 // greyscale
  const rows = Buffer.alloc((1 + Math.ceil(size / 8)) * size)
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(rows, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  )
}

/** `n` bytes that start like a JPEG (FF D8 FF E0) and are zeros after: over 5 MB by default. */
export function fakeJpeg(n = 5 * 1024 * 1024 + 1): Uint8Array {
  const bytes = new Uint8Array(n)
  bytes.set([0xff, 0xd8, 0xff, 0xe0])
  return bytes
}

/** Whether `bytes` contain the ASCII `text` anywhere. */
export function bytesInclude(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes).includes(text)
}
