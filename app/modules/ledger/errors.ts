// The ledger's refusals: each is a Refusal (app/utils/refusal.ts) with its message key,
// values and status, so a route answers it like any other "no"; its Error message keeps the
// exact ledger detail for logs. A broken ledger rule is not one of these: it is an
// invariant() failure (500). Class names stay: callers and tests test `instanceof`.
import type { MessageKey } from '../../utils/i18n'
import { Refusal, type RefusalParams } from '../../utils/refusal'

export class LedgerError extends Refusal {
  constructor(messageKey: MessageKey, detail: string, options: { params?: RefusalParams; status?: 400 | 409 } = {}) {
    super(messageKey, options)
    this.message = detail
    Object.defineProperty(this, 'name', { value: new.target.name })
  }
}

/** The idempotency key was used before for different content (409). */
export class IdempotencyConflictError extends LedgerError {
  constructor(
    readonly idempotencyKey: string,
    detail = 'different content',
  ) {
    super('ledger.refusal.conflict', `idempotency key ${idempotencyKey} was already used for ${detail}`, {
      status: 409,
    })
  }
}

/** A fund or payable account (or a donation's lots) cannot cover the amount (400). */
export class InsufficientFundsError extends LedgerError {
  constructor(
    readonly account: string,
    readonly currency: string,
    readonly available: number,
    readonly requested: number,
  ) {
    super(
      'ledger.refusal.insufficient',
      `insufficient funds in ${account}: ${available} ${currency} available, ${requested} requested`,
      { params: { account, currency, available, requested } },
    )
  }
}

/** The input breaks a ledger rule: bad account, currency mismatch, unknown donation, … (400). */
export class LedgerInputError extends LedgerError {
  constructor(detail: string) {
    super('ledger.refusal.input', detail)
  }
}
