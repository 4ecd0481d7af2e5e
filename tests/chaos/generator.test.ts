// The bench data generator, small: both modes on SQLite and modules mode on PostgreSQL.
// Each run must leave a ledger that verifies, books that net to zero, no negative fund or
// payable, and exactly the donations, students and awards asked for.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createDatabase } from '~/utils/db.server'
import { generate, type GenerateOptions } from '../bench/generate'
import { createPgDatabase } from '../support/pg-database'
import { scaled } from './support/scale'

const sizes = {
  donations: scaled('CHAOS_GENERATOR_DONATIONS', 200, 5000),
  students: scaled('CHAOS_GENERATOR_STUDENTS', 20, 500),
  awards: scaled('CHAOS_GENERATOR_AWARDS', 10, 400),
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-generator-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

async function generatedRows(url: string, campaignId: number) {
  const { db } = createDatabase(url, { poolSize: 1 })
  try {
    const gifts = await db
      .selectFrom('donations')
      .select(['status', 'amount', 'fee_amount'])
      .where('campaign_id', '=', campaignId)
      .execute()
    const raised = await db
      .selectFrom('ledger_balances')
      .select('balance')
      .where('account', '=', `fund:campaign:${campaignId}`)
      .executeTakeFirstOrThrow()
    const receipts = await db
      .selectFrom('receipts')
      .innerJoin('donations', 'donations.id', 'receipts.donation_id')
      .select('receipts.id')
      .where('donations.campaign_id', '=', campaignId)
      .execute()
    return { gifts, fundBalance: Number(raised.balance), receipts: receipts.length }
  } finally {
    await db.destroy()
  }
}

async function runAndCheck(options: GenerateOptions) {
  const r = await generate(options)
  expect(r.failures).toEqual([])
  expect(r.ok).toBe(true)
  // Cross-check the figures the checks compare with a look of our own.
  const rows = await generatedRows(options.url, r.campaignId)
  expect(rows.gifts).toHaveLength(options.donations)
  expect(rows.gifts.every((g) => g.status === 'paid')).toBe(true)
  expect(rows.receipts).toBe(options.donations)
  const net = rows.gifts.reduce((s, g) => s + g.amount - (g.fee_amount ?? 0), 0)
  expect(rows.fundBalance).toBe(net - options.awards * 50_000)
  expect(r.rowsWritten).toBeGreaterThan(options.donations * 4)
  return r
}

describe('bench data generator', () => {
  it('modules mode on SQLite: through the webhook handler, the registry and approved batches', async () => {
    const url = `sqlite:${path.join(dir, 'modules.db')}`
    await runAndCheck({ url, mode: 'modules', seed: 1, ...sizes })
    // A second run on the same database adds to it, and everything still holds.
    await runAndCheck({ url, mode: 'modules', seed: 2, ...sizes })
  })

  it('bulk mode on SQLite: the same invariants, twice on one database', async () => {
    const url = `sqlite:${path.join(dir, 'bulk.db')}`
    await runAndCheck({ url, mode: 'bulk', seed: 1, ...sizes })
    await runAndCheck({ url, mode: 'bulk', seed: 1, ...sizes })
  })

  it('refuses more awards than the donations can pay for, before writing anything', async () => {
    const url = `sqlite:${path.join(dir, 'short.db')}`
    await runAndCheck({ url, mode: 'bulk', seed: 1, donations: 20, students: 2, awards: 1 })
    const campaigns = async () => {
      const { db } = createDatabase(url, { poolSize: 1 })
      try {
        return (await db.selectFrom('campaigns').select('id').execute()).length
      } finally {
        await db.destroy()
      }
    }
    const before = await campaigns()
    await expect(generate({ url, mode: 'bulk', seed: 1, donations: 10, students: 5, awards: 50 })).rejects.toThrow(
      /cover only/,
    )
    await expect(generate({ url, mode: 'modules', seed: 1, donations: 10, students: 5, awards: 50 })).rejects.toThrow(
      /cannot cover/,
    )
    await expect(generate({ url, mode: 'modules', seed: 1, donations: 500, students: 1, awards: 3 })).rejects.toThrow(
      /one award per student per term/,
    )
    expect(await campaigns()).toBe(before)
    // And the database is as good as before.
    await runAndCheck({ url, mode: 'bulk', seed: 3, donations: 20, students: 2, awards: 1 })
  })

  describe.skipIf(inject('pgSkip'))('PostgreSQL', () => {
    it('modules mode, then bulk mode on the same database', async () => {
      const database = await createPgDatabase(inject('pgUrl'), 'generator')
      try {
        await runAndCheck({ url: database.url, mode: 'modules', seed: 1, ...sizes })
        await runAndCheck({ url: database.url, mode: 'bulk', seed: 1, ...sizes })
      } finally {
        await database.drop()
      }
    })
  })
})
