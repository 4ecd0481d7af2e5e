import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseUrl, e2eSkip, launchBrowser } from '../support/browser'

// Finding things: the ways to give that had no link, and pagers whose arrows agree with
// where their links sit.

describe.skipIf(e2eSkip)('finding things', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('the home page links to the wishes and the sponsor page; a transaction pages ← previous, then next →', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(baseUrl + '/')
    for (const path of ['/wishes', '/sponsor']) expect(await page.locator(`main a[href="${path}"]`).count()).toBe(1)
    await page.goto(baseUrl + '/ledger/2')
    const pager = await page
      .locator('main nav.pager a')
      .evaluateAll((links) =>
        links.map((a) => [a.getAttribute('rel'), a.getAttribute('href'), a.getBoundingClientRect().left] as const),
      )
    expect(pager.map(([rel, href]) => [rel, href])).toEqual([
      ['prev', '/ledger/1'],
      ['next', '/ledger/3'],
    ])
    expect(pager[0]![2]).toBeLessThan(pager[1]![2])
    await context.close()
  })
})
