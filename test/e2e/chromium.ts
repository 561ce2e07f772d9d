import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium unless CHROMIUM_PATH says otherwise. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** Whether the browser suites can run here; they are skipped when not, except in CI. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH)

if (!HAVE_CHROMIUM && process.env.CI) {
  throw new Error(
    `CI must run the browser tests, but there is no Chromium at ${CHROMIUM_PATH} (install it or set CHROMIUM_PATH)`,
  )
}

/** Offline, quiet Chromium: no sandbox (containers), no GPU, no calls home. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Launches headless Chromium with a fresh profile (playwright's launch makes a temporary one).
 *
 * @example const browser = await launchChromium()
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
}
