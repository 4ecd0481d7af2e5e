import type { Generated } from 'kysely'
import type { AuthTables } from './tables/auth'
import type { FinanceTables } from './tables/finance'
import type { GivingTables } from './tables/giving'
import type { LedgerTables } from './tables/ledger'
import type { MailTables } from './tables/mail'
import type { MatchingTables } from './tables/matching'
import type { OrganisationTables } from './tables/organisation'
import type { PortalTables } from './tables/portal'
import type { StudentsTables } from './tables/students'
import type { TeamsTables } from './tables/teams'
import type { TransparencyTables } from './tables/transparency'
import type { UpdatesTables } from './tables/updates'

// The Kysely Database interface: one entry per table, in the order migrations create them.
// Times are ISO-8601 UTC strings; money is integer minor units; flags are 0/1.

export interface StationsTable {
  id: Generated<number>
  parent_id: number | null
  level: 'province' | 'city' | 'county' | 'township' | 'community'
  code: string
  name: string
  name_en: string
  path: string
  /** 0 once deactivated: kept (with its history) but offered for nothing new. */
  active: Generated<number>
}

export interface ProgrammesTable {
  id: Generated<number>
  slug: string
  kind: 'scholarship' | 'sponsorship' | 'wish' | 'relief'
  name: string
  name_en: string
  description: Generated<string>
  description_en: Generated<string>
  award_amount: number
  currency: string
  terms: Generated<string>
  eligible_categories: Generated<string>
  created_at: string
}

export interface CampaignsTable {
  id: Generated<number>
  slug: string
  title: string
  title_en: string
  summary: Generated<string>
  summary_en: Generated<string>
  story: Generated<string>
  story_en: Generated<string>
  goal_amount: number
  currency: string
  station_id: number | null
  status: Generated<'draft' | 'active' | 'closed'>
  starts_at: string
  ends_at: string | null
  created_at: string
  /** Re-encoded cover under UPLOAD_DIR (no EXIF), or null. */
  cover_path: string | null
  /** JSON array of minor-unit amounts offered on the donation form. */
  suggested_amounts: Generated<string>
  // 募捐方案: what a public appeal publishes (zh-CN, as filed).
  plan_purpose: Generated<string>
  plan_region: Generated<string>
  plan_responsible: Generated<string>
  plan_receiving: Generated<string>
  plan_beneficiaries: Generated<string>
  plan_use_of_funds: Generated<string>
  plan_cost: Generated<string>
  plan_leftover: Generated<string>
  /** 备案编号 given by the civil-affairs department. */
  filing_number: Generated<string>
  published_at: string | null
  closed_at: string | null
  updated_at: string | null
}

/** Which programmes a campaign funds: award batches of each may draw on the campaign's fund. */
export interface CampaignProgrammesTable {
  campaign_id: number
  programme_id: number
  created_at: string
}

/** Personal data of minors: never selected by public queries except public_code, grade and station. */
export interface BeneficiariesTable {
  id: Generated<number>
  public_code: string
  station_id: number
  legal_name: string
  gender: 'female' | 'male' | 'other'
  birth_date: string
  national_id: string
  school: string
  grade: string
  categories: Generated<string>
  guardian_name: string
  guardian_phone: string
  status: Generated<'new' | 'active' | 'graduated' | 'exited'>
  next_verification_on: string | null
  created_at: string
}

export interface UsersTable {
  id: Generated<number>
  email: string
  display_name: string
  password_hash: string | null
  locale: Generated<string>
  active: Generated<number>
  created_at: string
}

export type Role = 'admin' | 'finance' | 'caseworker' | 'auditor' | 'donor'

export interface RoleGrantsTable {
  id: Generated<number>
  user_id: number
  role: Role
  station_id: number | null
  created_at: string
}

/** Core tables here; each domain's tables in db/tables/<domain>.ts. */
export interface Database
  extends
    LedgerTables,
    AuthTables,
    GivingTables,
    MailTables,
    TransparencyTables,
    StudentsTables,
    PortalTables,
    OrganisationTables,
    UpdatesTables,
    MatchingTables,
    FinanceTables,
    TeamsTables {
  stations: StationsTable
  programmes: ProgrammesTable
  campaigns: CampaignsTable
  campaign_programmes: CampaignProgrammesTable
  beneficiaries: BeneficiariesTable
  users: UsersTable
  role_grants: RoleGrantsTable
}
