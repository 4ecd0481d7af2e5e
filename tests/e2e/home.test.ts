import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'

const viewports = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } }

describe.skipIf(e2eSkip)('home page in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => browser?.close())

  for (const [name, viewport] of Object.entries(viewports)) {
    it(`shows the campaigns in zh-CN and switches to English at ${name} width`, async () => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' })
      const page = await context.newPage()
      const errors: string[] = []
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
      const res = await page.goto(baseUrl + '/')
      expect(res?.status()).toBe(200)
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN')
      await expect(page.getByRole('heading', { level: 3 }).allTextContents()).resolves.toContain(
        '希望之星 1+1 · 2026 学年',
      )
      await page.screenshot({ path: screenshotPath(`home-zh-${name}`), fullPage: true })

      await page.getByRole('button', { name: /English/ }).click()
      await page.waitForSelector('html[lang="en"]')
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en')
      await expect(page.getByRole('heading', { level: 3 }).allTextContents()).resolves.toContain(
        'Hope Star 1+1 · school year 2026',
      )
      await page.screenshot({ path: screenshotPath(`home-en-${name}`), fullPage: true })
      // Nothing may be blocked by our own CSP or fail to hydrate.
      expect(errors).toEqual([])
      await context.close()
    })
  }

  it('switches language without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: viewports.phone, locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(baseUrl + '/')
    await page.getByRole('button', { name: /English/ }).click()
    await page.waitForSelector('html[lang="en"]')
    expect(new URL(page.url()).pathname).toBe('/')
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('See where every gift goes')
    await context.close()
  })

  it('answers 404 with the localised not-found page', async () => {
    const page = await browser.newPage()
    const res = await page.goto(baseUrl + '/no-such-page?lng=en')
    expect(res?.status()).toBe(404)
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Page not found')
    await page.close()
  })
})
