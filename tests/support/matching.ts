// Fixtures for matching-pool tests: a campaign of the test's own, a pool on it funded by
// an offline sponsor gift, and gifts fulfilled at a chosen moment (opening hours, China days).
import { randomBytes } from 'node:crypto'
import { fulfilDonation } from '~/modules/donations/fulfil.server'
import { newDonationPublicId, newTrackingCode } from '~/modules/donations/ids.server'
import { createPool, fundPool } from '~/modules/matching/pools.server'
import { phoneKey } from '~/modules/matching/match.server'
import { PoolInput } from '~/modules/matching/schema'
import { fundOfCampaign } from '~/modules/ledger'
import type { DB } from '~/utils/db.server'

export async function staffUser(db: DB): Promise<number> {
  const row = await db
    .insertInto('users')
    .values({
      email: `match-${randomBytes(4).toString('hex')}@example.test`,
      display_name: '配捐测试',
      password_hash: 'x',
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function newCampaign(db: DB): Promise<number> {
  const hex = randomBytes(4).toString('hex')
  const slug = `match-${hex}`
  // A title people would write: the slug in it would read as a raw code on the pages (words crawl).
  const n = Number.parseInt(hex, 16) % 100_000
  const row = await db
    .insertInto('campaigns')
    .values({
      slug,
      title: `配捐测试项目 ${n}`,
      title_en: `Matching test ${n}`,
      goal_amount: 100_000_00,
      currency: 'CNY',
      station_id: null,
      status: 'active',
      starts_at: '2026-01-01T00:00:00.000Z',
      ends_at: null,
      created_at: new Date().toISOString(),
      cover_path: null,
      published_at: '2026-01-01T00:00:00.000Z',
      closed_at: null,
      updated_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** A pool on one campaign with these form fields (yuan as typed), funded with `fund` fen. */
export async function newPool(
  db: DB,
  staffId: number,
  campaignId: number,
  fields: Record<string, unknown>,
  fund: number,
): Promise<number> {
  const input = PoolInput.parse({
    name: '测试配捐池',
    sponsor: '示例科技有限公司（虚构）',
    rule: 'ratio',
    minGift: '1',
    startsOn: '2026-01-01',
    endsOn: '2027-12-31',
    campaignIds: [String(campaignId)],
    ...fields,
  })
  const id = await createPool(db, { id: staffId }, input)
  if (fund > 0)
    await fundPool(db, { id: staffId }, id, {
      reference: `SPONSOR-${randomBytes(4).toString('hex')}`,
      receivedOn: '2026-01-02',
      amount: fund,
      donorName: '示例科技有限公司',
      donorEmail: 'sponsor@example.test',
    })
  return id
}

/** A card gift to the campaign, fulfilled at `paidAt`. Returns the donation row as booked. */
export async function giveAt(
  db: DB,
  g: { campaignId: number; amount: number; email?: string; phone?: string; paidAt?: string; fee?: number },
) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('donations')
      .values({
        public_id: newDonationPublicId(),
        tracking_code: newTrackingCode(),
        status: 'pending',
        frequency: 'once',
        designation: 'campaign',
        campaign_id: g.campaignId,
        target_id: null,
        fund: fundOfCampaign(g.campaignId),
        amount: g.amount,
        currency: 'CNY',
        cover_fee: 0,
        fee_amount: null,
        donor_name: '测试捐赠人',
        donor_email: g.email ?? `d-${randomBytes(4).toString('hex')}@example.test`,
        display_mode: 'anonymous',
        display_name: '爱心人士',
        message: null,
        locale: 'zh-CN',
        provider: 'demo',
        checkout_idempotency_key: null,
        provider_session_id: null,
        provider_invoice_id: null,
        provider_payment_intent_id: `pi_${randomBytes(6).toString('hex')}`,
        provider_charge_id: null,
        recurring_gift_id: null,
        source_ref: null,
        client_key: null,
        recorded_by: null,
        created_at: new Date().toISOString(),
        paid_at: null,
        donor_phone_key: g.phone ? phoneKey(g.phone) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    const fee = g.fee ?? 0
    await fulfilDonation(trx, row, {
      paymentIntentId: row.provider_payment_intent_id ?? row.public_id,
      chargeId: `ch_${randomBytes(6).toString('hex')}`,
      amount: g.amount,
      currency: 'CNY',
      fee,
      net: g.amount - fee,
      paidAt: g.paidAt ?? new Date().toISOString(),
    })
    return trx.selectFrom('donations').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()
  })
}

export async function matchOf(db: DB, donationId: number) {
  return db.selectFrom('matching_matches').selectAll().where('donation_id', '=', donationId).executeTakeFirst()
}
