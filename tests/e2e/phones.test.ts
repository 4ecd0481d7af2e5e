import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { donorCookies, seededDonorEmail } from '../support/donor-session'
import { publicUrls } from '../support/public-urls'

// Every public and donor page at 360 px and 390 px, in both languages: the document is
// never wider than the viewport, the header is one short row, and no table cell breaks a
// word (a status, a fund name, a hash) across lines. Screenshots under test-results/.

const WIDTHS = [360, 390] as const
const HEADER_MAX = 64 // px: one row of 56 px plus its border, with a little slack
const DONOR_PAGES = ['/donor', '/donor/recurring', '/donor/statements', '/donor/teams']
const SHOTS = ['/', '/ledger', '/transparency', '/donor', '/wishes', '/sponsor', '/donate']

type Finding = { overflow: number; header: number; broken: string[]; wide: string[] }

/** Measures the laid-out page in the browser. */
function measure(page: Page): Promise<Finding> {
  return page.evaluate(() => {
    const broken: string[] = []
    for (const cell of Array.from(document.querySelectorAll('td, th'))) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT)
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent ?? ''
        for (const m of text.matchAll(/\S+/g)) {
          const range = document.createRange()
          range.setStart(n, m.index)
          range.setEnd(n, m.index + m[0].length)
          const lines = new Set(
            Array.from(range.getClientRects())
              .filter((r) => r.width > 0)
              .map((r) => Math.round(r.top)),
          )
          if (lines.size > 1) broken.push(`${m[0].slice(0, 40)} (${lines.size} lines)`)
        }
      }
    }
    // What sticks out: elements past the right edge that no scrolling box of their own contains.
    const scrolls = (e: Element) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX)
    const within = (e: Element) => {
      for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return true
      return false
    }
    const wide = Array.from(document.body.querySelectorAll('*'))
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !within(e))
      .filter((e) => !Array.from(e.children).some((c) => c.getBoundingClientRect().right > window.innerWidth + 0.5))
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}${e.className ? '.' + String(e.className).split(' ').join('.') : ''}`)
    return {
      wide,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      header: document.querySelector('.site-header')?.getBoundingClientRect().height ?? 0,
      broken: [...new Set(broken)].slice(0, 5),
    }
  })
}

describe.skipIf(e2eSkip)('phones: every public and donor page at 360 and 390 px', () => {
  let browser: Browser
  let db: DB
  let pages: string[] = []
  let cookies: Awaited<ReturnType<typeof donorCookies>> = []
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    const { urls } = await publicUrls(db)
    // The HTML pages: not the API, the downloads, or the pages that are only a redirect.
    pages = urls.filter((u) => !/^\/(api|open-data\/.+|reports\/.+\/(csv|pdf)|receipts\/.+\.pdf|donor)/.test(u))
    cookies = await donorCookies(browser, db, await seededDonorEmail(db))
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  for (const width of WIDTHS)
    for (const lng of ['zh-CN', 'en'] as const)
      it(`${width} px, ${lng}: no horizontal scroll, a one-row header, no word broken in a table cell`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 800 }, locale: lng })
        await context.addCookies([...cookies, { name: 'lng', value: lng, url: baseUrl }])
        const page = await context.newPage()
        const problems: string[] = []
        let seen = 0
        for (const url of [...pages, ...DONOR_PAGES]) {
          const res = await page.goto(baseUrl + url)
          if (!res || res.status() >= 400 || !/html/.test(res.headers()['content-type'] ?? '')) continue
          seen++
          const f = await measure(page)
          if (f.overflow > 0) problems.push(`${url}: ${f.overflow} px wider than the screen (${f.wide.join(', ')})`)
          if (f.header > HEADER_MAX) problems.push(`${url}: header ${Math.round(f.header)} px tall`)
          for (const b of f.broken) problems.push(`${url}: a cell breaks "${b}"`)
          if (SHOTS.includes(url) || url === pages.find((u) => u.startsWith('/students/')))
            await page.screenshot({
              path: screenshotPath(`phone-${width}-${lng}-${url.replace(/\W+/g, '_').slice(0, 40) || 'home'}`),
              fullPage: true,
            })
        }
        await context.close()
        expect(problems).toEqual([])
        expect(seen).toBeGreaterThan(15)
      })
})
