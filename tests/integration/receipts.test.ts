import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueReceiptForDonation, queueRefundNotice } from '~/modules/receipts/issue.server'
import { attachOfficialReceipt, reissueReceipt, voidReceipt } from '~/modules/receipts/correct.server'
import { verifyReceipt } from '~/modules/receipts/verify.server'
import { getEnv } from '~/utils/env.server'
import { Refusal } from '~/utils/refusal'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { insertCampaign, insertDonation, insertRecurringGift } from './receipts.fixtures'

const issuedAt = '2026-11-23T03:15:00.000Z'

describe.skipIf(skipReason)(`receipts on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb({ poolSize: 20 })
  })
  afterAll(async () => t?.destroy())

  const issue = (donationId: number, at = issuedAt) =>
    t.db.transaction().execute((trx) => issueReceiptForDonation(trx, { donationId, issuedAt: at }))
  const receipt = (id: number) => t.db.selectFrom('receipts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  it('issues a numbered receipt once per donation and queues its email in the same transaction', async () => {
    const campaignId = await insertCampaign(t.db)
    const d = await insertDonation(t.db, { campaignId })
    const first = await issue(d.id)
    expect(first.created).toBe(true)
    expect(first.number).toMatch(/^HL-2026-\d{6}$/)
    const again = await issue(d.id)
    expect(again).toEqual({ receiptId: first.receiptId, number: first.number, created: false })

    const mail = await t.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('dedupe_key', '=', `receipt:${first.receiptId}`)
      .execute()
    expect(mail).toHaveLength(1)
    expect(mail[0]).toMatchObject({
      template: 'donation-receipt',
      to_address: d.email,
      locale: 'zh-CN',
      status: 'queued',
    })
    const props = JSON.parse(mail[0]!.props)
    expect(props).toMatchObject({
      receiptNumber: first.number,
      amount: 123450,
      currency: 'CNY',
      campaignTitle: '希望之星 1+1 奖学金 2026',
    })
    expect(props.traceUrl).toBe(`${getEnv().BASE_URL}/trace/${d.trackingCode}`)
  })

  it('uses the monthly wording for a monthly gift and refuses unpaid donations', async () => {
    const gift = await insertRecurringGift(t.db)
    const d = await insertDonation(t.db, { recurringGiftId: gift, amount: 10000, locale: 'en' })
    const r = await issue(d.id)
    const mail = await t.db
      .selectFrom('mail_outbox')
      .select(['template', 'locale'])
      .where('dedupe_key', '=', `receipt:${r.receiptId}`)
      .executeTakeFirstOrThrow()
    expect(mail).toEqual({ template: 'monthly-gift-receipt', locale: 'en' })
    const pending = await insertDonation(t.db, { status: 'pending' })
    await expect(issue(pending.id)).rejects.toThrow(/only paid gifts/)
  })

  it('a rolled-back fulfilment gives its number back: no gap, and no mail', async () => {
    const a = await insertDonation(t.db)
    const b = await insertDonation(t.db)
    let taken = ''
    await expect(
      t.db.transaction().execute(async (trx) => {
        taken = (await issueReceiptForDonation(trx, { donationId: a.id, issuedAt })).number
        throw new Error('payment posting failed')
      }),
    ).rejects.toThrow('payment posting failed')
    const next = await issue(b.id)
    expect(next.number).toBe(taken)
    const orphan = await t.db.selectFrom('receipts').select('id').where('donation_id', '=', a.id).execute()
    expect(orphan).toEqual([])
  })

  it('numbers by the year in China time, each year from 1', async () => {
    const d = await insertDonation(t.db)
    const r = await issue(d.id, '2026-12-31T16:30:00.000Z') // 00:30 on 1 January 2027 in Beijing
    expect(r.number).toBe('HL-2027-000001')
  })

  it('200 concurrent fulfilments get numbers without gaps or repeats', async () => {
    const year = '2031'
    const donations = []
    for (let i = 0; i < 200; i++) donations.push(await insertDonation(t.db, { amount: 100 + i }))
    const results = await Promise.all(donations.map((d) => issue(d.id, `${year}-06-01T02:00:00.000Z`)))
    const sequences = results.map((r) => Number(r.number.slice(-6))).sort((x, y) => x - y)
    expect(sequences).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(new Set(results.map((r) => r.receiptId)).size).toBe(200)
    const counter = await t.db
      .selectFrom('receipt_counters')
      .select('last_sequence')
      .where('year', '=', 2031)
      .executeTakeFirstOrThrow()
    expect(counter.last_sequence).toBe(200)
    const mails = await t.db
      .selectFrom('mail_outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(
        'dedupe_key',
        'in',
        results.map((r) => `receipt:${r.receiptId}`),
      )
      .executeTakeFirstOrThrow()
    expect(Number(mails.n)).toBe(200)
  })

  it('concurrent calls for one donation issue one receipt', async () => {
    const d = await insertDonation(t.db)
    const results = await Promise.all(Array.from({ length: 10 }, () => issue(d.id)))
    expect(new Set(results.map((r) => r.number)).size).toBe(1)
    expect(results.filter((r) => r.created)).toHaveLength(1)
  })

  it('database triggers refuse edits and deletes of an issued receipt', async () => {
    const d = await insertDonation(t.db)
    const { receiptId } = await issue(d.id)
    const attempts: Array<Record<string, unknown>> = [
      { amount: 1 },
      { number: 'HL-2026-999999' },
      { donor_name: '张三' },
      { verification_code: 'AAAAAAAAAAAA' },
      { issued_at: '2020-01-01T00:00:00.000Z' },
    ]
    for (const set of attempts) {
      await expect(
        t.db.updateTable('receipts').set(set).where('id', '=', receiptId).execute(),
        JSON.stringify(set),
      ).rejects.toThrow(/never edited/)
    }
    await expect(t.db.deleteFrom('receipts').where('id', '=', receiptId).execute()).rejects.toThrow(/never deleted/)
    expect((await receipt(receiptId)).amount).toBe(123450)

    // Void fields may be set once, and then never changed or cleared.
    expect(
      await t.db
        .transaction()
        .execute((trx) => voidReceipt(trx, { receiptId, reason: 'entered twice', voidedAt: issuedAt })),
    ).toBe(true)
    await expect(
      t.db.updateTable('receipts').set({ void_reason: 'other' }).where('id', '=', receiptId).execute(),
    ).rejects.toThrow(/never edited/)
    await expect(
      t.db.updateTable('receipts').set({ voided_at: null, void_reason: null }).where('id', '=', receiptId).execute(),
    ).rejects.toThrow(/never edited/)
    expect(
      await t.db.transaction().execute((trx) => voidReceipt(trx, { receiptId, reason: 'again', voidedAt: issuedAt })),
    ).toBe(false)
  })

  it('attaches the official receipt once; the email names it only then', async () => {
    const d = await insertDonation(t.db)
    const { receiptId } = await issue(d.id)
    const firstMail = await t.db
      .selectFrom('mail_outbox')
      .select('props')
      .where('dedupe_key', '=', `receipt:${receiptId}`)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(firstMail.props).official).toBeNull()
    const attach = (code: string) =>
      t.db
        .transaction()
        .execute((trx) => attachOfficialReceipt(trx, { receiptId, code, number: '00012345', attachedAt: issuedAt }))
    expect(await attach('53010126')).toBe(true)
    expect(await attach('99999999')).toBe(false)
    await expect(
      t.db.updateTable('receipts').set({ official_code: 'changed' }).where('id', '=', receiptId).execute(),
    ).rejects.toThrow(/never edited/)
    const verified = await verifyReceipt(t.db, {
      number: (await receipt(receiptId)).number,
      code: (await receipt(receiptId)).verification_code,
    })
    expect(verified).toMatchObject({ valid: true, official: { code: '53010126', number: '00012345' } })
  })

  it('voids and reissues with a link both ways, and verification shows it', async () => {
    const d = await insertDonation(t.db, { amount: 20000 })
    const old = await issue(d.id)
    const next = await t.db.transaction().execute((trx) =>
      reissueReceipt(trx, {
        receiptId: old.receiptId,
        reason: 'donor name misspelt',
        issuedAt: '2026-11-24T01:00:00.000Z',
      }),
    )
    expect(next.number).not.toBe(old.number)
    expect((await receipt(next.receiptId)).replaces_receipt_id).toBe(old.receiptId)
    const oldRow = await receipt(old.receiptId)
    expect(oldRow.voided_at).not.toBeNull()
    const v = await verifyReceipt(t.db, { number: old.number, code: oldRow.verification_code })
    expect(v).toMatchObject({ valid: true, voided: true, replacedBy: next.number })
    // Fulfilment called again later returns the current receipt, not a third one.
    expect(await issue(d.id)).toEqual({ receiptId: next.receiptId, number: next.number, created: false })
    const again = t.db
      .transaction()
      .execute((trx) => reissueReceipt(trx, { receiptId: old.receiptId, reason: 'again', issuedAt }))
    await expect(again).rejects.toBeInstanceOf(Refusal)
    await expect(again).rejects.toMatchObject({
      messageKey: 'receipts.error.alreadyReissued',
      params: { number: old.number },
    })
  })

  it('verification needs the right code and never reveals the donor', async () => {
    const campaignId = await insertCampaign(t.db)
    const d = await insertDonation(t.db, { campaignId, email: 'private.donor@example.org', name: '王秘密' })
    const r = await issue(d.id)
    const code = (await receipt(r.receiptId)).verification_code
    const good = await verifyReceipt(t.db, { number: r.number, code: code.toLowerCase().replace(/(.{4})/g, '$1-') })
    expect(good).toMatchObject({
      valid: true,
      voided: false,
      amount: 123450,
      currency: 'CNY',
      date: '2026-11-23T03:14:30.000Z',
      campaignTitle: '希望之星 1+1 奖学金 2026',
    })
    const en = await verifyReceipt(t.db, { number: r.number, code, locale: 'en' })
    expect(en).toMatchObject({ valid: true, campaignTitle: 'Hope Star 1+1 Scholarship 2026' })
    expect(JSON.stringify(good)).not.toMatch(/private\.donor|王秘密|@/)
    const wrong = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0')
    expect(await verifyReceipt(t.db, { number: r.number, code: wrong })).toEqual({ valid: false })
    expect(await verifyReceipt(t.db, { number: 'HL-2026-999999', code })).toEqual({ valid: false })
    expect(await verifyReceipt(t.db, { number: r.number, code: '' })).toEqual({ valid: false })
  })

  it('queues a refund notice once per refund; a partial refund reissues the receipt, a full one voids it', async () => {
    const d = await insertDonation(t.db, { amount: 20000 })
    const first = await issue(d.id)
    const refund = async (amount: number, key: string) => {
      await t.db.transaction().execute(async (trx) => {
        // As the giving module does: refunded_amount first, then the notice.
        await trx
          .updateTable('donations')
          .set((eb) => ({ refunded_amount: eb('refunded_amount', '+', amount) }))
          .where('id', '=', d.id)
          .execute()
        await queueRefundNotice(trx, {
          donationId: d.id,
          amount,
          currency: 'CNY',
          occurredAt: '2026-11-25T08:00:00.000Z',
          dedupeKey: key,
        })
      })
      return t.db.selectFrom('mail_outbox').selectAll().where('dedupe_key', '=', `refund-notice:${key}`).execute()
    }
    const partial = await refund(5000, 're_1')
    expect(partial).toHaveLength(1)
    const props = JSON.parse(partial[0]!.props)
    expect(props).toMatchObject({
      amount: 5000,
      originalAmount: 20000,
      voidedReceipt: first.number,
      currentReceipt: expect.stringMatching(/^HL-2026-/),
    })
    const reissued = await t.db
      .selectFrom('receipts')
      .selectAll()
      .where('number', '=', props.currentReceipt)
      .executeTakeFirstOrThrow()
    expect(reissued).toMatchObject({ amount: 15000, replaces_receipt_id: first.receiptId, voided_at: null })
    // Redelivered: the notice key exists already, and the receipt already matches.
    await t.db.transaction().execute((trx) =>
      queueRefundNotice(trx, {
        donationId: d.id,
        amount: 5000,
        currency: 'CNY',
        occurredAt: '2026-11-25T08:00:00.000Z',
        dedupeKey: 're_1',
      }),
    )
    expect(await t.db.selectFrom('receipts').select('id').where('donation_id', '=', d.id).execute()).toHaveLength(2)

    const full = await refund(15000, 're_2')
    expect(JSON.parse(full[0]!.props)).toMatchObject({ voidedReceipt: reissued.number, currentReceipt: null })
    const all = await t.db.selectFrom('receipts').select(['voided_at']).where('donation_id', '=', d.id).execute()
    expect(all.every((r) => r.voided_at !== null)).toBe(true)
    const v = await verifyReceipt(t.db, { number: reissued.number, code: reissued.verification_code })
    expect(v).toMatchObject({ valid: true, voided: true, replaces: first.number })
  })

  it('a donation has one first receipt even if a caller skips the checks', async () => {
    const d = await insertDonation(t.db)
    const r = await issue(d.id)
    const row = await receipt(r.receiptId)
    const { id: _id, ...copy } = row
    await expect(
      t.db
        .insertInto('receipts')
        .values({ ...copy, number: 'HL-2026-900000', sequence: 900000 })
        .execute(),
    ).rejects.toThrow()
  })
})
