import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser, screenshotPath } from '../support/browser'
import { gbkBytes } from '../support/gbk'
import { createStaffAccount } from '../support/staff-account'

// The statement import as finance clicks through it in Chromium: a GBK file (what Excel on
// Chinese Windows writes) is previewed with its Chinese names right and nothing written;
// only the confirm button books the rows, under those names.

const FINANCE = 'finance.import@e2e.test'
const HEADER = 'date,reference,amount,currency,donor_name,donor_email,display,campaign'

describe.skipIf(e2eSkip)('statement import in the browser', () => {
  let browser: Browser
  let db: DB
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    await createStaffAccount(db, {
      email: FINANCE,
      password: 'hope-demo-2026',
      displayName: '导入财务',
      role: 'finance',
      stationCode: '530000',
    })
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  it('a GBK file: the preview shows the Chinese, confirm writes exactly those rows', async () => {
    const campaign = await db
      .selectFrom('campaigns')
      .select(['id', 'title'])
      .where('status', '=', 'active')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const tag = `e2e-gbk-${Date.now()}`
    const text = [
      HEADER,
      `2026-11-10,${tag}-1,"1,200.00",CNY,欧阳春晓,oy@example.test,full,${campaign.title}`,
      `2026-11-11,${tag}-2,66,CNY,龚雪梅,gx@example.test,family,${campaign.title}`,
    ].join('\r\n')
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(baseUrl + '/login')
    await page.locator('main input[name="email"]').fill(FINANCE)
    await page.locator('main input[name="password"]').fill('hope-demo-2026')
    await page.locator('main form button[type="submit"]').click()
    await page.waitForURL((u) => u.pathname.startsWith('/admin'))

    await page.goto(baseUrl + '/admin/donations/import')
    await page.fill('input[name="source"]', tag)
    await page.setInputFiles('input[name="file"]', {
      name: 'statement.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(gbkBytes(text)),
    })
    await page.locator('form:has(input[name="file"]) button[type="submit"]').click()
    const preview = page.locator('table').filter({ hasText: '欧阳春晓' })
    await preview.waitFor()
    const shown = await preview.innerText()
    expect(shown).toContain('龚雪梅')
    expect(shown).not.toContain('\uFFFD')
    expect(await page.getByText(/GB18030/).count()).toBeGreaterThan(0)
    const written = () =>
      db
        .selectFrom('donations')
        .select(['donor_name', 'amount'])
        .where('source_ref', 'like', `import:${tag}:%`)
        .execute()
    expect(await written()).toEqual([])
    await page.screenshot({ path: screenshotPath('import-gbk-preview'), fullPage: true })

    await page.locator('form:has(input[name="intent"][value="confirm"]) button[type="submit"]').click()
    await page.locator('form:has(input[name="intent"][value="confirm"])').waitFor({ state: 'detached' })
    const rows = await written()
    expect(rows.map((r) => [r.donor_name, Number(r.amount)]).sort()).toEqual(
      [
        ['欧阳春晓', 120000],
        ['龚雪梅', 6600],
      ].sort(),
    )
    await context.close()
  })
})
