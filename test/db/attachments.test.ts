import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  findAttachment,
  insertAttachment,
  listAttachments,
} from '../../db/repositories/attachments'
import {
  databasePhotoStore,
  filesystemPhotoStore,
  isPhotoKey,
  newPhotoKey,
} from '../../src/services/photo-store'
import { preparePhoto } from '../../src/services/photos'
import { fileCase } from '../../src/services/work-orders'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { DIALECTS, openTestStore, type TestStore } from '../helpers/stores'

const complaint = {
  channel: 'web' as const,
  kind: 'complaint' as const,
  title: '路面坑洼',
  content: '长堎大道与工业大道交叉口路面坑洼，雨天积水',
}

/** Every byte value, NULs and high bytes included, then some more. */
const allBytes = (): Uint8Array => Uint8Array.from({ length: 1024 }, (_, i) => (i * 7 + 3) % 256)

let counter = 0
/** Distinct, predictable randomness for keys. */
const randomBytes = (n: number): Uint8Array => {
  counter += 1
  return Uint8Array.from({ length: n }, (_, i) => (counter * 31 + i * 17) % 256)
}

describe('newPhotoKey', () => {
  it('makes 32 lowercase hex digits and the extension', () => {
    const key = newPhotoKey(() => new Uint8Array(16).fill(0xab), 'webp')
    expect(key).toBe(`${'ab'.repeat(16)}.webp`)
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
    expect(isPhotoKey(newPhotoKey(random, 'jpg'))).toBe(true)
  })

  it('accepts generated keys only', () => {
    const a32 = 'a'.repeat(32)
    const bad = ['../etc/passwd', 'a.jpg', `${'A'.repeat(32)}.jpg`, `${a32}.gif`, `${a32}.jpg/../x`]
    for (const key of [...bad, `${a32}.jpg\n`, `../${a32}.jpg`, `${a32}.JPG`]) {
      expect(isPhotoKey(key)).toBe(false)
    }
  })
})

