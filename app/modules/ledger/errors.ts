// Typed ledger errors: callers map them to HTTP answers; anything else is a bug.

export class LedgerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

/** The idempotency key was used before for different content. */
export class IdempotencyConflictError extends LedgerError {
  constructor(
    readonly idempotencyKey: string,
    detail = 'different content',
  ) {
    super(`idempotency key ${idempotencyKey} was already used for ${detail}`)
  }
}

/** A fund or payable account (or a donation's lots) cannot cover the amount. */
export class InsufficientFundsError extends LedgerError {
  constructor(
    readonly account: string,
    readonly currency: string,
    readonly available: number,
    readonly requested: number,
  ) {
    super(`insufficient funds in ${account}: ${available} ${currency} available, ${requested} requested`)
  }
}

/** The input breaks a ledger rule (bad account, currency mismatch, unknown donation, …). */
export class LedgerInputError extends LedgerError {}
