import type { Transaction } from 'kysely'
import { publicDisplayName } from '../../app/modules/donations/display-name'
import { fulfilDonation, reverseDonation } from '../../app/modules/donations/fulfil.server'
import { newDonationPublicId, newTrackingCode } from '../../app/modules/donations/ids.server'
import { fundOfCampaign, GENERAL_FUND } from '../../app/modules/ledger/accounts'
import { demoFee } from '../../app/modules/payments/demo.server'
import type { Database } from '../schema'

// Demo gifts, booked through the same fulfilment path as a real payment (donation row,
// ledger posting, receipt and its email job): never raw ledger inserts.

const DONORS = ['陈', '林', '黄', '张', '刘', '杨', '吴', '徐', 'Olivia Chan', 'Daniel Wong']
const GIVEN = ['晓雯', '志强', '美玲', '建国', '丽华', '海燕']
const AMOUNTS = [5000, 10000, 10000, 20000, 30000, 50000, 100000, 150000]

export async function seedGifts(trx: Transaction<Database>, { now, count = 120 }: { now: Date; count?: number }) {
  const campaigns = await trx.selectFrom('campaigns').select(['id', 'starts_at']).orderBy('id').execute()
  let s = 7
  const random = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const gifts: { publicId: string; paidAt: string }[] = []
  // One monthly donor (a recurring gift whose first instalment is among the gifts below).
  const monthly = await trx
    .insertInto('recurring_gifts')
    .values({
      provider: 'demo',
      provider_subscription_id: 'sub_demo_seed_1',
      provider_customer_id: null,
      status: 'active',
      donor_email: 'demo-donor-3@example.test',
      amount: 10000,
      currency: 'CNY',
      created_at: now.toISOString(),
      canceled_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (let i = 0; i < count; i++) {
    const campaign = i % 7 === 6 ? null : campaigns[i % campaigns.length]!
    const family = DONORS[i % DONORS.length]!
    const name = family.length > 1 ? family : family + GIVEN[i % GIVEN.length]
    const mode = (['full', 'family', 'family', 'anonymous'] as const)[i % 4]!
    const amount = i === 2 ? 10000 : AMOUNTS[Math.floor(random() * AMOUNTS.length)]!
    // Spread over the last 60 days, oldest first, so FIFO tracing has an order to follow.
    const paidAt = new Date(now.getTime() - (count - i) * 12 * 3_600_000).toISOString()
    const row = await bookDemoGift(trx, {
      campaignId: campaign?.id ?? null,
      name,
      email: `demo-donor-${i + 1}@example.test`,
      mode,
      amount,
      paidAt,
      locale: i % 5 === 0 ? 'en' : 'zh-CN',
      recurringGiftId: i === 2 ? monthly.id : null,
    })
    gifts.push({ publicId: row.public_id, paidAt })
    // One donor asked for part of a gift back: booked like a Stripe refund, by its own id.
    if (i === 5) {
      const paid = await trx.selectFrom('donations').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()
      const refundAt = new Date(new Date(paidAt).getTime() + 3_600_000).toISOString()
      await reverseDonation(trx, paid, {
        kind: 'refund',
        providerRef: `re_demo_${row.public_id}`,
        amount: Math.floor(amount / 2),
        currency: 'CNY',
        occurredAt: refundAt,
      })
    }
  }
  return gifts
}

/** One paid demo gift: a pending donation row, then the real fulfilment (ledger, receipt). */
export async function bookDemoGift(
  trx: Transaction<Database>,
  g: {
    campaignId: number | null
    name: string
    email: string
    mode: 'full' | 'family' | 'anonymous'
    amount: number
    paidAt: string
    locale: 'zh-CN' | 'en'
    recurringGiftId?: number | null
    teamId?: number | null
  },
) {
  const { campaignId, name, mode, amount, paidAt } = g
  const row = await trx
    .insertInto('donations')
    .values({
      public_id: newDonationPublicId(),
      tracking_code: newTrackingCode(),
      status: 'pending',
      frequency: 'once',
      designation: campaignId ? 'campaign' : 'general',
      campaign_id: campaignId,
      target_id: null,
      fund: campaignId ? fundOfCampaign(campaignId) : GENERAL_FUND,
      amount,
      currency: 'CNY',
      cover_fee: 0,
      fee_amount: null,
      donor_name: name,
      donor_email: g.email,
      display_mode: mode,
      display_name: publicDisplayName(name, mode),
      message: null,
      locale: g.locale,
      provider: 'demo',
      checkout_idempotency_key: null,
      provider_session_id: null,
      provider_invoice_id: null,
      provider_payment_intent_id: null,
      provider_charge_id: null,
      recurring_gift_id: g.recurringGiftId ?? null,
      source_ref: null,
      client_key: null,
      recorded_by: null,
      created_at: paidAt,
      paid_at: null,
      team_id: g.teamId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  const fee = demoFee(amount)
  await fulfilDonation(trx, row, {
    paymentIntentId: `pi_demo_${row.public_id}`,
    chargeId: `ch_demo_${row.public_id}`,
    amount,
    currency: 'CNY',
    fee,
    net: amount - fee,
    paidAt,
  })
  return row
}
