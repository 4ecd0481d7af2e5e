import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { donorCookies } from '../support/donor-session'
import { createStaffAccount } from '../support/staff-account'

// At 360 px in Chromium: a donor asks for an official e-receipt in the portal, finance
// (an account of this file's own) attaches it in the queue, and the donor then sees it;
// finance resends a receipt from the donation page. axe finds nothing serious on the
// new pages and nothing is wider than the screen.

const PASSWORD = 'receipts-e2e-password'
const EMAIL = 'finance.receipts@e2e.test'
const DONOR = 'official.receipt.donor@e2e.test'
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE)
  const result = await page.evaluate(async () => (window as any).axe.run('#main', { resultTypes: ['violations'] }))
  return (result.violations as { id: string; impact: string; nodes: { html: string }[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)
}

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

describe.skipIf(e2eSkip)('receipts desk and official e-receipts at 360 px', () => {
  let browser: Browser
  let db: DB
  let gift: { id: number; public_id: string }
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    await createStaffAccount(db, {
      email: EMAIL,
      password: PASSWORD,
      displayName: '票据财务',
      role: 'finance',
      stationCode: '530000',
    })
    // A seeded gift with a valid receipt, given a donor of this file's own.
    gift = await db
      .selectFrom('donations as d')
      .innerJoin('receipts as r', 'r.donation_id', 'd.id')
      .select(['d.id', 'd.public_id'])
      .where('d.status', '=', 'paid')
      .where('r.voided_at', 'is', null)
      .orderBy('d.id', 'desc')
      .executeTakeFirstOrThrow()
    await db.updateTable('donations').set({ donor_email: DONOR }).where('id', '=', gift.id).execute()
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  it('request → attach → visible to the donor; resend from the donation page', async () => {
    const donorContext = await browser.newContext({ locale: 'zh-CN', viewport: { width: 360, height: 800 } })
    await donorContext.addCookies(await donorCookies(browser, db, DONOR))
    const donor = await donorContext.newPage()
    await donor.goto(baseUrl + '/donor/e-receipts')
    expect(await axeViolations(donor)).toEqual([])
    expect(await overflow(donor), '/donor/e-receipts').toBeLessThanOrEqual(0)
    const card = donor.locator('li.card').first()
    await card.getByLabel('抬头名称（个人姓名或单位全称）').fill('王测试')
    await card.getByRole('button', { name: '申请财政电子票据' }).click()
    await donor.waitForURL((u) => u.searchParams.get('sent') === '1')
    // Waits for the words rather than reading once: a loaded machine renders late.
    await donor.locator('main').getByText('等待开具').waitFor()

    const request = await db
      .selectFrom('official_receipt_requests')
      .select('id')
      .where('donation_id', '=', gift.id)
      .executeTakeFirstOrThrow()
    const staffContext = await browser.newContext({ locale: 'zh-CN', viewport: { width: 360, height: 800 } })
    const staff = await staffContext.newPage()
    await staff.goto(baseUrl + '/login')
    await staff.getByLabel('电子邮箱').fill(EMAIL)
    await staff.getByLabel('密码').fill(PASSWORD)
    await staff.getByRole('button', { name: '登录' }).click()
    await staff.waitForURL((u) => u.pathname === '/admin')

    await staff.goto(baseUrl + '/admin/e-receipts')
    expect(await axeViolations(staff)).toEqual([])
    expect(await overflow(staff), '/admin/e-receipts').toBeLessThanOrEqual(0)
    await staff.fill(`#code-${request.id}`, '53010126')
    await staff.fill(`#number-${request.id}`, '0000077777')
    await staff.fill(`#check-${request.id}`, 'E2E9F1')
    await staff.fill(`#url-${request.id}`, 'https://pjcy.example.gov.cn/check?no=0000077777')
    await staff.locator(`form:has(#code-${request.id}) button[type=submit]`).click()
    await staff.waitForURL((u) => u.searchParams.get('done') === 'attached')
    await staff.goto(baseUrl + '/admin/e-receipts?view=attached')
    await staff.locator('main').getByText('0000077777').first().waitFor()
    expect(await axeViolations(staff)).toEqual([])
    expect(await overflow(staff), '/admin/e-receipts?view=attached').toBeLessThanOrEqual(0)

    await donor.reload()
    await donor.locator('main').getByText('0000077777').waitFor()
    expect(await overflow(donor), '/donor/e-receipts attached').toBeLessThanOrEqual(0)
    await donor.screenshot({ path: screenshotPath('official-receipt-donor-360'), fullPage: true })

    await staff.goto(`${baseUrl}/admin/donations/${gift.id}`)
    expect(await axeViolations(staff)).toEqual([])
    expect(await overflow(staff), 'one donation').toBeLessThanOrEqual(0)
    await staff.getByRole('button', { name: '重发收据至当前邮箱' }).click()
    await staff.waitForURL((u) => u.searchParams.get('receipt') === 'resent')
    const resent = await db
      .selectFrom('mail_outbox')
      .select('to_address')
      .where('dedupe_key', 'like', `receipt-resend:${gift.id}:%`)
      .execute()
    expect(resent.map((m) => m.to_address)).toEqual([DONOR])

    await staff.click('a[href^="/admin/donors/"]')
    await staff.waitForURL((u) => u.pathname.startsWith('/admin/donors/'))
    expect(await axeViolations(staff)).toEqual([])
    expect(await overflow(staff), 'one donor').toBeLessThanOrEqual(0)
    await staffContext.close()
    await donorContext.close()
  })
})
