import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { donorCookies } from '../support/donor-session'
import { newCampaign, newPool, staffUser } from '../support/matching'
import { createStaffAccount } from '../support/staff-account'
import { fundOfMatchPool, getBalance } from '~/modules/ledger'

// Team pages (一起捐) and a matching pool (配捐) on a phone: a signed-in donor starts a page
// for a campaign of this test's own whose pool matches 1:1 at any hour; a second donor gives
// through it with the demo checkout; the thank-you page and the trace show the sponsor's
// match, and the team page shows the total (the donors' own gifts) and the supporter.
describe.skipIf(e2eSkip)('team pages and a 1:1 match at 390 px', () => {
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

  it('a donor creates a team page, a second donor gives through it, matched 1:1', async () => {
    const campaignId = await newCampaign(db)
    await newPool(db, await staffUser(db), campaignId, { ratioGift: '1', ratioMatch: '1', minGift: '1' }, 10_000_00)
    const { slug } = await db
      .selectFrom('campaigns')
      .select('slug')
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow()
    // A seeded donor no other suite signs in as (sign-in links are rate-limited per address).
    const owner = await db
      .selectFrom('donations')
      .select('donor_email')
      .where('status', '=', 'paid')
      .where('donor_email', '=', 'demo-donor-9@example.test')
      .executeTakeFirstOrThrow()
    const cookies = await donorCookies(browser, db, owner.donor_email)
    const viewport = { width: 390, height: 844 }
    const ownerContext = await browser.newContext({ viewport, locale: 'zh-CN' })
    await ownerContext.addCookies(cookies)
    const page = await ownerContext.newPage()
    await page.goto(baseUrl + `/donor/teams?campaign=${slug}`)
    const title = `浏览器一起捐 ${Date.now() % 100000}`
    await page.getByLabel('页面标题').fill(title)
    await page.getByLabel('目标金额（元）').fill('500')
    await page.getByLabel('想对亲友说的话（选填）').fill('一起帮孩子们读完这个学期。')
    await page.getByRole('button', { name: '创建页面' }).click()
    await page.waitForURL(/\/teams\/T-[0-9A-Z]{8}\?created=1/)
    await page.getByRole('heading', { level: 1, name: title }).waitFor()
    const teamUrl = new URL(page.url()).pathname
    await page.screenshot({ path: screenshotPath('team-page-new-phone'), fullPage: true })
    await ownerContext.close()

    const giver = await browser.newContext({ viewport, locale: 'zh-CN' })
    const p2 = await giver.newPage()
    await p2.goto(baseUrl + teamUrl)
    await p2.getByRole('link', { name: '通过本页捐款' }).click()
    await p2.waitForURL(new RegExp(`/donate\\?campaign=${slug}&team=T-`))
    await p2.getByText(`本笔捐款计入一起捐「${title}」`).waitFor()
    await p2.getByLabel('¥100.00').check()
    await p2.getByLabel('姓名').fill('团队支持者')
    await p2.getByLabel(/电子邮箱/).fill(`e2e-team-${Date.now()}@example.test`)
    await p2.getByRole('button', { name: '前往支付' }).click()
    await p2.waitForURL(/\/donate\/demo\/cs_demo_/)
    await p2.getByRole('button', { name: '完成支付' }).click()
    await p2.waitForURL(/\/donate\/thanks\?donation=D-/)
    await p2.getByRole('heading', { level: 1, name: '谢谢你的善意！' }).waitFor({ timeout: 30_000 })
    const publicId = new URL(p2.url()).searchParams.get('donation')!
    await p2.getByText('示例科技有限公司（虚构） 为你的捐赠配捐 ¥100.00').first().waitFor()
    await p2.screenshot({ path: screenshotPath('team-gift-matched-thanks-phone'), fullPage: true })
    await p2
      .getByRole('link', { name: /追踪|去向/ })
      .first()
      .click()
    await p2.waitForURL(/\/trace\//)
    await p2.getByText('示例科技有限公司（虚构） 配捐 ¥100.00').first().waitFor()
    await p2.getByText('你的捐赠 ¥100.00').first().waitFor()
    await p2.screenshot({ path: screenshotPath('team-gift-matched-trace-phone'), fullPage: true })

    await p2.goto(baseUrl + teamUrl)
    await expect(p2.locator('.progress-figures strong').first().textContent()).resolves.toBe('¥100.00')
    // The supporter is shown by the name they chose (family name only by default): 团**.
    await expect(p2.getByTestId('team-supporters').textContent()).resolves.toContain('团**')
    await p2.screenshot({ path: screenshotPath('team-page-gift-phone'), fullPage: true })
    await giver.close()

    const row = await db
      .selectFrom('donations as d')
      .innerJoin('team_pages as t', 't.id', 'd.team_id')
      .select(['t.code', 'd.status'])
      .where('d.public_id', '=', publicId)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ code: teamUrl.split('/').pop(), status: 'paid' })
  })

  it('a sponsor pays its pool online through the link staff send, with a phone kept as a digest', async () => {
    const campaignId = await newCampaign(db)
    const poolId = await newPool(
      db,
      await staffUser(db),
      campaignId,
      { name: `浏览器注资池 ${Date.now() % 100000}` },
      0,
    )
    const email = `e2e-pool-staff-${Date.now()}@example.test`
    await createStaffAccount(db, {
      email,
      password: 'hope-demo-2026',
      displayName: '配捐',
      role: 'finance',
      stationCode: '530000',
    })
    const viewport = { width: 390, height: 844 }
    const staff = await browser.newContext({ viewport, locale: 'zh-CN' })
    const page = await staff.newPage()
    await page.goto(baseUrl + '/login')
    await page.locator('main input[name="email"]').fill(email)
    await page.locator('main input[name="password"]').fill('hope-demo-2026')
    await page.locator('main form button[type="submit"]').click()
    await page.waitForURL((u) => u.pathname.startsWith('/admin'))
    await page.goto(baseUrl + '/admin/matching')
    await page.screenshot({ path: screenshotPath('sponsor-pool-admin-phone'), fullPage: true })
    await page.getByRole('heading', { level: 1, name: '配捐资金池' }).waitFor()
    const link = new URL(await page.locator(`#f-link-${poolId}`).inputValue())
    expect(link.pathname).toBe('/donate')
    expect(link.searchParams.get('pool')).toBe(String(poolId))
    await staff.close()

    const sponsor = await browser.newContext({ viewport, locale: 'zh-CN' })
    const p = await sponsor.newPage()
    // A link whose claim was changed opens nothing.
    await p.goto(baseUrl + `/donate?pool=${poolId}&claim=forged`)
    await p.getByText('这个配捐池的付款链接无效').waitFor()
    await p.goto(baseUrl + link.pathname + link.search)
    await p.getByText(/^配捐池充值：浏览器注资池/).waitFor()
    // One gift, not a monthly one: the form offers no monthly choice for a pool.
    expect(await p.getByLabel('每月捐赠').count()).toBe(0)
    expect(await p.getByLabel('单次捐赠').isChecked()).toBe(true)
    await p.getByLabel('其他金额', { exact: true }).check()
    await p.getByLabel('其他金额（元）').fill('3000')
    await p.getByLabel(/电子邮箱/).fill(`e2e-sponsor-${Date.now()}@example.test`)
    await p.getByLabel('手机号（选填）').fill('138 0013 8000')
    await p.screenshot({ path: screenshotPath('sponsor-pool-form-phone'), fullPage: true })
    await p.getByRole('button', { name: '前往支付' }).click()
    await p.waitForURL(/\/donate\/demo\/cs_demo_/)
    await p.getByRole('button', { name: '完成支付' }).click()
    await p.waitForURL(/\/donate\/thanks\?donation=D-/)
    await p.getByRole('heading', { level: 1, name: '谢谢你的善意！' }).waitFor({ timeout: 30_000 })
    const publicId = new URL(p.url()).searchParams.get('donation')!
    await sponsor.close()

    const gift = await db
      .selectFrom('donations')
      .select(['fund', 'status', 'amount', 'fee_amount', 'donor_phone_key', 'target_id'])
      .where('public_id', '=', publicId)
      .executeTakeFirstOrThrow()
    expect(gift).toMatchObject({ fund: `fund:match:${poolId}`, status: 'paid', amount: 3000_00, target_id: poolId })
    expect(gift.donor_phone_key).toMatch(/^[\w-]{43}$/)
    // The pool held nothing before: now the sponsor's gift less the processor's fee.
    expect(await getBalance(db, fundOfMatchPool(poolId), 'CNY')).toBe(3000_00 - Number(gift.fee_amount))
  })
})
