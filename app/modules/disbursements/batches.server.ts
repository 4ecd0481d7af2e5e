// Award batches under maker-checker:
//   prepare (caseworker: disbursements.prepare) → approve (finance with TOTP, never the
//   preparer; two different approvers when the total exceeds SECOND_APPROVAL_ABOVE) →
//   the last approval posts every line's award to the ledger in ONE transaction (all or
//   none) → record the payout (reference, date, proof file) which posts the payouts and
//   queues "your gift reached a student" to the donors whose lots were drawn.
//   A prepared batch may instead be rejected with a reason. Every step is audited.

export type { Actor, Approver } from '../auth/maker-checker'

export { cappedInTerm, parseBatchLines, prepareBatch, type PrepareInput } from './prepare.server'
export { approveBatch, rejectBatch, type ApproveOutcome } from './approve.server'
export { recordPayout } from './payout.server'
export { getBatch, listBatches, type BatchListItem } from './queries.server'
