// Bulk mode: the rows postDonation, fulfilDonation (donation, receipt) and postAward would
// write — hash chain, digests, lots drawn first in first out, traces, remainders, balances —
// computed here and written in large transactions, for sizes the modules would take hours
// over. Students come with guardian consent (nine in ten allow the public story). Receipt
// emails are not queued: a million queued mails is not what a bench database wants.
import { writeVersionForTests } from '../../../app/modules/ledger/write.server'
import { GENESIS_HASH, canonicalRecord, chainHash, requestDigest } from '../../../app/modules/ledger/hash.server'
import { defaultAccountName, payableOf } from '../../../app/modules/ledger/accounts'
import { demoFee } from '../../../app/modules/payments/demo.server'
import { formatReceiptNumber, receiptYear } from '../../../app/modules/receipts/numbering.server'
import { newVerificationCode } from '../../../app/modules/receipts/code.server'
import { createDatabase, dialectOf } from '../../../app/utils/db.server'
import { prng } from '../lib'
import { AWARD_AMOUNT, awardsDue, createBenchCampaign, studentStations, type Sizes } from './setup'
import { EXPLICIT_IDS, postgresSink, sqliteSink, type Sink } from './sink'

// Bulk rows are hashed as version-1 records (no disclosures written), so every posting of a
// generated database is version 1: it models a database from before the version-2 switch.
writeVersionForTests(1)

export type BulkOptions = Sizes & {
  seed: number
  /** The generated campaign's slug and titles (default generated-<n>). */
  campaign?: { slug: string; title: string; titleEn: string }
  /** Part of every generated code, so two runs on one database do not collide (default G<campaign id>). */
  tag?: string
  /** Issue each donation's receipt (numbered per year, as insertReceipt does). */
  receipts: boolean
  /** Donations per transaction. */
  chunk?: number
}
export type BulkResult = {
  campaignId: number
  fund: string
  donations: number
  students: number
  awards: number
  head: number
  trackingCodes: string[]
}

const BASE = Date.parse('2025-01-01T00:00:00.000Z')
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

