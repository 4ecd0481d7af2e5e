import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseUrl, e2eSkip, launchBrowser } from '../support/browser'
import { HOSTILE_REDIRECTS } from '../support/hostile-redirects'

// The open-redirect probe in a real browser: Chromium applies its own URL clean-up (tabs,
// newlines, backslashes) to each Location; wherever it lands must be this site, and it
// must never even ask another host for anything.

describe.skipIf(e2eSkip)('redirect targets in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => browser?.close())

  const ours = new URL(baseUrl).host
  async function watched(): Promise<{ page: Page; foreign: string[] }> {
    const context = await browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    const foreign: string[] = []
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url())
      if (url.host === ours) return route.continue()
      foreign.push(url.href)
      return route.abort()
    })
    return { page, foreign }
  }

  it('signing in with a hostile redirectTo lands on this site', async () => {
    const { page, foreign } = await watched()
    for (const target of ['/\t/evil.example', '/\\evil.example', '/%09/evil.example', '//evil.example']) {
      await page.context().clearCookies()
      await page.goto(`${baseUrl}/login?redirectTo=${encodeURIComponent(target)}`)
      await page.getByLabel('电子邮箱').fill('auditor@hope.demo')
      await page.getByLabel('密码').fill('hope-demo-2026')
      await page.getByRole('button', { name: '登录' }).click()
      await page.waitForURL((u) => u.pathname === '/admin')
      expect(new URL(page.url()).host, target).toBe(ours)
    }
    expect(foreign).toEqual([])
  })

  it('the language switch with each hostile redirectTo lands on this site', async () => {
    const { page, foreign } = await watched()
    const escape = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
    for (const target of HOSTILE_REDIRECTS) {
      // The form an attacker's page would post (served from our origin, so it passes the
      // Origin check and only the redirect is on trial).
      await page.route(baseUrl + '/__probe', (route) =>
        route.fulfill({
          contentType: 'text/html',
          body:
            `<form method="post" action="/locale"><input type="hidden" name="lng" value="zh-CN">` +
            `<input type="hidden" name="redirectTo" value="${escape(target)}"></form>` +
            '<script>document.forms[0].submit()</script>',
        }),
      )
      await page.goto(baseUrl + '/__probe')
      await page.waitForURL((u) => u.pathname !== '/__probe')
      await page.unroute(baseUrl + '/__probe')
      expect(new URL(page.url()).host, JSON.stringify(target)).toBe(ours)
    }
    expect(foreign).toEqual([])
  })
})
