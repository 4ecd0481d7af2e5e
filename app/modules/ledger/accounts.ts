// Ledger account codes. A code is public and carries only internal ids; the public
// name stored beside it is a campaign title or a student's pseudonymous code.

export type ExternalAccount = 'external:donors' | 'external:fees' | 'external:refunds' | 'external:disputes'
export type FundAccount =
  | 'fund:general'
  | `fund:campaign:${number}`
  | `fund:sponsorship:${number}`
  | `fund:wish:${number}`
  | `fund:match:${number}`
export type PayableAccount = `payable:beneficiary:${number}`
export type PaidAccount = `paid:beneficiary:${number}`
export type AccountCode = ExternalAccount | FundAccount | PayableAccount | PaidAccount
export type AccountKind = 'external' | 'fund' | 'payable' | 'paid'

export const DONORS = 'external:donors' as const
export const FEES = 'external:fees' as const
export const REFUNDS = 'external:refunds' as const
export const DISPUTES = 'external:disputes' as const
export const GENERAL_FUND = 'fund:general' as const

export const fundOfCampaign = (id: number): FundAccount => `fund:campaign:${id}`
export const fundOfSponsorship = (id: number): FundAccount => `fund:sponsorship:${id}`
export const fundOfWish = (id: number): FundAccount => `fund:wish:${id}`
/** A matching pool's fund (配捐): its balance is what the pool has left to match. */
export const fundOfMatchPool = (id: number): FundAccount => `fund:match:${id}`
export const payableOf = (beneficiaryId: number): PayableAccount => `payable:beneficiary:${beneficiaryId}`
export const paidOf = (beneficiaryId: number): PaidAccount => `paid:beneficiary:${beneficiaryId}`

const PATTERN =
  /^(?:external:(?:donors|fees|refunds|disputes)|fund:general|fund:(?:campaign|sponsorship|wish|match):[1-9]\d{0,15}|(?:payable|paid):beneficiary:[1-9]\d{0,15})$/

export function isAccountCode(code: string): code is AccountCode {
  return PATTERN.test(code)
}

export function accountKind(code: string): AccountKind {
  if (!isAccountCode(code)) throw new TypeError(`not a ledger account code: ${code}`)
  return code.slice(0, code.indexOf(':')) as AccountKind
}

export function isFund(code: string): code is FundAccount {
  return isAccountCode(code) && code.startsWith('fund:')
}

/** fund:* and payable:* hold money we owe someone: they can never go negative. */
export function isGuarded(code: string): boolean {
  return code.startsWith('fund:') || code.startsWith('payable:')
}

/** The pool id of a fund:match:<id> account, else undefined. */
export function matchPoolIdOf(code: string): number | undefined {
  const m = /^fund:match:(\d+)$/.exec(code)
  return m ? Number(m[1]) : undefined
}

/** The beneficiary id of a payable:/paid: account, else undefined. */
export function beneficiaryIdOf(code: string): number | undefined {
  const m = /^(?:payable|paid):beneficiary:(\d+)$/.exec(code)
  return m ? Number(m[1]) : undefined
}

const EXTERNAL_NAMES: Record<string, string> = {
  'external:donors': '捐赠人 Donors',
  'external:fees': '支付手续费 Payment fees',
  'external:refunds': '退款 Refunds',
  'external:disputes': '争议扣款 Disputes',
  'fund:general': '非定向资金 General fund',
}

/** Name used when an account is first seen without a better public name. */
export function defaultAccountName(code: string): string {
  return EXTERNAL_NAMES[code] ?? code
}
