import type { Transaction } from 'kysely'
import { publicDisplayName } from '../../app/modules/donations/display-name'
import { fulfilDonation } from '../../app/modules/donations/fulfil.server'
import { newDonationPublicId, newTrackingCode } from '../../app/modules/donations/ids.server'
import { demoFee } from '../../app/modules/payments/demo.server'
import type { Database } from '../schema'

/** A paid demo gift to a sponsorship or a wish, booked through the real fulfilment path. */
export async function give(
  trx: Transaction<Database>,
  input: {
    fund: string
    designation: 'sponsorship' | 'wish'
    targetId: number
    amount: number
    name: string
    email: string
    paidAt: string
    frequency?: 'once' | 'monthly'
  },
) {
  const row = await trx
    .insertInto('donations')
    .values({
      public_id: newDonationPublicId(),
      tracking_code: newTrackingCode(),
      status: 'pending',
      frequency: input.frequency ?? 'once',
      designation: input.designation,
      campaign_id: null,
      target_id: input.targetId,
      fund: input.fund,
      amount: input.amount,
      currency: 'CNY',
      cover_fee: 0,
      fee_amount: null,
      donor_name: input.name,
      donor_email: input.email,
      display_mode: 'family',
      display_name: publicDisplayName(input.name, 'family'),
      message: null,
      locale: 'zh-CN',
      provider: 'demo',
      checkout_idempotency_key: null,
      provider_session_id: null,
      provider_invoice_id: null,
      provider_payment_intent_id: null,
      provider_charge_id: null,
      recurring_gift_id: null,
      source_ref: null,
      client_key: null,
      recorded_by: null,
      created_at: input.paidAt,
      paid_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  const fee = demoFee(input.amount)
  await fulfilDonation(trx, row, {
    paymentIntentId: `pi_demo_${row.public_id}`,
    chargeId: `ch_demo_${row.public_id}`,
    amount: input.amount,
    currency: 'CNY',
    fee,
    net: input.amount - fee,
    paidAt: input.paidAt,
  })
}
