// Donation rows inserted directly, for receipt and outbox tests that must not depend
// on the giving module's fulfilment path.
import crypto from 'node:crypto'
import type { DB } from '~/utils/db.server'

export type DonationSeed = {
  amount?: number
  currency?: string
  email?: string
  name?: string
  locale?: string
  recurringGiftId?: number | null
  campaignId?: number | null
  paidAt?: string
  status?: 'paid' | 'pending' | 'refunded'
}

export async function insertCampaign(db: DB): Promise<number> {
  const row = await db
    .insertInto('campaigns')
    .values({
      slug: `c-${crypto.randomBytes(4).toString('hex')}`,
      title: '希望之星 1+1 奖学金 2026',
      title_en: 'Hope Star 1+1 Scholarship 2026',
      goal_amount: 30000000,
      currency: 'CNY',
      starts_at: '2026-01-01T00:00:00.000Z',
      created_at: '2026-01-01T00:00:00.000Z',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function insertRecurringGift(db: DB, email = 'monthly@example.org'): Promise<number> {
  const row = await db
    .insertInto('recurring_gifts')
    .values({
      provider: 'demo',
      status: 'active',
      donor_email: email,
      amount: 10000,
      currency: 'CNY',
      created_at: '2026-11-01T00:00:00.000Z',
      provider_subscription_id: null,
      provider_customer_id: null,
      canceled_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function insertDonation(
  db: DB,
  seed: DonationSeed = {},
): Promise<{ id: number; trackingCode: string; email: string }> {
  const trackingCode = `tr_${crypto.randomBytes(8).toString('hex')}`
  const email = seed.email ?? `donor-${crypto.randomBytes(4).toString('hex')}@example.org`
  const paidAt = seed.paidAt ?? '2026-11-23T03:14:30.000Z'
  const row = await db
    .insertInto('donations')
    .values({
      public_id: `don_${crypto.randomBytes(8).toString('hex')}`,
      tracking_code: trackingCode,
      status: seed.status ?? 'paid',
      frequency: seed.recurringGiftId ? 'monthly' : 'once',
      designation: seed.campaignId ? 'campaign' : 'general',
      campaign_id: seed.campaignId ?? null,
      target_id: null,
      fund: seed.campaignId ? `fund:campaign:${seed.campaignId}` : 'fund:general',
      amount: seed.amount ?? 123450,
      currency: seed.currency ?? 'CNY',
      fee_amount: null,
      donor_name: seed.name ?? '李明',
      donor_email: email,
      display_mode: 'family',
      display_name: '李**',
      message: null,
      locale: seed.locale ?? 'zh-CN',
      provider: 'demo',
      checkout_idempotency_key: null,
      provider_session_id: null,
      provider_invoice_id: null,
      provider_payment_intent_id: null,
      provider_charge_id: null,
      recurring_gift_id: seed.recurringGiftId ?? null,
      source_ref: null,
      client_key: null,
      recorded_by: null,
      created_at: paidAt,
      paid_at: seed.status === 'pending' ? null : paidAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: row.id, trackingCode, email }
}
