import fs from 'node:fs'
import path from 'node:path'
import { renderToStaticMarkup } from 'react-dom/server'
import { createElement } from 'react'
import { createMemoryRouter, RouterProvider } from 'react-router-dom'
import { OrganisationFacts } from '~/components/organisation'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '~/modules/auth/password.server'
import { renderOutboxRow } from '~/modules/mail/render.server'
import { isValidCreditCode } from '~/modules/organisation/schema'
import { getOrganisation } from '~/modules/organisation/settings.server'
import { receiptPdfForDownload } from '~/modules/receipts/documents.server'
import { issueReceiptForDonation } from '~/modules/receipts/issue.server'
import * as page from '~/routes/admin.organisation'
import { DEMO_ORGANISATION } from '../../db/seed/organisation'
import { call, cookieFor, get, post, seededDb, stationId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { pdfText } from '../support/pdf-text'
import { insertCampaign, insertDonation } from './receipts.fixtures'

const NEW = {
  name: '青山助学慈善会',
  nameEn: 'Green Hill Education Charity',
  creditCode: '91350100M000100Y43',
  fundraisingCertificate: '青公募 2026-017',
  phone: '0871-6000 1234',
  email: 'office@greenhill.example',
  address: '青山市青山路 8 号',
  addressEn: '8 Green Hill Road',
  receiptWording: '',
  receiptWordingEn: '',
  receiptSignature: '青山助学慈善会 财务部',
}

describe.skipIf(skipReason)(`organisation settings on ${testDialect}`, () => {
  let t: TestDb
  let admin = ''
  beforeAll(async () => {
    t = await seededDb()
    admin = await cookieFor(t.db, 'admin@hope.demo')
  })
  afterAll(async () => t?.destroy())

  it('the demo seed fills obviously fictitious particulars with a well-formed credit code', async () => {
    const org = await getOrganisation(t.db)
    expect(org).toEqual(DEMO_ORGANISATION)
    expect(org.name).toContain('虚构')
    expect(isValidCreditCode(org.creditCode)).toBe(true)
    expect(isValidCreditCode('91350100M000100Y44')).toBe(false)
  })

  it('only an admin of a root station reads or edits them', async () => {
    expect((await call(page.loader, get('/admin/organisation', admin))).status).toBe(200)
    const caseworker = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    expect((await call(page.loader, get('/admin/organisation', caseworker))).status).toBe(403)
    // A county admin holds the permission but not over the whole organisation.
    const at = new Date().toISOString()
    const u = await t.db
      .insertInto('users')
      .values({
        email: 'county.admin@org.test',
        display_name: '县管理员',
        password_hash: await hashPassword('x'.repeat(10)),
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: u.id, role: 'admin', station_id: await stationId(t.db, '530326'), created_at: at })
      .execute()
    const county = await cookieFor(t.db, 'county.admin@org.test')
    expect((await call(page.loader, get('/admin/organisation', county))).status).toBe(403)
    expect((await call(page.action, post('/admin/organisation', NEW, county))).status).toBe(403)
    expect((await getOrganisation(t.db)).name).toBe(DEMO_ORGANISATION.name)
  })

  it('a bad credit code is refused on its field and nothing is written', async () => {
    const bad = await call(
      page.action,
      post('/admin/organisation', { ...NEW, creditCode: '91350100M000100Y44' }, admin),
    )
    expect(bad.status).toBe(400)
    expect(bad.body.errors).toEqual({ creditCode: 'organisation.creditCodeInvalid' })
    const noName = await call(page.action, post('/admin/organisation', { ...NEW, name: '  ' }, admin))
    expect(noName.status).toBe(400)
    expect(noName.body.errors.name).toBe('form.required')
    expect((await getOrganisation(t.db)).name).toBe(DEMO_ORGANISATION.name)
  })

  it('saving writes the settings and an audit row with before and after', async () => {
    const saved = await call(page.action, post('/admin/organisation', NEW, admin))
    expect(saved.status).toBe(302)
    expect(saved.location).toBe('/admin/organisation?saved=1')
    expect(await getOrganisation(t.db)).toEqual(NEW)
    const audit = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'organisation.updated')
      .executeTakeFirstOrThrow()
    expect(JSON.parse(audit.before!).name).toBe(DEMO_ORGANISATION.name)
    expect(JSON.parse(audit.after!).name).toBe(NEW.name)
  })

  it('a receipt — its mail and its PDF — carries the name, code and signature from the settings', async () => {
    const campaignId = await insertCampaign(t.db)
    const d = await insertDonation(t.db, { campaignId, amount: 50000 })
    const r = await t.db
      .transaction()
      .execute((trx) => issueReceiptForDonation(trx, { donationId: d.id, issuedAt: '2026-11-23T03:15:00.000Z' }))
    const row = await t.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', d.email)
      .where('template', '=', 'donation-receipt')
      .executeTakeFirstOrThrow()
    const mail = await renderOutboxRow(row)
    expect(mail.text).toContain(`这是${NEW.name}为您出具的捐赠收据`)
    expect(mail.text).toContain(NEW.creditCode)
    expect(mail.text).toContain(NEW.receiptSignature)
    expect(mail.html).not.toContain(DEMO_ORGANISATION.name)
    const receipt = await t.db
      .selectFrom('receipts')
      .select('verification_code')
      .where('id', '=', r.receiptId)
      .executeTakeFirstOrThrow()
    const pdf = await receiptPdfForDownload(t.db, {
      number: r.number,
      code: receipt.verification_code,
      locale: 'zh-CN',
    })
    const text = pdfText(pdf!.pdf)
    expect(text).toContain(NEW.name)
    expect(text).toContain(`本收据由${NEW.name}出具`)
    expect(text).toContain(NEW.receiptSignature)
    expect(text).toContain(NEW.creditCode)
  })

  it('the site footer carries the name and registration from the settings', async () => {
    const root = await import('~/root')
    const loaded = await root.loader({ request: get('/campaigns/x'), params: {}, context: {} } as never)
    expect(loaded.organisation).toEqual(NEW)
    // What the root layout's footer renders, fed the root loader's data as on every page.
    const router = createMemoryRouter(
      [{ id: 'root', path: '/', element: createElement(OrganisationFacts, { className: 'footer-org' }) }],
      { hydrationData: { loaderData: { root: loaded } } },
    )
    const html = renderToStaticMarkup(createElement(RouterProvider, { router }))
    expect(html).toContain(NEW.name)
    expect(html).toContain(NEW.creditCode)
    expect(html).toContain(NEW.fundraisingCertificate)
    expect(html).toContain(NEW.phone)
    expect(fs.readFileSync('app/root.tsx', 'utf8')).toMatch(/<footer[^]*<OrganisationFacts[^]*<\/footer>/)
  })
})

describe('no template names a foundation', () => {
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name)
      return e.isDirectory() ? files(p) : /\.(tsx?|css)$/.test(e.name) ? [p] : []
    })
  const sources = [...files('emails'), ...files('app')].map((f) => ({ f, text: fs.readFileSync(f, 'utf8') }))

  it('neither the old hard-coded name nor the demo organisation appears in emails/ or app/', () => {
    for (const { f, text } of sources) {
      for (const name of ['希望账本基金会', 'Hope Ledger foundation', DEMO_ORGANISATION.name, DEMO_ORGANISATION.nameEn])
        expect(text.includes(name), `${f} names "${name}"`).toBe(false)
    }
  })

  it('mail templates and the receipt PDF name no foundation (基金会) at all', () => {
    const templates = sources.filter(
      ({ f }) => f.startsWith('emails') || f.endsWith(path.join('receipts', 'pdf.server.ts')),
    )
    expect(templates.length).toBeGreaterThan(10)
    for (const { f, text } of templates) expect(/基金会|foundation/i.test(text), f).toBe(false)
  })
})
