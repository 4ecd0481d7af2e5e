import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lockDonation, reverseDonation } from '~/modules/donations/fulfil.server'
import * as donationRoute from '~/routes/admin.donations.$id'
import * as donorRoute from '~/routes/admin.donors.$id'
import * as queueRoute from '~/routes/admin.e-receipts'
import * as portalRoute from '~/routes/donor.e-receipts'
import { call, cookieFor, get, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Receipts on the donation desk against the seeded demo, through the routes: a resend goes
// to the address as corrected (read from the outbox rows), a correction voids the receipt
// and reissues a linked one, the official e-receipt goes request → attach → visible to the
// donor, a refund recorded on the gift flags it for 冲红, and two donor records merge.

type Gift = { id: number; public_id: string; receipt: number; number: string; receiptName: string }

describe.skipIf(skipReason)(`receipt desk on ${testDialect}`, () => {
  let t: TestDb
  let finance: string
  let auditor: string
  const gifts: Gift[] = []

  beforeAll(async () => {
    t = await seededDb()
    finance = await cookieFor(t.db, 'finance@hope.demo')
    auditor = await cookieFor(t.db, 'auditor@hope.demo')
    const rows = await t.db
      .selectFrom('donations as d')
      .innerJoin('receipts as r', 'r.donation_id', 'd.id')
      .select(['d.id', 'd.public_id', 'r.id as receipt', 'r.number', 'r.donor_name'])
      .where('d.status', '=', 'paid')
      .where('d.frequency', '=', 'once')
      .where('r.voided_at', 'is', null)
      .orderBy('d.id')
      .limit(5)
      .execute()
    expect(rows).toHaveLength(5)
    // Each gift its own donor, so the tests below do not see each other's records.
    for (const [i, r] of rows.entries()) {
      await t.db
        .updateTable('donations')
        .set({ donor_email: `desk-receipt-${i}@example.test`, donor_name: `收据测试${i}` })
        .where('id', '=', r.id)
        .execute()
      gifts.push({ id: r.id, public_id: r.public_id, receipt: r.receipt, number: r.number, receiptName: r.donor_name })
    }
  })
  afterAll(async () => t?.destroy())

  const act = (g: Gift, form: Record<string, string>, cookie = finance) =>
    call(donationRoute.action, post(`/admin/donations/${g.id}`, form, cookie), { id: String(g.id) })
  const outbox = (pattern: string) =>
    t.db
      .selectFrom('mail_outbox')
      .select(['id', 'to_address', 'template', 'dedupe_key', 'props'])
      .where('dedupe_key', 'like', pattern)
      .orderBy('id')
      .execute()
  const receiptsOf = (donationId: number) =>
    t.db.selectFrom('receipts').selectAll().where('donation_id', '=', donationId).orderBy('id').execute()
  const auditRows = (action: string, entityId: number) =>
    t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', action)
      .where('entity_id', '=', String(entityId))
      .execute()

  async function donorCookie(email: string): Promise<string> {
    const at = new Date().toISOString()
    const user = await t.db
      .insertInto('users')
      .values({ email, display_name: email, password_hash: null, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: user.id, role: 'donor', station_id: null, created_at: at })
      .execute()
    return cookieFor(t.db, email)
  }

  it('resends to the address as corrected, and a correction voids the receipt and reissues a linked one', async () => {
    const g = gifts[0]!
    const page = await call(donationRoute.loader, get(`/admin/donations/${g.id}`, finance), { id: String(g.id) })
    expect(page.body.receiptDesk.current).toBe(g.number)
    const key = page.body.receiptDesk.formKey as string

    const first = await act(g, { intent: 'receiptResend', key })
    expect(first.status).toBe(302)
    // The same form submitted twice queues one mail.
    expect((await act(g, { intent: 'receiptResend', key })).status).toBe(302)
    const before = await outbox(`receipt-resend:${g.id}:%`)
    expect(before.map((m) => m.to_address)).toEqual(['desk-receipt-0@example.test'])

    // Bad input: a message on the field, a 400, nothing written.
    const bad = await act(g, { intent: 'receiptCorrect', donorName: '', donorEmail: 'nope', reason: '' })
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.body.errors).sort()).toEqual(['donorEmail', 'donorName', 'reason'])
    expect((await receiptsOf(g.id)).every((r) => r.voided_at === null)).toBe(true)
    // An auditor reads the desk but changes nothing.
    expect((await act(g, { intent: 'receiptResend', key: 'auditor-key-1' }, auditor)).status).toBe(403)

    const fixed = await act(g, {
      intent: 'receiptCorrect',
      donorName: '张晓明',
      donorEmail: ' Corrected.Donor@Example.test ',
      reason: '导入时姓名乱码',
    })
    expect(fixed.status).toBe(302)
    const [old, next, ...rest] = await receiptsOf(g.id)
    expect(rest).toEqual([])
    // The old receipt is voided, its content untouched; the new one points back at it.
    expect(old).toMatchObject({
      id: g.receipt,
      number: g.number,
      donor_name: g.receiptName,
      void_reason: '导入时姓名乱码',
    })
    expect(old!.voided_at).not.toBeNull()
    expect(next).toMatchObject({ replaces_receipt_id: g.receipt, donor_name: '张晓明', voided_at: null })
    expect(next!.number).not.toBe(g.number)
    expect(next!.verification_code).not.toBe(old!.verification_code)
    const reissued = await outbox(`receipt:${next!.id}`)
    expect(reissued.map((m) => m.to_address)).toEqual(['corrected.donor@example.test'])
    const audit = await auditRows('donation.correct-donor', g.id)
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0]!.before!)).toMatchObject({
      donor_name: '收据测试0',
      donor_email: 'desk-receipt-0@example.test',
    })
    expect(JSON.parse(audit[0]!.after!)).toMatchObject({
      donor_name: '张晓明',
      donor_email: 'corrected.donor@example.test',
    })

    // A resend now goes to the corrected address, with the new receipt.
    const again = await call(donationRoute.loader, get(`/admin/donations/${g.id}`, finance), { id: String(g.id) })
    expect(again.body.receiptDesk.current).toBe(next!.number)
    expect((await act(g, { intent: 'receiptResend', key: again.body.receiptDesk.formKey })).status).toBe(302)
    const after = await outbox(`receipt-resend:${g.id}:%`)
    expect(after.map((m) => m.to_address)).toEqual(['desk-receipt-0@example.test', 'corrected.donor@example.test'])
    expect(JSON.parse(after[1]!.props).receiptNumber).toBe(next!.number)
    expect(await auditRows('receipt.resend', g.id)).toHaveLength(2)
    // The page's timeline lists the resends among the gift's mails.
    const timeline = again.body.timeline as { kind: string; mailId?: number }[]
    expect(timeline.filter((e) => e.kind === 'mail').map((e) => e.mailId)).toEqual(
      expect.arrayContaining(before.map((m) => m.id)),
    )
    // Correcting to the same details again changes nothing.
    const same = await act(g, {
      intent: 'receiptCorrect',
      donorName: '张晓明',
      donorEmail: 'corrected.donor@example.test',
      reason: 'x',
    })
    expect(same.status).toBe(400)
    expect(await receiptsOf(g.id)).toHaveLength(2)
  })

  it('official e-receipt: the donor asks, finance attaches once, the donor sees it; a refund flags 冲红', async () => {
    const g = gifts[1]!
    const email = 'desk-receipt-1@example.test'
    const donor = await donorCookie(email)
    const ask = (form: Record<string, string>, cookie = donor) =>
      call(portalRoute.action, post('/donor/e-receipts', form, cookie))
    const requests = () =>
      t.db.selectFrom('official_receipt_requests').selectAll().where('donation_id', '=', g.id).execute()

    const listed = await call(portalRoute.loader, get('/donor/e-receipts', donor))
    expect(listed.body.gifts.map((x: { publicId: string }) => x.publicId)).toEqual([g.public_id])

    // The 统一社会信用代码's check character is checked; a company must give one.
    const wrongCheck = await ask({
      donation: g.public_id,
      payerKind: 'company',
      payerName: '某某科技有限公司',
      creditCode: '91350100M000100Y44',
    })
    expect(wrongCheck.status).toBe(400)
    expect(wrongCheck.body.errors).toEqual({ creditCode: 'organisation.creditCodeInvalid' })
    const missing = await ask({ donation: g.public_id, payerKind: 'company', payerName: '某某科技有限公司' })
    expect(missing.body.errors).toEqual({ creditCode: 'official.error.creditCodeRequired' })
    // Someone else's gift is not there.
    const stranger = await donorCookie('desk-receipt-stranger@example.test')
    expect((await ask({ donation: g.public_id, payerKind: 'person', payerName: '路人' }, stranger)).status).toBe(404)
    expect(await requests()).toEqual([])

    const asked = await ask({
      donation: g.public_id,
      payerKind: 'company',
      payerName: '某某科技有限公司',
      creditCode: '91350100m000100y43',
    })
    expect(asked.status).toBe(302)
    expect((await ask({ donation: g.public_id, payerKind: 'person', payerName: '再来' })).status).toBe(409)
    const [request] = await requests()
    expect(request).toMatchObject({ payer_kind: 'company', credit_code: '91350100M000100Y43', attached_at: null })

    // Our wording names no official receipt while none is attached.
    const resendNow = async () => {
      const page = await call(donationRoute.loader, get(`/admin/donations/${g.id}`, finance), { id: String(g.id) })
      expect((await act(g, { intent: 'receiptResend', key: page.body.receiptDesk.formKey })).status).toBe(302)
      const mails = await outbox(`receipt-resend:${g.id}:%`)
      return JSON.parse(mails.at(-1)!.props) as { official: unknown; receiptNumber: string }
    }
    expect((await resendNow()).official).toBeNull()

    const pending = await call(queueRoute.loader, get('/admin/e-receipts', finance))
    expect(pending.body.rows.map((r: { id: number }) => r.id)).toContain(request!.id)
    const reads = await t.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'official-receipts.read')
      .execute()
    expect(reads.length).toBeGreaterThan(0)

    const attachForm = {
      intent: 'attach',
      request: String(request!.id),
      code: '35010126',
      number: '0000012345',
      checkCode: 'a1b2c3',
      date: '2026-11-25',
      verifyUrl: 'https://pjcy.example.gov.cn/check?no=0000012345',
    }
    const badUrl = await call(
      queueRoute.action,
      post('/admin/e-receipts', { ...attachForm, verifyUrl: 'javascript:alert(1)' }, finance),
    )
    expect(badUrl.status).toBe(400)
    expect(badUrl.body.errors).toEqual({ verifyUrl: 'official.error.url' })
    expect((await call(queueRoute.action, post('/admin/e-receipts', attachForm, auditor))).status).toBe(403)
    expect((await call(queueRoute.action, post('/admin/e-receipts', attachForm, finance))).status).toBe(302)
    const again = await call(queueRoute.action, post('/admin/e-receipts', { ...attachForm, number: '999' }, finance))
    expect(again.status).toBe(409)
    const [attached] = await requests()
    expect(attached).toMatchObject({ official_number: '0000012345', check_code: 'a1b2c3', official_date: '2026-11-25' })
    // Once attached it is immutable, also to SQL.
    await expect(
      t.db
        .updateTable('official_receipt_requests')
        .set({ official_number: 'X' })
        .where('id', '=', request!.id)
        .execute(),
    ).rejects.toThrow()
    await expect(t.db.deleteFrom('official_receipt_requests').where('id', '=', request!.id).execute()).rejects.toThrow()
    // Our own receipt now names the official one, and so does its mail.
    const [ours] = await receiptsOf(g.id)
    expect(ours).toMatchObject({ official_code: '35010126', official_number: '0000012345' })
    expect((await resendNow()).official).toEqual({ code: '35010126', number: '0000012345' })
    // A name correction reissues our receipt; the bureau's receipt still covers the gift.
    const corrected = await act(g, {
      intent: 'receiptCorrect',
      donorName: '某某科技有限公司',
      donorEmail: email,
      reason: '改为单位名称',
    })
    expect(corrected.status).toBe(302)
    const [, reissued] = await receiptsOf(g.id)
    expect(reissued).toMatchObject({ replaces_receipt_id: ours!.id, official_number: '0000012345' })

    const seen = await call(portalRoute.loader, get('/donor/e-receipts', donor))
    expect(seen.body.gifts[0].request.official).toMatchObject({
      code: '35010126',
      number: '0000012345',
      checkCode: 'a1b2c3',
      date: '2026-11-25',
      verifyUrl: attachForm.verifyUrl,
    })

    // No flag yet; then a partial refund booked the way every refund path books one.
    const flagged = async () =>
      (await call(queueRoute.loader, get('/admin/e-receipts?view=reversal', finance))).body.rows.map(
        (r: { id: number }) => r.id,
      )
    expect(await flagged()).not.toContain(request!.id)
    await t.db.transaction().execute(async (trx) => {
      const d = (await lockDonation(trx, { publicId: g.public_id }))!
      await reverseDonation(trx, d, {
        kind: 'refund',
        providerRef: 're_OfficialTest1',
        amount: 100,
        currency: d.currency,
        occurredAt: new Date().toISOString(),
      })
    })
    expect(await flagged()).toContain(request!.id)
    const reverse = { intent: 'reverse', request: String(request!.id), reversalNumber: '0000012399' }
    expect((await call(queueRoute.action, post('/admin/e-receipts', reverse, finance))).status).toBe(302)
    expect(await flagged()).not.toContain(request!.id)
    expect((await call(queueRoute.action, post('/admin/e-receipts', reverse, finance))).status).toBe(409)
    const portal = await call(portalRoute.loader, get('/donor/e-receipts', donor))
    expect(portal.body.gifts[0].request.reversalNumber).toBe('0000012399')
  })

  it('merges two donor records: one history under the kept email, receipts still valid, audited', async () => {
    const keep = gifts[2]!
    const merge = gifts[3]!
    const mergedDonor = await donorCookie('desk-receipt-3@example.test')
    const donorAction = (form: Record<string, string>) =>
      call(donorRoute.action, post(`/admin/donors/${keep.id}`, form, finance), { id: String(keep.id) })

    expect((await donorAction({ mergeEmail: 'desk-receipt-3@example.test' })).status).toBe(400)
    const unknown = await donorAction({ mergeEmail: 'nobody@example.test', confirm: 'yes' })
    expect(unknown.status).toBe(404)
    expect(unknown.body.errors).toEqual({ mergeEmail: 'donors.merge.error.unknown' })
    expect((await donorAction({ mergeEmail: 'desk-receipt-2@example.test', confirm: 'yes' })).status).toBe(400)

    const before = await receiptsOf(merge.id)
    const done = await donorAction({ mergeEmail: ' Desk-Receipt-3@example.test ', confirm: 'yes' })
    expect(done.status).toBe(302)
    const donorId = Math.min(keep.id, merge.id)
    expect(done.location).toBe(`/admin/donors/${donorId}?merged=1#donor-merge`)

    const page = await call(donorRoute.loader, get(`/admin/donors/${donorId}`, finance), { id: String(donorId) })
    expect(page.body.donor.email).toBe('desk-receipt-2@example.test')
    expect(page.body.gifts.map((x: { id: number }) => x.id).sort()).toEqual([keep.id, merge.id].sort())
    expect(page.body.receipts.map((r: { number: string }) => r.number)).toEqual(
      expect.arrayContaining([keep.number, merge.number]),
    )
    // Receipts are untouched: same rows, still valid, each gift keeps its donor's name.
    expect(await receiptsOf(merge.id)).toEqual(before)
    const audit = await auditRows('donor.merge', donorId)
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0]!.before!)).toMatchObject({
      donor_email: 'desk-receipt-3@example.test',
      donations: [merge.id],
    })
    // The merged address's portal session is over; its sign-in now finds no gifts.
    const portal = await call(portalRoute.loader, get('/donor/e-receipts', mergedDonor))
    expect(portal.status).toBe(302)
    expect(portal.location).toBe('/donor/signin')
  })
})
