import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { publicDisplayName } from '~/modules/donations/display-name'
import { exportDataset } from '~/modules/ledger'

// public/open-data.md and the code say the same thing: the masking examples are what the
// privacy rule writes, and the line endings are what the export writes.
const doc = readFileSync('public/open-data.md', 'utf8')

describe('public/open-data.md', () => {
  it('gives masking examples that the privacy rule reproduces, Latin names included', () => {
    const rule = doc.slice(doc.indexOf('family name only:'), doc.indexOf('full name:'))
    const pairs = [...rule.matchAll(/`([^`]+)` → `([^`]+)`/g)].map((m) => [m[1]!, m[2]!])
    expect(pairs.length).toBeGreaterThanOrEqual(3)
    expect(pairs.some(([name]) => /^[A-Za-z ]+$/.test(name!))).toBe(true)
    for (const [name, shown] of pairs) expect(publicDisplayName(name!, 'family'), name).toBe(shown)
    expect(doc).not.toMatch(/`王\*`/)
  })

  it('states CRLF for CSV and LF for JSON lines, as the export writes them', async () => {
    expect(doc).toMatch(/ending in carriage return \+ line feed `\\r\\n` \(CRLF\)/)
    expect(doc).toMatch(/line feed `\\n`\s+\(LF\) after every line/)
    // The header comes before any query, so a database is not needed.
    const fake = {} as Parameters<typeof exportDataset>[0]
    const first = await exportDataset(fake, { dataset: 'accounts', format: 'csv' }).next()
    expect(first.value).toBe('code,kind,name\r\n')
  })
})
