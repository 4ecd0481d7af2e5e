import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fundOfCampaign } from '~/modules/ledger'
import { apiTransactions } from '~/modules/transparency/api-data.server'
import { publicCampaignFund, publicCampaignOptions } from '~/modules/transparency/campaigns.server'
import { ledgerView } from '~/modules/transparency/ledger-page.server'
import { LedgerQuery } from '~/modules/transparency/schema'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// The one place a public page turns a campaign slug into its fund, and the one ledger
// page both /ledger and /api/v1/transactions read: drafts are never named, an unknown
// slug selects nothing, a known one only what touches its fund.
describe.skipIf(skipReason)(`public campaigns and the shared ledger page on ${testDialect}`, () => {
  let t: TestDb
  let draft: { id: number; slug: string }
  let hope: { id: number; slug: string }
  beforeAll(async () => {
    t = await seededDb()
    hope = await t.db
      .selectFrom('campaigns')
      .select(['id', 'slug'])
      .where('slug', '=', 'hope-star-2026')
      .executeTakeFirstOrThrow()
    const row = await t.db
      .insertInto('campaigns')
      .values({
        slug: 'draft-campaign',
        title: '草稿',
        title_en: 'Draft',
        goal_amount: 100,
        currency: 'CNY',
        station_id: null,
        status: 'draft',
        starts_at: '2026-11-01T00:00:00.000Z',
        ends_at: null,
        created_at: '2026-11-01T00:00:00.000Z',
      })
      .returning(['id', 'slug'])
      .executeTakeFirstOrThrow()
    draft = { id: Number(row.id), slug: row.slug }
  })
  afterAll(async () => t?.destroy())

  it('lists published campaigns only, oldest first, titled in the reader language', async () => {
    const zh = await publicCampaignOptions(t.db, 'zh-CN')
    const en = await publicCampaignOptions(t.db, 'en')
    expect(zh.map((c) => c.slug)).toEqual(en.map((c) => c.slug))
    expect(zh.map((c) => c.slug)).not.toContain(draft.slug)
    expect(zh.find((c) => c.slug === hope.slug)?.title).toBe('希望之星 1+1 · 2026 学年')
    expect(en.find((c) => c.slug === hope.slug)?.title).toBe('Hope Star 1+1 · school year 2026')
    expect((await ledgerView(t.db, LedgerQuery.parse({}), 'en')).campaigns).toEqual(en)
  })

  it('gives the fund of a published slug, nothing for a draft or an unknown one', async () => {
    expect(await publicCampaignFund(t.db, hope.slug)).toBe(fundOfCampaign(hope.id))
    expect(await publicCampaignFund(t.db, draft.slug)).toBeUndefined()
    expect(await publicCampaignFund(t.db, 'no-such-campaign')).toBeUndefined()
  })

  it('filters the ledger page by campaign the same way for the site and the API', async () => {
    const q = LedgerQuery.parse({ campaign: hope.slug, limit: '100' })
    const api = await apiTransactions(t.db, q)
    const site = await ledgerView(t.db, q, 'zh-CN')
    expect(api.transactions.length).toBeGreaterThan(0)
    expect(site.rows).toEqual(api.transactions)
    for (const tx of api.transactions)
      expect(tx.transfers.some((x) => x.from === fundOfCampaign(hope.id) || x.to === fundOfCampaign(hope.id))).toBe(
        true,
      )
    for (const slug of [draft.slug, 'no-such-campaign'])
      expect((await apiTransactions(t.db, LedgerQuery.parse({ campaign: slug }))).transactions).toEqual([])
  })
})
