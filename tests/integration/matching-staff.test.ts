import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { matchingAction } from '~/routes/admin.matching.server'
import { fundOfMatchPool, getBalance } from '~/modules/ledger'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { newCampaign, staffUser } from '../support/matching'

// The staff form of /admin/matching: bad input gives field errors and writes nothing; a good
// one creates the pool (audited); the sponsor's money lands in the pool's fund.
describe.skipIf(skipReason)(`matching pools staff form on ${testDialect}`, () => {
  let t: TestDb
  let staff: number
  let campaign: number
  beforeAll(async () => {
    t = await createTestDb()
    staff = await staffUser(t.db)
    campaign = await newCampaign(t.db)
  })
  afterAll(async () => t?.destroy())

  const form = (fields: Record<string, string | string[]>) => {
    const f = new FormData()
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) f.append(k, x)
    return f
  }
  const good = {
    intent: 'create',
    name: '测试池',
    sponsor: '虚构企业',
    rule: 'ratio',
    ratioGift: '1',
    ratioMatch: '1',
    minGift: '1',
    opensAt: '09:00',
    startsOn: '2026-09-01',
    endsOn: '2026-09-30',
  }

  it('refuses bad input field by field and writes nothing', async () => {
    const r = await matchingAction(
      t.db,
      { id: staff },
      form({ ...good, sponsor: '', minGift: 'abc', opensAt: '9am', endsOn: '2026-08-01', rule: 'random' }),
    )
    expect(r.errors).toMatchObject({ sponsor: 'matching.error.sponsor', campaignIds: 'matching.error.campaigns' })
    const r2 = await matchingAction(
      t.db,
      { id: staff },
      form({ ...good, campaignIds: [String(campaign)], minGift: 'abc', opensAt: '9am', endsOn: '2026-08-01' }),
    )
    expect(r2.errors).toMatchObject({
      minGift: 'matching.error.amount',
      opensAt: 'matching.error.clock',
      endsOn: 'matching.error.dates',
    })
    expect(await t.db.selectFrom('matching_pools').selectAll().execute()).toEqual([])
  })

  it('creates a pool, audits it, and books the sponsor’s money into its fund', async () => {
    const r = await matchingAction(t.db, { id: staff }, form({ ...good, campaignIds: [String(campaign)] }))
    expect(r).toEqual({ errors: {}, done: 'saved' })
    const pool = await t.db.selectFrom('matching_pools').selectAll().executeTakeFirstOrThrow()
    expect(pool).toMatchObject({ sponsor: '虚构企业', opens_minute: 540, min_gift: 100 })
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'matching.pool_create').execute()
    expect(audit).toHaveLength(1)
    const funded = await matchingAction(
      t.db,
      { id: staff },
      form({
        intent: 'fund',
        poolId: String(pool.id),
        reference: 'BANK-1',
        receivedOn: '2026-08-30',
        amount: '500',
        donorEmail: 'sponsor@example.test',
      }),
    )
    expect(funded.done).toBe('funded')
    expect(await getBalance(t.db, fundOfMatchPool(pool.id), 'CNY')).toBe(500_00)
  })

  it('edits a pool’s rules (audited); a bad edit answers on that pool’s form and changes nothing', async () => {
    await matchingAction(t.db, { id: staff }, form({ ...good, name: '改前', campaignIds: [String(campaign)] }))
    const pool = await t.db
      .selectFrom('matching_pools')
      .selectAll()
      .where('name', '=', '改前')
      .executeTakeFirstOrThrow()
    const bad = await matchingAction(
      t.db,
      { id: staff },
      form({ ...good, intent: 'update', poolId: String(pool.id), minGift: 'x', campaignIds: [String(campaign)] }),
    )
    expect(bad).toMatchObject({ poolId: pool.id, errors: { minGift: 'matching.error.amount' } })
    const ok = await matchingAction(
      t.db,
      { id: staff },
      form({
        ...good,
        intent: 'update',
        poolId: String(pool.id),
        name: '改后',
        capTotal: '500',
        status: 'paused',
        campaignIds: [String(campaign)],
      }),
    )
    expect(ok.done).toBe('saved')
    const after = await t.db
      .selectFrom('matching_pools')
      .selectAll()
      .where('id', '=', pool.id)
      .executeTakeFirstOrThrow()
    expect(after).toMatchObject({ name: '改后', cap_total: 500_00, status: 'paused', min_gift: 1_00 })
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'matching_pool')
      .where('entity_id', '=', String(pool.id))
      .execute()
    expect(audit.map((a) => a.action)).toContain('matching.pool_update')
  })
})
