import { sql } from 'kysely'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { verifyLedger } from '~/modules/ledger'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'

// A donor gives ¥100 through the demo checkout, end to end in Chromium.
describe.skipIf(e2eSkip)('giving through the demo checkout', () => {
  let browser: Browser
  let db: DB
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  const raisedText = async (page: import('playwright-core').Page) =>
    (await page.locator('.progress-figures strong').first().textContent())?.trim()

  it('gives ¥100, sees the thank-you page, moves the progress bar, queues the receipt and books the ledger', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(baseUrl + '/campaigns/hope-star-2026')
    const before = await raisedText(page)
    const campaign = await db
      .selectFrom('campaigns')
      .select('id')
      .where('slug', '=', 'hope-star-2026')
      .executeTakeFirstOrThrow()
    const paidBefore = await db
      .selectFrom('donations')
      .select(sql<number>`count(*)`.as('n'))
      .where('campaign_id', '=', campaign.id)
      .where('status', '=', 'paid')
      .executeTakeFirstOrThrow()

    await page.getByRole('link', { name: '我要捐赠' }).click()
    await page.waitForURL(/\/donate\?campaign=hope-star-2026/)
    await page.getByLabel('¥100.00').check()
    await page.getByLabel('姓名').fill('浏览器测试')
    await page.getByLabel(/电子邮箱/).fill('e2e-donor@example.test')
    await page.screenshot({ path: screenshotPath('donate-form-phone'), fullPage: true })
    await page.getByRole('button', { name: '前往支付' }).click()

    await page.waitForURL(/\/donate\/demo\/cs_demo_/)
    await page.getByText('演示支付 · 不会产生真实扣款').waitFor()
    await page.screenshot({ path: screenshotPath('demo-checkout-phone'), fullPage: true })
    await page.getByRole('button', { name: '完成支付' }).click()

    await page.waitForURL(/\/donate\/thanks\?donation=D-/)
    // The URL changes as the client navigation starts; the page follows once its loader answers.
    await page.getByRole('heading', { level: 1, name: '谢谢你的善意！' }).waitFor({ timeout: 30_000 })
    await expect(page.getByRole('status').textContent()).resolves.toContain('¥100.00')
    const publicId = new URL(page.url()).searchParams.get('donation')!

    await page.goto(baseUrl + '/campaigns/hope-star-2026')
    const after = await raisedText(page)
    expect(after).not.toBe(before)
    const parse = (s: string | undefined) => Number((s ?? '').replace(/[^\d]/g, ''))
    expect(parse(after) - parse(before)).toBe(10000)

    const donation = await db
      .selectFrom('donations')
      .selectAll()
      .where('public_id', '=', publicId)
      .executeTakeFirstOrThrow()
    expect(donation).toMatchObject({ status: 'paid', amount: 10000, provider: 'demo', display_name: '浏**' })
    const paidAfter = await db
      .selectFrom('donations')
      .select(sql<number>`count(*)`.as('n'))
      .where('campaign_id', '=', campaign.id)
      .where('status', '=', 'paid')
      .executeTakeFirstOrThrow()
    expect(Number(paidAfter.n)).toBe(Number(paidBefore.n) + 1)
    const jobs = await db
      .selectFrom('mail_outbox')
      .select(['template'])
      .where('to_address', '=', 'e2e-donor@example.test')
      .execute()
    expect(jobs.map((j) => j.template)).toContain('donation-receipt')
    const ledger = await db
      .selectFrom('ledger_transactions')
      .select(['kind'])
      .where('donation_ref', '=', publicId)
      .execute()
    expect(ledger.map((l) => l.kind)).toEqual(['donation'])
    const verified = await verifyLedger(db)
    expect(verified.ok).toBe(true)
    await context.close()
  })

  it('shows field errors without JavaScript and keeps what was typed', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en' })
    const page = await context.newPage()
    await page.goto(baseUrl + '/donate?campaign=hope-star-2026&lng=en')
    await page.getByLabel('Other', { exact: true }).check()
    await page.getByLabel('Other amount').fill('0.10')
    await page.getByLabel(/Email/).fill('not-an-email')
    await page.getByRole('button', { name: 'Continue to payment' }).click()
    await expect(page.locator('#customAmount-error').textContent()).resolves.toContain('The smallest gift is')
    await expect(page.locator('#email-error').textContent()).resolves.toBe('Enter a valid email address')
    await expect(page.getByLabel('Other amount').inputValue()).resolves.toBe('0.10')
    await context.close()
  })
})
