import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fundOfCampaign, getHead, inTransaction, postDonation } from '~/modules/ledger'
import { listTransactions } from '~/modules/transparency/ledger.server'
import * as ledgerRoute from '~/routes/ledger._index'
import * as txRoute from '~/routes/ledger.$sequence'
import { call, get, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { moreActivity } from './transparency.fixtures'

// Keyset pagination over the public ledger: every transaction exactly once across
// pages, newest first, even while new transactions keep arriving.

describe.skipIf(skipReason)(`public ledger pagination on ${testDialect}`, () => {
  let t: TestDb
  let n = 0
  beforeAll(async () => {
    t = await seededDb()
    await moreActivity(t.db, 'P1')
  })
  afterAll(async () => t?.destroy())

  const arrive = async (count: number) => {
    const c = await t.db.selectFrom('campaigns').select('id').orderBy('id').executeTakeFirstOrThrow()
    await inTransaction(t.db, async (trx) => {
      for (let i = 0; i < count; i++) {
        n++
        await postDonation(trx, {
          idempotencyKey: `arrive:${n}`,
          donationRef: `D-ARRIVE-${n}`,
          fund: fundOfCampaign(c.id),
          amount: 1000 + n,
          fee: 0,
          currency: 'CNY',
          paidAt: new Date().toISOString(),
          displayName: '爱心人士',
        })
      }
    })
  }

  it('walks older pages: each transaction once, descending, while new ones arrive', async () => {
    const start = Number((await getHead(t.db)).sequence)
    const seen: number[] = []
    let before: number | undefined
    for (let page = 0; page < 1000; page++) {
      const p = await listTransactions(t.db, { before, limit: 7 })
      seen.push(...p.rows.map((r) => r.sequence))
      await arrive(2) // new transactions land above the first page, never inside the walk
      if (p.older === null) break
      before = p.older
    }
    const firstPage = seen.slice(0, 7)
    expect(firstPage[0]).toBe(start)
    expect(seen).toEqual([...seen].sort((a, b) => b - a))
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.length).toBe(start)
    expect(seen.at(-1)).toBe(1)
  })

  it('walks newer pages back up to the head, and filters by kind, fund, campaign and date', async () => {
    const head = Number((await getHead(t.db)).sequence)
    const seen: number[] = []
    let after: number | undefined = 0
    for (let page = 0; page < 1000; page++) {
      const p = await listTransactions(t.db, { after, limit: 9 })
      seen.push(...p.rows.map((r) => r.sequence))
      if (p.newer === null) break
      after = p.newer
    }
    expect(new Set(seen).size).toBe(head)

    const all = await t.db
      .selectFrom('ledger_transactions')
      .select(['sequence', 'kind', 'occurred_at'])
      .orderBy('sequence', 'desc')
      .execute()
    const transfers = await t.db
      .selectFrom('ledger_transfers')
      .select(['sequence', 'from_account', 'to_account'])
      .execute()
    const touches = (seq: number, account: string) =>
      transfers.some((x) => Number(x.sequence) === seq && (x.from_account === account || x.to_account === account))
    const walk = async (filter: Parameters<typeof listTransactions>[1]) => {
      const out: number[] = []
      let before: number | undefined
      for (let i = 0; i < 1000; i++) {
        const p = await listTransactions(t.db, { ...filter, before, limit: 5 })
        out.push(...p.rows.map((r) => r.sequence))
        if (p.older === null) break
        before = p.older
      }
      return out
    }
    const fund = fundOfCampaign(
      (await t.db.selectFrom('campaigns').select('id').orderBy('id').executeTakeFirstOrThrow()).id,
    )
    expect(await walk({ kind: 'award' })).toEqual(all.filter((x) => x.kind === 'award').map((x) => Number(x.sequence)))
    expect(await walk({ account: fund })).toEqual(
      all.filter((x) => touches(Number(x.sequence), fund)).map((x) => Number(x.sequence)),
    )
    expect(await walk({ account: fund, kind: 'donation' })).toEqual(
      all.filter((x) => x.kind === 'donation' && touches(Number(x.sequence), fund)).map((x) => Number(x.sequence)),
    )
    const from = '2026-11-20T00:00:00.000Z'
    const to = '2026-11-20T12:00:00.000Z'
    expect(await walk({ from, to })).toEqual(
      all.filter((x) => x.occurred_at >= from && x.occurred_at <= to).map((x) => Number(x.sequence)),
    )
  })

  it('the page routes parse their input and link each row to its detail', async () => {
    const o = await call(ledgerRoute.loader as any, get('/ledger?kind=award&limit=3'))
    expect(o.status).toBe(200)
    expect(o.body.view.rows.every((r: { kind: string }) => r.kind === 'award')).toBe(true)
    const bad = await call(ledgerRoute.loader as any, get('/ledger?kind=bogus&before=-1'))
    expect(bad.status).toBe(200)
    expect(bad.body.invalid).toBe(true)
    const campaign = await call(ledgerRoute.loader as any, get('/ledger?campaign=no-such-campaign'))
    expect(campaign.body.view.rows).toEqual([])
    const award = o.body.view.rows[0]
    const detail = await call(txRoute.loader as any, get(`/ledger/${award.sequence}`), {
      sequence: String(award.sequence),
    })
    expect(detail.status).toBe(200)
    expect(detail.body.tx.traces.length).toBeGreaterThan(0)
    expect(detail.body.tx.traces[0].beneficiary).toMatch(/^HP-/)
    expect(detail.body.tx.prevHash).toMatch(/^[0-9a-f]{64}$/)
    expect(Object.keys(detail.body.tx)).not.toContain('idempotencyKey')
    expect((await call(txRoute.loader as any, get('/ledger/999999999'), { sequence: '999999999' })).status).toBe(404)
    expect((await call(txRoute.loader as any, get('/ledger/abc'), { sequence: 'abc' })).status).toBe(404)
  })
})