export async function bulkGenerate(url: string, options: BulkOptions): Promise<BulkResult> {
  if (options.awards && !options.students) throw new Error('awards need students')
  // Amounts first (their own stream), so a request the gifts cannot pay for is refused
  // before anything is written. Awards wait for money, so the total is what matters.
  const amountStream = prng(options.seed)
  const amounts = Int32Array.from({ length: options.donations }, () => 1000 + Math.floor(amountStream() * 19000))
  // One gift in three carries the (simulated) processing fee.
  const feeOf = (made: number, amount: number) => (made % 3 === 0 ? demoFee(amount) : 0)
  const net = amounts.reduce((s, a, i) => s + a - feeOf(i + 1, a), 0)
  const awardable = Math.floor(net / AWARD_AMOUNT)
  if (awardable < options.awards)
    throw new Error(
      `the ${options.donations} donations (net ${net}) cover only ${awardable} of ${options.awards} awards of ${AWARD_AMOUNT}`,
    )

  const now = new Date().toISOString()
  const { db } = createDatabase(url, { poolSize: 1 })
  const dialect = dialectOf(db)
  const campaign = await createBenchCampaign(db, { ...options.campaign, startsAt: new Date(BASE).toISOString(), now })
  const stations = await studentStations(db)
  await db.destroy()
  const tag = options.tag ?? `G${campaign.id}`
  const fund = campaign.fund
  // Tracking codes and award students from a second stream; a second run on one database
  // (default tag) draws other tracking codes than the first.
  const random = prng((options.tag ? options.seed : options.seed * 7919 + campaign.id) ^ 0x5bd1e995)

  const sink: Sink = dialect === 'sqlite' ? sqliteSink(url.replace(/^(sqlite|file):/, '')) : postgresSink(url)
  try {
    const one = async (q: string) =>
      Number(Object.values((await sink.all<Record<string, unknown>>(q))[0] ?? { n: 0 })[0] ?? 0)
    const maxId = (table: string, column = 'id') => one(`select coalesce(max(${column}), 0) as n from ${table}`)
    const head = (
      await sink.all<{ sequence: number; hash: string }>('select sequence, hash from ledger_head where id = 1')
    )[0]!
    let sequence = Number(head.sequence)
    let hash = head.hash || GENESIS_HASH
    const ids = {
      student: await maxId('beneficiaries'),
      consent: await maxId('beneficiary_consents'),
      ledgerDonation: await maxId('ledger_donations'),
      lot: await maxId('ledger_lots'),
      trace: await maxId('ledger_traces'),
      gift: await maxId('donations'),
      receipt: await maxId('receipts'),
    }
    const counters = new Map(
      (await sink.all<{ year: number; last_sequence: number }>('select year, last_sequence from receipt_counters')).map(
        (r) => [Number(r.year), Number(r.last_sequence)],
      ),
    )

    await sink.begin()
    for (const code of ['external:donors', 'external:fees', fund])
      sink.add('ledger_accounts', [code, code.split(':')[0]!, defaultAccountName(code), now])
    const students: { id: number; code: string }[] = []
    for (let i = 0; i < options.students; i++) {
      const station = stations[i % stations.length]!
      const id = ++ids.student
      const code = `HP-${tag}${station.code.slice(0, 6)}-${String(i + 1).padStart(5, '0')}`
      sink.add('beneficiaries', [
        id,
        code,
        station.id,
        `压测学生${i}`,
        'female',
        '2014-05-05',
        `${tag}N${String(i).padStart(12, '0')}`,
        '压测学校',
        '小学五年级',
        '["dibao"]',
        '压测监护人',
        '19999999999',
        'active',
        now,
      ])
      sink.add('beneficiary_consents', [
        ++ids.consent,
        id,
        '压测监护人',
        'mother',
        '2025-01-01',
        i % 10 === 9 ? 0 : 1,
        0,
        0,
        now,
      ])
      students.push({ id, code })
      await sink.flushIfFull()
    }

    // FIFO over this fund's lots: lot ids (and paid times) increase, so `open` is in draw order.
    const open: { id: number; remaining: number; paidAt: string }[] = []
    let head0 = 0
    let gross = 0
    let fees = 0
    let awarded = 0
    let made = 0
    let awards = 0
    const payables = new Map<string, number>()
    const trackingCodes: string[] = []
    const tracking = () => {
      let s = ''
      for (let i = 0; i < 25; i++) s += ALPHABET[Math.floor(random() * 32)]
      return s
    }
    const award = (occurredAt: string) => {
      sequence++
      awards++
      const student = students[Math.floor(random() * students.length)]!
      const payable = payableOf(student.id)
      const refs = {
        beneficiary: student.code,
        programme: 'sunshine-bursary',
        term: campaign.terms[awards % campaign.terms.length]!,
      }
      const transfers = [{ from: fund, to: payable, amount: AWARD_AMOUNT, currency: 'CNY' }]
      const next = chainHash(hash, canonicalRecord(sequence, 'award', occurredAt, refs, transfers))
      sink.add('ledger_accounts', [payable, 'payable', student.code, now])
      sink.add('ledger_transactions', [
        sequence,
        `bench:${tag}:award:${awards}`,
        'award',
        occurredAt,
        now,
        JSON.stringify(refs),
        null,
        null,
        requestDigest('award', occurredAt, { refs, transfers }),
        hash,
        next,
      ])
      sink.add('ledger_transfers', [sequence, 0, fund, payable, AWARD_AMOUNT, 'CNY'])
      let need = AWARD_AMOUNT
      while (need > 0) {
        const lot = open[head0]!
        const take = Math.min(lot.remaining, need)
        lot.remaining -= take
        need -= take
        const traceId = ++ids.trace
        sink.add('ledger_traces', [traceId, sequence, 'award', lot.id, take, 'CNY', student.id, student.code, null])
        sink.add('ledger_trace_balances', [traceId, student.id, 'CNY', take])
        if (lot.remaining === 0) head0++
      }
      payables.set(payable, (payables.get(payable) ?? 0) + AWARD_AMOUNT)
      awarded += AWARD_AMOUNT
      hash = next
    }

    const chunk = options.chunk ?? 20_000
    while (made < options.donations) {
      for (let k = 0; k < chunk && made < options.donations; k++) {
        made++
        sequence++
        const amount = amounts[made - 1]!
        const fee = feeOf(made, amount)
        const paidAt = new Date(BASE + made * 25_000).toISOString()
        const ref = `D-${tag === 'B' ? 'M' : `${tag}N`}${String(made).padStart(7, '0')}`
        const refs = { donation: ref, donor: '爱心人士' }
        const transfers = [{ from: 'external:donors', to: fund, amount, currency: 'CNY' }]
        if (fee) transfers.push({ from: fund, to: 'external:fees', amount: fee, currency: 'CNY' })
        const next = chainHash(hash, canonicalRecord(sequence, 'donation', paidAt, refs, transfers))
        sink.add('ledger_transactions', [
          sequence,
          `donation:${ref}`,
          'donation',
          paidAt,
          now,
          JSON.stringify(refs),
          ref,
          null,
          requestDigest('donation', paidAt, { refs, transfers }),
          hash,
          next,
        ])
        transfers.forEach((t, p) => sink.add('ledger_transfers', [sequence, p, t.from, t.to, t.amount, t.currency]))
        const ledgerDonation = ++ids.ledgerDonation
        const lot = ++ids.lot
        sink.add('ledger_donations', [ledgerDonation, ref, sequence, fund, amount, fee, 'CNY', '爱心人士', paidAt])
        sink.add('ledger_lots', [lot, sequence, ledgerDonation, fund, 'CNY', amount - fee, paidAt, null])
        open.push({ id: lot, remaining: amount - fee, paidAt })
        const code = tracking()
        const gift = ++ids.gift
        sink.add('donations', [
          gift,
          ref,
          code,
          'paid',
          'once',
          'campaign',
          campaign.id,
          null,
          fund,
          amount,
          'CNY',
          0,
          fee,
          0,
          '压测捐赠人',
          'bench@example.test',
          'anonymous',
          '爱心人士',
          null,
          'zh-CN',
          'demo',
          `cs_demo_${ref}`,
          `pi_demo_${ref}`,
          `ch_demo_${ref}`,
          paidAt,
          paidAt,
        ])
        if (options.receipts) {
          const year = receiptYear(paidAt)
          const n = (counters.get(year) ?? 0) + 1
          counters.set(year, n)
          sink.add('receipts', [
            ++ids.receipt,
            formatReceiptNumber(year, n),
            year,
            n,
            gift,
            amount,
            'CNY',
            '压测捐赠人',
            campaign.id,
            'campaign',
            paidAt,
            newVerificationCode(),
            paidAt,
            null,
          ])
        }
        if (made % 100 === 0) trackingCodes.push(code)
        hash = next
        gross += amount
        fees += fee
        // Awards due by now, as far as the fund covers them (the rest wait for more gifts).
        while (awards < awardsDue(made, options) && gross - fees - awarded >= AWARD_AMOUNT)
          award(new Date(BASE + made * 25_000 + 1000).toISOString())
        await sink.flushIfFull()
      }
      await sink.commit()
      await sink.begin()
    }
    // The awards still waiting for money when the last gifts came (covered: checked above).
    while (awards < options.awards) award(new Date(BASE + made * 25_000 + 1000 + awards).toISOString())

    for (const l of open) {
      sink.add('ledger_lot_balances', [l.id, fund, 'CNY', l.paidAt, l.remaining])
      await sink.flushIfFull()
    }
    await sink.commit()

    await sink.begin()
    const upsert =
      'insert into ledger_balances (account, currency, balance) values (?, ?, ?) on conflict (account, currency) do update set balance = ledger_balances.balance + excluded.balance'
    await sink.run(upsert, ['external:donors', 'CNY', -gross])
    await sink.run(upsert, ['external:fees', 'CNY', fees])
    await sink.run(upsert, [fund, 'CNY', gross - fees - awarded])
    for (const [account, amount] of payables) await sink.run(upsert, [account, 'CNY', amount])
    for (const [year, last] of counters) {
      await sink.run(
        'insert into receipt_counters (year, last_sequence) values (?, ?) on conflict (year) do update set last_sequence = excluded.last_sequence',
        [year, last],
      )
    }
    // The head jumps over everything written above; its guard allows one step at a time.
    if (sink.dialect === 'sqlite') {
      const guard = (
        await sink.all<{ sql: string }>(
          "select sql from sqlite_master where type = 'trigger' and name = 'ledger_head_forward'",
        )
      )[0]!
      await sink.run('drop trigger ledger_head_forward')
      await sink.run('update ledger_head set sequence = ?, hash = ?, updated_at = ? where id = 1', [
        sequence,
        hash,
        now,
      ])
      await sink.run(guard.sql)
    } else {
      await sink.run('alter table ledger_head disable trigger ledger_head_forward')
      await sink.run('update ledger_head set sequence = ?, hash = ?, updated_at = ? where id = 1', [
        sequence,
        hash,
        now,
      ])
      await sink.run('alter table ledger_head enable trigger ledger_head_forward')
      for (const t of EXPLICIT_IDS)
        await sink.run(`select setval(pg_get_serial_sequence('${t}', 'id'), (select max(id) from ${t}))`)
    }
    await sink.commit()
    await sink.run('analyze')
    return {
      campaignId: campaign.id,
      fund,
      donations: made,
      students: students.length,
      awards,
      head: sequence,
      trackingCodes,
    }
  } finally {
    await sink.close()
  }
}