describe.each(DIALECTS)('attachments on %s', (dialect) => {
  let store: TestStore
  let fx: Fixture

  beforeAll(async () => {
    store = await openTestStore(dialect, '2025-09-26T02:00:00.000Z')
    fx = await seedFixture(store.deps)
  })
  afterAll(() => store.close())

  it('stores bytes in the database and reads them back exactly', async () => {
    const db = store.deps.db
    const key = newPhotoKey(randomBytes, 'jpg')
    const bytes = allBytes()
    await databasePhotoStore.put(db, key, bytes, 'image/jpeg')
    const back = await databasePhotoStore.get(db, key)
    expect(back).toBeInstanceOf(Uint8Array)
    expect(Buffer.isBuffer(back)).toBe(false)
    expect(back?.byteLength).toBe(bytes.byteLength)
    expect(Buffer.from(back ?? []).equals(Buffer.from(bytes))).toBe(true)
    expect(await databasePhotoStore.get(db, newPhotoKey(randomBytes, 'jpg'))).toBeUndefined()
    await expect(databasePhotoStore.get(db, '../etc/passwd')).rejects.toThrow(/invalid photo key/)
  })

  it('writes blobs inside the caller’s transaction: a rollback leaves nothing', async () => {
    const db = store.deps.db
    const key = newPhotoKey(randomBytes, 'png')
    await expect(
      db.transaction().execute(async (trx) => {
        await databasePhotoStore.put(trx, key, allBytes(), 'image/png')
        expect(await databasePhotoStore.get(trx, key)).toBeDefined()
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    expect(await databasePhotoStore.get(db, key)).toBeUndefined()
  })

  it('records, lists and finds a case’s photos', async () => {
    const db = store.deps.db
    const now = '2025-09-26T02:00:00.000Z'
    const filing = { ...complaint, districtId: fx.units.district }
    const { order } = await fileCase(store.deps, filing, fx.actors.citizen)
    const { order: other } = await fileCase(store.deps, complaint, fx.actors.citizen)
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } })
      .jpeg()
      .toBuffer()
    const photo = await preparePhoto({ name: 'IMG_0001.jpg', bytes: jpeg })
    const saved = await db.transaction().execute(async (trx) => {
      const results = []
      for (const target of [order.id, order.id, other.id]) {
        const storageKey = newPhotoKey(randomBytes, photo.extension)
        await databasePhotoStore.put(trx, storageKey, photo.bytes, photo.contentType)
        results.push(
          await insertAttachment(trx, {
            workOrderId: target,
            storageKey,
            contentType: photo.contentType,
            bytes: photo.bytes.byteLength,
            width: photo.width,
            height: photo.height,
            createdAt: now,
          }),
        )
      }
      return results
    })
    const [first, second, elsewhere] = saved
    if (!first || !second || !elsewhere) throw new Error('expected three attachments')
    expect(first).toMatchObject({ workOrderId: order.id, contentType: 'image/jpeg' })
    expect([first.width, first.height]).toEqual([40, 30])
    expect(typeof first.id).toBe('number')

    const listed = await listAttachments(db, order.id)
    expect(listed).toEqual([first, second])
    expect(await listAttachments(db, other.id)).toEqual([elsewhere])

    expect(await findAttachment(db, order.id, second.id)).toEqual(second)
    expect(await findAttachment(db, order.id, elsewhere.id)).toBeUndefined()
    expect(await findAttachment(db, order.id, Number('x'))).toBeUndefined()

    const stored = await databasePhotoStore.get(db, second.storageKey)
    expect(Buffer.from(stored ?? []).equals(Buffer.from(photo.bytes))).toBe(true)
    expect(stored?.byteLength).toBe(second.bytes)
  })

  it('refuses an attachment for a case that does not exist', async () => {
    await expect(
      insertAttachment(store.deps.db, {
        workOrderId: 999_999,
        storageKey: newPhotoKey(randomBytes, 'jpg'),
        contentType: 'image/jpeg',
        bytes: 1,
        width: 1,
        height: 1,
        createdAt: '2025-09-26T02:00:00.000Z',
      }),
    ).rejects.toThrow()
  })
})

describe('filesystemPhotoStore', () => {
  let root: string
  let dir: string

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'hl-photos-'))
    dir = join(root, 'photos')
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('round-trips bytes in files named by their key, leaving no temporary file', async () => {
    const fsStore = filesystemPhotoStore(dir)
    const key = newPhotoKey(randomBytes, 'webp')
    const bytes = allBytes()
    // The database argument is unused by this store; any handle will do.
    const db = undefined as never
    await fsStore.put(db, key, bytes, 'image/webp')
    expect(readdirSync(dir)).toEqual([key])
    expect(readFileSync(join(dir, key)).equals(Buffer.from(bytes))).toBe(true)
    const back = await fsStore.get(db, key)
    expect(back).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(back ?? []).equals(Buffer.from(bytes))).toBe(true)
    expect(await fsStore.get(db, newPhotoKey(randomBytes, 'webp'))).toBeUndefined()
  })

  it('refuses a key that is not a generated name before touching the file system', async () => {
    const fsStore = filesystemPhotoStore(join(root, 'never-made'))
    const db = undefined as never
    await expect(fsStore.put(db, '../etc/passwd', allBytes(), 'image/jpeg')).rejects.toThrow(
      /invalid photo key/,
    )
    await expect(fsStore.put(db, '../escaped.jpg', allBytes(), 'image/jpeg')).rejects.toThrow(
      /invalid photo key/,
    )
    await expect(fsStore.get(db, '../etc/passwd')).rejects.toThrow(/invalid photo key/)
    expect(existsSync(join(root, 'never-made'))).toBe(false)
    expect(existsSync(join(root, 'escaped.jpg'))).toBe(false)
  })
})
