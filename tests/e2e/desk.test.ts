import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'

// The donation desk in Chromium with JavaScript off, at 360 px: finance finds a demo gift by
// its receipt number through the form, opens it and its donor, and the export is a CSV
// with a BOM. No page is wider than the screen (tables scroll in their own box).

async function signIn(email: string): Promise<string> {
  const res = await fetch(baseUrl + '/login', {
    method: 'POST',
    headers: { Origin: baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: 'hope-demo-2026', redirectTo: '/admin' }),
    redirect: 'manual',
  })
  expect(res.status, email).toBe(302)
  return /hl_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!
}

describe.skipIf(e2eSkip)('donation desk in the browser', () => {
  let browser: Browser
  let db: DB
  let token: string
  let gift: { id: number; number: string }
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    token = await signIn('finance2@hope.demo')
    // A paid gift with a current receipt and ledger transactions of its own (other suites
    // share this database and refund, correct or reissue some of the seeded gifts).
    gift = await db
      .selectFrom('receipts as r')
      .innerJoin('donations as d', 'd.id', 'r.donation_id')
      .select(['d.id', 'r.number'])
      .where('r.voided_at', 'is', null)
      .where('d.status', '=', 'paid')
      .where('d.refunded_amount', '=', 0)
      .where((eb) =>
        eb.exists(
          eb.selectFrom('ledger_transactions as x').select('x.sequence').whereRef('x.donation_ref', '=', 'd.public_id'),
        ),
      )
      .orderBy('r.id')
      .executeTakeFirstOrThrow()
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  it('finds a gift by receipt number without JavaScript and fits 360 px', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false })
    await context.addCookies([{ name: 'hl_session', value: token, url: baseUrl }])
    const page = await context.newPage()
    await page.goto(baseUrl + '/admin/donations')
    await page.fill('#d-q', gift.number)
    await page.click('.admin-filters button[type=submit]')
    expect(new URL(page.url()).searchParams.get('q')).toBe(gift.number)
    const rows = page.locator('table tbody tr')
    expect(await rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain(gift.number)
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(await overflow(), '/admin/donations').toBeLessThanOrEqual(0)
    await page.screenshot({ path: screenshotPath('desk-360-list'), fullPage: true })

    await rows.first().locator('a').first().click()
    expect(new URL(page.url()).pathname).toBe(`/admin/donations/${gift.id}`)
    await page.locator('ol.timeline li').first().waitFor()
    expect(await page.locator('ol.timeline li').count()).toBeGreaterThanOrEqual(3)
    expect(await page.locator('a[href^="/ledger/"]').count()).toBeGreaterThan(0)
    expect(await overflow(), 'one donation').toBeLessThanOrEqual(0)

    await page.click(`a[href^="/admin/donors/"]`)
    expect(await page.locator('table tbody tr').count()).toBeGreaterThan(0)
    expect(await overflow(), 'one donor').toBeLessThanOrEqual(0)
    await page.goto(baseUrl + '/admin/donors')
    expect(await page.locator('table tbody tr').count()).toBeGreaterThan(0)
    expect(await overflow(), '/admin/donors').toBeLessThanOrEqual(0)

    const bad = await page.goto(baseUrl + '/admin/donations?from=2026-99-99')
    expect(bad!.status()).toBe(400)
    expect(await page.locator('#d-from-error').textContent()).toContain('2026-11-23')
    await context.close()
  })

  it('exports the filtered list as CSV with a BOM and yuan', async () => {
    const res = await fetch(`${baseUrl}/admin/donations/export?q=${encodeURIComponent(gift.number)}`, {
      headers: { Cookie: `hl_session=${token}` },
    })
    expect(res.status).toBe(200)
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = new TextDecoder().decode(bytes).trim().split('\r\n')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(new RegExp(`^${gift.number},.*,\\d+\\.\\d{2},\\d+\\.\\d{2},\\d+\\.\\d{2},CNY,`))
  })
})
