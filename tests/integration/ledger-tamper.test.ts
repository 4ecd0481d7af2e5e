// Tamper evidence: with the append-only triggers dropped, any raw edit of the ledger
// is caught by verify, which names the row; and the CLI exits non-zero on it.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import SQLite from 'better-sqlite3'
import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GENERAL_FUND,
  fundOfCampaign,
  inTransaction,
  postAward,
  postDonation,
  postFundTransfer,
  postPayout,
  postRefund,
  verifyLedger,
  type Posted,
  type VerifyResult,
  withdrawDonorNames,
} from '~/modules/ledger'
import { main } from '../../app/cli/ledger-verify'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

const HISTORY = [
  'ledger_accounts',
  'ledger_transactions',
  'ledger_transfers',
  'ledger_donations',
  'ledger_lots',
  'ledger_traces',
]
const F = fundOfCampaign(1)
const at = (day: number) => new Date(Date.UTC(2026, 9, 1 + day)).toISOString()
const run = promisify(execFile)

async function dropTriggers(db: Kysely<any>) {
  for (const t of HISTORY) {
    if (testDialect === 'postgres') await sql`drop trigger ${sql.id(`${t}_append_only`)} on ${sql.id(t)}`.execute(db)
    else for (const op of ['update', 'delete']) await sql.raw(`drop trigger ${t}_no_${op}`).execute(db)
  }
}

