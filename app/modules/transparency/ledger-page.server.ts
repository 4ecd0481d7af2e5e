// What the public ledger pages need: a page of transactions with public account names,
// filter options, and one transaction's detail.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Locale } from '../../utils/i18n'
import { NO_CAMPAIGN_FUND, publicCampaignFund, publicCampaignOptions, type CampaignOption } from './campaigns.server'
import { dayBound } from './http'
import {
  accountNames,
  getTransaction,
  listTransactions,
  type LedgerPage,
  type TransactionDetail,
} from './ledger.server'
import { loadNames } from './names.server'
import type { LedgerQuery } from './schema'
import { readSummary } from './summary.server'
import { withoutWithheld } from './withheld.server'

type Db = Kysely<Database>

export type LedgerView = LedgerPage & {
  names: Record<string, string>
  campaigns: CampaignOption[]
  funds: { code: string; name: string }[]
}

/** A page of the public ledger for a query in the URL's terms (campaign slug, China-time days). */
export async function ledgerPage(db: Db, q: LedgerQuery): Promise<LedgerPage> {
  const account = q.campaign ? ((await publicCampaignFund(db, q.campaign)) ?? NO_CAMPAIGN_FUND) : q.fund
  return listTransactions(db, {
    kind: q.kind,
    account,
    from: dayBound(q.from),
    to: dayBound(q.to, true),
    before: q.before,
    after: q.after,
    limit: q.limit,
  })
}

export async function ledgerView(db: Db, q: LedgerQuery, locale: Locale): Promise<LedgerView> {
  const names = await loadNames(db, locale)
  const page = await ledgerPage(db, q)
  const codes = page.rows.flatMap((r) => r.transfers.flatMap((t) => [t.from, t.to]))
  const summary = await readSummary(db)
  const funds = [...new Set(Object.keys(summary.donations).map((k) => k.split('|')[0]!))].sort()
  return withoutWithheld(db, {
    ...page,
    names: await accountNames(db, codes, names.fund),
    campaigns: await publicCampaignOptions(db, locale),
    funds: funds.map((code) => ({ code, name: names.fund(code) })),
  })
}

export type TransactionView = TransactionDetail & { names: Record<string, string>; programme: string | null }

export async function transactionView(db: Db, sequence: number, locale: Locale): Promise<TransactionView | undefined> {
  const tx = await getTransaction(db, sequence)
  if (!tx) return undefined
  const names = await loadNames(db, locale)
  const codes = [...tx.transfers.flatMap((t) => [t.from, t.to]), ...(tx.donation ? [tx.donation.fund] : [])]
  const programme = tx.refs.programme ? names.programme(tx.refs.programme) : null
  return withoutWithheld(db, { ...tx, names: await accountNames(db, codes, names.fund), programme })
}
