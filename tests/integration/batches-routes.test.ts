import { generateHOTP } from '@oslojs/otp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { confirmEnrolment, decodeSecret, pendingEnrolment, totpStep } from '~/modules/auth/totp.server'
import * as batchPage from '~/routes/admin.batches.$id'
import * as newBatch from '~/routes/admin.batches.new'
import * as proofPage from '~/routes/admin.proofs.$id'
import { BASE, call, cookieFor, get, post, seededDb, userId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { freeStudents, fundedProgramme, stationIdOf } from './scholarship.fixtures'
import { minimalPdf } from '../support/proof-files'
import { chinaDate } from '~/utils/i18n'

// The batch pages as Remix calls them: the preparer sees no approve button and is
// refused; a finance user without TOTP is refused with a message; with TOTP enrolled
// and a session that passed it, the approval posts.

describe.skipIf(skipReason)(`batch pages on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  it('prepare through the form, then maker-checker and TOTP through the page', async () => {
    const p = await fundedProgramme(t.db, 60000)
    const [a] = await freeStudents(t.db, '530627101', 1)
    const caseworker = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    const form = {
      programmeId: String(p.programmeId),
      term: '2027-spring',
      stationId: String(await stationIdOf(t.db, '530627')),
      campaignId: String(p.campaignId),
      students: `${a!.code} 500`,
    }
    const tooMuch = await call(
      newBatch.action,
      post('/admin/batches/new', { ...form, students: `${a!.code} 1000` }, caseworker),
    )
    expect(tooMuch.status).toBe(400)
    expect(tooMuch.body.error).toBe('batches.error.insufficient')
    const unknown = await call(
      newBatch.action,
      post('/admin/batches/new', { ...form, students: 'HP-000000-0000' }, caseworker),
    )
    expect(unknown.body).toMatchObject({ error: 'batches.error.unknownCode', params: { code: 'HP-000000-0000' } })
    const made = await call(newBatch.action, post('/admin/batches/new', form, caseworker))
    expect(made.status).toBe(302)
    const id = made.location!.split('/').pop()!

    // The preparer's page offers no approval.
    const view = await call(batchPage.loader, get(`/admin/batches/${id}`, caseworker), { id })
    expect(view.body.canApprove).toBe(false)
    expect(view.body.batch.lines[0]).toMatchObject({ publicCode: a!.code, amount: 50000 })

    // Finance without TOTP: refused with the message, nothing posted.
    const finance = await cookieFor(t.db, 'finance@hope.demo')
    const noTotp = await call(batchPage.action, post(`/admin/batches/${id}`, { intent: 'approve' }, finance), { id })
    expect(noTotp.status).toBe(403)
    expect(noTotp.body.error).toBe('batches.error.totp')
    // Even claiming a verified session does not help without an enrolled key.
    const claimed = await cookieFor(t.db, 'finance@hope.demo', { twoFactorVerified: true })
    expect(
      (await call(batchPage.action, post(`/admin/batches/${id}`, { intent: 'approve' }, claimed), { id })).status,
    ).toBe(403)

    // Enrol TOTP, sign in with it: the approval posts.
    const uid = await userId(t.db, 'finance@hope.demo')
    const enrolment = (await pendingEnrolment(t.db, { id: uid, email: 'finance@hope.demo' }, { create: true }))!
    expect(
      await confirmEnrolment(t.db, uid, generateHOTP(decodeSecret(enrolment.secret), BigInt(totpStep()), 6)),
    ).toHaveLength(10)
    const verified = await cookieFor(t.db, 'finance@hope.demo', { twoFactorVerified: true })
    const ok = await call(batchPage.action, post(`/admin/batches/${id}`, { intent: 'approve' }, verified), { id })
    expect(ok.status).toBe(302)
    expect(ok.location).toBe(`/admin/batches/${id}?done=approved`)
    const after = await call(batchPage.loader, get(`/admin/batches/${id}`, verified), { id })
    expect(after.body.batch.status).toBe('approved')

    // Record the payout with a proof file (multipart, as the browser sends it).
    const upload = (bytes: Uint8Array, name: string) => {
      const form = new FormData()
      form.set('intent', 'payout')
      form.set('reference', 'ROUTE-BANK-1')
      form.set('date', chinaDate())
      form.set('proof', new File([new Uint8Array(bytes)], name))
      return new Request(`${BASE}/admin/batches/${id}`, {
        method: 'POST',
        headers: { Origin: BASE, Cookie: verified },
        body: form,
      })
    }
    const exe = await call(
      batchPage.action,
      upload(new TextEncoder().encode('MZ\x90\x00 pretending to be a pdf'), 'slip.pdf'),
      { id },
    )
    expect(exe).toMatchObject({ status: 422, body: { errors: { proof: 'upload.error.type' } } })
    const paid = await call(batchPage.action, upload(minimalPdf('slip'), 'slip.pdf'), {
      id,
    })
    expect(paid.status).toBe(302)
    const proofs = (await call(batchPage.loader, get(`/admin/batches/${id}`, verified), { id })).body.batch.proofs
    expect(proofs).toHaveLength(1)
    const proofId = String(proofs[0].id)
    // The proof downloads for staff of the area (audited), and does not exist for another county.
    const auditor = await cookieFor(t.db, 'auditor@hope.demo')
    const res = (await proofPage.loader({
      request: get(`/admin/proofs/${proofId}`, auditor),
      params: { id: proofId },
      context: { clientIp: '203.0.113.7' },
    } as any)) as Response
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/pdf')
    expect(new TextDecoder().decode(await res.arrayBuffer())).toMatch(/^%PDF-1\.4/)
    const huize = await cookieFor(t.db, 'caseworker.huize@hope.demo')
    expect((await call(proofPage.loader, get(`/admin/proofs/${proofId}`, huize), { id: proofId })).status).toBe(404)
    const reads = await t.db.selectFrom('audit_log').select('action').where('action', '=', 'proof.read').execute()
    expect(reads).toHaveLength(1)
  })
})
