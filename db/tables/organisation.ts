import type { Generated } from 'kysely'

// The foundation's particulars (app/modules/organisation): a single row, id 1.

export interface OrganisationSettingsTable {
  id: number
  name: Generated<string>
  name_en: Generated<string>
  credit_code: Generated<string>
  fundraising_certificate: Generated<string>
  phone: Generated<string>
  email: Generated<string>
  address: Generated<string>
  address_en: Generated<string>
  receipt_wording: Generated<string>
  receipt_wording_en: Generated<string>
  receipt_signature: Generated<string>
  updated_at: string | null
  updated_by: number | null
}

export interface OrganisationTables {
  organisation_settings: OrganisationSettingsTable
}
