import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'

// 微信支付 and 支付宝 on the donation form, end to end in Chromium against `npm start`'s demos:
// a desktop donor sees WeChat Pay's Native QR code, a phone donor is sent to the Alipay
// cashier; both come back to the thank-you page with the gift booked in the ledger.
describe.skipIf(e2eSkip)('domestic payments through the demo WeChat Pay and Alipay', () => {
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

  async function fill(page: Page, method: '微信支付' | '支付宝', email: string) {
    await page.goto(baseUrl + '/donate')
    await page.getByLabel('¥100.00').check()
    await page.getByLabel('姓名').fill('境内支付测试')
    await page.getByLabel(/电子邮箱/).fill(email)
    await page.getByLabel(method, { exact: true }).check()
    await page.getByRole('button', { name: '前往支付' }).click()
  }

  async function booked(page: Page) {
    await page.waitForURL(/\/donate\/thanks\?donation=D-/)
    await expect(page.getByRole('status').textContent()).resolves.toContain('¥100.00')
    const publicId = new URL(page.url()).searchParams.get('donation')!
    const donation = await db
      .selectFrom('donations')
      .select(['status', 'amount'])
      .where('public_id', '=', publicId)
      .executeTakeFirstOrThrow()
    expect(donation).toMatchObject({ status: 'paid', amount: 10000 })
    const tx = await db
      .selectFrom('ledger_transactions')
      .select('sequence')
      .where('donation_ref', '=', publicId)
      .execute()
    expect(tx).toHaveLength(1)
    return publicId
  }

  it('at 1280 px, picks WeChat Pay, sees the Native QR code, pays in the demo wallet and is booked', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await context.newPage()
    await fill(page, '微信支付', 'e2e-wechat@example.test')
    await page.waitForURL(/\/donate\/wechatpay\/D-/)
    const qr = page.getByRole('img', { name: '微信支付二维码' })
    await qr.waitFor({ state: 'visible', timeout: 30_000 })
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/)
    await page.getByText('演示微信支付 · 不会产生真实扣款').waitFor({ state: 'visible', timeout: 30_000 })
    await page.screenshot({ path: screenshotPath('wechatpay-native-desktop'), fullPage: true })
    await page.getByRole('button', { name: '完成支付' }).click()
    await booked(page)
    await context.close()
  })

  it('at 390 px, picks Alipay, reaches the (demo) cashier, pays and is booked', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'zh-CN',
      isMobile: true,
      userAgent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
    })
    const page = await context.newPage()
    await fill(page, '支付宝', 'e2e-alipay@example.test')
    await page.waitForURL(/\/donate\/alipay-demo\/D-/)
    await page.getByText('演示支付宝收银台 · 不会产生真实扣款').waitFor({ state: 'visible', timeout: 30_000 })
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(width).toBeLessThanOrEqual(390)
    await page.screenshot({ path: screenshotPath('alipay-cashier-phone'), fullPage: true })
    await page.getByRole('button', { name: '完成支付' }).click()
    await booked(page)
    await context.close()
  })
})
