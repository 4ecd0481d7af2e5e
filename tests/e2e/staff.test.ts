import fs from 'node:fs'
import { createRequire } from 'node:module'
import { generateHOTP } from '@oslojs/otp'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeSecret, totpStep } from '~/modules/auth/totp.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'

// Staff access in Chromium against the built server: a caseworker sees only their
// county; an admin enrols TOTP from the QR page and signs in with a code.

const PASSWORD = 'hope-demo-2026'
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

async function signIn(page: Page, email: string) {
  await page.goto(baseUrl + '/login')
  await page.getByLabel('电子邮箱').fill(email)
  await page.getByLabel('密码').fill(PASSWORD)
  await page.getByRole('button', { name: '登录' }).click()
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource)
  // Our part of the page; the shared header and footer are checked by their own suite.
  const result = await page.evaluate(async () => (window as any).axe.run('#main', { resultTypes: ['violations'] }))
  return (result.violations as { id: string; impact: string; nodes: { target: string[]; html: string }[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)
}

describe.skipIf(e2eSkip)('staff access in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => browser?.close())

  it('a caseworker signs in and sees only their county’s students', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(baseUrl + '/admin/students')
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await axeViolations(page)).toEqual([])
    await page.getByLabel('电子邮箱').fill('caseworker.zhenxiong@hope.demo')
    await page.getByLabel('密码').fill(PASSWORD)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/students')
    const codes = await page.locator('tbody tr td:first-child').allTextContents()
    expect(codes.length).toBeGreaterThan(0)
    expect(codes.every((c) => c.startsWith('HP-530627-'))).toBe(true)
    expect(await axeViolations(page)).toEqual([])
    await page.screenshot({ path: screenshotPath('staff-caseworker-students'), fullPage: true })

    await page.getByRole('link', { name: codes[0]! }).click()
    await page.waitForURL(/\/admin\/students\/\d+$/)
    await expect(page.getByRole('note').textContent()).resolves.toContain('审计日志')
    expect(errors).toEqual([])
    const res = await page.goto(baseUrl + '/admin/students/' + 2) // seed order: student 2 is in 会泽
    expect(res?.status()).toBe(404)

    await page.goto(baseUrl + '/admin')
    await page.getByRole('button', { name: '退出登录' }).click()
    await page.waitForURL((u) => u.pathname === '/login')
    const after = await page.goto(baseUrl + '/admin/students')
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(after?.status()).toBe(200)
    await context.close()
  })

  it('signs in without JavaScript', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: false })
    const page = await context.newPage()
    await signIn(page, 'nobody@hope.demo')
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('邮箱或密码不正确')
    await signIn(page, 'auditor@hope.demo')
    await page.waitForURL((u) => u.pathname === '/admin')
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('演示审计')
    await context.close()
  })

  it('every admin page renders for an admin, in Chinese and English, without console errors or serious axe findings', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await signIn(page, 'admin@hope.demo')
    await page.waitForURL((u) => u.pathname === '/admin')
    await page.goto(baseUrl + '/admin/staff')
    const staffHref = await page.locator('tbody a').first().getAttribute('href')
    for (const path of [
      '/admin',
      '/admin/students',
      '/admin/students/1',
      '/admin/staff',
      staffHref!,
      '/admin/audit',
      '/admin/sessions',
      '/admin/security',
    ]) {
      for (const lng of ['zh-CN', 'en']) {
        const res = await page.goto(`${baseUrl}${path}?lng=${lng}`)
        expect(res?.status(), path).toBe(200)
        await expect(page.locator('html').getAttribute('lang')).resolves.toBe(lng)
        expect(await axeViolations(page), `${path} ${lng}`).toEqual([])
      }
    }
    await page.goto(baseUrl + '/admin/audit?lng=en&action=student.personal_data_read')
    await expect(page.locator('tbody tr').count()).resolves.toBeGreaterThan(0)
    await page.screenshot({ path: screenshotPath('staff-audit-en'), fullPage: true })
    expect(errors).toEqual([])
    await context.close()
  })

  it('an admin enrols TOTP from the QR page and then signs in with a code', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await signIn(page, 'admin@hope.demo')
    await page.waitForURL((u) => u.pathname === '/admin')
    await page.goto(baseUrl + '/admin/security')
    await page.getByRole('button', { name: '设置两步验证' }).click()
    const secretEl = page.getByTestId('totp-secret')
    await secretEl.waitFor()
    const secret = (await secretEl.textContent())!.trim()
    const qr = page.getByRole('img', { name: '两步验证二维码' })
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/)
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0) // not blocked by the CSP
    await page.screenshot({ path: screenshotPath('staff-totp-enrol'), fullPage: true })
    const step = totpStep()
    await page.getByLabel('验证码').fill(generateHOTP(decodeSecret(secret), BigInt(step), 6))
    await page.getByRole('button', { name: '确认启用' }).click()
    await page.getByRole('list', { name: '恢复码' }).waitFor()
    await expect(page.getByRole('list', { name: '恢复码' }).locator('li').count()).resolves.toBe(10)

    await page.goto(baseUrl + '/admin')
    await page.getByRole('button', { name: '退出登录' }).click()
    await page.waitForURL((u) => u.pathname === '/login')
    await signIn(page, 'admin@hope.demo')
    await page.waitForURL((u) => u.pathname === '/login/totp')
    // The enrolment used this step; the next one (within the drift window) is fresh.
    await page.getByLabel('验证码').fill(generateHOTP(decodeSecret(secret), BigInt(Math.max(step, totpStep()) + 1), 6))
    await page.getByRole('button', { name: '验证' }).click()
    await page.waitForURL((u) => u.pathname === '/admin')
    await page.getByRole('heading', { level: 1, name: /演示管理员/ }).waitFor()
    await page.goto(baseUrl + '/admin/security')
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('两步验证已启用')
    expect(errors).toEqual([])
    await context.close()
  })

  it('refuses a foreign Origin with 403 and sends the security headers', async () => {
    const foreign = await fetch(baseUrl + '/login', {
      method: 'POST',
      headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'email=admin%40hope.demo&password=hope-demo-2026',
      redirect: 'manual',
    })
    expect(foreign.status).toBe(403)
    const bare = await fetch(baseUrl + '/logout', { method: 'POST', redirect: 'manual' })
    expect(bare.status).toBe(403)
    const page = await fetch(baseUrl + '/login')
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/)
    expect(csp).not.toContain('unsafe-inline')
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('referrer-policy')).toBeTruthy()
  })
})
