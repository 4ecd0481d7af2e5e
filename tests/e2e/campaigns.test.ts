import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { createStaffAccount } from '../support/staff-account'

// At 390 px in Chromium: an admin creates a campaign with a cover through the form (no
// script needed), publishes it, and the public page shows it with its fundraising plan.
// axe finds nothing serious on the new staff pages, in Chinese and in English.

const PASSWORD = 'campaigns-e2e-password'
const EMAIL = 'admin.campaigns@e2e.test' // an admin of its own: the staff suite enrols TOTP for the demo admin
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => (window as any).axe.run('#main', { resultTypes: ['violations'] }))
  return (result.violations as { id: string; impact: string; nodes: { html: string }[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)
}

/** The elements sticking out past the right edge (none when the page fits at its width). */
const overflows = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('#main *')]
      // A wide table scrolls inside its own box; nothing else may stick out.
      .filter((el) => !el.closest('.table-scroll') && el.getBoundingClientRect().right > window.innerWidth + 1)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}#${el.id}`)
      .slice(0, 5),
  )

describe.skipIf(e2eSkip)('campaign pages in Chromium at 390 px', () => {
  let browser: Browser
  let db: DB
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    await createStaffAccount(db, {
      email: EMAIL,
      password: PASSWORD,
      displayName: '募捐管理员',
      role: 'admin',
      stationCode: '530000',
    })
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  it('creates a campaign with a cover, publishes it, and shows it with its plan', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()} ${m.text()}`))
    await page.goto(baseUrl + '/login')
    await page.getByLabel('电子邮箱').fill(EMAIL)
    await page.getByLabel('密码').fill(PASSWORD)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL((u) => u.pathname === '/admin')

    await page.goto(baseUrl + '/admin/campaigns')
    expect(await axeViolations(page)).toEqual([])
    await page.getByRole('link', { name: '新建募捐项目' }).first().click()
    await page.waitForURL((u) => u.pathname === '/admin/campaigns/new')
    expect(await axeViolations(page)).toEqual([])
    expect(await overflows(page)).toEqual([])

    const label = (text: string) => page.getByLabel(text, { exact: true })
    await label('网址标识').fill('e2e-winter-2026')
    await label('标题').fill('冬衣送暖 · 端到端')
    await label('项目故事').fill('山里的冬天很冷，孩子们需要一件厚外套。')
    await label('筹款目标（元）').fill('20000')
    await label('建议捐赠金额（元）').fill('50, 150, 500')
    const plan: [string, string][] = [
      ['募捐目的', '为山区学生购买冬衣'],
      ['募捐区域', '云南省'],
      ['募捐活动负责人', '王测试'],
      ['接受捐赠方式', '银行卡、支付宝、微信支付'],
      ['受益人', '镇雄县 100 名学生'],
      ['募得款物用途', '购买并运送冬衣'],
      ['募捐成本', '不从善款中列支'],
      ['剩余财产的处理', '转入同类助学项目'],
      ['备案编号', '53000020269999'],
    ]
    for (const [name, value] of plan) await label(name).fill(value)
    const cover = await sharp({ create: { width: 1800, height: 900, channels: 3, background: '#2a7' } })
      .jpeg()
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '27/1 20/1 0/1' } })
      .toBuffer()
    await label('上传封面').setInputFiles({ name: 'cover.jpg', mimeType: 'image/jpeg', buffer: cover })
    await page.getByRole('button', { name: '保存草稿' }).click()
    await page.waitForURL(
      (u) => /^\/admin\/campaigns\/\d+$/.test(u.pathname) && u.searchParams.get('done') === 'created',
    )
    expect(await axeViolations(page)).toEqual([])
    expect(await overflows(page)).toEqual([])
    // A draft is not public yet.
    expect((await page.request.get(baseUrl + '/campaigns/e2e-winter-2026', { headers: { Cookie: '' } })).status()).toBe(
      404,
    )

    await page.getByRole('button', { name: '发布' }).click()
    await page.waitForURL((u) => u.searchParams.get('done') === 'published')
    // Wait for the published page itself: the URL can change before the old page's status is replaced.
    await page.getByRole('status').filter({ hasText: '已发布' }).first().waitFor({ timeout: 15_000 })
    await expect(page.getByRole('status').filter({ hasText: '已发布' }).count()).resolves.toBeGreaterThan(0)
    await page.screenshot({ path: screenshotPath('campaigns-admin-published-390'), fullPage: true })

    await page.goto(baseUrl + '/campaigns/e2e-winter-2026')
    await page.getByRole('heading', { level: 1, name: '冬衣送暖 · 端到端' }).waitFor()
    await page.getByRole('heading', { name: '募捐方案' }).waitFor()
    await expect(page.getByText('53000020269999').textContent()).resolves.toContain('53000020269999')
    const img = page.locator('img.campaign-cover')
    expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0)
    expect(await axeViolations(page)).toEqual([])
    expect(await overflows(page)).toEqual([])
    await page.screenshot({ path: screenshotPath('campaigns-public-390'), fullPage: true })

    // The suggested amounts are offered on the donation form.
    await page.getByRole('link', { name: '我要捐赠' }).click()
    await page.waitForURL((u) => u.pathname === '/donate')
    await page.getByLabel('¥150.00').waitFor()

    // The other new pages, in both languages.
    for (const path of [
      '/admin/stations',
      '/admin/programmes',
      '/admin/campaigns/new?lng=en',
      '/admin/stations?lng=en',
    ]) {
      await page.goto(baseUrl + path)
      expect(await axeViolations(page), path).toEqual([])
      expect(await overflows(page), `${path} overflows at 390 px`).toEqual([])
    }
    await page.goto(baseUrl + '/admin/campaigns?lng=en')
    expect(await axeViolations(page)).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })
})
