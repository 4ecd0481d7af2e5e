import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { overflows } from '../support/page-checks'
import { createStaffAccount } from '../support/staff-account'

// The pages touched last, at 390 px in English: the staff home, the audit log, the batch
// form with its student picker, a student's story page, and the thank-you page of a gift
// made in this browser. None scrolls sideways, the header is one short row, no table cell
// breaks a word, and no raw code (an account code, a term, a snake_case status, JSON) shows.

const ADMIN = 'admin.phones@e2e.test'
const RAW = /\b(?:fund|external|payable|paid):[a-z]+|\b\d{4}-(?:spring|autumn)\b|\{"|\b[a-z]+_[a-z]+\b/

async function check(page: Page, url: string, problems: string[]) {
  const found = await page.evaluate(() => {
    const broken: string[] = []
    for (const cell of Array.from(document.querySelectorAll('td, th'))) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT)
      for (let n = walker.nextNode(); n; n = walker.nextNode())
        for (const m of (n.textContent ?? '').matchAll(/\S+/g)) {
          const range = document.createRange()
          range.setStart(n, m.index)
          range.setEnd(n, m.index + m[0].length)
          const lines = new Set(
            Array.from(range.getClientRects())
              .filter((r) => r.width > 0)
              .map((r) => Math.round(r.top)),
          )
          if (lines.size > 1) broken.push(m[0].slice(0, 40))
        }
    }
    // Audit snapshots and hints hold stored values on purpose (see the words crawl).
    for (const el of Array.from(document.querySelectorAll('.audit-value, [id$="-hint"]'))) el.remove()
    return {
      broken,
      header: document.querySelector('.site-header')?.getBoundingClientRect().height ?? 0,
      text: document.body.innerText,
    }
  })
  for (const o of await overflows(page)) problems.push(`${url}: ${o}`)
  if (found.header > 64) problems.push(`${url}: header ${Math.round(found.header)} px tall`)
  for (const b of found.broken) problems.push(`${url}: a cell breaks "${b}"`)
  const raw = RAW.exec(found.text)
  if (raw) problems.push(`${url}: raw "${raw[0]}"`)
}

describe.skipIf(e2eSkip)('staff pages and the thank-you page at 390 px in English', () => {
  let browser: Browser
  let db: DB
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    await createStaffAccount(db, {
      email: ADMIN,
      password: 'hope-demo-2026',
      displayName: 'Phone admin',
      role: 'admin',
      stationCode: '530000',
    })
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  it('the staff home, audit log, batch picker and story page fit and use words', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en' })
    await context.addCookies([{ name: 'lng', value: 'en', url: baseUrl }])
    const page = await context.newPage()
    await page.goto(baseUrl + '/login')
    await page.locator('main input[name="email"]').fill(ADMIN)
    await page.locator('main input[name="password"]').fill('hope-demo-2026')
    await page.locator('main form button[type="submit"]').click()
    await page.waitForURL((u) => u.pathname.startsWith('/admin'))
    const student = await db
      .selectFrom('beneficiaries')
      .select('id')
      .where('public_code', 'like', 'HP-530627-%')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const problems: string[] = []
    for (const url of [
      '/admin',
      '/admin/audit',
      '/admin/batches/new',
      '/admin/matching',
      `/admin/students/${student.id}/story`,
    ]) {
      await page.goto(baseUrl + url)
      await check(page, url, problems)
      await page.screenshot({ path: screenshotPath(`staff-390-en-${url.replace(/\W+/g, '_')}`), fullPage: true })
    }
    // The picker: "Show students" submits the form by GET and lists students to tick.
    await page.goto(baseUrl + '/admin/batches/new')
    await page.selectOption('#stationId', { index: 0 })
    await page.getByRole('button', { name: 'Show students' }).click()
    await page.waitForURL((u) => u.searchParams.has('programmeId'))
    await page.locator('.batch-picker table, .batch-picker p').first().waitFor()
    await check(page, '/admin/batches/new?…', problems)
    await page.screenshot({ path: screenshotPath('staff-390-en-batch-picker'), fullPage: true })
    expect(problems).toEqual([])
    await context.close()
  })

  it('the thank-you page of a gift made in this browser fits and uses words', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en' })
    await context.addCookies([{ name: 'lng', value: 'en', url: baseUrl }])
    const page = await context.newPage()
    await page.goto(baseUrl + '/donate?campaign=hope-star-2026&lng=en')
    await page.locator('input[name="amountChoice"]').first().check()
    await page.fill('input[name="name"]', 'Phone Tester')
    await page.fill('input[name="email"]', 'phone-thanks@example.test')
    await page.locator('main form button[type="submit"]').last().click()
    await page.waitForURL(/\/donate\/demo\/cs_demo_/)
    await page.locator('main form button[type="submit"]').first().click()
    await page.waitForURL(/\/donate\/thanks\?donation=D-/)
    await page.getByRole('heading', { level: 1 }).waitFor({ timeout: 30_000 })
    await page.getByRole('status').first().waitFor()
    const problems: string[] = []
    await check(page, '/donate/thanks', problems)
    await page.screenshot({ path: screenshotPath('thanks-390-en'), fullPage: true })
    expect(problems).toEqual([])
    expect(await page.locator('main').innerText()).not.toMatch(/[\u3400-\u9fff]{2,}/)
    await context.close()
  })
})
