// Ledger tables (app/modules/ledger). Filled in by the ledger migration.
export interface LedgerTables {}
