// The ledger's public API (server-only: import from *.server.ts files and loaders).
// Guarantees in layers: the commands check their input (LedgerInputError); one posting
// path, postCommands in post.server.ts (its header gives the sequence), owns the head lock,
// the request digest and replays, and checks balances before writing; invariants assert
// what must hold (double entry, lots drawn = money out of funds, lots cover balances);
// database triggers keep the history append-only and the head moving by one; verifyLedger
// replays the whole history against the published rules.
export * from './accounts'
export * from './errors'
export * from './kinds'
export { GENESIS_HASH, canonicalRecord, chainHash, commitment, type Refs } from './hash.server'
export { disclosuresOf, openRefs, withdrawDonorNames, type Disclosures } from './disclosures.server'
export {
  ensureAccount,
  inTransaction,
  lockHead,
  post,
  type PostInput,
  type Posted,
  type Transfer,
  type Trx,
} from './post.server'
export { postDonation, postDonations, postRefund, type DonationInput, type RefundInput } from './donations.server'
export { awardCommand, postAward, postAwards, postPayout, type AwardInput, type PayoutInput } from './awards.server'
export { postMatch, postMatchReturn, unspentOfMatch, type MatchInput, type MatchReturnInput } from './matches.server'
export { postCorrection, postFundTransfer, type CorrectionInput, type FundTransferInput } from './corrections.server'
export {
  fundRaised,
  getBalance,
  getDonationTrace,
  getHead,
  getMatchShares,
  type DonationTrace,
  type FundRaised,
  type TraceShare,
} from './queries.server'
export {
  groupCommit,
  groupCommitFor,
  setGroupCommitDefaults,
  type GroupCommitSettings,
  type Together,
} from './group-commit.server'
export { verifyLedger, type VerifyResult } from './verify.server'
export { exportDataset, EXPORT_DATASETS, type ExportDataset, type ExportFormat } from './export.server'
