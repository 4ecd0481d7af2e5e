import type { DB } from '~/utils/db.server'
import type { Designation } from '../../../db/tables/giving'
import {
  fundOfCampaign,
  fundOfMatchPool,
  fundOfSponsorship,
  fundOfWish,
  GENERAL_FUND,
  type FundAccount,
} from '../ledger/accounts'
import { phoneKey } from '../matching/match.server'
import { poolForFunding } from '../matching/sponsor-link.server'
import type { PaymentProvider } from '../payments/provider'
import { sponsorshipForCheckout } from '../sponsorships/start.server'
import { wishForCheckout } from '../wishes/wishes.server'
import { publicDisplayName } from './display-name'
import { clientKey, newDonationPublicId, newTrackingCode } from './ids.server'
import { INITIAL_DONATION_STATUS } from './lifecycle.server'
import type { DonationInput } from './schema'
import { formatDate } from '~/utils/i18n'
import { Refusal } from '~/utils/refusal'
import { campaignEnded } from '../campaigns/open'
import { teamForCheckout } from '../teams/teams.server'

// Starting a gift: resolve where the money goes, rate-limit card testing, write the
// pending donation (with the idempotency key) BEFORE calling the provider, then link
// the provider's session to it.

export const RATE_LIMITS = { windowMinutes: 10, perClient: 10, perEmail: 5 }

/** A fee the donor may choose to cover, estimated at 3.4 % (the processor's real fee is booked later). */
export function estimateFee(amount: number): number {
  return Math.floor((amount * 34 + 999) / 1000)
}

type Target = {
  fund: FundAccount
  campaignId: number | null
  description: string
  /** What the donation row records: the form's, except that a pool's gift is 'general' (as offline). */
  designation: Designation
}

async function resolveTarget(db: DB, input: DonationInput, locale: 'zh-CN' | 'en', now: Date): Promise<Target> {
  if (input.designation === 'general') {
    return {
      designation: 'general',
      fund: GENERAL_FUND,
      campaignId: null,
      description: locale === 'en' ? 'Hope Ledger general fund' : '希望账本 · 非限定基金',
    }
  }
  if (input.designation === 'campaign') {
    const campaign = await db
      .selectFrom('campaigns')
      .select(['id', 'title', 'title_en', 'status', 'ends_at'])
      .where('slug', '=', input.campaignSlug ?? '')
      .executeTakeFirst()
    if (!campaign || campaign.status !== 'active')
      throw new Refusal('donate.error.campaignClosed', { field: 'campaign' })
    if (campaignEnded(campaign, now))
      throw new Refusal('donate.error.campaignEnded', {
        field: 'campaign',
        params: { date: formatDate(campaign.ends_at!, locale) },
      })
    return {
      designation: 'campaign',
      fund: fundOfCampaign(campaign.id),
      campaignId: campaign.id,
      description: (locale === 'en' && campaign.title_en) || campaign.title,
    }
  }
  if (input.designation === 'sponsorship' && input.targetId) {
    // A 1+1 sponsorship the donor started on /sponsor: its own restricted fund.
    const s = await sponsorshipForCheckout(db, input.targetId)
    if (s)
      return {
        designation: 'sponsorship',
        fund: fundOfSponsorship(s.id),
        campaignId: null,
        description:
          locale === 'en' ? `Hope Star 1+1 sponsorship ${s.publicCode}` : `希望之星 1+1 结对资助 ${s.publicCode}`,
      }
  }
  if (input.designation === 'wish' && input.targetId) {
    const wish = await wishForCheckout(db, input.targetId)
    if (wish) {
      // One gift of exactly what the wish still needs: a monthly gift would go on after it is
      // met, and a smaller one would leave it half-funded under a "fulfilled" badge.
      if (input.frequency !== 'once') throw new Refusal('wishes.error.once', { field: 'frequency' })
      if (input.currency !== wish.currency || input.amount !== wish.remaining)
        throw new Refusal('wishes.error.amount', { field: 'customAmount' })
      return {
        designation: 'wish',
        fund: fundOfWish(wish.id),
        campaignId: null,
        description:
          locale === 'en'
            ? `Micro-wish: ${wish.item} (${wish.publicCode})`
            : `微心愿：${wish.item}（${wish.publicCode}）`,
      }
    }
  }
  if (input.designation === 'pool' && input.targetId) {
    // A sponsor's money for its matching pool, booked like the offline kind (offline.server.ts).
    const pool = await poolForFunding(db, input.targetId, input.claim, locale, now)
    if (pool) {
      if (input.frequency !== 'once') throw new Refusal('matching.error.once', { field: 'frequency' })
      if (input.currency !== pool.currency) throw new Refusal('matching.error.currency', { field: 'currency' })
      return { designation: 'general', fund: fundOfMatchPool(pool.id), campaignId: null, description: pool.label }
    }
  }
  throw new Refusal('donate.error.target', { field: 'designation' })
}

