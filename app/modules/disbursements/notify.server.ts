import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { getDonationTrace } from '../ledger'
import { queueEmail } from '../mail/outbox.server'

// "Your gift reached a student": after a batch's payout, every donor whose donation's
// lots were drawn by the batch's awards is queued one email (deduplicated per batch and
// donation) listing that donation's shares by pseudonym, county, grade and programme.

export async function notifyDonorsOfBatch(trx: DB, input: { batchId: number; lineIds: number[]; at: string }): Promise<number> {
  if (!input.lineIds.length) return 0
  const donations = await trx
    .selectFrom('ledger_transactions as x')
    .innerJoin('ledger_traces as t', 't.sequence', 'x.sequence')
    .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
    .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
    .innerJoin('donations', 'donations.public_id', 'd.donation_ref')
    .select(['donations.public_id', 'donations.tracking_code', 'donations.donor_email', 'donations.donor_name', 'donations.display_mode', 'donations.locale', 'donations.campaign_id', 'donations.amount', 'donations.currency'])
    .distinct()
    .where('x.idempotency_key', 'in', input.lineIds.map((id) => `award-line:${id}`))
    .where('t.kind', '=', 'award')
    .execute()
  if (!donations.length) return 0
  const campaigns = new Map(
    (await trx.selectFrom('campaigns').select(['id', 'title', 'title_en']).execute()).map((c) => [Number(c.id), c]),
  )
  const programmes = new Map((await trx.selectFrom('programmes').select(['slug', 'name', 'name_en']).execute()).map((p) => [p.slug, p]))
  let queued = 0
  for (const d of donations) {
    const trace = await getDonationTrace(trx, d.public_id)
    if (!trace) continue
    const codes = [...new Set(trace.shares.map((s) => s.beneficiaryCode))]
    const students = codes.length
      ? await trx
          .selectFrom('beneficiaries')
          .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
          .select(['beneficiaries.public_code', 'beneficiaries.grade', 'stations.code'])
          .where('beneficiaries.public_code', 'in', codes)
          .execute()
      : []
    const counties = new Map(
      (await trx.selectFrom('stations').select(['code', 'name', 'name_en']).where('code', 'in', students.length ? students.map((s) => s.code.slice(0, 6)) : ['-']).execute()).map((s) => [s.code, s]),
    )
    const en = d.locale === 'en'
    const byCode = new Map(students.map((s) => [s.public_code, s]))
    const shares = trace.shares.map((s) => {
      const st = byCode.get(s.beneficiaryCode)
      const county = st ? counties.get(st.code.slice(0, 6)) : undefined
      const programme = programmes.get(s.refs.programme ?? '')
      return {
        pseudonym: s.beneficiaryCode, county: county ? (en ? county.name_en : county.name) : '', grade: st?.grade ?? '',
        programme: programme ? (en ? programme.name_en : programme.name) : (s.refs.programme ?? ''),
        amount: s.amount, currency: d.currency, status: (s.paidAt ? 'paid' : 'awarded') as 'paid' | 'awarded',
      }
    })
    const campaign = d.campaign_id ? campaigns.get(Number(d.campaign_id)) : undefined
    await queueEmail(trx, {
      to: d.donor_email, template: 'gift-reached-student', locale: en ? 'en' : 'zh-CN', now: input.at,
      dedupeKey: `gift-reached:batch:${input.batchId}:${d.public_id}`,
      props: {
        donorName: d.display_mode === 'anonymous' || !d.donor_name ? (en ? 'Friend' : '爱心人士') : d.donor_name,
        amount: d.amount, currency: d.currency,
        campaignTitle: campaign ? (en ? campaign.title_en : campaign.title) : en ? 'Hope Ledger general fund' : '希望账本 · 非限定基金',
        traceUrl: `${getEnv().BASE_URL}/trace/${encodeURIComponent(d.tracking_code)}`,
        shares, heldAmount: trace.held,
      },
    })
    queued++
  }
  return queued
}
