// An outsider's verifier, written from public/open-data.md alone: it reads only the
// public export and recomputes the chain head, every balance, every lot and trace.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GENERAL_FUND,
  exportDataset,
  fundOfCampaign,
  fundOfWish,
  getBalance,
  getHead,
  inTransaction,
  postAward,
  postCorrection,
  postDonation,
  postFundTransfer,
  postPayout,
  postRefund,
  EXPORT_DATASETS,
  verifyLedger,
  withdrawDonorNames,
  type ExportDataset,
} from '~/modules/ledger'
import { writeVersionForTests } from '~/modules/ledger/write.server'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

type Row = Record<string, any>
const FULL_NAME = '欧阳明月'
const at = (day: number) => new Date(Date.UTC(2026, 2, 1 + day, 8)).toISOString()

/** The verifier of open-data.md section 6, on exported rows only. */
function outsiderVerify(data: Record<ExportDataset, Row[]>) {
  const transfersOf = new Map<string, Row[]>()
  for (const t of data.transfers) transfersOf.set(t.sequence, [...(transfersOf.get(t.sequence) ?? []), t])
  const balances = new Map<string, bigint>()
  const lots = new Map<
    string,
    { fund: string; currency: string; paid_at: string; donation: string; remaining: bigint }
  >()
  const unpaid = new Map<
    string,
    { amount: bigint; lot: string; beneficiary: string; account: string; currency: string }
  >()
  const expLots: Row[] = []
  const expTraces: Row[] = []
  const lotIds = data.lots.map((l) => l.lot)
  const traceIds = data.traces.map((t) => t.trace)
  const openLot = (l: Omit<Row, 'lot'>) => {
    const id = lotIds[expLots.length]!
    expLots.push({ lot: id, ...l })
    lots.set(id, {
      fund: l.fund,
      currency: l.currency,
      paid_at: l.paid_at,
      donation: l.donation,
      remaining: BigInt(l.amount),
    })
    return id
  }
  const trace = (t: Omit<Row, 'trace'>) => {
    const id = traceIds[expTraces.length]!
    expTraces.push({ trace: id, ...t })
    return id
  }
  const fifo = (fund: string, currency: string) =>
    [...lots]
      .filter(([, l]) => l.fund === fund && l.currency === currency && l.remaining > 0n)
      .sort(([a, x], [b, y]) =>
        x.paid_at < y.paid_at ? -1 : x.paid_at > y.paid_at ? 1 : Number(BigInt(a) - BigInt(b)),
      )
  const draw = (fund: string, currency: string, amount: bigint) => {
    const out: [string, bigint][] = []
    for (const [id, l] of fifo(fund, currency)) {
      if (amount === 0n) break
      const take = l.remaining < amount ? l.remaining : amount
      l.remaining -= take
      amount -= take
      out.push([id, take])
    }
    expect(amount, `${fund} covers the draw`).toBe(0n)
    return out
  }
  const byTrace = () => new Map(data.traces.map((t) => [t.trace, t]))
  let prev = '0'.repeat(64)
  let version = 1
  let withheld = 0
  const names = new Map(data.donations.map((d) => [d.donation, d.display_name]))
  for (const tx of data.transactions) {
    const list = transfersOf.get(tx.sequence) ?? []
    const refs = Object.entries(tx.refs as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1))
    // Section 4: the version never goes down; a version-2 record's disclosures open its commitments.
    expect(Number(tx.version) >= version, `version of ${tx.sequence}`).toBe(true)
    version = Number(tx.version)
    const opened: Record<string, string> = { ...tx.refs }
    if (version === 1) expect(tx.disclosed).toEqual({})
    else
      for (const key of ['beneficiary', 'donor']) {
        if (tx.refs[key] === undefined) continue
        expect(tx.refs[key]).toMatch(/^[0-9a-f]{64}$/)
        const d = tx.disclosed[key]
        if (!d) {
          withheld++
          opened[key] = 'withheld'
          continue
        }
        const c = createHash('sha256').update(`${d.salt}:${key}:${d.value}`, 'utf8').digest('hex')
        expect(c, `commitment ${key} of ${tx.sequence}`).toBe(tx.refs[key])
        opened[key] = d.value
      }
    if (tx.kind === 'donation')
      expect(names.get(tx.refs.donation)).toBe(opened.donor === 'withheld' ? null : opened.donor)
    tx.refs = opened
    const record = JSON.stringify([
      `hope-ledger/${version}`,
      tx.sequence,
      tx.kind,
      tx.occurred_at,
      refs,
      list.map((t) => [t.from, t.to, t.amount, t.currency]),
    ])
    expect(tx.prev_hash).toBe(prev)
    prev = createHash('sha256')
      .update(prev + record, 'utf8')
      .digest('hex')
    expect(tx.hash, `hash of ${tx.sequence}`).toBe(prev)
    for (const t of list) {
      balances.set(`${t.from} ${t.currency}`, (balances.get(`${t.from} ${t.currency}`) ?? 0n) - BigInt(t.amount))
      balances.set(`${t.to} ${t.currency}`, (balances.get(`${t.to} ${t.currency}`) ?? 0n) + BigInt(t.amount))
    }
    for (const [k, v] of balances) if (/^(fund|payable):/.test(k)) expect(v >= 0n, k).toBe(true)
    const t0 = list[0]!
    const seq = tx.sequence
    switch (tx.kind) {
      case 'donation':
        openLot({
          sequence: seq,
          donation: tx.refs.donation,
          fund: t0.to,
          currency: t0.currency,
          amount: String(BigInt(t0.amount) - BigInt(list[1]?.amount ?? 0)),
          paid_at: tx.occurred_at,
          source_trace: null,
        })
        break
      case 'refund':
      case 'dispute': {
        let need = list.reduce((s, t) => s + BigInt(t.amount), 0n)
        for (const [id, l] of lots) {
          if (l.donation !== tx.refs.donation || l.remaining === 0n || need === 0n) continue
          const take = l.remaining < need ? l.remaining : need
          l.remaining -= take
          need -= take
          trace({
            sequence: seq,
            kind: tx.kind,
            lot: id,
            donation: l.donation,
            amount: String(take),
            currency: t0.currency,
            beneficiary: null,
            parent: null,
          })
        }
        for (const [id, take] of need ? draw(GENERAL_FUND, t0.currency, need) : []) {
          trace({
            sequence: seq,
            kind: tx.kind,
            lot: id,
            donation: lots.get(id)!.donation,
            amount: String(take),
            currency: t0.currency,
            beneficiary: null,
            parent: null,
          })
        }
        break
      }
      case 'award':
        for (const [id, take] of draw(t0.from, t0.currency, BigInt(t0.amount))) {
          const tid = trace({
            sequence: seq,
            kind: 'award',
            lot: id,
            donation: lots.get(id)!.donation,
            amount: String(take),
            currency: t0.currency,
            beneficiary: tx.refs.beneficiary,
            parent: null,
          })
          unpaid.set(tid, {
            amount: take,
            lot: id,
            beneficiary: tx.refs.beneficiary,
            account: t0.to,
            currency: t0.currency,
          })
        }
        break
      case 'payout': {
        let need = BigInt(t0.amount)
        const open = [...unpaid]
          .filter(([, u]) => u.account === t0.from && u.currency === t0.currency && u.amount > 0n)
          .sort(([a], [b]) => Number(BigInt(a) - BigInt(b)))
        for (const [tid, u] of open) {
          if (need === 0n) break
          const take = u.amount < need ? u.amount : need
          u.amount -= take
          need -= take
          trace({
            sequence: seq,
            kind: 'payout',
            lot: u.lot,
            donation: lots.get(u.lot)!.donation,
            amount: String(take),
            currency: t0.currency,
            beneficiary: u.beneficiary,
            parent: tid,
          })
        }
        break
      }
      case 'fund_transfer':
        for (const [id, take] of draw(t0.from, t0.currency, BigInt(t0.amount))) {
          const l = lots.get(id)!
          const tid = trace({
            sequence: seq,
            kind: 'transfer',
            lot: id,
            donation: l.donation,
            amount: String(take),
            currency: t0.currency,
            beneficiary: null,
            parent: null,
          })
          openLot({
            sequence: seq,
            donation: l.donation,
            fund: t0.to,
            currency: t0.currency,
            amount: String(take),
            paid_at: l.paid_at,
            source_trace: tid,
          })
        }
        break
      case 'correction': {
        const traces = byTrace()
        for (const t of data.traces.filter((x) => x.sequence === tx.refs.corrects)) {
          trace({
            sequence: seq,
            kind: 'reversal',
            lot: t.lot,
            donation: t.donation,
            amount: t.amount,
            currency: t.currency,
            beneficiary: t.beneficiary,
            parent: t.trace,
          })
          const amount = BigInt(t.amount)
          if (t.kind === 'award') {
            lots.get(t.lot)!.remaining += amount
            unpaid.get(t.trace)!.amount = 0n
          } else if (t.kind === 'payout') unpaid.get(traces.get(t.parent)!.trace)!.amount += amount
          else if (t.kind === 'transfer') {
            lots.get(t.lot)!.remaining += amount
            lots.get(data.lots.find((l) => l.source_trace === t.trace)!.lot)!.remaining -= amount
          }
        }
        break
      }
    }
  }
  expect(data.lots).toEqual(expLots)
  expect(data.traces).toEqual(expTraces)
  const totals = new Map<string, bigint>()
  for (const [k, v] of balances) totals.set(k.split(' ')[1]!, (totals.get(k.split(' ')[1]!) ?? 0n) + v)
  for (const v of totals.values()) expect(v).toBe(0n)
  return {
    head: { sequence: data.transactions.at(-1)!.sequence as string, hash: prev },
    balances,
    lots,
    withheld,
  }
}

