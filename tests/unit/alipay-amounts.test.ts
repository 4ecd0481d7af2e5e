import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { alipayFee } from '~/modules/payments/alipay.server'
import { decimalToMinor, toDecimalString } from '~/utils/money'
import { parseEnv } from '~/utils/env.server'

// Alipay speaks yuan as decimal strings; we book fen. Conversions are string and integer
// arithmetic only, and round-trip exactly.
describe('Alipay amounts and configuration', () => {
  it('converts total_amount to fen exactly, refusing anything but a plain decimal', () => {
    expect(decimalToMinor('0.01', 'CNY')).toBe(1)
    expect(decimalToMinor('0.1', 'CNY')).toBe(10)
    expect(decimalToMinor('100', 'CNY')).toBe(10000)
    expect(decimalToMinor('88.88', 'CNY')).toBe(8888)
    expect(decimalToMinor('1234567.89', 'CNY')).toBe(123456789)
    for (const bad of ['', '1.005', '1e2', '-1.00', '+1', ' 1.00', '1,000.00', '¥1.00', '.5', '1.', 'NaN'])
      expect(decimalToMinor(bad, 'CNY'), bad).toBeUndefined()
  })

  it('round-trips every amount in fen through yuan text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), (fen) => {
        const text = toDecimalString(fen, 'CNY')
        expect(text).toMatch(/^\d+\.\d{2}$/)
        expect(decimalToMinor(text, 'CNY')).toBe(fen)
      }),
    )
    expect(toDecimalString(5, 'CNY')).toBe('0.05')
    expect(toDecimalString(12345, 'CNY')).toBe('123.45')
  })

  it('books the configured fee rate half up in integer arithmetic', () => {
    expect(alipayFee(10000, 60)).toBe(60)
    expect(alipayFee(8888, 60)).toBe(53) // 53.328
    expect(alipayFee(25, 60)).toBe(0) // 0.15
    expect(alipayFee(250, 60)).toBe(2) // 1.5 rounds up
    expect(alipayFee(10000, 0)).toBe(0)
  })

  it('validates the ALIPAY_* variables and keeps ALIPAY_GATEWAY out of production', () => {
    expect(parseEnv({}).ALIPAY_FEE_RATE_BPS).toBe(60)
    const keys = { ALIPAY_APP_PRIVATE_KEY_PATH: '/k/app.pem', ALIPAY_PUBLIC_KEY_PATH: '/k/alipay.pem' }
    const ok = parseEnv({ ALIPAY_APP_ID: '2021000000000001', ALIPAY_SELLER_ID: '2088000000000001', ...keys })
    expect(ok.ALIPAY_APP_ID).toBe('2021000000000001')
    expect(() => parseEnv({ ALIPAY_APP_ID: '2021000000000001' })).toThrowError(
      /ALIPAY_APP_PRIVATE_KEY_PATH.*required with ALIPAY_APP_ID/,
    )
    expect(() => parseEnv({ ALIPAY_APP_ID: 'abc' })).toThrowError(/ALIPAY_APP_ID/)
    expect(() => parseEnv({ ALIPAY_FEE_RATE_BPS: '0.6' })).toThrowError(/ALIPAY_FEE_RATE_BPS/)
    expect(() =>
      parseEnv({
        NODE_ENV: 'production',
        SESSION_SECRET: 'x'.repeat(32),
        BASE_URL: 'https://hope.example.org',
        ALIPAY_GATEWAY: 'http://127.0.0.1:9090/gateway.do',
      }),
    ).toThrowError(/ALIPAY_GATEWAY.*tests and fakes only/)
  })
})
