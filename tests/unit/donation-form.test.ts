import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ANONYMOUS_NAME, publicDisplayName } from '~/modules/donations/display-name'
import { donationFormSchema, donationFieldErrors } from '~/modules/donations/schema'
import { paymentMethodsFor } from '~/modules/payments/provider'

const schema = donationFormSchema({ min: 100, max: 100_000_00, currencies: ['CNY', 'USD'] })
const valid = {
  amountChoice: '10000',
  currency: 'CNY',
  frequency: 'once',
  designation: 'general',
  displayMode: 'anonymous',
  email: 'a@example.test',
}

describe('donation form schema', () => {
  it('accepts presets and custom amounts in minor units', () => {
    expect(schema.parse(valid).amount).toBe(10000)
    expect(schema.parse({ ...valid, amountChoice: 'custom', customAmount: '88.8' }).amount).toBe(8880)
  })

  it('names the field that is wrong, with a message key', () => {
    const r = schema.safeParse({
      ...valid,
      amountChoice: 'custom',
      customAmount: '0.5',
      email: 'nope',
      displayMode: 'full',
      name: '',
    })
    expect(r.success).toBe(false)
    const errors = donationFieldErrors(r.error!)
    expect(errors).toMatchObject({
      customAmount: 'donate.error.amountMin',
      email: 'donate.error.email',
      name: 'donate.error.nameRequired',
    })
    expect(
      donationFieldErrors(schema.safeParse({ ...valid, amountChoice: 'custom', customAmount: '99999999' }).error!),
    ).toEqual({ customAmount: 'donate.error.amountMax' })
    expect(donationFieldErrors(schema.safeParse({ ...valid, currency: 'XXX' }).error!)).toEqual({
      currency: 'donate.error.currency',
    })
    expect(donationFieldErrors(schema.safeParse({ ...valid, designation: 'campaign' }).error!)).toEqual({
      campaign: 'donate.error.campaign',
    })
  })

  it('never throws on random input: either a gift or field errors', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(
            'amountChoice',
            'customAmount',
            'currency',
            'frequency',
            'designation',
            'displayMode',
            'email',
            'name',
            'message',
            'campaign',
            'coverFee',
            'targetId',
          ),
          fc.string(),
        ),
        (body) => {
          const r = schema.safeParse(body)
          if (r.success) expect(Number.isSafeInteger(r.data.amount)).toBe(true)
          else expect(Object.keys(donationFieldErrors(r.error)).length).toBeGreaterThan(0)
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('public display names', () => {
  it('shows full name, family name only, or 爱心人士', () => {
    expect(publicDisplayName('王小明', 'full')).toBe('王小明')
    expect(publicDisplayName('王小明', 'family')).toBe('王**')
    expect(publicDisplayName('欧阳小明', 'family')).toBe('欧阳**')
    expect(publicDisplayName('Jane Smith', 'family')).toBe('Smith')
    expect(publicDisplayName('王小明', 'anonymous')).toBe(ANONYMOUS_NAME)
  })
})

describe('payment methods', () => {
  it('offers Alipay and WeChat Pay only for one-time payments', () => {
    expect(paymentMethodsFor('CNY', 'once')).toEqual(['card', 'alipay', 'wechat_pay'])
    expect(paymentMethodsFor('CNY', 'monthly')).toEqual(['card'])
    expect(paymentMethodsFor('BRL', 'once')).toEqual(['card'])
  })
})
