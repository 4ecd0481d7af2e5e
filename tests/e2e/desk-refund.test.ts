import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { createStaffAccount } from '../support/staff-account'

// A partial refund in Chromium, JavaScript off, at 360 px: finance (an account of this
// file's own) finds a demo gift by its receipt number, refunds ¥12.34 of it with a reason;
// the donor's trace page and the public ledger show the refund, and the refund notice is in
// the outbox (read by an auditor, who holds outbox.read).

const PASSWORD = 'desk-refund-e2e-password'
const FINANCE = 'finance.refunds@e2e.test'
const AUDITOR = 'auditor.refunds@e2e.test'

describe.skipIf(e2eSkip)('a staff refund in the browser', () => {
  let browser: Browser
  let db: DB
  let gift: { id: number; number: string; publicId: string; trackingCode: string; email: string }
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    for (const [email, role, name] of [
      [FINANCE, 'finance', '退款财务'],
      [AUDITOR, 'auditor', '退款审计'],
    ] as const)
      await createStaffAccount(db, { email, password: PASSWORD, displayName: name, role, stationCode: '530000' })
    // The newest paid one-time demo gift with a current receipt (other suites read the oldest).
    const row = await db
      .selectFrom('receipts as r')
      .innerJoin('donations as d', 'd.id', 'r.donation_id')
      .select(['d.id', 'r.number', 'd.public_id', 'd.tracking_code', 'd.donor_email'])
      .where('r.voided_at', 'is', null)
      .where('d.status', '=', 'paid')
      .where('d.frequency', '=', 'once')
      .where('d.provider', '=', 'demo')
      .where('d.amount', '>=', 5000)
      .orderBy('r.id', 'desc')
      .executeTakeFirstOrThrow()
    gift = {
      id: Number(row.id),
      number: row.number,
      publicId: row.public_id,
      trackingCode: row.tracking_code,
      email: row.donor_email,
    }
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  async function signedIn(email: string) {
    const context = await browser.newContext({
      locale: 'zh-CN',
      viewport: { width: 360, height: 800 },
      javaScriptEnabled: false,
    })
    const page = await context.newPage()
    await page.goto(baseUrl + '/login')
    await page.getByLabel('电子邮箱').fill(email)
    await page.getByLabel('密码').fill(PASSWORD)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL((u) => u.pathname === '/admin')
    return { context, page }
  }

  it('finance refunds part of a gift found by receipt number; trace, ledger and outbox show it', async () => {
    const { context, page } = await signedIn(FINANCE)
    await page.goto(baseUrl + '/admin/donations')
    await page.fill('#d-q', gift.number)
    await page.click('.admin-filters button[type=submit]')
    const rows = page.locator('table tbody tr')
    expect(await rows.count()).toBe(1)
    await rows.first().locator('a').first().click()
    expect(new URL(page.url()).pathname).toBe(`/admin/donations/${gift.id}`)

    const refunds = page.locator('#refunds')
    await refunds.getByLabel('退款金额（元）').fill('12.34')
    await refunds.getByLabel('退款原因').fill('捐赠人多捐了一笔，要求退回部分款项')
    await refunds.getByRole('button', { name: '退款', exact: true }).click()
    await page.waitForURL((u) => u.searchParams.get('refund') === 'succeeded')
    expect(await page.locator('#refunds [role=status]').textContent()).toContain('退款已完成')
    expect(await refunds.textContent()).toContain('¥12.34')
    expect(await refunds.textContent()).toContain('已退款')
    expect(await page.locator('ol.timeline').textContent()).toContain('工作人员发起')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: screenshotPath('desk-refund-360'), fullPage: true })

    // More than what remains is refused with a message on the amount, and nothing is written.
    const before = await db.selectFrom('refund_requests').select('id').where('donation_id', '=', gift.id).execute()
    await refunds.getByLabel('退款金额（元）').fill('999999')
    await refunds.getByLabel('退款原因').fill('太多')
    await refunds.getByRole('button', { name: '退款', exact: true }).click()
    expect(await page.locator('#f-amount-error').textContent()).toContain('超过可退金额')
    const after = await db.selectFrom('refund_requests').select('id').where('donation_id', '=', gift.id).execute()
    expect(after.length).toBe(before.length)

    // The refund notice went to the outbox; the page links to it.
    const mailHref = await page.locator('ol.timeline a[href^="/admin/outbox/"]').last().getAttribute('href')
    const notice = await db
      .selectFrom('mail_outbox')
      .select(['id', 'to_address'])
      .where('template', '=', 'refund-notice')
      .where('to_address', '=', gift.email)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    expect(mailHref).toBe(`/admin/outbox/${notice.id}`)
    await context.close()

    // The donor's own trace page says what was refunded.
    const visitor = await browser.newContext({ locale: 'zh-CN', viewport: { width: 360, height: 800 } })
    const trace = await visitor.newPage()
    await trace.goto(`${baseUrl}/trace/${gift.trackingCode}`)
    expect(await trace.locator('#main').textContent()).toContain('已退款：¥12.34')

    // The public ledger holds the refund transaction.
    const refundTx = await db
      .selectFrom('ledger_transactions')
      .select('sequence')
      .where('donation_ref', '=', gift.publicId)
      .where('kind', '=', 'refund')
      .orderBy('sequence', 'desc')
      .executeTakeFirstOrThrow()
    const ledger = await trace.goto(`${baseUrl}/ledger/${refundTx.sequence}`)
    expect(ledger!.status()).toBe(200)
    const ledgerText = await trace.locator('#main').textContent()
    expect(ledgerText).toContain('退款')
    expect(ledgerText).toContain('12.34')
    await visitor.close()

    // An auditor reads the notice in the outbox.
    const auditor = await signedIn(AUDITOR)
    await auditor.page.goto(baseUrl + mailHref!)
    const mail = await auditor.page.locator('#main').textContent()
    expect(mail).toContain(gift.email)
    expect(mail).toContain('12.34')
    await auditor.context.close()
  })
})
