// Bulk builder for the 1,000,000-lot ledger: the same rows postDonation would write
// (hash chain, digests, donations, lots, balances), inserted with raw prepared
// statements in large transactions. The result is checked by verifyLedger afterwards.
import fs from 'node:fs'
import SQLite from 'better-sqlite3'
import { fundOfCampaign } from '../../app/modules/ledger/accounts'
import { GENESIS_HASH, canonicalRecord, chainHash, requestDigest } from '../../app/modules/ledger/hash.server'
import { createDatabase } from '../../app/utils/db.server'
import { migrateToLatest } from '../../db/migrator'
import { prng } from './lib'

export const BENCH_FUND = fundOfCampaign(1)
const BASE = Date.parse('2025-01-01T00:00:00.000Z')

export async function buildLots(file: string, count: number): Promise<void> {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  const { db } = createDatabase(`sqlite:${file}`)
  await migrateToLatest(db)
  await db.destroy()

  const raw = new SQLite(file)
  raw.pragma('journal_mode = DELETE')
  raw.pragma('synchronous = OFF')
  raw.pragma('foreign_keys = OFF')
  raw.pragma('cache_size = -262144')
  const now = new Date().toISOString()
  const insertTx = raw.prepare(
    'insert into ledger_transactions (sequence, idempotency_key, kind, occurred_at, recorded_at, refs, donation_ref, corrects, request_digest, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?)',
  )
  const insertTransfer = raw.prepare(
    'insert into ledger_transfers (sequence, position, from_account, to_account, amount, currency) values (?, ?, ?, ?, ?, ?)',
  )
  const insertDonation = raw.prepare(
    'insert into ledger_donations (id, donation_ref, sequence, fund, gross, fee, currency, display_name, paid_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const insertLot = raw.prepare(
    'insert into ledger_lots (id, sequence, donation_id, fund, currency, amount, paid_at, source_trace_id) values (?, ?, ?, ?, ?, ?, ?, null)',
  )
  const insertLotBalance = raw.prepare(
    'insert into ledger_lot_balances (lot_id, fund, currency, paid_at, remaining) values (?, ?, ?, ?, ?)',
  )

  for (const code of ['external:donors', 'external:fees', BENCH_FUND]) {
    raw
      .prepare('insert into ledger_accounts (code, kind, name, created_at) values (?, ?, ?, ?)')
      .run(code, code.split(':')[0], code, now)
  }
  const random = prng(1_000_000)
  let hash = GENESIS_HASH
  let gross = 0
  let fees = 0
  const batch = raw.transaction((from: number, to: number) => {
    for (let i = from; i <= to; i++) {
      const amount = 1000 + Math.floor(random() * 19000)
      const fee = i % 3 === 0 ? Math.round(amount * 0.034) : 0
      const paidAt = new Date(BASE + i * 30_000).toISOString()
      const ref = `D-B${i}`
      const refs = { donation: ref, donor: '爱心人士' }
      const transfers: { from: string; to: string; amount: number; currency: string }[] = [
        { from: 'external:donors', to: BENCH_FUND, amount, currency: 'CNY' },
      ]
      if (fee) transfers.push({ from: BENCH_FUND as string, to: 'external:fees', amount: fee, currency: 'CNY' })
      const digest = requestDigest('donation', paidAt, { refs, transfers })
      const next = chainHash(hash, canonicalRecord(i, 'donation', paidAt, refs, transfers))
      insertTx.run(i, `bench:donation:${i}`, 'donation', paidAt, now, JSON.stringify(refs), ref, digest, hash, next)
      transfers.forEach((t, p) => insertTransfer.run(i, p, t.from, t.to, t.amount, t.currency))
      insertDonation.run(i, ref, i, BENCH_FUND, amount, fee, 'CNY', '爱心人士', paidAt)
      insertLot.run(i, i, i, BENCH_FUND, 'CNY', amount - fee, paidAt)
      insertLotBalance.run(i, BENCH_FUND, 'CNY', paidAt, amount - fee)
      hash = next
      gross += amount
      fees += fee
    }
  })
  for (let from = 1; from <= count; from += 50_000) batch(from, Math.min(count, from + 49_999))

  const balance = raw.prepare('insert into ledger_balances (account, currency, balance) values (?, ?, ?)')
  balance.run('external:donors', 'CNY', -gross)
  balance.run('external:fees', 'CNY', fees)
  balance.run(BENCH_FUND, 'CNY', gross - fees)
  // The head only moves forward one at a time; a bulk load moves it once, with the guard lifted.
  const guard = raw
    .prepare("select sql from sqlite_master where type = 'trigger' and name = 'ledger_head_forward'")
    .get() as { sql: string }
  raw.exec('drop trigger ledger_head_forward')
  raw.prepare('update ledger_head set sequence = ?, hash = ?, updated_at = ? where id = 1').run(count, hash, now)
  raw.exec(guard.sql)
  raw.exec('analyze')
  raw.close()
}
