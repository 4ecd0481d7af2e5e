import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { en } from '~/locales/en'
import { CATEGORIES, STATUSES } from '~/modules/beneficiaries/schema'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip, launchBrowser } from '../support/browser'
import { donorCookies, seededDonorEmail } from '../support/donor-session'
import { publicUrls } from '../support/public-urls'
import { createStaffAccount } from '../support/staff-account'

// An admin of its own: the staff suite enrols TOTP for the demo admin on the shared server.
const WORDS_ADMIN = 'admin.words@e2e.test'

// The words on the page, in both languages, on every public and donor page and the staff
// pages that read students, batches and the audit log: no raw code (an account code, a
// term, a status, a category, a ledger kind, a programme slug, JSON) and, in English, no
// Chinese text the app itself wrote (people's names and what staff typed are data).

const STAFF_PAGES = [
  '/admin',
  '/admin/students',
  '/admin/batches',
  '/admin/batches/new',
  '/admin/audit',
  '/admin/programmes',
  '/admin/wishes',
  '/admin/teams',
  '/admin/matching',
]
const KINDS = [
  'donation',
  'refund',
  'dispute',
  'award',
  'payout',
  'fund_transfer',
  'correction',
  'transfer',
  'reversal',
]
// Chinese the English pages keep on purpose: the brand mark, and what the English catalogue
// itself quotes (the switch to 中文, 低保 beside its English, the receipt's legal name).
const ENGLISH_KEEPS = [
  '希',
  ...new Set(
    Object.values(en).flatMap((m) => m.match(/[\u3400-\u9fff][\u3400-\u9fff\s\u3000-\u303f\uff00-\uffef]*/g) ?? []),
  ),
]
// Category codes that are not English words; the English labels give the Chinese term in brackets.
const NOT_ENGLISH = ['dibao', 'tekun']

