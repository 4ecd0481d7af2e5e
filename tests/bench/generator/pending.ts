// Pending one-off donations to a campaign, as the checkout leaves them before its webhook
// arrives, inserted in bulk: the generator's modules mode, the cluster webhook bench and the
// chaos webhook storm all start from these.
import type { DB } from '../../../app/utils/db.server'
import type { PaymentProvider } from '../../../db/tables/giving'

export type PendingDonation = {
  publicId: string
  trackingCode: string
  amount: number
  donorName: string
  donorEmail: string
  /** The checkout session the webhook event will name. */
  sessionId: string
}

/**
 * The campaign the demo seed creates first, with its fund; `unmatched`: the first no matching
 * pool tops up — the webhook benches' gifts, so that what they measure does not change with the
 * time of day (a pool opens and closes by China time, and a gift it matches is fulfilled alone).
 */
export async function firstCampaign(db: DB, { unmatched = false } = {}): Promise<{ id: number; fund: string }> {
  let query = db.selectFrom('campaigns').select('id').orderBy('id')
  if (unmatched) query = query.where('id', 'not in', db.selectFrom('matching_pool_campaigns').select('campaign_id'))
  const campaign = await query.executeTakeFirstOrThrow()
  return { id: Number(campaign.id), fund: `fund:campaign:${campaign.id}` }
}

/** Insert the donations, pending and anonymous, in CNY, `chunk` rows per statement. */
export async function insertPendingDonations(
  db: DB,
  donations: PendingDonation[],
  options: { campaign: { id: number; fund: string }; provider: PaymentProvider; createdAt: string; chunk?: number },
): Promise<void> {
  const { campaign, provider, createdAt } = options
  const chunk = options.chunk ?? 500
  for (let i = 0; i < donations.length; i += chunk) {
    await db
      .insertInto('donations')
      .values(
        donations.slice(i, i + chunk).map((d) => ({
          public_id: d.publicId,
          tracking_code: d.trackingCode,
          status: 'pending' as const,
          frequency: 'once' as const,
          designation: 'campaign' as const,
          campaign_id: campaign.id,
          target_id: null,
          fund: campaign.fund,
          amount: d.amount,
          currency: 'CNY',
          cover_fee: 0,
          fee_amount: null,
          donor_name: d.donorName,
          donor_email: d.donorEmail,
          display_mode: 'anonymous' as const,
          display_name: '爱心人士',
          message: null,
          locale: 'zh-CN',
          provider,
          checkout_idempotency_key: null,
          provider_session_id: d.sessionId,
          provider_invoice_id: null,
          provider_payment_intent_id: null,
          provider_charge_id: null,
          recurring_gift_id: null,
          source_ref: null,
          client_key: null,
          recorded_by: null,
          created_at: createdAt,
          paid_at: null,
        })),
      )
      .execute()
  }
}
