import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Hono } from 'hono'

const require = createRequire(import.meta.url)

const FILES: Record<string, { path: () => string; type: string }> = {
  'app.css': {
    path: () => new URL('../../views/assets/app.css', import.meta.url).pathname,
    type: 'text/css; charset=utf-8',
  },
  'app.js': {
    path: () => new URL('../../views/assets/app.js', import.meta.url).pathname,
    type: 'text/javascript; charset=utf-8',
  },
  'staff.css': {
    path: () => new URL('../../views/assets/staff.css', import.meta.url).pathname,
    type: 'text/css; charset=utf-8',
  },
  'icon.svg': {
    path: () => new URL('../../views/assets/icon.svg', import.meta.url).pathname,
    type: 'image/svg+xml',
  },
  'htmx.min.js': {
    path: () => require.resolve('htmx.org/dist/htmx.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
}

const cache = new Map<string, { body: string; etag: string }>()

function load(name: string): { body: string; etag: string } | undefined {
  const file = FILES[name]
  if (!file) return undefined
  let hit = cache.get(name)
  if (!hit) {
    const body = readFileSync(file.path(), 'utf8')
    let hash = 0
    for (let i = 0; i < body.length; i++) hash = (hash * 31 + body.charCodeAt(i)) | 0
    hit = { body, etag: `"${(hash >>> 0).toString(16)}-${body.length}"` }
    cache.set(name, hit)
  }
  return hit
}

/**
 * `/assets/*`: the app's own stylesheet, script and htmx, served by the app itself (no CDN).
 *
 * @example app.route('/', assetRoutes)
 */
export const assetRoutes = new Hono()
  .get('/favicon.ico', (c) => c.redirect('/assets/icon.svg', 301))
  .get('/assets/:name', (c) => {
  const name = c.req.param('name')
  const asset = load(name)
  if (!asset) return c.json({ error: { code: 'not_found', message: 'no such asset' } }, 404)
  if (c.req.header('If-None-Match') === asset.etag) return c.body(null, 304)
  return c.body(asset.body, 200, {
    'Content-Type': FILES[name]!.type,
    'Cache-Control': 'public, max-age=300',
    ETag: asset.etag,
  })
})
