import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import { donationFieldErrors, donationFormSchema } from '~/modules/donations/schema'
import { fundOfMatchPool, getBalance, verifyLedger } from '~/modules/ledger'
import { phoneKey } from '~/modules/matching/match.server'
import { sponsorLink } from '~/modules/matching/sponsor-link.server'
import { purposeTitle, receiptDocumentQuery } from '~/modules/receipts/queries.server'
import { givingTarget } from '~/modules/wishes/giving-target.server'
import { isRefusal } from '~/utils/refusal'
import { skipReason, testDialect } from '../support/db'
import { givingFixture, LIMITS, WEBHOOK_SECRET } from '../support/giving'
import * as ev from '../support/stripe-events'

// A sponsor pays its matching pool online through the link staff send, into fund:match:<id>
// like its offline money; without the link's claim no one else can. And the donor's phone,
// where given, is kept only as a keyed digest for the pools' per-donor caps.
describe.skipIf(skipReason)(`a sponsor's card payment into its pool on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  let pool: { id: number; name: string; sponsor: string }
  let claim: string
  beforeAll(async () => {
    f = await givingFixture()
    pool = await f.db
      .selectFrom('matching_pools')
      .select(['id', 'name', 'sponsor'])
      .orderBy('id')
      .executeTakeFirstOrThrow()
    claim = new URL(sponsorLink(pool.id)).searchParams.get('claim')!
  })
  afterAll(async () => f?.destroy())

  const deliver = async (event: object) => {
    const { payload, signature } = ev.sign(event, WEBHOOK_SECRET)
    return webhookReply(await receiveWebhook(f.db, f.provider, payload, signature))
  }
  const donations = async () =>
    Number(
      (
        await f.db
          .selectFrom('donations')
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  const sponsorGift = (extra: Record<string, string> = {}) => ({
    designation: 'pool',
    targetId: String(pool.id),
    claim,
    amountChoice: 'custom',
    customAmount: '20000',
    displayMode: 'full',
    name: pool.sponsor,
    ...extra,
  })
  const refusal = async (input: Record<string, string>) => {
    try {
      await f.checkout(input)
    } catch (e) {
      if (isRefusal(e)) return { key: e.messageKey, field: e.field }
      throw e
    }
    return undefined
  }

  it('offers the link on the giving form, fixed to the pool, and refuses a link with a wrong claim', async () => {
    const target = await givingTarget(f.db, new URL(sponsorLink(pool.id)).searchParams, 'zh-CN')
    expect(target?.target).toMatchObject({ designation: 'pool', targetId: pool.id, claim })
    expect(target?.target?.label).toContain(pool.name)
    expect(target?.values).toMatchObject({ currency: 'CNY', frequency: 'once', name: pool.sponsor })
    const forged = await givingTarget(
      f.db,
      new URLSearchParams({ pool: String(pool.id), claim: 'x' + claim.slice(1) }),
      'zh-CN',
    )
    expect(forged).toEqual({ target: null, notice: 'matching.linkInvalid' })
  })

  it('books the sponsor’s card gift into the pool’s fund, named by its pool on the receipt, and never matches it', async () => {
    const before = await getBalance(f.db, fundOfMatchPool(pool.id), 'CNY')
    const matches = await f.db.selectFrom('matching_matches').select('id').execute()
    const gift = await f.checkout(sponsorGift(), 680)
    expect(gift.donation).toMatchObject({
      designation: 'general',
      target_id: pool.id,
      fund: fundOfMatchPool(pool.id),
      campaign_id: null,
      amount: 2_000_000,
    })
    const session = f.stripe.requests.filter((r) => r.path === '/v1/checkout/sessions').at(-1)!
    expect(session.form['line_items[0][price_data][product_data][name]']).toContain(pool.name)
    const reply = await deliver(
      ev.sessionCompleted({ publicId: gift.publicId, intentId: gift.intentId, amount: 2_000_000 }),
    )
    expect(reply.status).toBe(200)
    expect(await getBalance(f.db, fundOfMatchPool(pool.id), 'CNY')).toBe(before + 2_000_000 - 680)
    expect(await f.db.selectFrom('matching_matches').select('id').execute()).toHaveLength(matches.length)
    const receipt = await receiptDocumentQuery(f.db).where('d.public_id', '=', gift.publicId).executeTakeFirstOrThrow()
    expect(purposeTitle(receipt, 'zh-CN')).toContain(pool.name)
    expect((await verifyLedger(f.db)).ok).toBe(true)
  })

  it('refuses, writing nothing, a forged or borrowed claim, a monthly gift and another currency', async () => {
    const n = await donations()
    expect(await refusal(sponsorGift({ claim: 'forged' }))).toEqual({
      key: 'donate.error.target',
      field: 'designation',
    })
    expect(await refusal(sponsorGift({ claim: '' }))).toEqual({ key: 'donate.error.target', field: 'designation' })
    // The claim of pool N does not open pool N+1.
    expect(await refusal(sponsorGift({ targetId: String(pool.id + 1) }))).toEqual({
      key: 'donate.error.target',
      field: 'designation',
    })
    expect(await refusal(sponsorGift({ frequency: 'monthly' }))).toEqual({
      key: 'matching.error.once',
      field: 'frequency',
    })
    expect(await refusal(sponsorGift({ currency: 'HKD' }))).toEqual({
      key: 'matching.error.currency',
      field: 'currency',
    })
    expect(await donations()).toBe(n)
  })

  it('keeps a given phone only as its keyed digest, and refuses one that is not a phone on its field', async () => {
    const gift = await f.checkout({ phone: '+86 138 0013 8000' })
    expect(gift.donation.donor_phone_key).toBe(phoneKey('+8613800138000'))
    expect(JSON.stringify(gift.donation)).not.toContain('13800138000')
    expect((await f.checkout()).donation.donor_phone_key).toBeNull()
    for (const phone of ['12345', '2380013800', '+0 123', 'tel:13800138000']) {
      const parsed = donationFormSchema(LIMITS).safeParse({
        amountChoice: '10000',
        currency: 'CNY',
        frequency: 'once',
        designation: 'general',
        displayMode: 'anonymous',
        email: 'x@example.test',
        phone,
      })
      expect(parsed.success, phone).toBe(false)
      if (!parsed.success) expect(donationFieldErrors(parsed.error)).toEqual({ phone: 'donate.error.phone' })
    }
  })
})
