import type { Kysely, Selectable } from 'kysely'
import type { DonationsTable } from '../../../db/tables/giving'
import type { Database } from '../../../db/schema'
import { queueEmail } from '../mail/outbox.server'
import { dialectOf } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { isLocale, type Locale } from '~/utils/i18n'
import { invariant, present } from '~/utils/invariant'
import { settleReceiptAfterRefund } from './correct.server'
import { queueReceiptEmails } from './receipt-mail.server'
import { insertReceipts } from './numbering.server'
import { purposeTitle } from './queries.server'

// Issuing receipts, inside the caller's transaction: the number, the receipt row and
// its email commit together with the fulfilment that causes them, or not at all.

type Trx = Kysely<Database>
type DonationRow = Selectable<DonationsTable>
type ReceiptFields = 'id' | 'status' | 'amount' | 'currency' | 'donor_name' | 'campaign_id' | 'designation' | 'paid_at'

// A receipt confirms money received; these statuses mean it was (even if later returned).
const RECEIPTABLE = new Set(['paid', 'partially_refunded', 'refunded', 'disputed'])

/**
 * Issue the receipt of a paid donation and queue its email. Idempotent per donation:
 * a donation that already has a receipt gets that receipt back (created: false) —
 * the latest of its chain if it was reissued.
 */
export async function issueReceiptForDonation(
  trx: Trx,
  { donationId, issuedAt }: { donationId: number; issuedAt: string },
): Promise<{ receiptId: number; number: string; created: boolean }> {
  // Lock the donation first (PostgreSQL; SQLite holds the write lock already), so two
  // concurrent calls for one donation queue behind each other instead of both issuing.
  let donationQuery = trx.selectFrom('donations').selectAll().where('id', '=', donationId)
  if (dialectOf(trx) === 'postgres') donationQuery = donationQuery.forUpdate()
  // The caller fulfils or corrects this very donation: a missing or unpaid one is a bug.
  const donation = present(await donationQuery.executeTakeFirst(), () => `donation ${donationId}`)

  return present((await issueReceipts(trx, [{ donation, issuedAt }]))[0], 'one donation, one receipt')
}

/**
 * issueReceiptForDonation for donations the caller has locked (and read under the lock),
 * in order: the receipts numbered in one counter update per year, written in one insert,
 * their emails queued in one.
 */
export async function issueReceipts(
  trx: Trx,
  gifts: { donation: Pick<DonationRow, ReceiptFields>; issuedAt: string }[],
): Promise<{ receiptId: number; number: string; created: boolean }[]> {
  if (!gifts.length) return []
  const latest = new Map<number, { id: number; number: string }>()
  const rows = await trx
    .selectFrom('receipts')
    .select(['id', 'number', 'donation_id'])
    .where(
      'donation_id',
      'in',
      gifts.map((g) => g.donation.id),
    )
    .orderBy('id')
    .execute()
  for (const r of rows) latest.set(r.donation_id, r)
  const fresh = gifts.filter((g) => !latest.has(g.donation.id))
  for (const { donation } of fresh)
    invariant(
      RECEIPTABLE.has(donation.status),
      () => `donation ${donation.id} is ${donation.status}; only paid gifts get a receipt`,
    )
  const issued = await insertReceipts(
    trx,
    fresh.map(({ donation, issuedAt }) => ({
      donationId: donation.id,
      amount: donation.amount,
      currency: donation.currency,
      donorName: donation.donor_name,
      campaignId: donation.campaign_id,
      designation: donation.designation,
      paidAt: donation.paid_at ?? issuedAt,
      issuedAt,
      replaces: null,
    })),
  )
  await queueReceiptEmails(
    trx,
    issued.map((r) => r.receiptId),
  )
  const made = new Map(fresh.map((g, i) => [g.donation.id, present(issued[i], 'one receipt per gift')]))
  return gifts.map(({ donation }) => {
    const m = made.get(donation.id)
    if (m) return { ...m, created: true }
    const e = present(latest.get(donation.id), 'an earlier receipt')
    return { receiptId: e.id, number: e.number, created: false }
  })
}

/**
 * Tell the donor about a refund. Call it after donations.refunded_amount includes
 * this refund: it first brings the receipt in line (voided when the whole gift was
 * returned, else voided and reissued for the amount kept; see settleReceiptAfterRefund),
 * then queues the notice naming both receipts. `dedupeKey` names the refund (for
 * example the provider's refund id); the outbox key is `refund-notice:<dedupeKey>`,
 * so a redelivered webhook queues nothing new.
 */
export async function queueRefundNotice(
  trx: Trx,
  input: { donationId: number; amount: number; currency: string; occurredAt: string; dedupeKey: string },
): Promise<void> {
  const d = await trx
    .selectFrom('donations as d')
    .leftJoin('campaigns as c', 'c.id', 'd.campaign_id')
    .select([
      'd.id',
      'd.amount',
      'd.donor_name',
      'd.donor_email',
      'd.locale',
      'd.tracking_code',
      'd.designation',
      'c.title as campaign_title',
      'c.title_en as campaign_title_en',
    ])
    .where('d.id', '=', input.donationId)
    .executeTakeFirst()
  invariant(d, () => `donation ${input.donationId}`)
  const settled = await settleReceiptAfterRefund(trx, { donationId: d.id, occurredAt: input.occurredAt })
  const locale: Locale = isLocale(d.locale) ? d.locale : 'zh-CN'
  await queueEmail(trx, {
    to: d.donor_email,
    template: 'refund-notice',
    locale,
    dedupeKey: `refund-notice:${input.dedupeKey}`,
    now: input.occurredAt,
    props: {
      donorName: d.donor_name,
      amount: input.amount,
      currency: input.currency,
      originalAmount: d.amount,
      occurredAt: input.occurredAt,
      campaignTitle: purposeTitle(d, locale),
      voidedReceipt: settled.voided,
      currentReceipt: settled.current,
      traceUrl: `${getEnv().BASE_URL}/trace/${encodeURIComponent(d.tracking_code)}`,
    },
  })
}
