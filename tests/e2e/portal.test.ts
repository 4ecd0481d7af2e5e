import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'

// After a demo gift: a staff member reads the receipt in the outbox (HTML in a
// sandboxed iframe), its PDF downloads and renders, the verification page accepts
// the right code and rejects a wrong one, and the donor signs in to the portal with
// the link from the outbox, without JavaScript.

const DONOR = 'e2e-portal@example.test'
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Serious and critical axe findings on the current page (run in a JavaScript-enabled context). */
async function axeFindings(page: Page): Promise<string[]> {
  await page.evaluate(AXE)
  const result = (await page.evaluate(`axe.run('#main', { resultTypes: ['violations'] })`)) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[]
  }
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${page.url()}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

describe.skipIf(e2eSkip)('receipt, outbox and donor portal after a demo gift', () => {
  let browser: Browser
  let db: DB
  let receipt: { number: string; code: string }
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  it('gives ¥100 through the demo checkout', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(baseUrl + '/donate?campaign=hope-star-2026')
    await page.getByLabel('¥100.00').check()
    await page.getByLabel('姓名').fill('门户测试')
    await page.getByLabel(/电子邮箱/).fill(DONOR)
    await page.getByRole('button', { name: '前往支付' }).click()
    await page.waitForURL(/\/donate\/demo\/cs_demo_/)
    await page.getByRole('button', { name: '完成支付' }).click()
    await page.waitForURL(/\/donate\/thanks\?donation=D-/)
    const row = await db
      .selectFrom('receipts as r')
      .innerJoin('donations as d', 'd.id', 'r.donation_id')
      .select(['r.number', 'r.verification_code'])
      .where('d.donor_email', '=', DONOR)
      .executeTakeFirstOrThrow()
    receipt = { number: row.number, code: row.verification_code }
    expect(receipt.number).toMatch(/^HL-\d{4}-\d{6}$/)
    await context.close()
  })

  it('staff open the receipt in the outbox: headers, text, and the HTML in a sandboxed iframe', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await signInStaff(page, 'auditor@hope.demo')
    await page.getByRole('link', { name: '邮件发件箱' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/outbox')
    await page.getByLabel('收件人').fill(DONOR)
    await page.getByRole('button', { name: '筛选' }).click()
    await page.waitForURL((u) => u.searchParams.get('to') === DONOR)
    // The URL changes before the filtered list renders (client navigation): wait for the rows.
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1)
    await expect(page.locator('tbody tr').count()).resolves.toBe(1)
    await page.locator('tbody tr a').first().click()
    await page.waitForURL(/\/admin\/outbox\/\d+$/)
    await expect(page.locator('.facts').textContent()).resolves.toContain(DONOR)
    await expect(page.locator('pre').textContent()).resolves.toContain(receipt.number)

    const iframe = page.locator('iframe')
    await expect(iframe.getAttribute('sandbox')).resolves.toBe('')
    const src = (await iframe.getAttribute('src'))!
    const frame = page.frameLocator('iframe')
    await expect(frame.getByText(receipt.number).first().textContent()).resolves.toContain(receipt.number)
    const pdfHref = await frame.locator('a[href*=".pdf?code="]').first().getAttribute('href')
    expect(pdfHref).toBe(`${baseUrl}/receipts/${receipt.number}.pdf?code=${encodeURIComponent(receipt.code)}`)
    // The framed document runs no script: its CSP says so, and the sandbox forbids it.
    const res = await page.request.get(baseUrl + src)
    expect(res.status()).toBe(200)
    const csp = res.headers()['content-security-policy'] ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toMatch(/(^|; )sandbox(;|$)/)
    expect(csp).not.toContain('script-src')
    expect(res.headers()['x-frame-options']).toBe('SAMEORIGIN')
    expect(errors).toEqual([])
    const findings = await axeFindings(page)
    await page.goto(baseUrl + '/admin/outbox')
    findings.push(...(await axeFindings(page)))
    expect(findings).toEqual([])
    await page.goBack()
    await iframe.scrollIntoViewIfNeeded()
    await iframe.screenshot({ path: screenshotPath('outbox-receipt-iframe') })
    await page.screenshot({ path: screenshotPath('outbox-receipt'), fullPage: true })
    await context.close()
  })

  it('the receipt PDF downloads, and its first page renders in Chromium', async () => {
    const res = await fetch(`${baseUrl}/receipts/${receipt.number}.pdf?code=${encodeURIComponent(receipt.code)}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    const pdf = Buffer.from(await res.arrayBuffer())
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    expect((await fetch(`${baseUrl}/receipts/${receipt.number}.pdf?code=AAAABBBBCCCC`)).status).toBe(404)

    // Chromium's own PDF viewer draws the page; the screenshot is the PNG.
    const context = await browser.newContext({ viewport: { width: 900, height: 1200 } })
    const page = await context.newPage()
    const png = screenshotPath('receipt-pdf-page1')
    fs.rmSync(png, { force: true })
    let rendered = false
    try {
      await page.goto(`${baseUrl}/receipts/${receipt.number}.pdf?code=${encodeURIComponent(receipt.code)}`, {
        waitUntil: 'load',
      })
      await page.waitForTimeout(1500)
      await page.screenshot({ path: png })
      rendered = true
    } catch (error) {
      console.warn(`receipt PDF not rendered to PNG in this Chromium (${(error as Error).message.split('\n')[0]})`)
    }
    if (rendered) {
      expect(fs.statSync(png).size).toBeGreaterThan(10_000)
    }
    await context.close()
  })

  it('the verification page accepts the right code and rejects a wrong one', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(baseUrl + '/receipts/verify')
    await page.getByLabel('收据编号').fill(receipt.number)
    await page.getByLabel('验证码').fill(receipt.code)
    await page.getByRole('button', { name: '核验' }).click()
    await expect(page.locator('[data-result]').getAttribute('data-result')).resolves.toBe('valid')
    await expect(page.getByRole('status').textContent()).resolves.toContain('¥100.00')
    await expect(page.getByRole('status').textContent()).resolves.not.toContain(DONOR)

    await page.getByLabel('验证码').fill('AAAA-BBBB-CCCC')
    await page.getByRole('button', { name: '核验' }).click()
    await page.waitForURL((u) => u.searchParams.get('code') === 'AAAA-BBBB-CCCC')
    // Client-side navigation changes the URL before the new result renders: wait for the result itself.
    await page.waitForSelector('[data-result="invalid"]')
    await expect(page.locator('[data-result]').getAttribute('data-result')).resolves.toBe('invalid')
    await context.close()
  })

  it('the donor signs in with the emailed link (without JavaScript) and sees the gift, receipt and trace', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(baseUrl + '/donor')
    expect(new URL(page.url()).pathname).toBe('/donor/signin')
    await page.getByLabel('电子邮箱').fill(DONOR)
    await page.getByRole('button', { name: '发送登录链接' }).click()
    await expect(page.getByRole('status').textContent()).resolves.toContain('如果这个邮箱在我们这里有捐赠记录')

    const mail = await db
      .selectFrom('mail_outbox')
      .select(['props', 'status'])
      .where('to_address', '=', DONOR)
      .where('template', '=', 'sign-in-link')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    const link = (JSON.parse(mail.props) as { url: string }).url
    expect(link).toMatch(new RegExp(`^${baseUrl}/donor/signin/[a-z2-7]+$`))

    // Opening the link (as a mail scanner would) does not use it; the button does.
    await page.goto(link)
    await page.goto(link)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL((u) => u.pathname === '/donor')
    const table = page.locator('table.donor-gifts')
    await expect(table.textContent()).resolves.toContain('¥100.00')
    await expect(table.getByRole('link', { name: new RegExp(receipt.number) }).getAttribute('href')).resolves.toContain(
      `/receipts/${receipt.number}.pdf?code=`,
    )
    const trace = await table.getByRole('link', { name: '善款去向' }).first().getAttribute('href')
    expect(trace).toMatch(/\/trace\//)
    await page.screenshot({ path: screenshotPath('donor-portal-gifts'), fullPage: true })
    await page.goto(trace!)
    expect((await page.request.get(trace!)).status()).toBe(200)

    await page.goto(baseUrl + '/donor/statements')
    const statement = page.getByRole('link', { name: /年度汇总/ }).first()
    const pdf = await page.request.get(baseUrl + (await statement.getAttribute('href'))!)
    expect(pdf.headers()['content-type']).toBe('application/pdf')

    // The link worked once.
    await page.goto(link)
    await expect(page.getByRole('alert').textContent()).resolves.toContain('已失效')

    // The portal pages with JavaScript on: no serious accessibility findings.
    const cookies = await context.cookies()
    const js = await browser.newContext({ locale: 'zh-CN', bypassCSP: true })
    await js.addCookies(cookies)
    const p2 = await js.newPage()
    const findings: string[] = []
    for (const path of ['/donor', '/donor/statements', '/donor/recurring']) {
      await p2.goto(baseUrl + path)
      expect(new URL(p2.url()).pathname).toBe(path)
      findings.push(...(await axeFindings(p2)))
    }
    const anon = await browser.newContext({ locale: 'zh-CN', bypassCSP: true })
    const p3 = await anon.newPage()
    for (const path of ['/donor/signin', '/donor/signin/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']) {
      await p3.goto(baseUrl + path)
      findings.push(...(await axeFindings(p3)))
    }
    expect(findings).toEqual([])
    await Promise.all([js.close(), anon.close(), context.close()])
  })
})

async function signInStaff(page: Page, email: string) {
  await page.goto(baseUrl + '/login')
  await page.getByLabel('电子邮箱').fill(email)
  await page.getByLabel('密码').fill('hope-demo-2026')
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL((u) => u.pathname === '/admin')
}
