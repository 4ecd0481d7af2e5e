// Ledger refusals are Refusals: a message key both catalogues carry, values and a status;
// the Error message keeps the ledger's own detail for the log.
import { describe, expect, it } from 'vitest'
import { IdempotencyConflictError, InsufficientFundsError, LedgerInputError } from '~/modules/ledger/errors'
import { en } from '~/locales/en'
import { zhCN } from '~/locales/zh-CN'
import { isRefusal } from '~/utils/refusal'

describe('ledger refusals', () => {
  const cases = [
    [new InsufficientFundsError('fund:campaign:1', 'CNY', 500, 800), 'ledger.refusal.insufficient', 400],
    [new IdempotencyConflictError('award-line:7'), 'ledger.refusal.conflict', 409],
    [new LedgerInputError('unknown donation D-1'), 'ledger.refusal.input', 400],
  ] as const
  for (const [error, key, status] of cases)
    it(`${error.name} is a Refusal (${key}, ${status})`, () => {
      expect(isRefusal(error)).toBe(true)
      expect(error.messageKey).toBe(key)
      expect(error.status).toBe(status)
      expect(zhCN[key]).toContain('未写入任何记录')
      expect(en[key]).toContain('nothing was written')
    })

  it('keeps its class name, its values and the detail in the message', () => {
    const e = new InsufficientFundsError('fund:campaign:1', 'CNY', 500, 800)
    expect(e).toBeInstanceOf(InsufficientFundsError)
    expect(e).toMatchObject({ name: 'InsufficientFundsError', account: 'fund:campaign:1', available: 500 })
    expect(e.params).toEqual({ account: 'fund:campaign:1', currency: 'CNY', available: 500, requested: 800 })
    expect(e.message).toBe('insufficient funds in fund:campaign:1: 500 CNY available, 800 requested')
    expect(new LedgerInputError('unknown donation D-1').message).toBe('unknown donation D-1')
  })
})