export async function startCheckout(
  db: DB,
  provider: PaymentProvider,
  input: DonationInput,
  ctx: {
    locale: 'zh-CN' | 'en'
    clientIp: string | null
    baseUrl: string
    now?: Date
    device?: 'desktop' | 'mobile' | 'wechat'
    openid?: string
  },
): Promise<{ publicId: string; url: string }> {
  const now = ctx.now ?? new Date()
  const target = await resolveTarget(db, input, ctx.locale, now)
  const teamId = input.team ? await teamForCheckout(db, input.team, target.campaignId) : null
  const key = clientKey(ctx.clientIp)
  const since = new Date(now.getTime() - RATE_LIMITS.windowMinutes * 60_000).toISOString()
  const count = async (column: 'client_key' | 'donor_email', value: string) =>
    Number(
      (
        await db
          .selectFrom('donations')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(column, '=', value)
          .where('created_at', '>=', since)
          .where('provider', 'in', ['stripe', 'demo', 'alipay', 'wechatpay'])
          .executeTakeFirstOrThrow()
      ).n,
    )
  if (
    (key && (await count('client_key', key)) >= RATE_LIMITS.perClient) ||
    (await count('donor_email', input.email)) >= RATE_LIMITS.perEmail
  ) {
    throw new Refusal('donate.error.rateLimited', { status: 429 })
  }

  const amount = input.coverFee ? input.amount + estimateFee(input.amount) : input.amount
  const publicId = newDonationPublicId()
  const idempotencyKey = `checkout:${publicId}`
  const at = now.toISOString()
  await db.transaction().execute(async (trx) => {
    let recurringGiftId: number | null = null
    if (input.frequency === 'monthly') {
      const gift = await trx
        .insertInto('recurring_gifts')
        .values({
          provider: provider.name,
          status: 'pending',
          donor_email: input.email,
          amount,
          currency: input.currency,
          created_at: at,
          provider_subscription_id: null,
          provider_customer_id: null,
          canceled_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      recurringGiftId = gift.id
    }
    await trx
      .insertInto('donations')
      .values({
        public_id: publicId,
        tracking_code: newTrackingCode(),
        status: INITIAL_DONATION_STATUS,
        frequency: input.frequency,
        designation: target.designation,
        campaign_id: target.campaignId,
        target_id: input.targetId,
        fund: target.fund,
        amount,
        currency: input.currency,
        cover_fee: input.coverFee ? 1 : 0,
        fee_amount: null,
        donor_name: input.name,
        donor_email: input.email,
        display_mode: input.displayMode,
        display_name: publicDisplayName(input.name, input.displayMode),
        message: input.message,
        locale: ctx.locale,
        provider: provider.name,
        checkout_idempotency_key: idempotencyKey,
        provider_session_id: null,
        provider_invoice_id: null,
        provider_payment_intent_id: null,
        provider_charge_id: null,
        recurring_gift_id: recurringGiftId,
        source_ref: null,
        client_key: key,
        recorded_by: null,
        created_at: at,
        paid_at: null,
        team_id: teamId,
        donor_phone_key: input.phone ? phoneKey(input.phone) : null,
      })
      .execute()
  })

  const session = await provider.createCheckout({
    donationPublicId: publicId,
    idempotencyKey,
    amount,
    currency: input.currency,
    frequency: input.frequency,
    description: target.description,
    email: input.email,
    locale: ctx.locale,
    successUrl: `${ctx.baseUrl}/donate/thanks?donation=${publicId}`,
    cancelUrl: `${ctx.baseUrl}/donate/cancelled?donation=${publicId}`,
    device: ctx.device,
    openid: ctx.openid,
    clientIp: ctx.clientIp ?? undefined,
  })
  await db
    .updateTable('donations')
    .set({ provider_session_id: session.sessionId })
    .where('public_id', '=', publicId)
    .execute()
  return { publicId, url: session.url }
}
