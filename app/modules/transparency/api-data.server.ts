// Bodies of the JSON API: public figures only, amounts in minor units with their currency.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { fundOfCampaign } from '../ledger/accounts'
import { programmesOfCampaigns } from '../programmes/links.server'
import { fundsOf, totalsOf } from './figures'
import { getTransaction } from './ledger.server'
import { ledgerPage } from './ledger-page.server'
import type { LedgerQuery } from './schema'
import { getSummary } from './summary.server'
import { getTraceByDonation } from './trace.server'

type Db = Kysely<Database>

export async function apiTotals(db: Db) {
  const s = await getSummary(db, { limit: 20_000 })
  return {
    head: { sequence: s.through, hash: s.hash },
    totals: totalsOf(s),
    funds: fundsOf(s),
    transactionsByKind: s.kinds,
  }
}

export async function apiCampaigns(db: Db) {
  const s = await getSummary(db, { limit: 20_000 })
  const funds = fundsOf(s)
  const campaigns = await db
    .selectFrom('campaigns')
    .select([
      'campaigns.id',
      'campaigns.slug',
      'campaigns.title',
      'campaigns.title_en',
      'campaigns.goal_amount',
      'campaigns.currency',
      'campaigns.status',
      'campaigns.starts_at',
      'campaigns.ends_at',
    ])
    .where('campaigns.status', '!=', 'draft')
    .orderBy('campaigns.id')
    .execute()
  const links = await programmesOfCampaigns(
    db,
    campaigns.map((c) => Number(c.id)),
  )
  return {
    head: { sequence: s.through, hash: s.hash },
    campaigns: campaigns.map((c) => ({
      slug: c.slug,
      title: c.title,
      titleEn: c.title_en,
      fund: fundOfCampaign(c.id),
      goal: c.goal_amount,
      currency: c.currency,
      status: c.status,
      startsAt: c.starts_at,
      endsAt: c.ends_at,
      // `programme` (the first, or null) predates campaigns funding several programmes.
      programme: links.get(Number(c.id))?.[0]?.slug ?? null,
      programmes: (links.get(Number(c.id)) ?? []).map((p) => p.slug),
      statement: funds.filter((f) => f.fund === fundOfCampaign(c.id)),
    })),
  }
}

export async function apiTransactions(db: Db, q: LedgerQuery) {
  const page = await ledgerPage(db, q)
  return { transactions: page.rows, older: page.older, newer: page.newer }
}

export const apiTransaction = (db: Db, sequence: number) => getTransaction(db, sequence)

export async function apiTrace(db: Db, donationRef: string) {
  const t = await getTraceByDonation(db, donationRef)
  if (!t?.trace) return undefined
  return {
    donation: t.trace.donation,
    shares: t.trace.shares,
    held: t.trace.held,
    heldIn: t.trace.heldIn,
    refunded: t.trace.refunded,
    coveredRefunds: t.trace.coveredRefunds,
    students: t.students,
  }
}
