import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { TraceShare as EmailShare } from '../../../emails/gift-reached-student'
import { getDonationTrace, type DonationTrace } from '../ledger'
import { queueEmail } from '../mail/outbox.server'
import { getEnv } from '~/utils/env.server'
import { isLocale, type Locale } from '~/utils/i18n'
import { purposeTitle } from './queries.server'

// "Your gift reached a student": queued when an award draws on a donation's money.
// Students appear only as the public projection DESIGN.md allows: pseudonymous code,
// county, grade and programme. The county is the student's station's county-level
// ancestor; nothing else about the student is read.

type Trx = Kysely<Database>

/** The trace's shares in the email's shape, with county, grade and programme looked up. */
export async function sharesForEmail(trx: Trx, trace: DonationTrace, locale: Locale): Promise<EmailShare[]> {
  const codes = [...new Set(trace.shares.map((s) => s.beneficiaryCode))]
  if (codes.length === 0) return []
  const students = await trx
    .selectFrom('beneficiaries as b')
    .innerJoin('stations as s', 's.id', 'b.station_id')
    .select(['b.public_code', 'b.grade', 's.path'])
    .where('b.public_code', 'in', codes)
    .execute()
  const ancestorIds = [...new Set(students.flatMap((s) => s.path.split('/').filter(Boolean).map(Number)))]
  const counties = ancestorIds.length
    ? await trx
        .selectFrom('stations')
        .select(['id', 'name', 'name_en'])
        .where('id', 'in', ancestorIds)
        .where('level', '=', 'county')
        .execute()
    : []
  const programmes = await trx.selectFrom('programmes').select(['slug', 'name', 'name_en']).execute()
  const byCode = new Map(students.map((s) => [s.public_code, s]))
  return trace.shares.map((share) => {
    const student = byCode.get(share.beneficiaryCode)
    const ids = student?.path.split('/').filter(Boolean).map(Number) ?? []
    const county = counties.find((c) => ids.includes(c.id))
    const ref = share.refs.programme ?? ''
    const programme = programmes.find((p) => p.slug === ref)
    return {
      pseudonym: share.beneficiaryCode,
      county: county ? (locale === 'en' ? county.name_en : county.name) : '',
      grade: student?.grade ?? '',
      programme: programme ? (locale === 'en' ? programme.name_en : programme.name) : ref,
      amount: share.amount,
      currency: trace.donation.currency,
      status: share.paidAt ? 'paid' : 'awarded',
    }
  })
}

/**
 * Queue the "gift reached a student" email for a donation, from its ledger trace.
 * Call it in the transaction that posts the award or payout; `dedupeKey` names that
 * event (for example `award:<ledger sequence>`), so each event mails at most once.
 * Returns false when the donation has no shares yet.
 */
export async function queueGiftReachedStudent(
  trx: Trx,
  { donationId, dedupeKey, now }: { donationId: number; dedupeKey: string; now?: string },
): Promise<boolean> {
  const d = await trx
    .selectFrom('donations as d')
    .leftJoin('campaigns as c', 'c.id', 'd.campaign_id')
    .select([
      'd.public_id',
      'd.tracking_code',
      'd.donor_name',
      'd.donor_email',
      'd.locale',
      'd.designation',
      'c.title as campaign_title',
      'c.title_en as campaign_title_en',
    ])
    .where('d.id', '=', donationId)
    .executeTakeFirst()
  if (!d) return false
  const trace = await getDonationTrace(trx, d.public_id)
  if (!trace || trace.shares.length === 0) return false
  const locale: Locale = isLocale(d.locale) ? d.locale : 'zh-CN'
  await queueEmail(trx, {
    to: d.donor_email,
    template: 'gift-reached-student',
    locale,
    dedupeKey: `gift-reached:${donationId}:${dedupeKey}`,
    now,
    props: {
      donorName: d.donor_name,
      amount: trace.donation.amount,
      currency: trace.donation.currency,
      campaignTitle: purposeTitle(d, locale),
      traceUrl: `${getEnv().BASE_URL}/trace/${encodeURIComponent(d.tracking_code)}`,
      shares: await sharesForEmail(trx, trace, locale),
      heldAmount: trace.held,
    },
  })
  return true
}
