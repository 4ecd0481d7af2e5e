import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { changeStatus } from '~/modules/beneficiaries/registry.server'
import { approveBatch, prepareBatch } from '~/modules/disbursements/batches.server'
import { fundOfSponsorship, getBalance, payableOf, postDonation } from '~/modules/ledger'
import {
  containsContactDetails,
  listPendingLetters,
  moderateLetter,
  submitSponsorLetter,
  submitStudentLetter,
} from '~/modules/sponsorships/letters.server'
import { activatePaidSponsorships, moveSponsorship, sponsorView } from '~/modules/sponsorships/lifecycle.server'
import { startSponsorship } from '~/modules/sponsorships/start.server'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { freeStudents, stationIdOf, stationPath, userIdOf } from './scholarship.fixtures'

// 希望之星 1+1: the sponsorship's own fund pays its student's term; on graduation the
// sponsorship pauses and the sponsor is told; staff move it; letters are moderated and
// carry no contact details.

describe.skipIf(skipReason)(`1+1 sponsorships on ${testDialect}`, () => {
  let t: TestDb
  let caseworker: { id: number; scope: string[]; ip: string }
  let admin: { id: number; scope: string[]; ip: string }
  let hope: number
  beforeAll(async () => {
    t = await seededDb()
    caseworker = {
      id: await userIdOf(t.db, 'caseworker.zhenxiong@hope.demo'),
      scope: [await stationPath(t.db, '530627')],
      ip: '203.0.113.50',
    }
    admin = {
      id: await userIdOf(t.db, 'admin@hope.demo'),
      scope: [await stationPath(t.db, '530000')],
      ip: '203.0.113.51',
    }
    hope = Number(
      (
        await t.db
          .selectFrom('programmes')
          .select('id')
          .where('slug', '=', 'hope-star-1-plus-1')
          .executeTakeFirstOrThrow()
      ).id,
    )
  })
  afterAll(async () => t?.destroy())

  it('the demo has an active sponsorship', async () => {
    const active = await t.db.selectFrom('sponsorships').select('id').where('status', '=', 'active').execute()
    expect(active.length).toBeGreaterThan(0)
  })

  it('a sponsorship fund pays its student’s term; graduation pauses it and tells the sponsor; staff move it', async () => {
    const [a, b] = await freeStudents(t.db, '530627101', 2)
    const s = await startSponsorship(t.db, {
      beneficiaryId: a!.id,
      programmeId: hope,
      schoolYear: '2027-2028',
      frequency: 'monthly',
      donorName: '测试资助人',
      donorEmail: 'sponsor@test.example',
      locale: 'zh-CN',
    })
    await expect(
      startSponsorship(t.db, {
        beneficiaryId: a!.id,
        programmeId: hope,
        schoolYear: '2027-2028',
        frequency: 'once',
        donorName: 'x',
        donorEmail: 'x@test.example',
        locale: 'en',
      }),
    ).rejects.toMatchObject({ messageKey: 'sponsor.error.unavailable' })
    await t.db.transaction().execute((trx) =>
      postDonation(trx, {
        idempotencyKey: `test:sp:${s.id}`,
        donationRef: `D-SP-${s.id}`,
        fund: fundOfSponsorship(s.id),
        amount: 300000,
        fee: 0,
        currency: 'CNY',
        paidAt: new Date().toISOString(),
        displayName: '测*',
      }),
    )
    expect(await activatePaidSponsorships(t.db)).toBe(1)
    const batch = await prepareBatch(t.db, caseworker, {
      programmeId: hope,
      term: '2027-spring',
      stationId: await stationIdOf(t.db, '530627'),
      campaignId: null,
      lines: [{ beneficiaryId: a!.id, amount: 150000 }],
    })
    const finance = {
      id: await userIdOf(t.db, 'finance@hope.demo'),
      scope: admin.scope,
      ip: '203.0.113.52',
      totpVerified: true,
    }
    expect(await approveBatch(t.db, finance, { batchId: batch })).toBe('approved')
    expect(await getBalance(t.db, fundOfSponsorship(s.id), 'CNY')).toBe(150000)
    expect(await getBalance(t.db, payableOf(a!.id), 'CNY')).toBe(150000)

    expect(await changeStatus(t.db, caseworker, { beneficiaryId: a!.id, to: 'graduated', reason: '初中毕业' })).toBe(
      'changed',
    )
    const paused = await t.db.selectFrom('sponsorships').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow()
    expect(paused).toMatchObject({ status: 'paused', pause_reason: 'graduated' })
    const told = await t.db
      .selectFrom('mail_outbox')
      .select(['to_address', 'template', 'props'])
      .where('dedupe_key', 'like', `sponsorship:${s.id}:paused:%`)
      .execute()
    expect(told).toHaveLength(1)
    expect(told[0]).toMatchObject({ to_address: 'sponsor@test.example', template: 'sponsorship-update' })
    // Nothing more is awarded from a paused sponsorship.
    await expect(
      prepareBatch(t.db, caseworker, {
        programmeId: hope,
        term: '2026-autumn',
        stationId: await stationIdOf(t.db, '530627'),
        campaignId: null,
        lines: [{ beneficiaryId: a!.id, amount: 150000 }],
      }),
    ).rejects.toMatchObject({ messageKey: 'batches.error.inactive' })

    expect(await moveSponsorship(t.db, caseworker, { sponsorshipId: s.id, toBeneficiaryId: b!.id })).toBe('moved')
    const moved = await t.db.selectFrom('sponsorships').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow()
    expect(moved).toMatchObject({ status: 'active', beneficiary_id: b!.id })
    const movedMail = await t.db
      .selectFrom('mail_outbox')
      .select('props')
      .where('dedupe_key', 'like', `sponsorship:${s.id}:moved:%`)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(movedMail.props)).toMatchObject({ kind: 'moved', pseudonym: a!.code, newPseudonym: b!.code })
    // The money left in the fund follows the sponsorship to the new student.
    const view = await sponsorView(t.db, s.token)
    expect(view).toMatchObject({ publicCode: b!.code, status: 'active' })
    expect(JSON.stringify(view)).not.toMatch(/测试学生|测试学校|1990000/)
  })

  it('letters pass moderation and never carry contact details', async () => {
    const s = await t.db
      .selectFrom('sponsorships')
      .select(['id', 'access_token'])
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow()
    expect(containsContactDetails('我的微信号：hope_2026')).toBe(true)
    expect(containsContactDetails('call me on +86 138 0000 0000')).toBe(true)
    expect(containsContactDetails('write to me at a@b.cn')).toBe(true)
    expect(containsContactDetails('祝你新学期学习进步！')).toBe(false)
    await expect(
      submitSponsorLetter(t.db, { token: s.access_token, body: '加我微信：abc12345' }),
    ).rejects.toMatchObject({ messageKey: 'letters.error.contact' })
    await submitSponsorLetter(t.db, { token: s.access_token, body: '祝你新学期学习进步！' })
    const viewBefore = await sponsorView(t.db, s.access_token)
    expect(viewBefore!.letters.some((l) => l.status === 'pending')).toBe(true)
    expect(
      await submitStudentLetter(t.db, caseworker, { sponsorshipId: Number(s.id), body: '谢谢您！我会好好学习。' }),
    ).toBe('submitted')
    const pending = await listPendingLetters(t.db, caseworker.scope)
    const mine = pending.find((l) => l.direction === 'to_sponsor' && l.submittedBy === caseworker.id)!
    await expect(
      moderateLetter(t.db, caseworker, { letterId: mine.id, decision: 'approve', reason: '' }),
    ).rejects.toMatchObject({ messageKey: 'letters.error.ownLetter' })
    expect(await moderateLetter(t.db, admin, { letterId: mine.id, decision: 'approve', reason: '' })).toBe('approved')
    const view = await sponsorView(t.db, s.access_token)
    expect(view!.letters.find((l) => l.id === mine.id)!.body).toBe('谢谢您！我会好好学习。')
  })
})
