import type { Generated } from 'kysely'

// Team pages (一起捐): app/modules/teams. A gift through a page carries donations.team_id.

export interface TeamPagesTable {
  id: Generated<number>
  /** The page's public code in its URL (/teams/<code>) and in refs.team of its gifts. */
  code: string
  campaign_id: number
  owner_id: number
  /** The owner as the public sees them, masked by their own choice (publicDisplayName). */
  owner_name: string
  station_id: number | null
  title: string
  message: Generated<string>
  goal_amount: number
  currency: string
  status: Generated<'open' | 'hidden'>
  hidden_by: number | null
  hidden_at: string | null
  hidden_reason: string | null
  created_at: string
}

export interface TeamsTables {
  team_pages: TeamPagesTable
}