describe.skipIf(skipReason)(`open data on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
    const [C1, C2, W] = [fundOfCampaign(1), fundOfCampaign(2), fundOfWish(3)]
    const go = <T>(fn: Parameters<typeof inTransaction<T>>[1]) => inTransaction(t.db, fn)
    // The first four records are version 1, as a database from before the switch holds them.
    for (let i = 1; i <= 12; i++) {
      writeVersionForTests(i <= 4 ? 1 : 2)
      await go((trx) =>
        postDonation(trx, {
          idempotencyKey: `d${i}`,
          donationRef: `D-${i}`,
          fund: [C1, C2, GENERAL_FUND, W][i % 4]!,
          amount: 1000 * i + 7,
          fee: i % 3 ? 0 : 99,
          currency: i === 5 ? 'HKD' : 'CNY',
          paidAt: at(i % 6),
          displayName: i === 6 ? FULL_NAME : i % 2 ? '爱心人士' : '王*',
        }),
      )
    }
    const a1 = await go((trx) =>
      postAward(trx, {
        idempotencyKey: 'a1',
        fund: C1,
        beneficiaryId: 1,
        beneficiaryCode: 'HP-530627-0001',
        amount: 9000,
        currency: 'CNY',
        occurredAt: at(7),
        refs: { programme: 'sunshine-bursary', term: '2026-spring' },
      }),
    )
    await go((trx) =>
      postAward(trx, {
        idempotencyKey: 'a2',
        fund: W,
        beneficiaryId: 2,
        beneficiaryCode: 'HP-530627-0002',
        amount: 3000,
        currency: 'CNY',
        occurredAt: at(7),
      }),
    )
    const p1 = await go((trx) =>
      postPayout(trx, { idempotencyKey: 'p1', beneficiaryId: 1, amount: 6000, currency: 'CNY', occurredAt: at(8) }),
    )
    const ft = await go((trx) =>
      postFundTransfer(trx, {
        idempotencyKey: 'f1',
        from: GENERAL_FUND,
        to: C2,
        amount: 5000,
        currency: 'CNY',
        occurredAt: at(8),
      }),
    )
    await go((trx) =>
      postRefund(trx, {
        idempotencyKey: 'r1',
        donationRef: 'D-4',
        amount: 4007,
        currency: 'CNY',
        occurredAt: at(9),
        reason: 'refund',
      }),
    )
    await go((trx) =>
      postRefund(trx, {
        idempotencyKey: 'r2',
        donationRef: 'D-9',
        amount: 9007,
        currency: 'CNY',
        occurredAt: at(9),
        reason: 'dispute',
      }),
    )
    await go((trx) =>
      postCorrection(trx, {
        idempotencyKey: 'c1',
        corrects: p1.sequence,
        occurredAt: at(10),
        reason: 'returned by bank',
      }),
    )
    await go((trx) =>
      postCorrection(trx, { idempotencyKey: 'c2', corrects: a1.sequence, occurredAt: at(10), reason: 'wrong student' }),
    )
    await go((trx) =>
      postAward(trx, {
        idempotencyKey: 'a3',
        fund: C2,
        beneficiaryId: 3,
        beneficiaryCode: 'HP-530627-0003',
        amount: 6000,
        currency: 'CNY',
        occurredAt: at(11),
      }),
    )
    void ft
    // The donor of D-6 asked to be erased: value and salt withdrawn, the commitment stays.
    const d6 = await t.db
      .selectFrom('ledger_donations')
      .select('sequence')
      .where('donation_ref', '=', 'D-6')
      .executeTakeFirstOrThrow()
    await withdrawDonorNames(t.db, [d6.sequence], at(12))
  })
  afterAll(async () => {
    writeVersionForTests(2)
    await t?.destroy()
  })

  async function read(dataset: ExportDataset, format: 'jsonl' | 'csv') {
    let text = ''
    for await (const chunk of exportDataset(t.db, { dataset, format, batchSize: 5 })) text += chunk
    return text
  }

  it('recomputes the chain head, every balance, lot and trace from the JSON-lines export alone', async () => {
    const data = {} as Record<ExportDataset, Row[]>
    for (const d of ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces'] as const) {
      data[d] = (await read(d, 'jsonl'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    }
    const mine = outsiderVerify(data)
    expect(mine.withheld).toBe(1)
    expect(data.transactions.map((x) => x.version)).toEqual(data.transactions.map((x) => (x.sequence <= 4 ? '1' : '2')))
    for (const d of EXPORT_DATASETS) expect(await read(d, 'jsonl')).not.toContain(FULL_NAME)
    expect(await verifyLedger(t.db)).toMatchObject({ ok: true, withdrawn: 1, version2From: 5 })
    const head = await getHead(t.db)
    expect(mine.head).toEqual({ sequence: String(head.sequence), hash: head.hash })
    for (const [key, value] of mine.balances) {
      const [account, currency] = key.split(' ')
      expect(BigInt(await getBalance(t.db, account!, currency!)), key).toBe(value)
    }
    for (const a of data.accounts) expect(a.name).not.toMatch(/[赵钱孙李]假|national|@/)
    expect(
      data.traces.some((x) => x.kind === 'reversal') &&
        data.traces.some((x) => x.kind === 'dispute') &&
        data.lots.some((l) => l.source_trace),
    ).toBe(true)
  })

  it('CSV carries the same rows as JSON lines', async () => {
    for (const d of ['transactions', 'traces', 'donations'] as const) {
      const jsonl = (await read(d, 'jsonl'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      // RFC 4180: every record, the header's too, ends in CRLF.
      const csv = await read(d, 'csv')
      expect(csv.endsWith('\r\n') && !/[^\r]\n/.test(csv.replace(/"([^"]|"")*"/g, ''))).toBe(true)
      const [header, ...lines] = csv.trim().split('\r\n')
      const columns = header!.split(',')
      expect(lines).toHaveLength(jsonl.length)
      jsonl.forEach((row, i) => {
        const cells = lines[i]!.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!
          .map((c) => c.replace(/,$/, ''))
          .map((c) => (c.startsWith('"') ? c.slice(1, -1).replaceAll('""', '"') : c))
        columns.forEach((c, k) => {
          const v = row[c]
          expect(cells[k], `${d} ${c}`).toBe(v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : v)
        })
      })
    }
  })
})
