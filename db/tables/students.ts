import type { Generated } from 'kysely'

// Students and scholarships (app/modules/beneficiaries, programmes, disbursements,
// sponsorships, wishes). Personal data stays in beneficiaries; these tables hold ids.

export type BeneficiaryStatus = 'new' | 'active' | 'graduated' | 'exited'

/** A guardian's consent; the current one is the latest row with withdrawn_at null. */
export interface BeneficiaryConsentsTable {
  id: Generated<number>
  beneficiary_id: number
  guardian_name: string
  relationship: string
  consented_on: string
  public_story: Generated<number>
  photo: Generated<number>
  first_name_to_sponsor: Generated<number>
  recorded_by: number | null
  recorded_at: string
  withdrawn_at: string | null
  withdrawn_by: number | null
}

export interface BeneficiaryStatusHistoryTable {
  id: Generated<number>
  beneficiary_id: number
  from_status: BeneficiaryStatus | null
  to_status: BeneficiaryStatus
  reason: Generated<string>
  changed_by: number | null
  changed_at: string
}

export type ProofMime = 'application/pdf' | 'image/jpeg' | 'image/png'

export interface ProofFilesTable {
  id: Generated<number>
  entity_type: string
  entity_id: number
  /** Relative to UPLOAD_DIR. */
  path: string
  mime: ProofMime
  size: number
  sha256: string
  uploaded_by: number | null
  uploaded_at: string
}

export type BatchStatus = 'prepared' | 'approved' | 'paid' | 'rejected'

export interface AwardBatchesTable {
  id: Generated<number>
  programme_id: number
  term: string
  station_id: number
  /** The fund for campaign-funded lines; sponsorship lines carry their own. */
  fund: string
  currency: string
  total_amount: number
  status: BatchStatus
  approvals_required: number
  prepared_by: number
  prepared_at: string
  approved_at: string | null
  rejected_by: number | null
  rejected_at: string | null
  reject_reason: string | null
  payout_reference: string | null
  payout_date: string | null
  paid_by: number | null
  paid_at: string | null
}

export interface AwardLinesTable {
  id: Generated<number>
  batch_id: number
  beneficiary_id: number
  fund: string
  amount: number
}

export interface AwardTermCapsTable {
  beneficiary_id: number
  term: string
  line_id: number
}

export interface BatchApprovalsTable {
  id: Generated<number>
  batch_id: number
  user_id: number
  approved_at: string
}

export type SponsorshipStatus = 'pending' | 'active' | 'paused' | 'ended'

export interface SponsorshipsTable {
  id: Generated<number>
  beneficiary_id: number
  programme_id: number
  school_year: string
  frequency: 'once' | 'monthly'
  status: SponsorshipStatus
  donor_name: string
  donor_email: string
  locale: Generated<string>
  /** Unguessable: the sponsor's page /sponsor/<token>. */
  access_token: string
  pause_reason: string | null
  created_at: string
  activated_at: string | null
  paused_at: string | null
}

export interface SponsorshipLettersTable {
  id: Generated<number>
  sponsorship_id: number
  direction: 'to_student' | 'to_sponsor'
  body: string
  status: 'pending' | 'approved' | 'rejected'
  submitted_at: string
  submitted_by: number | null
  moderated_by: number | null
  moderated_at: string | null
  reject_reason: string | null
}

export interface WishesTable {
  id: Generated<number>
  beneficiary_id: number
  station_id: number
  item: string
  story: string
  price: number
  currency: string
  status: 'open' | 'fulfilled' | 'cancelled'
  hold_token: string | null
  held_until: string | null
  created_by: number | null
  created_at: string
  fulfilled_by: number | null
  fulfilled_at: string | null
  proof_file_id: number | null
}

export interface WishClaimsTable {
  id: Generated<number>
  wish_id: number
  token: string
  claimed_at: string
  expires_at: string
}

/** A staff-written public story (app/modules/beneficiaries/story.server.ts). */
export interface StudentStoriesTable {
  beneficiary_id: number
  story: string
  written_by: number | null
  written_at: string
}

export interface StudentsTables {
  student_stories: StudentStoriesTable
  beneficiary_consents: BeneficiaryConsentsTable
  beneficiary_status_history: BeneficiaryStatusHistoryTable
  proof_files: ProofFilesTable
  award_batches: AwardBatchesTable
  award_lines: AwardLinesTable
  award_term_caps: AwardTermCapsTable
  batch_approvals: BatchApprovalsTable
  sponsorships: SponsorshipsTable
  sponsorship_letters: SponsorshipLettersTable
  wishes: WishesTable
  wish_claims: WishClaimsTable
}
