import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reverseDonation } from '~/modules/donations/fulfil.server'
import { fundOfMatchPool, getBalance, verifyLedger } from '~/modules/ledger'
import { randomMatch } from '~/modules/matching/rule.server'
import { eraseDonor } from '~/modules/donations/donor-privacy.server'
import { donorKey, phoneKey } from '~/modules/matching/match.server'
import { normalizePhone } from '~/modules/donations/schema'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { giveAt, matchOf, newCampaign, newPool, staffUser } from '../support/matching'

// The matching rules on a real database: ratio and random, each cap, the opening hours,
// the minimum gift, a refund giving the unspent match back, and the ledger still verifying.
describe.skipIf(skipReason)(`matching pools on ${testDialect}`, () => {
  let t: TestDb
  let staff: number
  beforeAll(async () => {
    t = await createTestDb()
    staff = await staffUser(t.db)
  })
  afterAll(async () => t?.destroy())

  const setup = async (fields: Record<string, unknown>, fund = 1_000_00) => {
    const campaignId = await newCampaign(t.db)
    const poolId = await newPool(t.db, staff, campaignId, fields, fund)
    return { campaignId, poolId }
  }
  const matched = async (g: Parameters<typeof giveAt>[1]) =>
    (await matchOf(t.db, (await giveAt(t.db, g)).id))?.amount ?? 0

  it('matches 1:1 and 1:2 by ratio, into the campaign fund as lots of the sponsor’s gift', async () => {
    const a = await setup({ ratioGift: '1', ratioMatch: '1' })
    const gift = await giveAt(t.db, { campaignId: a.campaignId, amount: 50_00 })
    const m = await matchOf(t.db, gift.id)
    expect(m?.amount).toBe(50_00)
    const lots = await t.db.selectFrom('ledger_lots').selectAll().where('sequence', '=', m!.sequence).execute()
    expect(lots.map((l) => l.fund)).toEqual([`fund:campaign:${a.campaignId}`])
    const sponsor = await t.db
      .selectFrom('ledger_donations')
      .select('id')
      .where('fund', '=', fundOfMatchPool(a.poolId))
      .executeTakeFirstOrThrow()
    expect(lots[0]!.donation_id).toBe(sponsor.id)
    const tx = await t.db
      .selectFrom('ledger_transactions')
      .select(['kind', 'refs'])
      .where('sequence', '=', m!.sequence)
      .executeTakeFirstOrThrow()
    expect(tx.kind).toBe('match')
    expect(JSON.parse(tx.refs)).toMatchObject({ matches: gift.public_id, pool: String(a.poolId), rule: 'ratio:1:1' })
    expect(await getBalance(t.db, fundOfMatchPool(a.poolId), 'CNY')).toBe(950_00)

    const b = await setup({ ratioGift: '1', ratioMatch: '2' })
    expect(await matched({ campaignId: b.campaignId, amount: 33_33 })).toBe(66_66)
  })

  it('gives a random amount between min and max, recomputable from the chain hash', async () => {
    const a = await setup({ rule: 'random', randomMin: '1', randomMax: '20' })
    for (let i = 0; i < 5; i++) {
      const gift = await giveAt(t.db, { campaignId: a.campaignId, amount: 10_00 })
      const m = (await matchOf(t.db, gift.id))!
      const prev = await t.db
        .selectFrom('ledger_transactions')
        .select('prev_hash')
        .where('sequence', '=', m.sequence)
        .executeTakeFirstOrThrow()
      expect(m.amount).toBe(randomMatch(prev.prev_hash, gift.public_id, 1_00, 20_00))
      expect(m.amount).toBeGreaterThanOrEqual(1_00)
      expect(m.amount).toBeLessThanOrEqual(20_00)
    }
  })

  it('never matches a gift below the minimum', async () => {
    const a = await setup({ minGift: '10' })
    expect(await matched({ campaignId: a.campaignId, amount: 9_99 })).toBe(0)
    expect(await matched({ campaignId: a.campaignId, amount: 10_00 })).toBe(10_00)
  })

  it('caps each gift', async () => {
    const a = await setup({ capPerGift: '30' })
    expect(await matched({ campaignId: a.campaignId, amount: 100_00 })).toBe(30_00)
  })

  it('caps each donor per China-time day, across the spellings of one email', async () => {
    const a = await setup({ capPerDonorDay: '50' })
    // 2026-03-01 23:30 and 23:50 China time, then 00:10 the next China day (16:10 UTC, same UTC day).
    expect(
      await matched({
        campaignId: a.campaignId,
        amount: 40_00,
        email: 'li@example.test',
        paidAt: '2026-03-01T15:30:00Z',
      }),
    ).toBe(40_00)
    expect(
      await matched({
        campaignId: a.campaignId,
        amount: 40_00,
        email: 'LI@Example.test',
        paidAt: '2026-03-01T15:50:00Z',
      }),
    ).toBe(10_00)
    expect(
      await matched({
        campaignId: a.campaignId,
        amount: 40_00,
        email: 'li@example.test',
        paidAt: '2026-03-01T15:55:00Z',
      }),
    ).toBe(0)
    expect(
      await matched({
        campaignId: a.campaignId,
        amount: 40_00,
        email: 'li@example.test',
        paidAt: '2026-03-01T16:10:00Z',
      }),
    ).toBe(40_00)
    expect(await matched({ campaignId: a.campaignId, amount: 40_00, paidAt: '2026-03-01T15:56:00Z' })).toBe(40_00)
  })

  it('caps each donor per day across emails by the phone, where one was given', async () => {
    const a = await setup({ capPerDonorDay: '50' })
    const at = '2026-03-02T02:00:00Z'
    const phone = normalizePhone('138 0013 8000')!
    expect(phone).toBe('+8613800138000')
    expect(await matched({ campaignId: a.campaignId, amount: 30_00, email: 'a@example.test', phone, paidAt: at })).toBe(
      30_00,
    )
    // Another email, the same phone written another way: one donor, 20 left today.
    const same = normalizePhone('+86 138-0013-8000')!
    expect(
      await matched({ campaignId: a.campaignId, amount: 30_00, email: 'b@example.test', phone: same, paidAt: at }),
    ).toBe(20_00)
    // Without a phone a gift counts its email's matches only (30 of a's); a third email and phone is another donor.
    expect(await matched({ campaignId: a.campaignId, amount: 30_00, email: 'a@example.test', paidAt: at })).toBe(20_00)
    expect(
      await matched({
        campaignId: a.campaignId,
        amount: 30_00,
        email: 'c@example.test',
        phone: '+8613900139000',
        paidAt: at,
      }),
    ).toBe(30_00)
    // The database keeps a keyed digest, never the number.
    const keys = await t.db
      .selectFrom('donations')
      .select('donor_phone_key')
      .where('donor_phone_key', 'is not', null)
      .orderBy('id')
      .execute()
    expect(keys.length).toBeGreaterThanOrEqual(3)
    for (const k of keys) expect(k.donor_phone_key).not.toContain('13800138000')
    expect(keys[0]!.donor_phone_key).toBe(phoneKey(phone))
  })

  it('erasing a donor clears the phone digest and unlinks the match from the email', async () => {
    const a = await setup({ capPerDonorDay: '50' })
    const email = 'erase-me@example.test'
    const gift = await giveAt(t.db, { campaignId: a.campaignId, amount: 20_00, email, phone: '+8613700137000' })
    expect((await matchOf(t.db, gift.id))?.amount).toBe(20_00)
    expect(await eraseDonor(t.db, { donorId: gift.id, actorUserId: staff })).toMatchObject({ donations: 1 })
    const row = await t.db
      .selectFrom('donations')
      .select('donor_phone_key')
      .where('id', '=', gift.id)
      .executeTakeFirstOrThrow()
    expect(row.donor_phone_key).toBeNull()
    const m = await t.db
      .selectFrom('matching_matches')
      .select(['donor_key', 'phone_key'])
      .where('donation_id', '=', gift.id)
      .executeTakeFirstOrThrow()
    expect(m.phone_key).toBeNull()
    expect(m.donor_key).not.toBe(donorKey(email))
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('caps the whole pool, and never matches more than its fund holds', async () => {
    const a = await setup({ capTotal: '70' })
    expect(await matched({ campaignId: a.campaignId, amount: 50_00 })).toBe(50_00)
    expect(await matched({ campaignId: a.campaignId, amount: 50_00 })).toBe(20_00)
    expect(await matched({ campaignId: a.campaignId, amount: 50_00 })).toBe(0)
    const b = await setup({}, 80_00)
    expect(await matched({ campaignId: b.campaignId, amount: 50_00 })).toBe(50_00)
    expect(await matched({ campaignId: b.campaignId, amount: 50_00 })).toBe(30_00)
    expect(await matched({ campaignId: b.campaignId, amount: 50_00 })).toBe(0)
    expect(await getBalance(t.db, fundOfMatchPool(b.poolId), 'CNY')).toBe(0)
  })

  it('matches only within its opening hours and dates, China time', async () => {
    const a = await setup({ opensAt: '09:00', closesAt: '21:00', startsOn: '2026-09-07', endsOn: '2026-09-09' })
    const at = (iso: string) => matched({ campaignId: a.campaignId, amount: 10_00, paidAt: iso })
    expect(await at('2026-09-07T00:59:00Z')).toBe(0) // 08:59 China
    expect(await at('2026-09-07T01:00:00Z')).toBe(10_00) // 09:00 China
    expect(await at('2026-09-07T12:59:00Z')).toBe(10_00) // 20:59
    expect(await at('2026-09-07T13:00:00Z')).toBe(0) // 21:00
    expect(await at('2026-09-06T03:00:00Z')).toBe(0) // the day before it starts
    expect(await at('2026-09-10T03:00:00Z')).toBe(0) // the day after it ends
  })

  it('gives the unspent match back to its pool when the gift is refunded or lost', async () => {
    const a = await setup({})
    const gift = await giveAt(t.db, { campaignId: a.campaignId, amount: 50_00 })
    expect(await getBalance(t.db, fundOfMatchPool(a.poolId), 'CNY')).toBe(950_00)
    await t.db.transaction().execute((trx) =>
      reverseDonation(trx, gift, {
        kind: 'refund',
        providerRef: `re_${gift.public_id}`,
        amount: 20_00,
        currency: 'CNY',
        occurredAt: new Date().toISOString(),
      }),
    )
    expect(await getBalance(t.db, fundOfMatchPool(a.poolId), 'CNY')).toBe(1_000_00)
    expect(await getBalance(t.db, `fund:campaign:${a.campaignId}`, 'CNY')).toBe(30_00)
    expect((await matchOf(t.db, gift.id))?.returned).toBe(50_00)
    const kinds = await t.db
      .selectFrom('ledger_transactions')
      .select('kind')
      .where('kind', '=', 'match_return')
      .execute()
    expect(kinds.length).toBeGreaterThan(0)
    // A second refund finds nothing unspent: nothing more is posted.
    const fresh = await t.db.selectFrom('donations').selectAll().where('id', '=', gift.id).executeTakeFirstOrThrow()
    await t.db.transaction().execute((trx) =>
      reverseDonation(trx, fresh, {
        kind: 'dispute',
        providerRef: `dp_${gift.public_id}`,
        amount: 30_00,
        currency: 'CNY',
        occurredAt: new Date().toISOString(),
      }),
    )
    expect((await matchOf(t.db, gift.id))?.returned).toBe(50_00)
  })

  it('leaves a ledger that verifies', async () => {
    const result = await verifyLedger(t.db)
    expect(result).toMatchObject({ ok: true })
  })
})
