// Bulk builder for the transparency benches: the demo (stations, programmes, campaigns,
// 60 students, its gifts) plus 10,000 more pseudonymous students (nine in ten with public-story consent), a bench campaign with
// 1,000,000 donations (each with its giving row and tracking code) and 100,000 awards
// interleaved (one after every ten donations), drawn first in, first out exactly as
// postDonation/postAward would write them: hash chain, digests, lots, traces,
// remainders, balances. Raw prepared statements in large transactions; the result is
// checked by verifyLedger afterwards.
import fs from 'node:fs'
import SQLite from 'better-sqlite3'
import { GENESIS_HASH, canonicalRecord, chainHash, digestOf } from '../../app/modules/ledger/hash.server'
import { createDatabase } from '../../app/utils/db.server'
import { migrateToLatest } from '../../db/migrator'
import { seedDemo } from '../../db/seed/demo'
import { prng } from './lib'

export type BuiltData = { donations: number; awards: number; head: number; fund: string; trackingCodes: string[] }

const BASE = Date.parse('2025-01-01T00:00:00.000Z')
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

export async function buildTransparencyData(file: string, donations: number, awardEvery = 10): Promise<BuiltData> {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  const { db } = createDatabase(`sqlite:${file}`)
  await migrateToLatest(db)
  await seedDemo(db, { now: new Date('2025-01-01T00:00:00Z') })
  await db.destroy()

  const raw = new SQLite(file)
  raw.pragma('journal_mode = DELETE')
  raw.pragma('synchronous = OFF')
  raw.pragma('cache_size = -262144')
  const now = new Date().toISOString()
  const random = prng(8_000_000)

  // A bench campaign and its fund.
  const programme = raw.prepare("select id from programmes where slug = 'sunshine-bursary'").get() as { id: number }
  const root = raw.prepare("select id from stations where level = 'province'").get() as { id: number }
  const campaignId = Number(
    raw.prepare(`insert into campaigns (slug, title, title_en, goal_amount, currency, programme_id, station_id, status, starts_at, ends_at, created_at)
      values ('bench-million', '百万捐赠压测项目', 'Bench: a million gifts', 100000000000, 'CNY', ?, ?, 'active', ?, null, ?)`).run(programme.id, root.id, new Date(BASE).toISOString(), now).lastInsertRowid,
  )
  const fund = `fund:campaign:${campaignId}`

  // 10,000 more students (fake, like the demo's), spread over the county stations.
  const counties = raw.prepare("select id, code from stations where level in ('county', 'township', 'community')").all() as { id: number; code: string }[]
  const insertStudent = raw.prepare(`insert into beneficiaries (public_code, station_id, legal_name, gender, birth_date, national_id, school, grade, categories, guardian_name, guardian_phone, status, created_at)
    values (?, ?, ?, 'female', '2014-05-05', ?, '压测学校', '小学五年级', '["dibao"]', '压测监护人', '19999999999', 'active', ?)`)
  // Guardian consent: nine in ten allow the public story (pseudonym, county, grade); the rest do not.
  const insertConsent = raw.prepare(`insert into beneficiary_consents (beneficiary_id, guardian_name, relationship, consented_on, public_story, photo, first_name_to_sponsor, recorded_at)
    values (?, '压测监护人', 'mother', '2025-01-01', ?, 0, 0, ?)`)
  const students: { id: number; code: string }[] = []
  raw.transaction(() => {
    for (let i = 0; i < 10_000; i++) {
      const station = counties[i % counties.length]!
      const code = `HP-B${station.code.slice(0, 6)}-${String(i + 1).padStart(5, '0')}`
      const id = Number(insertStudent.run(code, station.id, `压测学生${i}`, `BENCH${String(i).padStart(12, '0')}`, now).lastInsertRowid)
      insertConsent.run(id, i % 10 === 9 ? 0 : 1, now)
      students.push({ id, code })
    }
  })()

  const head = raw.prepare('select sequence, hash from ledger_head where id = 1').get() as { sequence: number; hash: string }
  const max = (table: string) => Number((raw.prepare(`select coalesce(max(id), 0) as n from ${table}`).get() as { n: number }).n)
  let sequence = head.sequence
  let hash = head.hash === GENESIS_HASH ? GENESIS_HASH : head.hash
  let donationId = max('ledger_donations')
  let lotId = max('ledger_lots')
  let traceId = max('ledger_traces')

  const q = {
    tx: raw.prepare('insert into ledger_transactions (sequence, idempotency_key, kind, occurred_at, recorded_at, refs, donation_ref, corrects, request_digest, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?)'),
    transfer: raw.prepare('insert into ledger_transfers (sequence, position, from_account, to_account, amount, currency) values (?, ?, ?, ?, ?, ?)'),
    donation: raw.prepare('insert into ledger_donations (id, donation_ref, sequence, fund, gross, fee, currency, display_name, paid_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    lot: raw.prepare('insert into ledger_lots (id, sequence, donation_id, fund, currency, amount, paid_at, source_trace_id) values (?, ?, ?, ?, ?, ?, ?, null)'),
    lotBalance: raw.prepare('insert into ledger_lot_balances (lot_id, fund, currency, paid_at, remaining) values (?, ?, ?, ?, ?)'),
    setLot: raw.prepare('update ledger_lot_balances set remaining = ? where lot_id = ?'),
    trace: raw.prepare("insert into ledger_traces (id, sequence, kind, lot_id, amount, currency, beneficiary_id, beneficiary_code, parent_id) values (?, ?, 'award', ?, ?, 'CNY', ?, ?, null)"),
    traceBalance: raw.prepare("insert into ledger_trace_balances (trace_id, beneficiary_id, currency, unpaid) values (?, ?, 'CNY', ?)"),
    account: raw.prepare('insert or ignore into ledger_accounts (code, kind, name, created_at) values (?, ?, ?, ?)'),
    gift: raw.prepare(`insert into donations (public_id, tracking_code, status, frequency, designation, campaign_id, target_id, fund, amount, currency, cover_fee, fee_amount, refunded_amount,
      donor_name, donor_email, display_mode, display_name, message, locale, provider, created_at, paid_at) values (?, ?, 'paid', 'once', 'campaign', ?, null, ?, ?, 'CNY', 0, ?, 0, '压测捐赠人', 'bench@example.test', 'anonymous', '爱心人士', null, 'zh-CN', 'demo', ?, ?)`),
  }
  q.account.run(fund, 'fund', fund, now)

  // FIFO over this fund's lots, in lot order (paid times increase with the lot id).
  const open: { id: number; remaining: number }[] = []
  let head0 = 0
  let gross = 0
  let fees = 0
  let awarded = 0
  const payables = new Map<string, number>()
  const trackingCodes: string[] = []
  const tracking = () => {
    let s = ''
    for (let i = 0; i < 25; i++) s += ALPHABET[Math.floor(random() * 32)]
    return s
  }
  let made = 0
  let awards = 0
  const step = raw.transaction((count: number) => {
    for (let k = 0; k < count && made < donations; k++) {
      made++
      sequence++
      const amount = 1000 + Math.floor(random() * 19000)
      const fee = made % 3 === 0 ? Math.round(amount * 0.034) : 0
      const paidAt = new Date(BASE + made * 25_000).toISOString()
      const ref = `D-M${String(made).padStart(7, '0')}`
      const refs = { donation: ref, donor: '爱心人士' }
      const transfers = [{ from: 'external:donors', to: fund, amount, currency: 'CNY' }]
      if (fee) transfers.push({ from: fund, to: 'external:fees', amount: fee, currency: 'CNY' })
      const digest = digestOf({ kind: 'donation', occurredAt: paidAt, refs, transfers })
      const next = chainHash(hash, canonicalRecord(sequence, 'donation', paidAt, refs, transfers))
      q.tx.run(sequence, `bench:donation:${made}`, 'donation', paidAt, now, JSON.stringify(refs), ref, digest, hash, next)
      transfers.forEach((t, p) => q.transfer.run(sequence, p, t.from, t.to, t.amount, t.currency))
      donationId++
      lotId++
      q.donation.run(donationId, ref, sequence, fund, amount, fee, 'CNY', '爱心人士', paidAt)
      q.lot.run(lotId, sequence, donationId, fund, 'CNY', amount - fee, paidAt)
      q.lotBalance.run(lotId, fund, 'CNY', paidAt, amount - fee)
      open.push({ id: lotId, remaining: amount - fee })
      const code = tracking()
      q.gift.run(ref, code, campaignId, fund, amount, fee, paidAt, paidAt)
      if (made % 100 === 0) trackingCodes.push(code)
      hash = next
      gross += amount
      fees += fee

      if (made % awardEvery === 0) {
        sequence++
        awards++
        const student = students[Math.floor(random() * students.length)]!
        const payable = `payable:beneficiary:${student.id}`
        const occurredAt = new Date(BASE + made * 25_000 + 1000).toISOString()
        const amountA = 50_000
        const refsA = { beneficiary: student.code, programme: 'sunshine-bursary', term: awards % 2 ? '2026-autumn' : '2027-spring' }
        const transfersA = [{ from: fund, to: payable, amount: amountA, currency: 'CNY' }]
        const digestA = digestOf({ kind: 'award', occurredAt, refs: refsA, transfers: transfersA })
        const nextA = chainHash(hash, canonicalRecord(sequence, 'award', occurredAt, refsA, transfersA))
        q.account.run(payable, 'payable', student.code, now)
        q.tx.run(sequence, `bench:award:${awards}`, 'award', occurredAt, now, JSON.stringify(refsA), null, digestA, hash, nextA)
        q.transfer.run(sequence, 0, fund, payable, amountA, 'CNY')
        let need = amountA
        while (need > 0) {
          const lot = open[head0]!
          const take = Math.min(lot.remaining, need)
          lot.remaining -= take
          need -= take
          traceId++
          q.trace.run(traceId, sequence, lot.id, take, student.id, student.code)
          q.traceBalance.run(traceId, student.id, take)
          q.setLot.run(lot.remaining, lot.id)
          if (lot.remaining === 0) head0++
        }
        payables.set(payable, (payables.get(payable) ?? 0) + amountA)
        awarded += amountA
        hash = nextA
      }
    }
  })
  while (made < donations) step(20_000)

  const upsert = raw.prepare('insert into ledger_balances (account, currency, balance) values (?, ?, ?) on conflict (account, currency) do update set balance = balance + excluded.balance')
  raw.transaction(() => {
    upsert.run('external:donors', 'CNY', -gross)
    upsert.run('external:fees', 'CNY', fees)
    upsert.run(fund, 'CNY', gross - fees - awarded)
    for (const [account, amount] of payables) upsert.run(account, 'CNY', amount)
  })()
  const guard = raw.prepare("select sql from sqlite_master where type = 'trigger' and name = 'ledger_head_forward'").get() as { sql: string }
  raw.exec('drop trigger ledger_head_forward')
  raw.prepare('update ledger_head set sequence = ?, hash = ?, updated_at = ? where id = 1').run(sequence, hash, now)
  raw.exec(guard.sql)
  raw.exec('analyze')
  raw.close()
  return { donations: made, awards, head: sequence, fund, trackingCodes }
}
