import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { queueEmails, type AnyQueueEmailInput } from '../mail/outbox.server'
import { getEnv } from '~/utils/env.server'
import { isLocale, type Locale } from '~/utils/i18n'
import { displayCode } from './code.server'
import { receiptLinks } from './links'
import { present } from '~/utils/invariant'
import { matchNote, purposeTitle, receiptDocumentQuery, type ReceiptDocumentRow } from './queries.server'

/**
 * Queue the receipt's email (monthly gifts get the monthly wording), to the donation's
 * address as it is now. Once per receipt; a resend passes its own key and time.
 */
export async function queueReceiptEmail(
  trx: Kysely<Database>,
  receiptId: number,
  resend?: { dedupeKey: string; now: string },
): Promise<{ id: number; created: boolean }> {
  const r = await receiptDocumentQuery(trx).where('r.id', '=', receiptId).executeTakeFirstOrThrow()
  return present((await queueEmails(trx, [receiptEmail(r, resend)]))[0], 'one email, one row')
}

/** queueReceiptEmail for new receipts, read in one query and queued in one insert. */
export async function queueReceiptEmails(trx: Kysely<Database>, receiptIds: number[]): Promise<void> {
  if (!receiptIds.length) return
  const rows = await receiptDocumentQuery(trx).where('r.id', 'in', receiptIds).execute()
  const byId = new Map(rows.map((r) => [r.id, r]))
  await queueEmails(
    trx,
    receiptIds.map((id) => receiptEmail(present(byId.get(id), () => `receipt ${id}`))),
  )
}

function receiptEmail(r: ReceiptDocumentRow, resend?: { dedupeKey: string; now: string }): AnyQueueEmailInput {
  const locale: Locale = isLocale(r.locale) ? r.locale : 'zh-CN'
  const links = receiptLinks(getEnv().BASE_URL, {
    number: r.number,
    code: r.verification_code,
    trackingCode: r.tracking_code,
  })
  const props = {
    receiptNumber: r.number,
    verificationCode: displayCode(r.verification_code),
    issuedAt: r.issued_at,
    paidAt: r.paid_at,
    donorName: r.donor_name,
    amount: r.amount,
    currency: r.currency,
    campaignTitle: purposeTitle(r, locale),
    matchNote: matchNote(r, locale),
    ...links,
    official: r.official_code && r.official_number ? { code: r.official_code, number: r.official_number } : null,
  }
  const common = {
    to: r.donor_email,
    locale,
    dedupeKey: resend?.dedupeKey ?? `receipt:${r.id}`,
    now: resend?.now ?? r.issued_at,
  }
  if (r.recurring_gift_id !== null) return { ...common, template: 'monthly-gift-receipt', props }
  return { ...common, template: 'donation-receipt', props }
}