describe.skipIf(e2eSkip)('words on every page, zh-CN and English', () => {
  let browser: Browser
  let db: DB
  let pages: string[] = []
  let signedIn: Awaited<ReturnType<typeof donorCookies>> = []
  let codes: RegExp
  let data: string[] = []
  beforeAll(async () => {
    browser = await launchBrowser()
    db = createDatabase(inject('e2eDatabaseUrl')).db
    const { urls } = await publicUrls(db)
    pages = urls.filter((u) => !/^\/(api|open-data\/.+|reports\/.+\/(csv|pdf)|receipts\/.+\.pdf|donor)/.test(u))
    signedIn = await donorCookies(browser, db, await seededDonorEmail(db))
    await createStaffAccount(db, {
      email: WORDS_ADMIN,
      password: 'hope-demo-2026',
      displayName: '词语管理员',
      role: 'admin',
      stationCode: '530000',
    })
    const staff = await browser.newContext({ locale: 'zh-CN' })
    const page = await staff.newPage()
    await page.goto(baseUrl + '/login')
    await page.locator('main input[name="email"]').fill(WORDS_ADMIN)
    await page.locator('main input[name="password"]').fill('hope-demo-2026')
    await page.locator('main form button[type="submit"]').click()
    await page.waitForURL((u) => u.pathname.startsWith('/admin'))
    signedIn.push(...(await staff.cookies()))
    await staff.close()

    const programmes = await db.selectFrom('programmes').select('slug').execute()
    const campaigns = await db.selectFrom('campaigns').select('slug').execute()
    const words = [...STATUSES, ...CATEGORIES, ...KINDS, 'micro-wish', ...programmes.map((p) => p.slug)]
    words.push(...campaigns.map((c) => c.slug))
    codes = new RegExp(
      [
        '\\b(?:fund|external|payable|paid):[a-z]+(?::\\d+)?',
        '\\b\\d{4}-(?:spring|autumn)\\b',
        '\\{"',
        `(?<![\\w/<-])(?:${words.map((w) => w.replace(/[-+]/g, '\\$&')).join('|')})(?![\\w/>-])`,
      ].join('|'),
      'g',
    )
    // What people typed or are called: donor and staff names, wish items and stories, report notes.
    const names = await db.selectFrom('donations').select('display_name').distinct().execute()
    const wishes = await db.selectFrom('wishes').select(['item', 'story']).execute()
    const stories = await db.selectFrom('student_stories').select('story').execute()
    const staffNames = await db.selectFrom('users').select('display_name').execute()
    const notes = await db.selectFrom('disclosure_reports').select('note').execute()
    // Team pages (一起捐): what their donors typed and the names they chose to show.
    const teams = await db.selectFrom('team_pages').select(['title', 'message', 'owner_name']).execute()
    // Matching pools: their names and sponsors as staff typed them (other suites make Chinese-only ones).
    const pools = await db.selectFrom('matching_pools').select(['name', 'name_en', 'sponsor', 'sponsor_en']).execute()
    // The organisation's particulars that exist only in Chinese (its fundraising certificate, its seal).
    const org = await db
      .selectFrom('organisation_settings')
      .select(['fundraising_certificate', 'receipt_signature'])
      .execute()
    // Campaigns other suites create through the pages, in Chinese only: data typed by staff.
    const campaignRows = await db.selectFrom('campaigns').selectAll().execute()
    data = [
      ...campaignRows.flatMap((c) => Object.values(c).filter((v): v is string => typeof v === 'string')),
      ...names.map((n) => n.display_name),
      ...wishes.flatMap((w) => [w.item, w.story]),
      ...stories.map((s) => s.story),
      ...staffNames.map((u) => u.display_name),
      ...notes.map((n) => n.note ?? ''),
      ...teams.flatMap((x) => [x.title, x.message, x.owner_name]),
      ...pools.flatMap((x) => [x.name, x.name_en, x.sponsor, x.sponsor_en]),
      ...org.flatMap((o) => [o.fundraising_certificate, o.receipt_signature]),
    ].filter(Boolean)
  })
  afterAll(async () => {
    await browser?.close()
    await db?.destroy()
  })

  // What broke in the browser: an uncaught error, or a render error React Router caught (a
  // `.server` import used in a component is undefined on the client and shows the error page).
  const broken: string[] = []

  async function read(context: BrowserContext, url: string) {
    const page = await context.newPage()
    page.on('pageerror', (e) => broken.push(`${url}: ${e.message.split('\n')[0]}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && /React Router caught/.test(m.text()))
        broken.push(`${url}: ${m.text().split('\n')[0]}`)
    })
    const res = await page.goto(baseUrl + url)
    // Hydration done: the page's scripts have run and fetched what they load.
    await page.waitForLoadState('networkidle')
    const ok = res && res.status() < 400 && /html/.test(res.headers()['content-type'] ?? '')
    // A form field's hint may show the format to type (2026-autumn): it is not read as a code.
    const body = () => {
      for (const hint of Array.from(document.querySelectorAll('[id$="-hint"]'))) hint.remove()
      // An audit snapshot's values are what was stored (names, slugs, terms): data, like donors' names.
      for (const value of Array.from(document.querySelectorAll('.audit-value'))) value.remove()
      return document.body.innerText
    }
    const text = ok ? `${await page.title()}\n${await page.evaluate(body)}` : null
    await page.close()
    return text
  }

  for (const lng of ['zh-CN', 'en'] as const)
    it(`${lng}: no raw codes${lng === 'en' ? ', no Chinese the app wrote' : ''}`, async () => {
      const context = await browser.newContext({ locale: lng })
      await context.addCookies([...signedIn, { name: 'lng', value: lng, url: baseUrl }])
      const found: string[] = []
      let seen = 0
      const urls = [
        ...pages.filter((u) => !u.includes('lng=')),
        '/donor',
        '/donor/recurring',
        '/donor/statements',
        '/donor/teams',
        ...STAFF_PAGES,
      ]
      const keeps = [...data, ...ENGLISH_KEEPS].sort((a, b) => b.length - a.length)
      for (const url of urls) {
        const text = await read(context, url)
        if (text === null) continue
        seen++
        // Codes are checked on what a person reads, not inside the students' own codes or links.
        const words = text.replace(/\bHP-\d{6}-[A-Z0-9]+\b|\bD-[A-Z0-9]+\b|\bHL-\d{4}-\d+\b/g, ' ')
        for (const m of words.matchAll(codes))
          // In English, a status or kind that is an English word (donation, payout, new) is a word.
          if (lng === 'zh-CN' || /[_:{\d-]/.test(m[0]) || !/^[a-z]+$/.test(m[0]) || NOT_ENGLISH.includes(m[0]))
            found.push(`${url}: code "${m[0]}"`)
        if (lng === 'en') {
          let rest = words
          for (const keep of keeps) rest = rest.split(keep).join(' ')
          for (const m of rest.matchAll(/[\u3400-\u9fff][\u3400-\u9fff\u3000-\u303f\uff00-\uffef]*/g))
            found.push(`${url}: Chinese "${m[0]}"`)
        }
      }
      await context.close()
      expect([...new Set(found)]).toEqual([])
      expect([...new Set(broken)]).toEqual([])
      expect(seen).toBeGreaterThan(20)
    })
})
