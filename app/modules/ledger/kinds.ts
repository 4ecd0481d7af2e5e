// Every ledger transaction kind, one line each. The lot and trace effects of each
// kind are the published rule in public/open-data.md ("Tracing rule").
export const TRANSACTION_KINDS = {
  donation: 'a paid gift: external:donors → fund (gross), fund → external:fees (fee); opens one lot of gross − fee',
  refund:
    'money returned to a donor: drawn from that donation’s own lots, any shortfall from fund:general → external:refunds',
  dispute: 'a lost card dispute (chargeback): drawn like a refund, → external:disputes',
  award: 'money awarded to a student: fund → payable:beneficiary:<id>, drawn from the fund’s lots oldest first',
  payout:
    'an award paid out: payable:beneficiary:<id> → paid:beneficiary:<id>, over that student’s awards oldest first',
  fund_transfer:
    'restricted money moved between funds: fund → fund, lots drawn oldest first and reopened in the new fund',
  match:
    'a matching pool’s top-up of one gift: fund:match:<id> → the gift’s campaign fund, lots drawn oldest first and reopened there (refs.matches = the gift)',
  match_return:
    'the unspent part of a match given back after its gift was refunded or lost: the match’s own lots → fund:match:<id> (refs.returns = the match’s sequence)',
  correction:
    'reverses one award, payout or fund transfer exactly (refs.corrects = its sequence); history is never edited',
} as const

export type TransactionKind = keyof typeof TRANSACTION_KINDS
export const KIND_NAMES = Object.keys(TRANSACTION_KINDS) as TransactionKind[]

export function isTransactionKind(kind: string): kind is TransactionKind {
  return Object.hasOwn(TRANSACTION_KINDS, kind)
}
