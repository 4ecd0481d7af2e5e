import type { Transaction } from 'kysely'
import type { DB } from '~/utils/db.server'
import type { Database } from '../../../db/schema'
import { recordAudit } from '../audit/audit.server'
import { lockHead } from '../ledger'
import { fundOfCampaign, fundOfMatchPool, GENERAL_FUND } from '../ledger/accounts'
import { fulfilDonation } from './fulfil.server'
import { INITIAL_DONATION_STATUS } from './lifecycle.server'
import { publicDisplayName } from './display-name'
import { newDonationPublicId, newTrackingCode } from './ids.server'
import type { OfflineGiftInput } from './offline-schema'
import { Refusal } from '~/utils/refusal'

// Money raised outside our checkout: bank transfers, cash and cheques recorded by staff,
// and statements imported from other platforms. Each carries a source reference that is
// unique, so recording or importing the same gift twice creates it once.

/** A field in which a second entry under a recorded reference differs from the first. */
export type OfflineConflict = {
  field: 'amount' | 'currency' | 'donorName' | 'donorEmail'
  recorded: string | number
  entered: string | number
}
/** `conflicts` is non-empty when the reference is recorded with other values: nothing was written. */
export type OfflineResult = { publicId: string; created: boolean; conflicts: OfflineConflict[] }

type Comparable = { amount: number; currency: string; donor_name: string; donor_email: string }

/**
 * The same reference is the same gift only when it says the same thing: a second entry
 * with another amount or donor is a typo or a different gift, and neither may pass as
 * "already recorded".
 */
export function offlineConflicts(recorded: Comparable, entered: OfflineGiftInput): OfflineConflict[] {
  const out: OfflineConflict[] = []
  if (recorded.amount !== entered.amount)
    out.push({ field: 'amount', recorded: recorded.amount, entered: entered.amount })
  if (recorded.currency !== entered.currency)
    out.push({ field: 'currency', recorded: recorded.currency, entered: entered.currency })
  if (recorded.donor_name.trim() !== entered.donorName.trim())
    out.push({ field: 'donorName', recorded: recorded.donor_name, entered: entered.donorName })
  if (recorded.donor_email.toLowerCase() !== entered.donorEmail.toLowerCase())
    out.push({ field: 'donorEmail', recorded: recorded.donor_email, entered: entered.donorEmail })
  return out
}

export type OfflineRecord = OfflineGiftInput & {
  provider: 'offline' | 'import'
  sourceRef: string
  recordedBy: number
  /** A sponsor's money for a matching pool: booked into fund:match:<id> (app/modules/matching). */
  poolId?: number
}

/** Record one gift received offline and book it exactly like an online one (no processor fee). */
export function recordOfflineGift(db: DB, input: OfflineRecord): Promise<OfflineResult> {
  return db.transaction().execute((trx) => recordOfflineGiftIn(trx, input))
}

/** The same, inside the caller's transaction (a statement import books all rows or none). */
export async function recordOfflineGiftIn(trx: Transaction<Database>, input: OfflineRecord): Promise<OfflineResult> {
  // The head before any donation row or day total, the order every poster keeps (ledger/post.server.ts).
  await lockHead(trx)
  {
    const existing = await trx
      .selectFrom('donations')
      .select(['public_id', 'amount', 'currency', 'donor_name', 'donor_email'])
      .where('source_ref', '=', input.sourceRef)
      .executeTakeFirst()
    if (existing) return { publicId: existing.public_id, created: false, conflicts: offlineConflicts(existing, input) }
    const campaign = input.campaignSlug
      ? await trx.selectFrom('campaigns').select(['id']).where('slug', '=', input.campaignSlug).executeTakeFirst()
      : undefined
    if (input.campaignSlug && !campaign) throw new Refusal('offline.error.campaign', { field: 'campaign' })
    const at = new Date(`${input.receivedOn}T12:00:00+08:00`).toISOString()
    const row = await trx
      .insertInto('donations')
      .values({
        public_id: newDonationPublicId(),
        tracking_code: newTrackingCode(),
        status: INITIAL_DONATION_STATUS,
        frequency: 'once',
        designation: campaign ? 'campaign' : 'general',
        campaign_id: campaign?.id ?? null,
        target_id: input.poolId ?? null,
        fund: input.poolId ? fundOfMatchPool(input.poolId) : campaign ? fundOfCampaign(campaign.id) : GENERAL_FUND,
        amount: input.amount,
        currency: input.currency,
        cover_fee: 0,
        fee_amount: null,
        donor_name: input.donorName,
        donor_email: input.donorEmail,
        display_mode: input.displayMode,
        display_name: publicDisplayName(input.donorName, input.displayMode),
        message: input.note || null,
        locale: 'zh-CN',
        provider: input.provider,
        checkout_idempotency_key: null,
        provider_session_id: null,
        provider_invoice_id: null,
        provider_payment_intent_id: null,
        provider_charge_id: null,
        recurring_gift_id: null,
        source_ref: input.sourceRef,
        client_key: null,
        recorded_by: input.recordedBy,
        created_at: new Date().toISOString(),
        paid_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await fulfilDonation(trx, row, {
      paymentIntentId: input.sourceRef,
      chargeId: null,
      amount: input.amount,
      currency: input.currency,
      fee: 0,
      net: input.amount,
      paidAt: at,
    })
    await recordAudit(trx, {
      actorUserId: input.recordedBy,
      action: input.provider === 'import' ? 'donation.import' : 'donation.record_offline',
      entityType: 'donation',
      entityId: row.public_id,
      after: {
        sourceRef: input.sourceRef,
        amount: input.amount,
        currency: input.currency,
        fund: row.fund,
        receivedOn: input.receivedOn,
      },
    })
    return { publicId: row.public_id, created: true, conflicts: [] }
  }
}
