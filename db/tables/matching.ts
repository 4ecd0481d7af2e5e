import type { Generated } from 'kysely'

// Matching pools (配捐, app/modules/matching). The pool's money is the ledger balance of fund:match:<id>.

export type MatchRule = 'ratio' | 'random'

export interface MatchingPoolsTable {
  id: Generated<number>
  name: string
  name_en: Generated<string>
  /** The named sponsor (an enterprise or foundation partner): public. */
  sponsor: string
  sponsor_en: Generated<string>
  currency: string
  rule: MatchRule
  ratio_gift: Generated<number>
  ratio_match: Generated<number>
  random_min: number | null
  random_max: number | null
  min_gift: number
  cap_per_gift: number | null
  cap_per_donor_day: number | null
  cap_total: number | null
  /** Minutes after 00:00 China time; null = all day. */
  opens_minute: number | null
  closes_minute: number | null
  /** China dates, inclusive. */
  starts_on: string
  ends_on: string
  status: Generated<'active' | 'paused'>
  created_by: number | null
  created_at: string
  updated_at: string
}

export interface MatchingPoolCampaignsTable {
  pool_id: number
  campaign_id: number
}

export interface MatchingMatchesTable {
  id: Generated<number>
  pool_id: number
  donation_id: number
  campaign_id: number
  /** hex SHA-256 of "email:" + the normalised email. */
  donor_key: string
  /** The donation's donor_phone_key, when a phone was given: the donor-day cap counts it too. */
  phone_key: Generated<string | null>
  china_day: string
  amount: number
  currency: string
  sequence: number
  /** Given back to the pool after a refund or lost dispute of the gift. */
  returned: Generated<number>
  created_at: string
}

export interface MatchingTables {
  matching_pools: MatchingPoolsTable
  matching_pool_campaigns: MatchingPoolCampaignsTable
  matching_matches: MatchingMatchesTable
}
