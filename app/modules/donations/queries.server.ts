import type { Selectable } from 'kysely'
import type { DonationsTable } from '../../../db/tables/giving'
import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { DEMO_SESSION_PREFIX } from '../payments/demo.server'
import { receiptLinks } from '../receipts/links'

/**
 * What the thank-you page shows the browser that started the checkout: status, amount,
 * whether it is monthly, the donor's own tracking code, and once it is issued the
 * current (not voided) receipt's number with its verification and PDF links (relative).
 */
export async function thanksGift(db: DB, publicId: string) {
  const donation = await db
    .selectFrom('donations')
    .select(['id', 'public_id', 'status', 'amount', 'currency', 'tracking_code', 'frequency'])
    .where('public_id', '=', publicId)
    .executeTakeFirst()
  if (!donation) return undefined
  const receipt = await db
    .selectFrom('receipts')
    .select(['number', 'verification_code'])
    .where('donation_id', '=', donation.id)
    .where('voided_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst()
  const links =
    receipt &&
    receiptLinks('', { number: receipt.number, code: receipt.verification_code, trackingCode: donation.tracking_code })
  return {
    public_id: donation.public_id,
    status: donation.status,
    amount: Number(donation.amount),
    currency: donation.currency,
    tracking_code: donation.tracking_code,
    frequency: donation.frequency,
    receipt: receipt && links ? { number: receipt.number, verifyUrl: links.verifyUrl, pdfUrl: links.pdfUrl } : null,
  }
}

/** Staff view: the latest gifts recorded offline or imported, with who recorded them. */
export async function listRecentOfflineGifts(db: DB, limit = 20) {
  return db
    .selectFrom('donations')
    .leftJoin('users', 'users.id', 'donations.recorded_by')
    .select([
      'donations.public_id',
      'donations.provider',
      'donations.source_ref',
      'donations.amount',
      'donations.currency',
      'donations.donor_name',
      'donations.paid_at',
      'users.display_name as recorded_by',
    ])
    .where('donations.provider', 'in', ['offline', 'import'])
    .orderBy('donations.id', 'desc')
    .limit(limit)
    .execute()
}

export type DemoDonation = Pick<
  Selectable<DonationsTable>,
  'public_id' | 'amount' | 'currency' | 'frequency' | 'status' | 'display_name'
>

/**
 * The donation behind a demo checkout session. Only while no Stripe key is set and never
 * in production: there the demo pay page does not exist.
 */
export async function demoDonation(db: DB, sessionId: string): Promise<DemoDonation | undefined> {
  const env = getEnv()
  if (env.STRIPE_SECRET_KEY || env.NODE_ENV === 'production' || !sessionId.startsWith(DEMO_SESSION_PREFIX))
    return undefined
  return db
    .selectFrom('donations')
    .select(['public_id', 'amount', 'currency', 'frequency', 'status', 'display_name'])
    .where('provider_session_id', '=', sessionId)
    .where('provider', '=', 'demo')
    .executeTakeFirst()
}

/**
 * The donation behind a demo Alipay order. Only while no Alipay app is configured and never
 * in production: there the demo cashier does not exist.
 */
export async function demoAlipayDonation(db: DB, outTradeNo: string): Promise<DemoDonation | undefined> {
  const env = getEnv()
  if (env.ALIPAY_APP_ID || env.NODE_ENV === 'production' || !outTradeNo) return undefined
  return db
    .selectFrom('donations')
    .select(['public_id', 'amount', 'currency', 'frequency', 'status', 'display_name'])
    .where('public_id', '=', outTradeNo)
    .where('provider_session_id', '=', outTradeNo)
    .where('provider', '=', 'demo')
    .executeTakeFirst()
}
