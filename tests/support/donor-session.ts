// A signed-in donor for e2e tests: asks for a sign-in link as the portal does, reads it
// from the outbox and uses it, and returns the browser cookies of that session.
import type { Browser } from 'playwright-core'
import { requestDonorSignIn } from '~/modules/auth/donor.server'
import type { DB } from '~/utils/db.server'
import { baseUrl } from './browser'

export async function seededDonorEmail(db: DB): Promise<string> {
  const gift = await db
    .selectFrom('donations')
    .select('donor_email')
    .where('status', '=', 'paid')
    .orderBy('id')
    .executeTakeFirstOrThrow()
  return gift.donor_email
}

export async function donorCookies(browser: Browser, db: DB, email: string) {
  const outcome = await requestDonorSignIn(db, { email, ip: '127.0.0.77', locale: 'zh-CN' })
  if (outcome !== 'sent') throw new Error(`sign-in link for ${email}: ${outcome}`)
  const mail = await db
    .selectFrom('mail_outbox')
    .select('props')
    .where('to_address', '=', email)
    .where('template', '=', 'sign-in-link')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow()
  const link = (JSON.parse(mail.props) as { url: string }).url.replace(/^https?:\/\/[^/]+/, baseUrl)
  const context = await browser.newContext({ locale: 'zh-CN' })
  const page = await context.newPage()
  await page.goto(link)
  await page.locator('main form button[type="submit"]').click()
  await page.waitForURL((u) => u.pathname === '/donor')
  const cookies = await context.cookies()
  await context.close()
  return cookies
}
