import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { csvField } from '~/modules/ledger/export.server'

const doc = readFileSync('public/open-data.md', 'utf8')

describe('open-data CSV formula cells', () => {
  it('neutralises what a spreadsheet would run, as public/open-data.md says, and leaves numbers', () => {
    expect(csvField('=HYPERLINK("https://evil.example","x")')).toBe(`"'=HYPERLINK(""https://evil.example"",""x"")"`)
    for (const v of ['+1+1', '-1+1', '@SUM(A1)', '\tx', '\r=1']) expect(csvField(v).replace(/^"/, '')).toMatch(/^'/)
    expect(csvField('-5')).toBe('-5')
    expect(csvField('12345')).toBe('12345')
    expect(csvField('林**')).toBe('林**')
    expect(csvField({ beneficiary: 'withheld' })).toBe('"{""beneficiary"":""withheld""}"')
    expect(doc).toContain("'=HYPERLINK(…)")
  })
})
