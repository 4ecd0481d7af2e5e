import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'

// The pages of issue 16 this branch adds, in Chromium at phone width: the staff home, the
// organisation settings (their name reaches the footer), the password pages, and a 403
// that keeps the staff navigation. axe: no serious or critical findings, both languages.

const PASSWORD = 'hope-demo-2026'
const PHONE = { width: 360, height: 780 }
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

async function signIn(page: Page, email: string) {
  await page.goto(baseUrl + '/login')
  await page.getByLabel('电子邮箱').fill(email)
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL(/\/admin/)
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => (window as any).axe.run('#main', { resultTypes: ['violations'] }))
  return (result.violations as { id: string; impact: string; nodes: { html: string }[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)
}

const noHorizontalScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)

describe.skipIf(e2eSkip)('staff console pages in Chromium at 360 px', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => browser?.close())

  it('an admin opens the home, saves the organisation, and the footer carries the new name', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })
    const page = await context.newPage()
    await signIn(page, 'admin@hope.demo')
    await page.goto(baseUrl + '/admin')
    await expect(page.getByRole('heading', { name: '待我处理' }).count()).resolves.toBe(1)
    expect(await axeViolations(page)).toEqual([])
    await page.goto(baseUrl + '/admin/organisation')
    expect(await axeViolations(page)).toEqual([])
    expect(await noHorizontalScroll(page)).toBe(true)
    await page.getByLabel('统一社会信用代码').fill('91350100M000100Y44')
    await page.getByRole('button', { name: '保存' }).click()
    await expect(page.locator('#f-creditCode-error').textContent()).resolves.toContain('统一社会信用代码不正确')
    await page.getByLabel('统一社会信用代码').fill('91350100M000100Y43')
    await page.getByLabel('机构名称（中文）').fill('青山助学慈善会（演示）')
    await page.getByRole('button', { name: '保存' }).click()
    await page.waitForURL(/saved=1/)
    await page.screenshot({ path: screenshotPath('organisation-zh-360'), fullPage: true })
    await page.goto(baseUrl + '/campaigns')
    await expect(page.locator('footer').textContent()).resolves.toContain('青山助学慈善会（演示）')
    await expect(page.locator('footer').textContent()).resolves.toContain('91350100M000100Y43')
    await page.goto(baseUrl + '/admin/organisation?lng=en')
    expect(await axeViolations(page)).toEqual([])
    for (const url of ['/admin/password?lng=en', '/admin?lng=en', '/login/forgot', '/login/forgot?lng=en']) {
      await page.goto(baseUrl + url)
      expect(await axeViolations(page), url).toEqual([])
    }
    await context.close()
  })

  it('a caseworker at a staff-only page keeps the navigation and reads which permission is missing', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })
    const page = await context.newPage()
    await signIn(page, 'caseworker.huize@hope.demo')
    const res = await page.goto(baseUrl + '/admin/staff')
    expect(res?.status()).toBe(403)
    await expect(page.getByRole('navigation', { name: '管理后台' }).count()).resolves.toBeGreaterThan(0)
    await expect(page.locator('#main').textContent()).resolves.toContain('查看工作人员')
    expect(await axeViolations(page)).toEqual([])
    await page.screenshot({ path: screenshotPath('admin-403-zh-360'), fullPage: true })
    await context.close()
  })

  it('forgot password works without JavaScript and answers the same for anyone', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(baseUrl + '/login')
    await page.getByRole('link', { name: '忘记密码？' }).click()
    await page.getByLabel('电子邮箱').fill('nobody@nowhere.example')
    await page.getByRole('button', { name: '发送重设链接' }).click()
    const unknown = await page.locator('[role=status]').textContent()
    await page.goto(baseUrl + '/login/forgot')
    await page.getByLabel('电子邮箱').fill('auditor@hope.demo')
    await page.getByRole('button', { name: '发送重设链接' }).click()
    expect(await page.locator('[role=status]').textContent()).toBe(unknown)
    await context.close()
  })
})
