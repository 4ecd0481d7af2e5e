import type { Generated } from 'kysely'

// Progress updates to donors (app/modules/campaigns/updates.server.ts).

export interface CampaignUpdatesTable {
  id: Generated<number>
  campaign_id: number
  title: string
  body: string
  locale: Generated<string>
  status: Generated<'pending' | 'approved'>
  author_id: number
  created_at: string
  approved_by: number | null
  approved_at: string | null
}

/** One row per (update, normalised email): the mail went to the outbox exactly once. */
export interface CampaignUpdateMailsTable {
  id: Generated<number>
  update_id: number
  email: string
  /** hex SHA-256 of the unsubscribe token in that mail, never the token. */
  token_hash: string
  outbox_id: number | null
  created_at: string
}

export interface UpdateUnsubscribesTable {
  email: string
  unsubscribed_at: string
  via: 'link' | 'portal'
}

/** A photo of one child in an update: public only while that child's consent covers photos. */
export interface CampaignUpdatePhotosTable {
  id: Generated<number>
  update_id: number
  beneficiary_id: number
  /** File name under UPLOAD_DIR/update-photos: the re-encoded picture's SHA-256 + .webp. */
  file: string
  created_at: string
}

export interface UpdatesTables {
  campaign_update_photos: CampaignUpdatePhotosTable
  campaign_updates: CampaignUpdatesTable
  campaign_update_mails: CampaignUpdateMailsTable
  update_unsubscribes: UpdateUnsubscribesTable
}
