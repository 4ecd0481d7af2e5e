import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { inject } from 'vitest'

export const e2eSkip: string = inject('e2eSkip')
export const baseUrl: string = inject('baseUrl')

// Flags that keep Chromium off the (closed) network and out of first-run work.
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: inject('chromiumPath'),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

export function screenshotPath(name: string): string {
  const dir = path.resolve('test-results/screenshots')
  fs.mkdirSync(dir, { recursive: true })
  return path.join(dir, `${name}.png`)
}
