import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { en } from '~/locales/en'
import { zhCN } from '~/locales/zh-CN'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { createStaffAccount } from '../support/staff-account'

// The finance pages in Chromium at 360 px, in Chinese and English: the
// figures and the chart, the reconciliation (demo checkout: nothing to reconcile) and the
// monthly close; nothing wider than the screen, nothing serious for axe, no raw message key.

const EMAIL = 'finance.pages@e2e.test' // a finance user of its own
const PASSWORD = 'finance-e2e-password'
const PAGES = ['/admin/finance', '/admin/finance/reconcile', '/admin/finance/bills', '/admin/finance/close']
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => (window as any).axe.run('#main', { resultTypes: ['violations'] }))
  return (result.violations as { id: string; impact: string; nodes: { html: string }[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)
}

describe.skipIf(e2eSkip)('finance pages in the browser', () => {
  let browser: Browser
  let db: DB
  let token: string
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    await createStaffAccount(db, {
      email: EMAIL,
      password: PASSWORD,
      displayName: '财务页面测试',
      role: 'finance',
      stationCode: '530000',
    })
    const res = await fetch(baseUrl + '/login', {
      method: 'POST',
      headers: { Origin: baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: EMAIL, password: PASSWORD, redirectTo: '/admin' }),
      redirect: 'manual',
    })
    expect(res.status).toBe(302)
    token = /hl_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  for (const locale of ['zh-CN', 'en'] as const) {
    it(`renders the finance pages at 360 px in ${locale}`, async () => {
      // Script on: axe runs in the page (the pages have no script of their own to need).
      const context = await browser.newContext({ locale, viewport: { width: 360, height: 800 } })
      await context.addCookies([
        { name: 'hl_session', value: token, url: baseUrl },
        { name: 'lng', value: locale, url: baseUrl },
      ])
      const page = await context.newPage()
      const catalogue = locale === 'en' ? en : zhCN
      for (const path of PAGES) {
        const res = await page.goto(baseUrl + path)
        expect(res!.status(), path).toBe(200)
        const text = (await page.locator('#main').textContent()) ?? ''
        expect(text, path).toContain(
          catalogue[
            path === '/admin/finance'
              ? 'finance.title'
              : path.endsWith('reconcile')
                ? 'finance.reconcile.title'
                : path.endsWith('bills')
                  ? 'finance.bills.title'
                  : 'finance.close.title'
          ],
        )
        // No message key or unknown code shows raw.
        expect(text, path).not.toMatch(/\b(finance|desk)\.[a-z]+\.[a-zA-Z.]+/)
        expect(text, path).not.toContain(catalogue['common.unknownCode'])
        const wide = await page.evaluate(() =>
          [...document.querySelectorAll('#main *')]
            // A wide table scrolls inside its own box; nothing else may stick out.
            .filter((el) => !el.closest('.table-scroll') && el.getBoundingClientRect().right > window.innerWidth + 1)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent?.slice(0, 40)}`)
            .slice(0, 5),
        )
        expect(wide, path).toEqual([])
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        expect(overflow, path).toBeLessThanOrEqual(0)
        expect(await axeViolations(page), path).toEqual([])
        await page.screenshot({
          path: screenshotPath(`finance-360-${locale}${path.replaceAll('/', '-')}`),
          fullPage: true,
        })
      }
      // The finance page names its three periods and writes the chart's amounts out.
      await page.goto(baseUrl + '/admin/finance')
      expect(await page.locator('section[aria-labelledby^="p-"] h2').count()).toBe(3)
      await context.close()
      // axe on three pages is slow on a shared, loaded machine: time is not what this test checks.
    }, 600_000)
  }
})
