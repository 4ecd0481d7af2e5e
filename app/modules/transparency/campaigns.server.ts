// The campaigns public pages may name (every one but drafts), and the fund a slug stands for.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Locale } from '../../utils/i18n'
import { fundOfCampaign, type FundAccount } from '../ledger/accounts'

type Db = Kysely<Database>
export type CampaignOption = { slug: string; title: string }

/** Published campaigns (active or closed) for filter menus, oldest first, titled in the reader's language. */
export async function publicCampaignOptions(db: Db, locale: Locale): Promise<CampaignOption[]> {
  const rows = await db
    .selectFrom('campaigns')
    .select(['slug', 'title', 'title_en'])
    .where('status', '!=', 'draft')
    .orderBy('id')
    .execute()
  return rows.map((c) => ({ slug: c.slug, title: (locale === 'en' && c.title_en) || c.title }))
}

/** The fund of a published campaign's slug; undefined when there is none (drafts included). */
export async function publicCampaignFund(db: Db, slug: string): Promise<FundAccount | undefined> {
  const c = await db
    .selectFrom('campaigns')
    .select('id')
    .where('slug', '=', slug)
    .where('status', '!=', 'draft')
    .executeTakeFirst()
  return c ? fundOfCampaign(c.id) : undefined
}

/** For a filter by slug: an unknown slug selects the fund no transaction touches, so the list comes back empty. */
export const NO_CAMPAIGN_FUND = fundOfCampaign(0)
