import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canMove, moveDonation, type DonationRow } from '~/modules/donations/lifecycle.server'
import { InvariantError } from '~/utils/invariant'
import type { DonationStatus } from '../../db/tables/giving'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

// moveDonation against a real database: every move the table allows is made, every other
// one is refused before anything is written, and a row moved under the caller is refused.
const ALL: DonationStatus[] = ['pending', 'paid', 'failed', 'canceled', 'refunded', 'partially_refunded', 'disputed']

describe.skipIf(skipReason)(`moving a donation on ${testDialect}`, () => {
  let t: TestDb
  let n = 0
  beforeAll(async () => {
    t = await createTestDb()
  })
  afterAll(async () => t?.destroy())

  async function donationIn(status: DonationStatus): Promise<DonationRow> {
    n++
    return t.db
      .insertInto('donations')
      .values({
        public_id: `D-LC-${n}`,
        tracking_code: `LC${n}`,
        status,
        frequency: 'once',
        designation: 'general',
        campaign_id: null,
        target_id: null,
        fund: 'fund:general',
        amount: 10000,
        currency: 'CNY',
        fee_amount: null,
        donor_name: '测试',
        donor_email: `lc${n}@example.test`,
        display_mode: 'anonymous',
        display_name: '爱心人士',
        message: null,
        provider: 'demo',
        checkout_idempotency_key: null,
        provider_session_id: null,
        provider_invoice_id: null,
        provider_payment_intent_id: null,
        provider_charge_id: null,
        recurring_gift_id: null,
        source_ref: null,
        client_key: null,
        recorded_by: null,
        created_at: new Date().toISOString(),
        paid_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  }
  const stored = (id: number) =>
    t.db.selectFrom('donations').select(['status', 'refunded_amount']).where('id', '=', id).executeTakeFirstOrThrow()

  it('makes every move in the table, writing its fields with it', async () => {
    for (const from of ALL)
      for (const to of ALL.filter((s) => canMove(from, s))) {
        const d = await donationIn(from)
        const moved = await t.db.transaction().execute((trx) => moveDonation(trx, d, to, { refunded_amount: 123 }))
        expect(moved).toMatchObject({ id: d.id, status: to, refunded_amount: 123 })
        expect(await stored(d.id), `${from} → ${to}`).toEqual({ status: to, refunded_amount: 123 })
      }
  })

  it('refuses every move not in the table and writes nothing', async () => {
    let refused = 0
    for (const from of ALL)
      for (const to of ALL.filter((s) => !canMove(from, s))) {
        const d = await donationIn(from)
        await expect(
          t.db.transaction().execute((trx) => moveDonation(trx, d, to, { refunded_amount: 1 })),
          `${from} → ${to}`,
        ).rejects.toThrow(InvariantError)
        expect(await stored(d.id)).toEqual({ status: from, refunded_amount: 0 })
        refused++
      }
    expect(refused).toBe(ALL.length * ALL.length - 16)
  })

  it('refuses a row whose status changed since the caller read it', async () => {
    const d = await donationIn('pending')
    await t.db.transaction().execute((trx) => moveDonation(trx, d, 'paid'))
    // `d` still says pending; pending → failed is in the table, but the row is paid now.
    await expect(t.db.transaction().execute((trx) => moveDonation(trx, d, 'failed'))).rejects.toThrow(InvariantError)
    expect((await stored(d.id)).status).toBe('paid')
  })
})
