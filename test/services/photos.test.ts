import { crc32, deflateSync } from 'node:zlib'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { HotlineError } from '../../src/domain/errors'
import {
  detectPhotoFormat,
  MAX_PHOTO_BYTES,
  PHOTO_ERRORS,
  preparePhoto,
  preparePhotos,
  type PhotoUpload,
} from '../../src/services/photos'

const GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '28/1 41/1 2/1',
  GPSLongitudeRef: 'E',
  GPSLongitude: '115/1 51/1 3/1',
  GPSMapDatum: 'WGS-84',
}
const EXIF = { IFD0: { Make: 'PhoneMaker', ImageDescription: 'home-of-citizen' }, IFD3: GPS }
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/">' +
  '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="28,41.0N"/>' +
  '</rdf:RDF></x:xmpmeta>'

/** A plain blue image, or grey noise (which compresses badly, so a cut JPEG loses real data). */
function canvas(width: number, height: number, noise = false): sharp.Sharp {
  const grain = noise ? { noise: { type: 'gaussian' as const, mean: 128, sigma: 40 } } : {}
  return sharp({ create: { width, height, channels: 3, background: '#3366cc', ...grain } })
}

/** An image of `format` carrying EXIF with GPS, XMP and an ICC profile. */
async function withEverything(format: 'jpeg' | 'png' | 'webp'): Promise<Buffer> {
  return canvas(64, 48)[format]().withExifMerge(EXIF).withXmp(XMP).withIccProfile('p3').toBuffer()
}

