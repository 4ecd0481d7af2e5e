import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approveBatch, getBatch, prepareBatch, recordPayout, rejectBatch } from '~/modules/disbursements/batches.server'
import { checkProof, MAX_PROOF_BYTES, sniffMime } from '~/modules/disbursements/uploads.server'
import { getBalance, getDonationTrace, payableOf } from '~/modules/ledger'
import { isRefusal } from '~/utils/refusal'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { freeStudents, fundedProgramme, stationIdOf, stationPath, userIdOf } from './scholarship.fixtures'
import { minimalPdf } from '../support/proof-files'
import { chinaDate } from '~/utils/i18n'

// Award batches under maker-checker: preparer ≠ approver, TOTP, a second approver above
// the threshold, all-or-nothing ledger posting, payout with proof, donor notices.

const PDF = minimalPdf('test payout slip')

describe.skipIf(skipReason)(`award batches on ${testDialect}`, () => {
  let t: TestDb
  let caseworker: { id: number; scope: string[]; ip: string }
  let finance: { id: number; scope: string[]; ip: string; totpVerified: boolean }
  let finance2: typeof finance
  let station: number
  beforeAll(async () => {
    t = await seededDb()
    const zx = await stationPath(t.db, '530627')
    const root = await stationPath(t.db, '530000')
    station = await stationIdOf(t.db, '530627')
    caseworker = { id: await userIdOf(t.db, 'caseworker.zhenxiong@hope.demo'), scope: [zx], ip: '203.0.113.9' }
    finance = { id: await userIdOf(t.db, 'finance@hope.demo'), scope: [root], ip: '203.0.113.10', totpVerified: true }
    finance2 = { id: await userIdOf(t.db, 'finance2@hope.demo'), scope: [root], ip: '203.0.113.11', totpVerified: true }
  })
  afterAll(async () => t?.destroy())

  const refusal = async (p: Promise<unknown>) => {
    try {
      await p
    } catch (e) {
      if (isRefusal(e)) return e
      throw e
    }
    throw new Error('expected a Refusal')
  }
  const ledgerCount = async () =>
    Number(
      (
        await t.db
          .selectFrom('ledger_transactions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('the preparer cannot approve; approval without TOTP is refused; another finance user approves and the awards are posted', async () => {
    const p = await fundedProgramme(t.db, 500000)
    const [a, b] = await freeStudents(t.db, '530627101', 2)
    const id = await prepareBatch(t.db, caseworker, {
      programmeId: p.programmeId,
      term: '2027-spring',
      stationId: station,
      campaignId: p.campaignId,
      lines: [
        { beneficiaryId: a!.id, amount: 100000 },
        { beneficiaryId: b!.id, amount: 50000 },
      ],
    })
    // The preparer, even holding an approver's scope and TOTP, is refused.
    expect((await refusal(approveBatch(t.db, { ...caseworker, totpVerified: true }, { batchId: id }))).messageKey).toBe(
      'batches.error.ownBatch',
    )
    expect((await refusal(approveBatch(t.db, { ...finance, totpVerified: false }, { batchId: id }))).messageKey).toBe(
      'batches.error.totp',
    )
    expect(await getBalance(t.db, payableOf(a!.id), 'CNY')).toBe(0)
    expect(await approveBatch(t.db, finance, { batchId: id })).toBe('approved')
    expect(await getBalance(t.db, payableOf(a!.id), 'CNY')).toBe(100000)
    expect(await getBalance(t.db, p.fund, 'CNY')).toBe(350000)
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'award_batch')
      .where('entity_id', '=', String(id))
      .execute()
    expect(audit.map((r) => r.action)).toEqual(['batch.prepared', 'batch.approved'])
    // An approval request went to finance users, never to the preparer.
    const asks = await t.db
      .selectFrom('mail_outbox')
      .select('to_address')
      .where('dedupe_key', 'like', `batch:${id}:approval-request:%`)
      .execute()
    expect(asks.map((r) => r.to_address)).toContain('finance@hope.demo')
    expect(asks.map((r) => r.to_address)).not.toContain('caseworker.zhenxiong@hope.demo')
  })

  it('above the threshold a second, different approver is required', async () => {
    const p = await fundedProgramme(t.db, 500000)
    const [a, b] = await freeStudents(t.db, '530627101', 2)
    const id = await prepareBatch(
      t.db,
      caseworker,
      {
        programmeId: p.programmeId,
        term: '2027-spring',
        stationId: station,
        campaignId: p.campaignId,
        lines: [
          { beneficiaryId: a!.id, amount: 100000 },
          { beneficiaryId: b!.id, amount: 100000 },
        ],
      },
      new Date(),
      { secondApprovalAbove: 150000 },
    )
    expect(await approveBatch(t.db, finance, { batchId: id })).toBe('awaitingSecond')
    expect(await getBalance(t.db, payableOf(a!.id), 'CNY')).toBe(0)
    expect((await refusal(approveBatch(t.db, finance, { batchId: id }))).messageKey).toBe(
      'batches.error.alreadyApproved',
    )
    expect(await approveBatch(t.db, finance2, { batchId: id })).toBe('approved')
    expect(await getBalance(t.db, payableOf(b!.id), 'CNY')).toBe(100000)
    const batch = await getBatch(t.db, finance.scope, id)
    expect(batch!.approvals.map((x) => x.userId)).toEqual([finance.id, finance2.id])
  })

  it('an award larger than the available fund is refused with a clear message, and nothing is written', async () => {
    const p = await fundedProgramme(t.db, 150000)
    const [a, b, c] = await freeStudents(t.db, '530627101', 3)
    // At preparation: more than the fund holds.
    const early = await refusal(
      prepareBatch(t.db, caseworker, {
        programmeId: p.programmeId,
        term: '2027-spring',
        stationId: station,
        campaignId: p.campaignId,
        lines: [
          { beneficiaryId: a!.id, amount: 100000 },
          { beneficiaryId: b!.id, amount: 100000 },
        ],
      }),
    )
    expect(early.messageKey).toBe('batches.error.insufficient')
    expect(early.params).toMatchObject({ available: 150000, requested: 200000 })
    // At approval: two batches each within the fund, together beyond it.
    const first = await prepareBatch(t.db, caseworker, {
      programmeId: p.programmeId,
      term: '2027-spring',
      stationId: station,
      campaignId: p.campaignId,
      lines: [{ beneficiaryId: a!.id, amount: 100000 }],
    })
    const second = await prepareBatch(t.db, caseworker, {
      programmeId: p.programmeId,
      term: '2027-spring',
      stationId: station,
      campaignId: p.campaignId,
      lines: [
        { beneficiaryId: b!.id, amount: 60000 },
        { beneficiaryId: c!.id, amount: 40000 },
      ],
    })
    expect(await approveBatch(t.db, finance, { batchId: first })).toBe('approved')
    const before = {
      ledger: await ledgerCount(),
      payableB: await getBalance(t.db, payableOf(b!.id), 'CNY'),
      fund: await getBalance(t.db, p.fund, 'CNY'),
    }
    const late = await refusal(approveBatch(t.db, finance, { batchId: second }))
    expect(late.messageKey).toBe('batches.error.insufficient')
    expect(late.params).toMatchObject({ available: 50000, currency: 'CNY' })
    expect(await ledgerCount()).toBe(before.ledger)
    expect(await getBalance(t.db, payableOf(b!.id), 'CNY')).toBe(before.payableB)
    expect(await getBalance(t.db, p.fund, 'CNY')).toBe(before.fund)
    const batch = await getBatch(t.db, finance.scope, second)
    expect(batch!.status).toBe('prepared')
    expect(batch!.approvals).toEqual([])
    expect(
      await t.db.selectFrom('award_term_caps').select('line_id').where('beneficiary_id', '=', b!.id).execute(),
    ).toEqual([])
    // The message reads clearly in both languages.
    const { zhCN } = await import('~/locales/zh-CN')
    expect(zhCN['batches.error.insufficient']).toContain('未写入任何记录')
  })

  it('a student is funded at most once per term across programmes', async () => {
    const p1 = await fundedProgramme(t.db, 300000)
    const p2 = await fundedProgramme(t.db, 300000)
    const [a] = await freeStudents(t.db, '530627101', 1)
    const id = await prepareBatch(t.db, caseworker, {
      programmeId: p1.programmeId,
      term: '2027-autumn',
      stationId: station,
      campaignId: p1.campaignId,
      lines: [{ beneficiaryId: a!.id, amount: 100000 }],
    })
    const e = await refusal(
      prepareBatch(t.db, caseworker, {
        programmeId: p2.programmeId,
        term: '2027-autumn',
        stationId: station,
        campaignId: p2.campaignId,
        lines: [{ beneficiaryId: a!.id, amount: 100000 }],
      }),
    )
    expect(e.messageKey).toBe('batches.error.cap')
    expect(await rejectBatch(t.db, finance, { batchId: id, reason: '材料不全' })).toBe('rejected')
    // Once rejected, the other programme may fund the term.
    await prepareBatch(t.db, caseworker, {
      programmeId: p2.programmeId,
      term: '2027-autumn',
      stationId: station,
      campaignId: p2.campaignId,
      lines: [{ beneficiaryId: a!.id, amount: 100000 }],
    })
  })

  it('eligibility and scope are checked with clear messages', async () => {
    const p = await fundedProgramme(t.db, 300000)
    const [huize] = await freeStudents(t.db, '530326101', 1)
    expect(
      (
        await refusal(
          prepareBatch(t.db, caseworker, {
            programmeId: p.programmeId,
            term: '2027-spring',
            stationId: await stationIdOf(t.db, '530326'),
            campaignId: p.campaignId,
            lines: [{ beneficiaryId: huize!.id, amount: 1000 }],
          }),
        )
      ).messageKey,
    ).toBe('batches.error.station')
    const [a] = await freeStudents(t.db, '530627101', 1)
    expect(
      (
        await refusal(
          prepareBatch(t.db, caseworker, {
            programmeId: p.programmeId,
            term: '2031-spring',
            stationId: station,
            campaignId: p.campaignId,
            lines: [{ beneficiaryId: a!.id, amount: 1000 }],
          }),
        )
      ).messageKey,
    ).toBe('batches.error.term')
    expect(
      (
        await refusal(
          prepareBatch(t.db, caseworker, {
            programmeId: p.programmeId,
            term: '2027-spring',
            stationId: station,
            campaignId: p.campaignId,
            lines: [{ beneficiaryId: a!.id, amount: 100001 }],
          }),
        )
      ).messageKey,
    ).toBe('batches.error.amount')
    await t.db
      .updateTable('programmes')
      .set({ eligible_categories: JSON.stringify(['orphan']) })
      .where('id', '=', p.programmeId)
      .execute()
    const cats = JSON.parse(
      (await t.db.selectFrom('beneficiaries').select('categories').where('id', '=', a!.id).executeTakeFirstOrThrow())
        .categories,
    ) as string[]
    if (!cats.includes('orphan'))
      expect(
        (
          await refusal(
            prepareBatch(t.db, caseworker, {
              programmeId: p.programmeId,
              term: '2027-spring',
              stationId: station,
              campaignId: p.campaignId,
              lines: [{ beneficiaryId: a!.id, amount: 1000 }],
            }),
          )
        ).messageKey,
      ).toBe('batches.error.ineligible')
  })

  it('recording the payout posts payouts, keeps the proof, and queues a notice to each donor whose money reached the student', async () => {
    const p = await fundedProgramme(t.db, 200000)
    const [a] = await freeStudents(t.db, '530627101', 1)
    // A real donor's gift (through the giving tables) into the same fund, oldest first.
    const id = await prepareBatch(t.db, caseworker, {
      programmeId: p.programmeId,
      term: '2027-spring',
      stationId: station,
      campaignId: p.campaignId,
      lines: [{ beneficiaryId: a!.id, amount: 100000 }],
    })
    expect(
      (await refusal(recordPayout(t.db, finance, { batchId: id, reference: 'B-1', date: chinaDate(), proof: PDF })))
        .messageKey,
    ).toBe('batches.error.notApproved')
    await approveBatch(t.db, finance, { batchId: id })
    expect(
      (
        await refusal(
          recordPayout(
            t.db,
            { ...finance, totpVerified: false },
            { batchId: id, reference: 'B-1', date: chinaDate(), proof: PDF },
          ),
        )
      ).messageKey,
    ).toBe('batches.error.totp')
    await expect(
      recordPayout(t.db, finance, {
        batchId: id,
        reference: 'B-1',
        date: chinaDate(),
        proof: new TextEncoder().encode('MZ not a pdf'),
      }),
    ).rejects.toThrow(/upload\.error\.type/)
    expect(await recordPayout(t.db, finance, { batchId: id, reference: 'B-1', date: chinaDate(), proof: PDF })).toBe(
      'paid',
    )
    expect(await getBalance(t.db, payableOf(a!.id), 'CNY')).toBe(0)
    expect(await getBalance(t.db, `paid:beneficiary:${a!.id}`, 'CNY')).toBe(100000)
    const batch = await getBatch(t.db, finance.scope, id)
    expect(batch).toMatchObject({ status: 'paid', payout_reference: 'B-1', payout_date: chinaDate() })
    expect(batch!.proofs[0]).toMatchObject({ mime: 'application/pdf' })
  })

  it('refuses the bank reference of one batch’s payout on another batch', async () => {
    const p = await fundedProgramme(t.db, 200000)
    const [a] = await freeStudents(t.db, '530627101', 1)
    const id = await prepareBatch(t.db, caseworker, {
      programmeId: p.programmeId,
      term: '2027-spring',
      stationId: station,
      campaignId: p.campaignId,
      lines: [{ beneficiaryId: a!.id, amount: 50000 }],
    })
    await approveBatch(t.db, finance, { batchId: id })
    const before = await ledgerCount()
    // 'B-1' already records the payout of the batch in the test above.
    const used = await refusal(
      recordPayout(t.db, finance, { batchId: id, reference: ' B-1 ', date: chinaDate(), proof: PDF }),
    )
    expect(used.messageKey).toBe('batches.error.referenceUsed')
    expect(used.field).toBe('reference')
    expect(used.status).toBe(409)
    expect(await ledgerCount()).toBe(before)
    expect(await getBatch(t.db, finance.scope, id)).toMatchObject({ status: 'approved', payout_reference: null })
    expect(await recordPayout(t.db, finance, { batchId: id, reference: 'B-1b', date: chinaDate(), proof: PDF })).toBe(
      'paid',
    )
  })

  it('donors of the demo fund are told when their gift reaches a student', async () => {
    // The seeded 学子阳光 fund holds real demo gifts (giving tables), so notices have addresses.
    const fund = (
      await t.db
        .selectFrom('campaigns')
        .select('id')
        .where('slug', '=', 'sunshine-autumn-2026')
        .executeTakeFirstOrThrow()
    ).id
    const programme = (
      await t.db.selectFrom('programmes').select('id').where('slug', '=', 'sunshine-bursary').executeTakeFirstOrThrow()
    ).id
    const [a] = await freeStudents(t.db, '530627101', 1)
    const id = await prepareBatch(t.db, caseworker, {
      programmeId: Number(programme),
      term: '2027-spring',
      stationId: station,
      campaignId: Number(fund),
      lines: [{ beneficiaryId: a!.id, amount: 10000 }],
    })
    await approveBatch(t.db, finance, { batchId: id })
    await recordPayout(t.db, finance, { batchId: id, reference: 'B-2', date: chinaDate(), proof: PDF })
    const mails = await t.db
      .selectFrom('mail_outbox')
      .select(['to_address', 'template', 'props'])
      .where('dedupe_key', 'like', `gift-reached:%:batch:${id}`)
      .execute()
    expect(mails.length).toBeGreaterThan(0)
    expect(mails[0]!.template).toBe('gift-reached-student')
    const props = JSON.parse(mails[0]!.props)
    expect(props.shares.map((s: { pseudonym: string }) => s.pseudonym)).toContain(a!.code)
    expect(props.traceUrl).toMatch(/\/trace\//)
    // Only pseudonym, county, grade, programme: no legal name anywhere in the mail.
    const student = await t.db
      .selectFrom('beneficiaries')
      .select(['legal_name', 'school'])
      .where('id', '=', a!.id)
      .executeTakeFirstOrThrow()
    expect(mails[0]!.props).not.toContain(student.legal_name)
    expect(mails[0]!.props).not.toContain(student.school)
    // And the donation's trace shows the student's pseudonym as paid.
    const ref = (
      await t.db
        .selectFrom('donations')
        .select('public_id')
        .where('donor_email', '=', mails[0]!.to_address)
        .executeTakeFirstOrThrow()
    ).public_id
    expect(ref).toBeTruthy()
    void getDonationTrace
  })

  it('proof files: the type comes from the first bytes, and at most 5 MB', () => {
    expect(sniffMime(PDF)).toBe('application/pdf')
    expect(sniffMime(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg')
    expect(sniffMime(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('image/png')
    expect(sniffMime(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull()
    expect(() => checkProof(new Uint8Array(0))).toThrow(/upload\.error\.missing/)
    const big = new Uint8Array(MAX_PROOF_BYTES + 1)
    big.set(PDF)
    expect(() => checkProof(big)).toThrow(/upload\.error\.tooLarge/)
    expect(checkProof(big.subarray(0, MAX_PROOF_BYTES))).toBe('application/pdf')
  })

  it('the demo seed shows a programme with a paid batch, and one awaiting approval', async () => {
    const batches = await t.db
      .selectFrom('award_batches')
      .innerJoin('programmes', 'programmes.id', 'award_batches.programme_id')
      .select(['award_batches.status', 'programmes.slug'])
      .execute()
    expect(batches).toEqual(
      expect.arrayContaining([
        { status: 'paid', slug: 'sunshine-bursary' },
        { status: 'prepared', slug: 'sunshine-bursary' },
      ]),
    )
    const proofs = await t.db
      .selectFrom('proof_files')
      .select('entity_type')
      .where('entity_type', '=', 'award_batch')
      .execute()
    expect(proofs.length).toBeGreaterThan(0)
  })

  it('concurrent approvals: the batch is approved once and every award posted once', async () => {
    const p = await fundedProgramme(t.db, 500000)
    const [a, b] = await freeStudents(t.db, '530627101', 2)
    const lines = [
      { beneficiaryId: a!.id, amount: 100000 },
      { beneficiaryId: b!.id, amount: 100000 },
    ]
    // Two approvers required: both at once → one first approval, one final approval.
    const two = await prepareBatch(
      t.db,
      caseworker,
      { programmeId: p.programmeId, term: '2027-spring', stationId: station, campaignId: p.campaignId, lines },
      new Date(),
      { secondApprovalAbove: 1 },
    )
    const outcomes = await Promise.all([
      approveBatch(t.db, finance, { batchId: two }),
      approveBatch(t.db, finance2, { batchId: two }),
    ])
    expect(outcomes.sort()).toEqual(['approved', 'awaitingSecond'])
    expect(await getBalance(t.db, payableOf(a!.id), 'CNY')).toBe(100000)
    // One approver required: two approvers at once → exactly one posts, the other is told it is done.
    const [c] = await freeStudents(t.db, '530627101', 1)
    const one = await prepareBatch(t.db, caseworker, {
      programmeId: p.programmeId,
      term: '2027-spring',
      stationId: station,
      campaignId: p.campaignId,
      lines: [{ beneficiaryId: c!.id, amount: 100000 }],
    })
    const settled = await Promise.allSettled([
      approveBatch(t.db, finance, { batchId: one }),
      approveBatch(t.db, finance2, { batchId: one }),
    ])
    expect(
      settled.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value),
    ).toEqual(['approved'])
    const rejected = settled.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(rejected.reason).toMatchObject({ messageKey: 'batches.error.notPrepared' })
    expect(await getBalance(t.db, payableOf(c!.id), 'CNY')).toBe(100000)
    expect(await getBalance(t.db, p.fund, 'CNY')).toBe(200000)
  })
})