describe.skipIf(skipReason)(`ledger tamper evidence on ${testDialect}`, () => {
  let t: TestDb
  let award: Posted
  let paidAward: Posted
  let donation: Posted
  beforeAll(async () => {
    t = await createTestDb()
    await inTransaction(t.db, async (trx) => {
      for (let i = 1; i <= 6; i++) {
        const d = await postDonation(trx, {
          idempotencyKey: `d${i}`,
          donationRef: `D-${i}`,
          fund: i % 3 ? F : GENERAL_FUND,
          amount: 10000 * i,
          fee: i % 2 ? 300 : 0,
          currency: 'CNY',
          paidAt: at(i),
          displayName: '爱心人士',
        })
        if (i === 3) donation = d
      }
      paidAward = await postAward(trx, {
        idempotencyKey: 'a1',
        fund: F,
        beneficiaryId: 1,
        beneficiaryCode: 'HP-530627-0001',
        amount: 25000,
        currency: 'CNY',
        occurredAt: at(8),
      })
      await postPayout(trx, {
        idempotencyKey: 'p1',
        beneficiaryId: 1,
        amount: 25000,
        currency: 'CNY',
        occurredAt: at(9),
      })
      award = await postAward(trx, {
        idempotencyKey: 'a2',
        fund: F,
        beneficiaryId: 2,
        beneficiaryCode: 'HP-530627-0002',
        amount: 30000,
        currency: 'CNY',
        occurredAt: at(9),
      })
      await postFundTransfer(trx, {
        idempotencyKey: 't1',
        from: GENERAL_FUND,
        to: F,
        amount: 5000,
        currency: 'CNY',
        occurredAt: at(10),
      })
      await postRefund(trx, {
        idempotencyKey: 'r1',
        donationRef: 'D-6',
        amount: 60000,
        currency: 'CNY',
        occurredAt: at(11),
        reason: 'dispute',
      })
      await postDonation(trx, {
        idempotencyKey: 'd7',
        donationRef: 'D-7',
        fund: F,
        amount: 700,
        fee: 0,
        currency: 'CNY',
        paidAt: at(12),
        displayName: '王*',
      })
    })
    expect(await verifyLedger(t.db)).toMatchObject({ ok: true, transactions: 12 })
  })
  afterAll(async () => t?.destroy())

  /** Apply a raw edit with the triggers dropped, verify, then roll everything back. */
  async function tampered(edit: (trx: Kysely<any>) => Promise<unknown>): Promise<VerifyResult['firstError']> {
    let result: VerifyResult | undefined
    const undo = new Error('rollback')
    await t.db
      .transaction()
      .execute(async (trx) => {
        await dropTriggers(trx)
        await edit(trx)
        result = await verifyLedger(trx, { batchSize: 4 })
        throw undo
      })
      .catch((e) => {
        if (e !== undo) throw e
      })
    expect(result!.ok).toBe(false)
    return result!.firstError
  }

  it('opens every disclosed commitment, accepts a withdrawn one alone, and refuses a name in the clear', async () => {
    const d = await t.db
      .selectFrom('ledger_disclosures')
      .select(['sequence', 'value'])
      .where('key', '=', 'donor')
      .orderBy('sequence')
      .executeTakeFirstOrThrow()
    const changed = await tampered((trx) =>
      sql`update ledger_disclosures set value = ${'李*'} where sequence = ${d.sequence} and key = 'donor'`.execute(trx),
    )
    expect(changed).toMatchObject({ table: 'ledger_transactions', sequence: d.sequence })
    expect(changed!.message).toContain('does not open its commitment')
    const clear = await tampered(async (trx) => {
      await sql`delete from ledger_disclosures where sequence = ${d.sequence}`.execute(trx)
      await sql`update ledger_transactions set refs = ${JSON.stringify({ donation: 'D-1', donor: d.value })} where sequence = ${d.sequence}`.execute(
        trx,
      )
    })
    expect(clear!.message).toContain('not committed')
    const older = await tampered((trx) =>
      sql`update ledger_transactions set version = 1 where sequence = 12`.execute(trx),
    )
    expect(older).toMatchObject({ sequence: 12 })
    let withdrawn: VerifyResult | undefined
    await t.db
      .transaction()
      .execute(async (trx) => {
        await withdrawDonorNames(trx, [d.sequence], at(13))
        withdrawn = await verifyLedger(trx)
        throw new Error('rollback')
      })
      .catch(() => undefined)
    expect(withdrawn).toMatchObject({ ok: true, withdrawn: 1, version2From: 1 })
  })

  it('names the transaction whose transfer amount was changed', async () => {
    const transfer = await t.db
      .selectFrom('ledger_transfers')
      .select('id')
      .where('sequence', '=', award.sequence)
      .executeTakeFirstOrThrow()
    const error = await tampered((trx) =>
      sql`update ledger_transfers set amount = amount + 100 where id = ${transfer.id}`.execute(trx),
    )
    expect(error).toMatchObject({ table: 'ledger_transactions', sequence: award.sequence })
    expect(error!.message).toContain(`transfers ${transfer.id}`)
  })

  it('names the transaction that lost a transfer row, and a missing transaction by its sequence', async () => {
    const fee = await t.db
      .selectFrom('ledger_transfers')
      .select('id')
      .where('sequence', '=', donation.sequence)
      .where('position', '=', 1)
      .executeTakeFirstOrThrow()
    expect(await tampered((trx) => sql`delete from ledger_transfers where id = ${fee.id}`.execute(trx))).toMatchObject({
      table: 'ledger_transactions',
      sequence: donation.sequence,
    })
    const last = 12
    const gone = await tampered(async (trx) => {
      await sql`delete from ledger_lot_balances where lot_id in (select id from ledger_lots where sequence = ${last})`.execute(
        trx,
      )
      await sql`delete from ledger_lots where sequence = ${last}`.execute(trx)
      await sql`delete from ledger_donations where sequence = ${last}`.execute(trx)
      await sql`delete from ledger_transfers where sequence = ${last}`.execute(trx)
      await sql`delete from ledger_disclosures where sequence = ${last}`.execute(trx)
      await sql`delete from ledger_transactions where sequence = ${last}`.execute(trx)
    })
    expect(gone).toMatchObject({ table: 'ledger_head' })
    const middle = await tampered(async (trx) => {
      await sql`delete from ledger_trace_balances where trace_id in (select id from ledger_traces where sequence = ${award.sequence})`.execute(
        trx,
      )
      await sql`delete from ledger_traces where sequence = ${award.sequence}`.execute(trx)
      await sql`delete from ledger_transfers where sequence = ${award.sequence}`.execute(trx)
      await sql`delete from ledger_disclosures where sequence = ${award.sequence}`.execute(trx)
      await sql`delete from ledger_transactions where sequence = ${award.sequence}`.execute(trx)
    })
    expect(middle).toMatchObject({ table: 'ledger_transactions', sequence: award.sequence })
    expect(middle!.message).toContain('missing')
  })

  it('names a changed or deleted trace row', async () => {
    const trace = await t.db
      .selectFrom('ledger_traces')
      .select('id')
      .where('sequence', '=', award.sequence)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    expect(
      await tampered((trx) => sql`update ledger_traces set amount = amount - 1 where id = ${trace.id}`.execute(trx)),
    ).toMatchObject({ table: 'ledger_traces', id: trace.id })
    expect(
      await tampered((trx) =>
        sql`update ledger_traces set beneficiary_code = 'HP-530627-0099' where id = ${trace.id}`.execute(trx),
      ),
    ).toMatchObject({ table: 'ledger_traces', id: trace.id })
    const deleted = await tampered(async (trx) => {
      await sql`delete from ledger_trace_balances where trace_id = ${trace.id}`.execute(trx)
      await sql`delete from ledger_traces where id = ${trace.id}`.execute(trx)
    })
    expect(deleted).toMatchObject({ table: 'ledger_traces', sequence: award.sequence })
  })

  it('names changed donations, lots, times, balances and remainders', async () => {
    const d = await t.db
      .selectFrom('ledger_donations')
      .select('id')
      .where('donation_ref', '=', 'D-3')
      .executeTakeFirstOrThrow()
    expect(
      await tampered((trx) => sql`update ledger_donations set display_name = '张三' where id = ${d.id}`.execute(trx)),
    ).toMatchObject({ table: 'ledger_donations', id: d.id })
    const lot = await t.db
      .selectFrom('ledger_lots')
      .select('id')
      .where('donation_id', '=', d.id)
      .executeTakeFirstOrThrow()
    expect(
      await tampered((trx) => sql`update ledger_lots set paid_at = ${at(0)} where id = ${lot.id}`.execute(trx)),
    ).toMatchObject({ table: 'ledger_lots', id: lot.id })
    expect(
      await tampered((trx) =>
        sql`update ledger_transactions set occurred_at = ${at(30)} where sequence = ${paidAward.sequence}`.execute(trx),
      ),
    ).toMatchObject({ table: 'ledger_transactions', sequence: paidAward.sequence })
    expect(
      await tampered((trx) => sql`update ledger_balances set balance = balance + 1 where account = ${F}`.execute(trx)),
    ).toMatchObject({ table: 'ledger_balances' })
    expect(
      await tampered((trx) =>
        sql`update ledger_lot_balances set remaining = remaining + 1 where lot_id = ${lot.id}`.execute(trx),
      ),
    ).toMatchObject({ table: 'ledger_lot_balances', id: lot.id })
    const open = await t.db
      .selectFrom('ledger_trace_balances')
      .select('trace_id')
      .where('unpaid', '>', 0)
      .executeTakeFirstOrThrow()
    expect(
      await tampered((trx) =>
        sql`update ledger_trace_balances set unpaid = 0 where trace_id = ${open.trace_id}`.execute(trx),
      ),
    ).toMatchObject({ table: 'ledger_trace_balances', id: open.trace_id })
    expect(await verifyLedger(t.db)).toMatchObject({ ok: true })
  })

  it('ledger:verify exits 0 on the demo database and non-zero naming the row on a tampered copy', async () => {
    const demo = await createTestDb()
    try {
      await seedDemo(demo.db, { now: new Date('2026-11-23T02:00:00Z') })
      const lines: string[] = []
      expect(await main([demo.url], (l) => lines.push(l))).toBe(0)
      expect(lines.at(-2)).toMatch(/^ledger ok: \d+ transactions/)
      expect(lines.at(-1)).toMatch(/^record version 2: from sequence 1; 0 committed values withdrawn/)
      const tx = await demo.db
        .selectFrom('ledger_transfers')
        .select(['id', 'sequence'])
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow()
      let target = demo.url
      if (demo.dialect === 'sqlite') {
        // Tamper a copy, as an outsider with the file would; the original stays whole.
        target = demo.url.replace(/\.db$/, '-copy.db')
        await sql`vacuum into ${target.replace(/^sqlite:/, '')}`.execute(demo.db)
        const raw = new SQLite(target.replace(/^sqlite:/, ''))
        raw.exec('drop trigger ledger_transfers_no_update')
        raw.prepare('update ledger_transfers set amount = amount + 1 where id = ?').run(tx.id)
        raw.close()
      } else {
        await sql`drop trigger ledger_transfers_append_only on ledger_transfers`.execute(demo.db)
        await sql`update ledger_transfers set amount = amount + 1 where id = ${tx.id}`.execute(demo.db)
      }
      const cli = path.resolve('app/cli/ledger-verify.ts')
      const failed = await run(process.execPath, ['--import', 'tsx', cli, target]).then(
        () => undefined,
        (e) => e as { code: number; stdout: string },
      )
      expect(failed?.code).toBe(1)
      expect(failed?.stdout).toContain(`ledger BROKEN at ledger_transactions id ${tx.sequence}`)
      if (demo.dialect === 'sqlite') {
        const ok = await run(process.execPath, ['--import', 'tsx', cli, demo.url])
        expect(ok.stdout).toMatch(/ledger ok/)
      }
    } finally {
      await demo.destroy()
    }
  })
})