/** A valid PNG of `size`×`size` one-bit pixels, all black (20000: 50 MB of pixels in 48 KB). */
function pngBomb(size: number): Buffer {
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
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

async function refusal(p: Promise<unknown>): Promise<HotlineError> {
  try {
    await p
  } catch (e) {
    if (e instanceof HotlineError) return e
    throw e
  }
  throw new Error('expected a HotlineError')
}

const upload = (name: string, bytes: Uint8Array): PhotoUpload => ({ name, bytes })
const includes = (bytes: Uint8Array, text: string): boolean => Buffer.from(bytes).includes(text)

describe('detectPhotoFormat', () => {
  it('reads the magic bytes, not the name', () => {
    expect(detectPhotoFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg')
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(detectPhotoFormat(png)).toBe('png')
    expect(detectPhotoFormat(Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('webp')
    expect(detectPhotoFormat(Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'))).toBeUndefined()
    expect(detectPhotoFormat(new Uint8Array([0xff, 0xd8]))).toBeUndefined()
    expect(detectPhotoFormat(Buffer.from('GIF89a'))).toBeUndefined()
  })
})

describe('preparePhoto', () => {
  it('re-encodes a JPEG without EXIF, GPS, XMP or ICC data', async () => {
    const input = await withEverything('jpeg')
    const before = await sharp(input).metadata()
    expect(before.exif).toBeDefined()
    expect(before.xmp).toBeDefined()
    expect(before.icc).toBeDefined()
    expect(input.includes('WGS-84')).toBe(true) // the GPS IFD really is there
    expect(input.includes('home-of-citizen')).toBe(true)

    const photo = await preparePhoto(upload('IMG_0001.JPG', input))
    expect(photo).toMatchObject({ contentType: 'image/jpeg', extension: 'jpg' })
    expect([photo.width, photo.height]).toEqual([64, 48])
    const after = await sharp(photo.bytes).metadata()
    expect(after.format).toBe('jpeg')
    expect(after.exif).toBeUndefined()
    expect(after.xmp).toBeUndefined()
    expect(after.icc).toBeUndefined()
    expect(after.orientation).toBeUndefined()
    for (const secret of ['WGS-84', 'home-of-citizen', 'PhoneMaker', 'GPSLatitude', 'Exif']) {
      expect(includes(photo.bytes, secret)).toBe(false)
    }
  })

  it.each([
    ['png', 'image/png'],
    ['webp', 'image/webp'],
  ] as const)('keeps a %s a %s and strips its metadata', async (format, contentType) => {
    const input = await withEverything(format)
    expect((await sharp(input).metadata()).exif).toBeDefined()
    const photo = await preparePhoto(upload(`photo.${format}`, input))
    expect(photo).toMatchObject({ contentType, extension: format, width: 64, height: 48 })
    const after = await sharp(photo.bytes).metadata()
    expect(after.format).toBe(format)
    expect([after.exif, after.xmp, after.icc]).toEqual([undefined, undefined, undefined])
    expect(includes(photo.bytes, 'WGS-84')).toBe(false)
  })

  it('turns a photo upright by its EXIF orientation before dropping it', async () => {
    const input = await canvas(100, 50).jpeg().withMetadata({ orientation: 6 }).toBuffer()
    expect(await sharp(input).metadata()).toMatchObject({ width: 100, height: 50, orientation: 6 })
    const photo = await preparePhoto(upload('sideways.jpg', input))
    expect([photo.width, photo.height]).toEqual([50, 100])
    const after = await sharp(photo.bytes).metadata()
    expect(after).toMatchObject({ width: 50, height: 100 })
    expect(after.orientation).toBeUndefined()
  })

  it('shrinks to fit 2560×2560 and never enlarges', async () => {
    const big = await preparePhoto(upload('wide.png', await canvas(3000, 1500).png().toBuffer()))
    expect([big.width, big.height]).toEqual([2560, 1280])
    const small = await preparePhoto(upload('small.webp', await canvas(30, 20).webp().toBuffer()))
    expect([small.width, small.height]).toEqual([30, 20])
  })

  it('goes by content: a JPEG named .png is taken as a JPEG', async () => {
    const photo = await preparePhoto(upload('photo.png', await canvas(1, 1).jpeg().toBuffer()))
    expect(photo).toMatchObject({ contentType: 'image/jpeg', extension: 'jpg' })
    expect([photo.width, photo.height]).toEqual([1, 1])
  })

  it('refuses a text file named photo.jpg, an SVG and a GIF', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    const gif = await canvas(4, 4).gif().toBuffer()
    const files = [
      upload('photo.jpg', new TextEncoder().encode('这不是图片，是一段文字。')),
      upload('photo.png', new TextEncoder().encode(svg)),
      upload('photo.webp', gif),
    ]
    for (const file of files) {
      const err = await refusal(preparePhoto(file))
      expect(err.code).toBe('validation_failed')
      expect(err.status).toBe(422)
      expect(err.fields).toEqual({ photos: '只能上传 JPEG、PNG 或 WebP 图片' })
      expect(err.message).toBe('photos: 只能上传 JPEG、PNG 或 WebP 图片')
    }
  })

  it('refuses an empty file', async () => {
    const err = await refusal(preparePhoto(upload('empty.jpg', new Uint8Array(0))))
    expect(err.fields).toEqual({ photos: '图片文件是空的' })
  })

  it('refuses a file over 5 MB before decoding it; exactly 5 MB is decoded', async () => {
    const over = new Uint8Array(MAX_PHOTO_BYTES + 1)
    over.set([0xff, 0xd8, 0xff, 0xe0])
    const tooBig = await refusal(preparePhoto(upload('big.jpg', over)))
    expect(tooBig.fields).toEqual({ photos: '每张图片不能超过 5 MB' })
    // The same bytes one byte shorter reach the decoder, which finds garbage.
    const exact = await refusal(preparePhoto(upload('big.jpg', over.subarray(0, MAX_PHOTO_BYTES))))
    expect(exact.fields).toEqual({ photos: '图片尺寸过大或已损坏' })
  })

  it('refuses a truncated JPEG', async () => {
    const whole = await canvas(300, 200, true).jpeg().toBuffer()
    expect((await preparePhoto(upload('whole.jpg', whole))).width).toBe(300)
    const err = await refusal(preparePhoto(upload('cut.jpg', whole.subarray(0, whole.length / 2))))
    expect(err.fields).toEqual({ photos: '图片尺寸过大或已损坏' })
  })

  it('refuses a decompression bomb: a tiny PNG declaring 20000×20000 pixels', async () => {
    const bomb = pngBomb(20_000)
    expect(bomb.length).toBeLessThan(100_000)
    const started = Date.now()
    const err = await refusal(preparePhoto(upload('small.png', bomb)))
    expect(err.fields).toEqual({ photos: '图片尺寸过大或已损坏' })
    expect(Date.now() - started).toBeLessThan(5_000) // refused from the header, not decoded
  })

  it('refuses 64 megapixels too: the limit is 40, not sharp’s default of 268', async () => {
    const err = await refusal(preparePhoto(upload('small.png', pngBomb(8_000))))
    expect(err.fields).toEqual({ photos: '图片尺寸过大或已损坏' })
  })

  it('names the field it is given', async () => {
    const err = await refusal(preparePhoto(upload('a.jpg', new Uint8Array([1, 2, 3])), 'photo2'))
    expect(err.fields).toEqual({ photo2: PHOTO_ERRORS.notAnImage })
    expect(err.message).toBe(`photo2: ${PHOTO_ERRORS.notAnImage}`)
  })
})

describe('preparePhotos', () => {
  const jpeg = () => canvas(8, 6).jpeg().toBuffer()

  it('prepares up to 3 photos in order', async () => {
    const files = [
      upload('a.jpg', await jpeg()),
      upload('b.png', await canvas(5, 5).png().toBuffer()),
      upload('c.webp', await canvas(7, 3).webp().toBuffer()),
    ]
    const photos = await preparePhotos(files)
    expect(photos.map((p) => [p.extension, p.width, p.height])).toEqual([
      ['jpg', 8, 6],
      ['png', 5, 5],
      ['webp', 7, 3],
    ])
  })

  it('refuses a fourth photo before decoding any', async () => {
    const files = [1, 2, 3, 4].map((i) => upload(`${i}.jpg`, new Uint8Array([0xff, 0xd8, 0xff])))
    const err = await refusal(preparePhotos(files))
    expect(err.fields).toEqual({ photos: '最多上传 3 张图片' })
  })

  it('skips the empty part a form sends for a file input left blank', async () => {
    const blank = upload('', new Uint8Array(0))
    const photos = await preparePhotos([blank, upload('a.jpg', await jpeg())])
    expect(photos).toHaveLength(1)
    expect(await preparePhotos([blank])).toEqual([])
  })

  it('names which photo failed when several were sent, and only then', async () => {
    const text = upload('b.jpg', new TextEncoder().encode('hello'))
    const several = await refusal(preparePhotos([upload('a.jpg', await jpeg()), text]))
    expect(several.fields).toEqual({ photos: '第 2 张图片：只能上传 JPEG、PNG 或 WebP 图片' })
    const one = await refusal(preparePhotos([text], 'attachments'))
    expect(one.fields).toEqual({ attachments: '只能上传 JPEG、PNG 或 WebP 图片' })
  })
})
