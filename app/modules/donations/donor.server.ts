import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import type { Locale } from '~/utils/i18n'
import { recordAudit } from '../audit/audit.server'
import { queueEmail } from '../mail/outbox.server'
import type { PaymentProvider } from '../payments/provider'
import { receiptLinks } from '../receipts/links'
import { purposeTitle } from '../receipts/queries.server'

// The donor portal's reads and its one command (cancel a monthly gift). Every
// function takes the signed-in donor's email and never reaches past it.

const SHOWN = ['paid', 'refunded', 'partially_refunded', 'disputed'] as const

export type DonorGift = {
  publicId: string
  amount: number
  currency: string
  refundedAmount: number
  status: string
  frequency: 'once' | 'monthly'
  paidAt: string | null
  purpose: string
  traceUrl: string
  receipt: { number: string; pdfUrl: string; verifyUrl: string } | null
}

/** The donor's gifts, newest first, each with its trace link and its current (not voided) receipt. */
export async function donorGifts(
  db: DB,
  { donorEmail, locale }: { donorEmail: string; locale: Locale },
): Promise<DonorGift[]> {
  const rows = await db
    .selectFrom('donations as d')
    .leftJoin('campaigns as c', 'c.id', 'd.campaign_id')
    .select([
      'd.id',
      'd.public_id',
      'd.tracking_code',
      'd.amount',
      'd.currency',
      'd.refunded_amount',
      'd.status',
      'd.frequency',
      'd.paid_at',
      'd.designation',
      'c.title as campaign_title',
      'c.title_en as campaign_title_en',
    ])
    .where('d.donor_email', '=', donorEmail)
    .where('d.status', 'in', SHOWN)
    .orderBy('d.paid_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(500)
    .execute()
  const receipts = new Map<number, { number: string; code: string }>()
  const ids = rows.map((r) => r.id)
  if (ids.length > 0) {
    const found = await db
      .selectFrom('receipts')
      .select(['donation_id', 'number', 'verification_code'])
      .where('donation_id', 'in', ids)
      .where('voided_at', 'is', null)
      .orderBy('id')
      .execute()
    for (const r of found) receipts.set(Number(r.donation_id), { number: r.number, code: r.verification_code })
  }
  const base = getEnv().BASE_URL
  return rows.map((r) => {
    const receipt = receipts.get(Number(r.id))
    const links = receiptLinks(base, {
      number: receipt?.number ?? '',
      code: receipt?.code ?? '',
      trackingCode: r.tracking_code,
    })
    return {
      publicId: r.public_id,
      amount: Number(r.amount),
      currency: r.currency,
      refundedAmount: Number(r.refunded_amount),
      status: r.status,
      frequency: r.frequency,
      paidAt: r.paid_at,
      purpose: purposeTitle(r, locale),
      traceUrl: links.traceUrl,
      receipt: receipt ? { number: receipt.number, pdfUrl: links.pdfUrl, verifyUrl: links.verifyUrl } : null,
    }
  })
}

export type DonorRecurringGift = {
  id: number
  amount: number
  currency: string
  /** As the donor should read it: a gift whose first instalment is paid is active, whatever the provider said. */
  status: 'pending' | 'active' | 'canceled'
  paidInstalments: number
  provider: string
  createdAt: string
  canceledAt: string | null
  /** Stripe's customer portal can be offered (a Stripe subscription with a customer, and Stripe configured). */
  cardUpdate: boolean
}

export async function donorRecurringGifts(db: DB, donorEmail: string): Promise<DonorRecurringGift[]> {
  const rows = await db
    .selectFrom('recurring_gifts')
    .selectAll()
    .where('donor_email', '=', donorEmail)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
  const stripe = Boolean(getEnv().STRIPE_SECRET_KEY)
  const paid = await paidInstalments(
    db,
    rows.map((r) => Number(r.id)),
  )
  return rows.map((r) => ({
    id: Number(r.id),
    amount: Number(r.amount),
    currency: r.currency,
    // The demo and Alipay book a first instalment without a provider subscription, which
    // leaves the row 'pending': a paid instalment is what makes a monthly gift running.
    status: r.status === 'pending' && (paid.get(Number(r.id)) ?? 0) > 0 ? 'active' : r.status,
    paidInstalments: paid.get(Number(r.id)) ?? 0,
    provider: r.provider,
    createdAt: r.created_at,
    canceledAt: r.canceled_at,
    cardUpdate: stripe && r.provider === 'stripe' && r.status === 'active' && r.provider_customer_id !== null,
  }))
}

const PAID = ['paid', 'partially_refunded', 'refunded', 'disputed'] as const

/** Per monthly gift, how many of its instalments were paid. */
async function paidInstalments(db: DB, ids: number[]): Promise<Map<number, number>> {
  if (!ids.length) return new Map()
  const rows = await db
    .selectFrom('donations')
    .select(['recurring_gift_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('recurring_gift_id', 'in', ids)
    .where('status', 'in', [...PAID])
    .groupBy('recurring_gift_id')
    .execute()
  return new Map(rows.map((r) => [Number(r.recurring_gift_id), Number(r.n)]))
}

export type CancelOutcome = 'canceled' | 'already_canceled' | 'not_found' | 'provider_unavailable'

/**
 * Cancel one of the donor's monthly gifts: the provider first (so no further
 * instalment is charged), then our row. Someone else's gift is 'not_found'.
 * A Stripe gift while Stripe is not configured is refused rather than marked
 * canceled here while the card keeps being charged.
 */
export async function cancelDonorRecurringGift(
  db: DB,
  provider: PaymentProvider,
  input: { id: number; donorEmail: string; actorUserId: number; ip: string; now?: Date },
): Promise<CancelOutcome> {
  const gift = await db
    .selectFrom('recurring_gifts')
    .selectAll()
    .where('id', '=', input.id)
    .where('donor_email', '=', input.donorEmail)
    .executeTakeFirst()
  if (!gift) return 'not_found'
  if (gift.status === 'canceled') return 'already_canceled'
  if (gift.provider_subscription_id) {
    if (gift.provider !== provider.name) return 'provider_unavailable'
    await provider.cancelSubscription(gift.provider_subscription_id)
  }
  const at = (input.now ?? new Date()).toISOString()
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('recurring_gifts')
      .set({ status: 'canceled', canceled_at: at })
      .where('id', '=', gift.id)
      .where('status', '!=', 'canceled')
      .execute()
    // The donor hears that it stopped, in the language they gave in.
    const first = await trx
      .selectFrom('donations')
      .select(['donor_name', 'locale'])
      .where('recurring_gift_id', '=', gift.id)
      .orderBy('id')
      .executeTakeFirst()
    await queueEmail(trx, {
      to: gift.donor_email,
      template: 'monthly-gift-canceled',
      locale: first?.locale === 'en' ? 'en' : 'zh-CN',
      props: {
        donorName: first?.donor_name || gift.donor_email,
        amount: Number(gift.amount),
        currency: gift.currency,
        startedAt: gift.created_at,
        canceledAt: at,
        paidInstalments: (await paidInstalments(trx, [Number(gift.id)])).get(Number(gift.id)) ?? 0,
        portalUrl: `${getEnv().BASE_URL}/donor/recurring`,
      },
      dedupeKey: `recurring-canceled:${gift.id}`,
      now: at,
    })
    await recordAudit(trx, {
      actorUserId: input.actorUserId,
      action: 'donation.recurring_canceled',
      entityType: 'recurring_gift',
      entityId: gift.id,
      before: { status: gift.status },
      after: { status: 'canceled' },
      ip: input.ip,
    })
  })
  return 'canceled'
}

/** Stripe's customer portal for the donor's own gift; null when not offered. */
export async function donorCardUpdateUrl(
  db: DB,
  provider: PaymentProvider,
  input: { id: number; donorEmail: string; returnUrl: string },
): Promise<string | null> {
  const gift = await db
    .selectFrom('recurring_gifts')
    .select(['provider', 'provider_customer_id', 'status'])
    .where('id', '=', input.id)
    .where('donor_email', '=', input.donorEmail)
    .executeTakeFirst()
  if (!gift || gift.status !== 'active' || !gift.provider_customer_id || gift.provider !== provider.name) return null
  return provider.customerPortalUrl(gift.provider_customer_id, input.returnUrl)
}
