import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'

// Reading the numbers: chart labels were about 7 px on a phone (an SVG scaled down by its
// viewBox), the monthly chart had no axis, and 已资助待发放 or 基金结存 were never explained.
// Every chart's text is at least 12 px as drawn, each bar chart has an axis with values,
// and every figure has its one-line explanation, in both languages, at 360 and 1280 px.

const MIN_PX = 12
const CJK = /[\u4e00-\u9fff]/

type Reading = { small: string[]; axisless: string[]; unexplained: string[]; notes: string[]; charts: number }

function read(page: Page): Promise<Reading> {
  return page.evaluate((min) => {
    const visible = (e: Element) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'
    const small: string[] = []
    const scope = Array.from(document.querySelectorAll('figure.chart, .figure-grid, .campaign-progress'))
    for (const root of scope)
      for (const e of Array.from(root.querySelectorAll('*'))) {
        const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? '').trim())
        if (!own || !visible(e) || e.closest('title, desc, details:not([open]) table, .visually-hidden')) continue
        let size = parseFloat(getComputedStyle(e).fontSize)
        // SVG text is drawn at its font size times the SVG's scale.
        if (e instanceof SVGGraphicsElement) size *= e.getScreenCTM()?.a ?? 1
        if (size < min - 0.01) small.push(`${(e.textContent ?? '').trim().slice(0, 20)} (${size.toFixed(1)} px)`)
      }
    const charts = Array.from(document.querySelectorAll('figure.chart'))
    const axisless = charts
      .filter((c) => c.querySelectorAll('.chart-tick').length < 2)
      .map((c) => c.querySelector('figcaption')?.textContent ?? '?')
    const unexplained: string[] = []
    const notes: string[] = []
    for (const f of Array.from(document.querySelectorAll('.figure, .chart-legend li, .campaign-progress'))) {
      const note = (f.querySelector('.figure-note, .chart-note')?.textContent ?? '').trim()
      if (note.length < 4) unexplained.push((f.textContent ?? '').trim().slice(0, 30))
      else notes.push(note)
    }
    return { small, axisless, unexplained, notes, charts: charts.length }
  }, MIN_PX)
}

describe.skipIf(e2eSkip)('charts and figures people can read', () => {
  let browser: Browser
  let db: DB
  let campaign = ''
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    campaign = (
      await db
        .selectFrom('campaigns')
        .select('slug')
        .where('status', '=', 'active')
        .orderBy('id')
        .executeTakeFirstOrThrow()
    ).slug
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  for (const width of [360, 1280])
    for (const lng of ['zh-CN', 'en'] as const)
      it(`${width} px, ${lng}: chart text ≥ ${MIN_PX} px, an axis with values, each figure explained`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 900 }, locale: lng })
        await context.addCookies([{ name: 'lng', value: lng, url: baseUrl }])
        const page = await context.newPage()
        const problems: string[] = []
        try {
          for (const url of ['/transparency', `/campaigns/${campaign}`, '/']) {
            const res = await page.goto(baseUrl + url)
            expect(res?.status(), url).toBe(200)
            const r = await read(page)
            for (const s of r.small) problems.push(`${url}: "${s}" is under ${MIN_PX} px`)
            for (const a of r.axisless) problems.push(`${url}: chart "${a}" has no axis values`)
            for (const u of r.unexplained) problems.push(`${url}: "${u}" has no explanation`)
            // Explanations in the page's language, not the other one.
            for (const n of r.notes) if (CJK.test(n) !== (lng === 'zh-CN')) problems.push(`${url}: "${n}" in ${lng}`)
            if (url === '/transparency') {
              // The seeded ledger has gifts and awards: totals, pipeline, monthly, programme, county.
              expect(r.charts).toBeGreaterThanOrEqual(4)
              expect(r.notes.length).toBeGreaterThanOrEqual(8)
              await page.screenshot({ path: screenshotPath(`charts-${width}-${lng}`), fullPage: true })
            } else expect(r.notes.length, url).toBeGreaterThan(0)
          }
        } finally {
          await context.close()
        }
        expect(problems).toEqual([])
      })
})
