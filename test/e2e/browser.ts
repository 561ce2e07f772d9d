import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { createApp } from '../../src/app'
import { seedFixture, type Fixture } from '../helpers/fixtures'
import { openTestStore, type TestStore } from '../helpers/stores'

/** Where screenshots go (ignored by git). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url))

/** A phone: 390×844 CSS pixels, touch, Chinese, Beijing time. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
}

/** A desktop window. */
export const DESKTOP: BrowserContextOptions = {
  viewport: { width: 1280, height: 900 },
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
}

/** The app on a real socket, over a migrated in-memory SQLite store seeded with the fixture. */
export interface Harness {
  /** `http://127.0.0.1:{port}` */
  origin: string
  store: TestStore
  fx: Fixture
  /** `METHOD /path?query` of every request the server received, in order. */
  hits: string[]
  /** Moves the store's clock to the real time (the pages show times). */
  tick(): void
  close(): Promise<void>
}

/**
 * Opens the store, seeds the fixture and serves `createApp(store.deps)` on 127.0.0.1, port 0.
 *
 * @example const h = await startHarness(); … await h.close()
 */
export async function startHarness(): Promise<Harness> {
  const store = await openTestStore('sqlite', new Date().toISOString())
  try {
    const fx = await seedFixture(store.deps)
    const app = createApp(store.deps)
    const hits: string[] = []
    const server = serve({
      fetch: (req, env) => {
        const url = new URL(req.url)
        hits.push(`${req.method} ${url.pathname}${url.search}`)
        return app.fetch(req, env)
      },
      hostname: '127.0.0.1',
      port: 0,
    }) as Server
    await new Promise<void>((resolve, reject) => {
      if (server.listening) return resolve()
      server.once('listening', resolve)
      server.once('error', reject)
    })
    const { port } = server.address() as AddressInfo
    return {
      origin: `http://127.0.0.1:${port}`,
      store,
      fx,
      hits,
      tick: () => store.setNow(new Date().toISOString()),
      async close() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await store.close()
      },
    }
  } catch (err) {
    await store.close()
    throw err
  }
}

/** What a browser context did: every request URL, and every console error or uncaught exception. */
export interface Watch {
  requests: string[]
  errors: string[]
  /** Forgets what was seen so far (each test starts clean). */
  reset(): void
}

/**
 * Records the context's requests, console errors and page errors (all its pages).
 *
 * @example const watch = watchContext(context)
 */
export function watchContext(context: BrowserContext): Watch {
  const watch: Watch = {
    requests: [],
    errors: [],
    reset() {
      watch.requests.length = 0
      watch.errors.length = 0
    },
  }
  context.on('request', (r) => {
    watch.requests.push(r.url())
  })
  context.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(`console: ${m.text()}`)
  })
  context.on('weberror', (e) => {
    watch.errors.push(`pageerror: ${e.error().message}`)
  })
  return watch
}

/**
 * A full-page screenshot in test/artifacts/. The caret is left alone: hiding it makes playwright
 * leave empty `style=""` attributes on the inputs, and when htmx later swaps those elements out
 * Chromium reports an inline-style CSP violation (style-src 'self') that the app never caused.
 *
 * @example await screenshot(page, 'phone-form')
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  await page.screenshot({ path: `${ARTIFACTS_DIR}${name}.png`, fullPage: true, animations: 'disabled', caret: 'initial' })
}
