import { describe, expect, it } from 'vitest'
import { codesMatch, displayCode, newVerificationCode, normaliseCode } from '~/modules/receipts/code.server'
import { receiptLinks } from '~/modules/receipts/links'
import { formatReceiptNumber, RECEIPT_NUMBER, receiptYear } from '~/modules/receipts/numbering.server'

describe('receipt numbers', () => {
  it('are HL-<year>-<six digits>, growing past a million without breaking the pattern', () => {
    expect(formatReceiptNumber(2026, 123)).toBe('HL-2026-000123')
    expect(formatReceiptNumber(2026, 1_234_567)).toBe('HL-2026-1234567')
    expect(RECEIPT_NUMBER.test('HL-2026-000123')).toBe(true)
    expect(RECEIPT_NUMBER.test('HL-2026-12')).toBe(false)
  })

  it('take the year in China time', () => {
    expect(receiptYear('2026-12-31T15:59:59.999Z')).toBe(2026)
    expect(receiptYear('2026-12-31T16:00:00.000Z')).toBe(2027)
    expect(() => receiptYear('not a time')).toThrow(RangeError)
  })
})

describe('verification codes', () => {
  it('are 12 symbols of Crockford base32, all different', () => {
    const codes = Array.from({ length: 2000 }, newVerificationCode)
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/)
    expect(new Set(codes).size).toBe(codes.length)
  })

  it('accept what people type: case, dashes, spaces, O for 0, I and L for 1', () => {
    const code = 'K7P2M9QX4T01'
    expect(displayCode(code)).toBe('K7P2-M9QX-4T01')
    expect(normaliseCode(' k7p2-m9qx 4to1 ')).toBe(code)
    expect(codesMatch(code, 'k7p2-m9qx-4tOl')).toBe(true)
    expect(codesMatch(code, 'K7P2M9QX4T02')).toBe(false)
    expect(codesMatch(code, '')).toBe(false)
  })

  it('go into the verification and PDF links, escaped', () => {
    const links = receiptLinks('https://hope.example.org', {
      number: 'HL-2026-000123',
      code: 'K7P2M9QX4T01',
      trackingCode: 'tr_abc',
    })
    expect(links).toEqual({
      traceUrl: 'https://hope.example.org/trace/tr_abc',
      verifyUrl: 'https://hope.example.org/receipts/verify?number=HL-2026-000123&code=K7P2M9QX4T01',
      pdfUrl: 'https://hope.example.org/receipts/HL-2026-000123.pdf?code=K7P2M9QX4T01',
    })
  })
})
