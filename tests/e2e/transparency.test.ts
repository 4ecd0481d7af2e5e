import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { findLeaks, loadCanaries, publicCopy, type Canary } from '../support/privacy-canaries'
import { publicUrls } from '../support/public-urls'

// The running server (built app on the seeded demo database): a privacy crawl of the
// rendered HTML and downloads of every public route, axe-core on every public page,
// and the transparency pages used with JavaScript off.

const require = createRequire(import.meta.url)
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

describe.skipIf(e2eSkip)('transparency on the running server', () => {
  let browser: Browser
  let db: DB
  let canaries: Canary[]
  let copy: string[]
  const urls: string[] = []

  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    urls.push(...(await publicUrls(db)).urls)
    canaries = await loadCanaries(db)
    copy = await publicCopy(db)
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  it('every public route on the wire (HTML, CSV, JSON lines, JSON): none of the seeded personal data', async () => {
    const leaks: string[] = []
    const ok: string[] = []
    for (const url of urls) {
      for (const lng of ['zh-CN', 'en']) {
        const res = await fetch(baseUrl + url, { headers: { 'Accept-Language': lng }, redirect: 'manual' })
        expect(res.status, url).toBeLessThan(500)
        if (/pdf/.test(res.headers.get('Content-Type') ?? '')) {
          await res.arrayBuffer()
          continue
        }
        const text = await res.text()
        if (res.status === 200) ok.push(url)
        for (const hit of findLeaks(text, canaries, copy)) leaks.push(`${url} (${lng}): ${hit}`)
      }
    }
    expect(leaks).toEqual([])
    for (const must of ['/transparency', '/ledger', '/open-data', '/reports', '/open-data/traces.csv'])
      expect(ok).toContain(must)
    expect(ok.filter((u) => u.startsWith('/trace/')).length).toBeGreaterThan(0)
  })

  it('downloads stream with ETag, Cache-Control and 304', async () => {
    const res = await fetch(`${baseUrl}/open-data/transactions.csv`)
    expect(res.headers.get('Cache-Control')).toMatch(/public/)
    const etag = res.headers.get('ETag')!
    await res.text()
    const again = await fetch(`${baseUrl}/open-data/transactions.csv`, { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
  })

  it('axe-core on every public page: no serious or critical findings', async () => {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const pages = urls.filter(
      (u) => !/^\/(api|open-data\/|reports\/[^/]+\/\d+\/)/.test(u) && !u.includes('/open-data/'),
    )
    const findings: string[] = []
    for (const url of pages) {
      const res = await page.goto(baseUrl + url)
      if (!res || res.status() >= 400 || !/html/.test(res.headers()['content-type'] ?? '')) continue
      await page.evaluate(AXE)
      const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
        violations: { id: string; impact: string; nodes: { target: string[] }[] }[]
      }
      for (const v of result.violations) {
        if (v.impact === 'serious' || v.impact === 'critical')
          findings.push(
            `${url}: ${v.id} (${v.impact}) at ${v.nodes
              .slice(0, 3)
              .map((n) => n.target.join(' '))
              .join(', ')}`,
          )
      }
    }
    await context.close()
    expect(findings).toEqual([])
  })

  it('works with JavaScript off: dashboard, ledger filters and paging, a transaction, a trace', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
      locale: 'zh-CN',
    })
    const page = await context.newPage()
    await page.goto(baseUrl + '/transparency')
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('公开透明')
    await expect(page.locator('[data-figure="raised"] dd.figure-value').textContent()).resolves.toMatch(/¥/)
    await expect(page.locator('[role="img"] title').first().textContent()).resolves.toBeTruthy()
    await expect(page.locator('[data-head-hash]').textContent()).resolves.toMatch(/^[0-9a-f]{64}$/)
    await page.screenshot({ path: screenshotPath('transparency-zh-phone'), fullPage: true })

    await page.getByRole('link', { name: '浏览完整账本' }).click()
    await page.waitForURL(/\/ledger$/)
    await page.getByLabel('类型').selectOption('donation')
    await page.getByRole('button', { name: '筛选' }).click()
    await page.waitForURL(/kind=donation/)
    const kinds = await page.locator('.ledger-table tbody td:nth-child(3)').allTextContents()
    expect(kinds.length).toBeGreaterThan(10)
    expect(new Set(kinds)).toEqual(new Set(['捐赠']))
    const firstPage = await page.locator('.ledger-table tbody tr').first().getAttribute('data-sequence')
    await page.getByRole('link', { name: '较早 →' }).click()
    await page.waitForURL(/before=/)
    const second = await page.locator('.ledger-table tbody tr').first().getAttribute('data-sequence')
    expect(Number(second)).toBeLessThan(Number(firstPage))
    await page.locator('.ledger-table tbody tr th a').first().click()
    await page.waitForURL(/\/ledger\/\d+$/)
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/^交易 #\d+$/)

    const gift = await db
      .selectFrom('ledger_traces as x')
      .innerJoin('ledger_lots as l', 'l.id', 'x.lot_id')
      .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
      .innerJoin('donations as g', 'g.public_id', 'd.donation_ref')
      .select(['g.tracking_code', 'x.beneficiary_code'])
      .where('x.kind', '=', 'award')
      .executeTakeFirstOrThrow()
    await page.goto(`${baseUrl}/trace/${gift.tracking_code}`)
    await expect(page.locator('.trace-table').textContent()).resolves.toContain(gift.beneficiary_code!)
    await page.screenshot({ path: screenshotPath('trace-zh-phone'), fullPage: true })
    await page.getByRole('link', { name: gift.beneficiary_code! }).first().click()
    await page.waitForURL(/\/students\//)
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(gift.beneficiary_code!)
    await context.close()
  })

  it('shows the report pages and the dashboard in English with JavaScript on and no console errors', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en' })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(baseUrl + '/transparency?lng=en')
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Transparency')
    await page.screenshot({ path: screenshotPath('transparency-en-desktop'), fullPage: true })
    await page.goto(baseUrl + '/reports?lng=en')
    await page.locator('.report-list a').first().click()
    await page.waitForURL(/\/reports\/[a-z0-9-]+\/1/)
    await expect(page.locator('[data-figure="closing"]').first().textContent()).resolves.toMatch(/Closing balance/)
    const pdf = await fetch(baseUrl + new URL(page.url()).pathname + '/pdf')
    expect(pdf.headers.get('content-type')).toBe('application/pdf')
    expect(errors).toEqual([])
    await context.close()
    expect(path.basename(screenshotPath('x'))).toBe('x.png')
  })
})
