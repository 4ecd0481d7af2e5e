import type { Generated } from 'kysely'

// Transparency tables (app/modules/transparency).

/** Aggregates folded forward from the ledger; `value` is JSON, valid through `through_sequence`. */
export interface TransparencyCacheTable {
  key: string
  through_sequence: number
  head_hash: string
  value: string
  updated_at: string
}

/** A published disclosure report: one campaign's statement over ledger sequences (from, to]. */
export interface DisclosureReportsTable {
  id: Generated<number>
  campaign_id: number
  number: number
  final: Generated<number>
  period_start: string
  period_end: string
  from_sequence: number
  to_sequence: number
  head_hash: string
  figures: string
  note: Generated<string>
  published_at: string
  published_by: number | null
}

export interface TransparencyTables {
  transparency_cache: TransparencyCacheTable
  disclosure_reports: DisclosureReportsTable
}
