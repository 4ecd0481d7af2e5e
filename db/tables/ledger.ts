import type { Generated } from 'kysely'

// Ledger tables (app/modules/ledger). History tables are append-only (triggers refuse
// UPDATE/DELETE); *_balances and ledger_head are the mutable state, recomputable from history.

export interface LedgerAccountsTable {
  id: Generated<number>
  code: string
  kind: 'external' | 'fund' | 'payable' | 'paid'
  /** Public name: campaign title, or a student's pseudonymous public code. */
  name: string
  created_at: string
}

export interface LedgerHeadTable {
  id: number
  sequence: number
  hash: string
  updated_at: string
}

export interface LedgerTransactionsTable {
  sequence: number
  idempotency_key: string
  kind: string
  occurred_at: string
  recorded_at: string
  /** Canonical JSON object of public references (string values). */
  refs: Generated<string>
  donation_ref: string | null
  corrects: number | null
  request_digest: string
  prev_hash: string
  hash: string
  /** Record version the hash was computed in: 1 carries names in refs, 2 commits to them. */
  version: Generated<number>
}

/**
 * Value and salt of a committed reference of a version-2 record (mutable, not history):
 * both null once withdrawn (donor erasure); the commitment stays in the hashed refs.
 */
export interface LedgerDisclosuresTable {
  sequence: number
  key: 'donor' | 'beneficiary'
  value: string | null
  salt: string | null
  withdrawn_at: string | null
}

export interface LedgerTransfersTable {
  id: Generated<number>
  sequence: number
  position: number
  from_account: string
  to_account: string
  amount: number
  currency: string
}

export interface LedgerBalancesTable {
  account: string
  currency: string
  balance: Generated<number>
}

export interface LedgerDonationsTable {
  id: Generated<number>
  donation_ref: string
  sequence: number
  fund: string
  gross: number
  fee: number
  currency: string
  /** refs.donor of its transaction as hashed: the display name (version 1) or its commitment (version 2). */
  display_name: string
  paid_at: string
}

export interface LedgerLotsTable {
  id: Generated<number>
  sequence: number
  donation_id: number
  fund: string
  currency: string
  amount: number
  paid_at: string
  source_trace_id: number | null
}

export type TraceKind = 'award' | 'payout' | 'refund' | 'dispute' | 'transfer' | 'reversal'

export interface LedgerTracesTable {
  id: Generated<number>
  sequence: number
  kind: TraceKind
  lot_id: number
  amount: number
  currency: string
  beneficiary_id: number | null
  beneficiary_code: string | null
  parent_id: number | null
}

export interface LedgerLotBalancesTable {
  lot_id: number
  fund: string
  currency: string
  paid_at: string
  remaining: number
}

export interface LedgerTraceBalancesTable {
  trace_id: number
  beneficiary_id: number
  currency: string
  unpaid: number
}

export interface LedgerTables {
  ledger_accounts: LedgerAccountsTable
  ledger_head: LedgerHeadTable
  ledger_transactions: LedgerTransactionsTable
  ledger_transfers: LedgerTransfersTable
  ledger_balances: LedgerBalancesTable
  ledger_donations: LedgerDonationsTable
  ledger_lots: LedgerLotsTable
  ledger_traces: LedgerTracesTable
  ledger_lot_balances: LedgerLotBalancesTable
  ledger_trace_balances: LedgerTraceBalancesTable
  ledger_disclosures: LedgerDisclosuresTable
}
