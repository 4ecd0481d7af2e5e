// Every public URL of the running e2e server, one per route file with its params filled
// from the seeded demo database (a route added later is in the list without anyone
// remembering it). Publishes each campaign's first report when none is published yet.
import { publishReport } from '~/modules/transparency/reports.server'
import type { DB } from '~/utils/db.server'
import { publicRouteFiles, urlOf } from './privacy-routes'

export async function publicUrls(db: DB): Promise<{ urls: string[]; donation: string }> {
  const campaigns = await db.selectFrom('campaigns').select(['id', 'slug']).orderBy('id').execute()
  const published = await db.selectFrom('disclosure_reports').select('id').executeTakeFirst()
  if (!published)
    for (const c of campaigns) await publishReport(db, { campaignId: c.id, userId: null, note: '演示报告' })

  const awards = await db
    .selectFrom('ledger_traces as x')
    .innerJoin('ledger_lots as l', 'l.id', 'x.lot_id')
    .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
    .select(['d.donation_ref', 'x.beneficiary_code'])
    .where('x.kind', '=', 'award')
    .orderBy('x.id')
    .execute()
  const gifts = await db
    .selectFrom('donations')
    .select(['public_id', 'tracking_code'])
    .where(
      'public_id',
      'in',
      awards.map((a) => a.donation_ref),
    )
    .limit(3)
    .execute()
  const kinds = await db.selectFrom('ledger_transactions').select(['kind', 'sequence']).orderBy('sequence').execute()
  const sequences = [...new Map(kinds.map((k) => [k.kind, String(k.sequence)])).values()]
  const teams = await db.selectFrom('team_pages').select('code').where('status', '=', 'open').orderBy('id').execute()
  const fixtures: Record<string, Record<string, string>[]> = {
    'trace.$code.tsx': gifts.map((g) => ({ code: g.tracking_code })),
    'students.$code.tsx': [...new Set(awards.map((a) => a.beneficiary_code!))].map((code) => ({ code })),
    'ledger.$sequence.tsx': sequences.map((sequence) => ({ sequence })),
    'api.v1.transactions.$sequence.tsx': sequences.map((sequence) => ({ sequence })),
    'api.v1.traces.$donation.tsx': gifts.map((g) => ({ donation: g.public_id })),
    'open-data.$file.tsx': ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces'].flatMap((d) => [
      { file: `${d}.csv` },
      { file: `${d}.jsonl` },
    ]),
    'campaigns.$slug.tsx': campaigns.map((c) => ({ slug: c.slug })),
    'reports.$campaign.$number.tsx': campaigns.map((c) => ({ campaign: c.slug, number: '1' })),
    'reports.$campaign.$number_.csv.tsx': campaigns.map((c) => ({ campaign: c.slug, number: '1' })),
    'teams.$code.tsx': teams.slice(0, 3).map((x) => ({ code: x.code })),
    'teams.$code_.poster[.]svg.tsx': teams.slice(0, 1).map((x) => ({ code: x.code })),
  }
  const urls: string[] = []
  for (const file of publicRouteFiles()) for (const p of fixtures[file] ?? [{}]) urls.push(urlOf(file, p))
  const donation = gifts[0]!.public_id
  urls.push('/ledger?kind=award', '/ledger?kind=payout', '/transparency?lng=en', '/donate/thanks?donation=' + donation)
  return { urls, donation }
}
