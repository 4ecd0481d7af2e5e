import type { Browser, BrowserContext, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { axeViolations, overflows } from '../support/page-checks'
import { createStaffAccount } from '../support/staff-account'

// Issue 16's story, in Chromium at a phone's width and a desktop's: an admin of its own adds
// a station and invites a caseworker there, who sets a password from the mailed link and
// signs in; the admin creates a campaign with a cover and publishes it, a donor gives to it
// through the demo checkout, the admin closes it, and the donation form then refuses with
// the localised message. Every staff page visited passes axe in Chinese and English and
// fits its width.

const PASSWORD = 'operate-story-password'
const WAIT = { timeout: 30_000 } // a loaded machine: wait for what the page shows, generously

async function signIn(page: Page, email: string, password: string) {
  await page.goto(baseUrl + '/login')
  await page.getByLabel('电子邮箱').fill(email)
  await page.getByLabel('密码', { exact: true }).fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL((u) => u.pathname === '/admin', WAIT)
}

/** axe and the width, on the page as it is and again in English. */
async function checkBothLanguages(page: Page) {
  const path = new URL(page.url()).pathname
  expect(await axeViolations(page), path).toEqual([])
  expect(await overflows(page), `${path} overflows`).toEqual([])
  await page.goto(`${baseUrl}${path}?lng=en`)
  await page.locator('html[lang="en"]').waitFor(WAIT)
  expect(await axeViolations(page), `${path}?lng=en`).toEqual([])
  expect(await overflows(page), `${path}?lng=en overflows`).toEqual([])
  await page.goto(`${baseUrl}${path}?lng=zh-CN`)
  await page.locator('html[lang="zh-CN"]').waitFor(WAIT)
}

describe.skipIf(e2eSkip)('operating the foundation end to end in Chromium', () => {
  let browser: Browser
  let db: DB
  const contexts: BrowserContext[] = []
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
  })
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await db?.destroy()
  })

  for (const width of [390, 1280]) {
    it(`at ${width} px: station, invited caseworker, campaign with cover, a gift, then closed`, async () => {
      // Names of this run's own, so that the two widths and any rerun do not collide.
      const run = `${width}${Date.now().toString(36)}`
      const admin = `admin.story.${run}@e2e.test`
      const caseworker = `caseworker.story.${run}@e2e.test`
      const slug = `e2e-story-${run}`
      const stationCode = String(Date.now() * 10 + (width === 390 ? 1 : 2)).slice(-12)
      const stationName = `故事工作站${run}`
      await createStaffAccount(db, {
        email: admin,
        password: PASSWORD,
        displayName: `故事管理员${width}`,
        role: 'admin',
        stationCode: '530000',
      })
      const viewport = { width, height: 900 }
      const newPage = async () => {
        const context = await browser.newContext({ locale: 'zh-CN', viewport })
        contexts.push(context)
        const page = await context.newPage()
        page.setDefaultTimeout(30_000)
        return page
      }

      // The admin adds a station under Yunnan.
      const page = await newPage()
      await signIn(page, admin, PASSWORD)
      await page.goto(baseUrl + '/admin/stations')
      await checkBothLanguages(page)
      const yunnan = page.locator('details').filter({
        has: page.locator('summary', { hasText: /^管理：云南省希望工程工作站$/ }),
      })
      await yunnan.locator('summary').click()
      const add = yunnan.locator('form').filter({ has: page.getByRole('button', { name: '新增' }) })
      await add.getByLabel('名称', { exact: true }).fill(stationName)
      await add.getByLabel('英文名称', { exact: true }).fill(`Story Station ${run}`)
      await add.getByLabel('行政区划代码', { exact: true }).fill(stationCode)
      await add.getByRole('button', { name: '新增' }).click()
      await page.waitForURL((u) => u.searchParams.get('done') === 'add', WAIT)
      await page.getByText(stationName, { exact: true }).first().waitFor(WAIT)
      const station = await db
        .selectFrom('stations')
        .select(['id', 'name'])
        .where('code', '=', stationCode)
        .executeTakeFirstOrThrow()
      expect(station.name).toBe(stationName)

      // …and invites a caseworker there; the link comes by mail (the outbox).
      await page.goto(baseUrl + '/admin/staff')
      await checkBothLanguages(page)
      const invite = page.locator('form').filter({ has: page.getByRole('button', { name: '生成邀请链接' }) })
      await invite.getByLabel('电子邮箱').fill(caseworker)
      await invite.getByLabel('姓名').fill(`故事社工${width}`)
      await invite.getByLabel('角色').selectOption('caseworker')
      await invite.getByLabel('工作站').selectOption(String(station.id))
      await invite.getByRole('button', { name: '生成邀请链接' }).click()
      await page.getByTestId('invite-link').waitFor(WAIT)
      expect(await overflows(page), 'the invite link fits').toEqual([])
      const mail = await db
        .selectFrom('mail_outbox')
        .select(['props'])
        .where('to_address', '=', caseworker)
        .where('template', '=', 'staff-invitation')
        .executeTakeFirstOrThrow()
      const link = new URL(JSON.parse(mail.props).url as string)
      expect(link.pathname).toMatch(/^\/invite\/[\w-]+$/)

      // The caseworker opens the link, sets a password and signs in.
      const worker = await newPage()
      await worker.goto(baseUrl + link.pathname)
      await worker.getByRole('heading', { level: 1 }).waitFor(WAIT)
      expect(await axeViolations(worker)).toEqual([])
      expect(await overflows(worker)).toEqual([])
      await worker.getByLabel('新密码').fill('caseworker-story-pass')
      await worker.getByLabel('再次输入密码').fill('caseworker-story-pass')
      await worker.getByRole('button', { name: '设置密码' }).click()
      await worker.waitForURL((u) => u.pathname === '/login', WAIT)
      await signIn(worker, caseworker, 'caseworker-story-pass')
      await worker.getByRole('navigation', { name: '管理后台' }).first().waitFor(WAIT)
      // The link was for one use.
      expect((await worker.request.get(baseUrl + link.pathname)).status()).toBe(404)

      // The admin creates a campaign with a cover and publishes it.
      await page.goto(baseUrl + '/admin/campaigns/new')
      await checkBothLanguages(page)
      const label = (text: string) => page.getByLabel(text, { exact: true })
      await label('网址标识').fill(slug)
      await label('标题').fill(`故事募捐 ${run}`)
      await label('项目故事').fill('一个工作站从开张到第一笔捐赠的故事。')
      await label('筹款目标（元）').fill('20000')
      await label('建议捐赠金额（元）').fill('50, 150, 500')
      const plan: [string, string][] = [
        ['募捐目的', '为山区学生购买文具'],
        ['募捐区域', '云南省'],
        ['募捐活动负责人', '王测试'],
        ['接受捐赠方式', '银行卡、支付宝、微信支付'],
        ['受益人', '镇雄县 100 名学生'],
        ['募得款物用途', '购买并运送文具'],
        ['募捐成本', '不从善款中列支'],
        ['剩余财产的处理', '转入同类助学项目'],
        ['备案编号', '53000020268888'],
      ]
      for (const [name, value] of plan) await label(name).fill(value)
      const cover = await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#37a' } })
        .jpeg()
        .toBuffer()
      await label('上传封面').setInputFiles({ name: 'cover.jpg', mimeType: 'image/jpeg', buffer: cover })
      await page.getByRole('button', { name: '保存草稿' }).click()
      await page.waitForURL(
        (u) => /^\/admin\/campaigns\/\d+$/.test(u.pathname) && u.searchParams.get('done') === 'created',
        WAIT,
      )
      const campaignPath = new URL(page.url()).pathname
      await checkBothLanguages(page)
      await page.getByRole('button', { name: '发布' }).click()
      await page.waitForURL((u) => u.searchParams.get('done') === 'published', WAIT)
      await page.getByRole('status').filter({ hasText: '已发布' }).first().waitFor(WAIT)

      // A donor gives ¥150 to it through the demo checkout.
      const donor = await newPage()
      await donor.goto(`${baseUrl}/campaigns/${slug}`)
      await donor.getByRole('heading', { level: 1, name: `故事募捐 ${run}` }).waitFor(WAIT)
      const img = donor.locator('img.campaign-cover')
      await img.waitFor(WAIT)
      await expect
        .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT)
        .toBeGreaterThan(0)
      await donor.getByRole('link', { name: '我要捐赠' }).click()
      await donor.waitForURL((u) => u.pathname === '/donate', WAIT)
      await donor.getByLabel('¥150.00').check()
      await donor.getByLabel('姓名').fill('故事捐赠人')
      await donor.getByLabel(/电子邮箱/).fill(`donor.story.${run}@example.test`)
      await donor.getByRole('button', { name: '前往支付' }).click()
      await donor.waitForURL(/\/donate\/demo\/cs_demo_/, WAIT)
      await donor.getByRole('button', { name: '完成支付' }).click()
      await donor.waitForURL(/\/donate\/thanks\?donation=D-/, WAIT)
      await expect(donor.getByRole('status').textContent()).resolves.toContain('¥150.00')
      const paid = await db
        .selectFrom('donations')
        .innerJoin('campaigns', 'campaigns.id', 'donations.campaign_id')
        .select(['donations.status', 'donations.amount'])
        .where('campaigns.slug', '=', slug)
        .execute()
      expect(paid).toEqual([{ status: 'paid', amount: 15000 }])

      // A second gift's form is open when the admin closes the campaign.
      await donor.goto(`${baseUrl}/donate?campaign=${slug}`)
      await donor.getByLabel('¥150.00').check()
      await donor.getByLabel('姓名').fill('故事捐赠人')
      await donor.getByLabel(/电子邮箱/).fill(`donor.story.${run}@example.test`)
      await page.goto(baseUrl + campaignPath)
      await page.getByRole('button', { name: '结束募捐' }).click()
      await page.waitForURL((u) => u.searchParams.get('done') === 'closed', WAIT)
      await page.getByRole('status').filter({ hasText: '已结束募捐' }).first().waitFor(WAIT)
      await page.screenshot({ path: screenshotPath(`operate-story-closed-${width}`), fullPage: true })

      // The open form is refused on submit, with the message on the campaign field; nothing is written.
      await donor.getByRole('button', { name: '前往支付' }).click()
      const refusal = '该募捐项目已结束募捐，不再接受新的捐赠。'
      await donor.locator('#campaign-error').filter({ hasText: refusal }).waitFor(WAIT)
      expect(new URL(donor.url()).pathname).toBe('/donate')
      const after = await db
        .selectFrom('donations')
        .innerJoin('campaigns', 'campaigns.id', 'donations.campaign_id')
        .select('donations.id')
        .where('campaigns.slug', '=', slug)
        .execute()
      expect(after).toHaveLength(1)
      // A fresh link to it says so too, in either language.
      await donor.goto(`${baseUrl}/donate?campaign=${slug}`)
      await expect(donor.getByRole('alert').filter({ hasText: refusal }).count()).resolves.toBe(1)
      await donor.goto(`${baseUrl}/donate?campaign=${slug}&lng=en`)
      await expect(
        donor
          .getByRole('alert')
          .filter({ hasText: 'This campaign has closed and no longer accepts new gifts.' })
          .count(),
      ).resolves.toBe(1)
      expect(await overflows(donor)).toEqual([])
    }, 240_000)
  }
})
