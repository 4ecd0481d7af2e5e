import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatMoney, minorDigits, parseMoney } from '~/utils/money'

describe('money', () => {
  it('formats minor units exactly in both locales', () => {
    expect(formatMoney(123400, 'CNY', 'zh-CN')).toBe('¥1,234.00')
    expect(formatMoney(340, 'CNY', 'en')).toBe('CN¥3.40')
    expect(formatMoney(5, 'JPY', 'en')).toBe('¥5')
    expect(formatMoney(900719925474099, 'CNY', 'zh-CN')).toBe('¥9,007,199,254,740.99')
  })

  it('knows the minor digits of each currency, the same on every call', () => {
    for (let i = 0; i < 2; i++) {
      expect([minorDigits('CNY'), minorDigits('JPY'), minorDigits('KWD')]).toEqual([2, 0, 3])
      expect(formatMoney(-1234567, 'KWD', 'en')).toBe('-KWD 1,234.567')
      expect(formatMoney(-5, 'CNY', 'zh-CN')).toBe('-¥0.05')
    }
  })

  it('parses amounts without floats and rejects what is not money', () => {
    expect(parseMoney('100', 'CNY')).toBe(10000)
    expect(parseMoney('0.1', 'CNY')).toBe(10)
    expect(parseMoney('1,000.55', 'CNY')).toBe(100055)
    expect(parseMoney('¥12.3', 'CNY')).toBe(1230)
    for (const bad of ['', '1.234', '-5', 'abc', '1e5', '0x10', '12.']) expect(parseMoney(bad, 'CNY')).toBeUndefined()
  })

  it('round-trips every amount through format and parse', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 13 }), (amount) => {
        const text = formatMoney(amount, 'CNY', 'en').replace('CN¥', '')
        expect(parseMoney(text, 'CNY')).toBe(amount)
      }),
    )
  })

  it('refuses non-integer amounts', () => {
    expect(() => formatMoney(1.5, 'CNY')).toThrow(TypeError)
  })
})
