import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportDataset } from '~/modules/ledger'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { giveAt, newCampaign, newPool, staffUser } from '../support/matching'

// An independent verifier: every match recomputed from the exported transactions and
// transfers alone, by the rule written in public/open-data.md section 9 (none of our code).
describe.skipIf(skipReason)(`matches recomputed from the export on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
    const staff = await staffUser(t.db)
    const random = await newCampaign(t.db)
    await newPool(t.db, staff, random, { rule: 'random', randomMin: '0.50', randomMax: '88.88' }, 2_000_00)
    const ratio = await newCampaign(t.db)
    await newPool(t.db, staff, ratio, { ratioGift: '1', ratioMatch: '2', capPerGift: '150' }, 1_000_00)
    for (let i = 0; i < 12; i++) await giveAt(t.db, { campaignId: random, amount: 10_00 + i * 7 })
    for (let i = 0; i < 6; i++) await giveAt(t.db, { campaignId: ratio, amount: 40_00 + i * 25_00 })
  })
  afterAll(async () => t?.destroy())

  async function rows(dataset: 'transactions' | 'transfers') {
    let text = ''
    for await (const chunk of exportDataset(t.db, { dataset, format: 'jsonl' })) text += chunk
    return text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>)
  }

  it('recomputes every match, random and ratio, and each cut', async () => {
    const txs = await rows('transactions')
    const transfers = await rows('transfers')
    const byDonation = new Map(txs.filter((x) => x.kind === 'donation').map((x) => [x.refs.donation, x]))
    const gross = (sequence: string) =>
      Number(transfers.find((r) => r.sequence === sequence && r.from === 'external:donors')!.amount)
    const matches = txs.filter((x) => x.kind === 'match')
    expect(matches.length).toBeGreaterThanOrEqual(12)
    let random = 0
    let cut = 0
    for (const m of matches) {
      const gift = byDonation.get(m.refs.matches)!
      expect(m.prev_hash).toBe(gift.hash)
      const [kind, p, q] = String(m.refs.rule).split(':') as [string, string, string]
      let raw: number
      if (kind === 'random') {
        const n = Number.parseInt(
          createHash('sha256')
            .update(`hope-ledger/match:${m.prev_hash}:${m.refs.matches}`, 'utf8')
            .digest('hex')
            .slice(0, 12),
          16,
        )
        raw = Number(p) + (n % (Number(q) - Number(p) + 1))
        random++
      } else raw = Math.floor((gross(gift.sequence) * Number(q)) / Number(p))
      expect(Number(m.refs.raw)).toBe(raw)
      const [move] = transfers.filter((r) => r.sequence === m.sequence)
      expect(move!.from).toBe(`fund:match:${m.refs.pool}`)
      const amount = Number(move!.amount)
      if (m.refs.cut) {
        cut++
        expect(amount).toBeLessThan(raw)
      } else expect(amount).toBe(raw)
    }
    expect(random).toBeGreaterThan(0)
    expect(cut).toBeGreaterThan(0) // the ratio pool's per-gift cap cuts the larger gifts
  })
})
