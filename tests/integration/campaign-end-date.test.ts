import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCheckout } from '~/modules/donations/checkout.server'
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import { donationFormSchema } from '~/modules/donations/schema'
import { getBalance } from '~/modules/ledger'
import * as donate from '~/routes/donate._index'
import { setDb } from '~/utils/db.server'
import { chinaDate, chinaDayStart } from '~/utils/i18n'
import { isRefusal } from '~/utils/refusal'
import { dayBound } from '~/modules/transparency/http'
import { call, get, post } from '../support/auth-fixtures'
import { skipReason, testDialect } from '../support/db'
import { givingFixture, LIMITS, WEBHOOK_SECRET } from '../support/giving'
import * as ev from '../support/stripe-events'

// A campaign's end date is a whole China calendar day: gifts start until 23:59:59.999 China
// time (15:59:59.999 UTC) and are refused from 00:00 the next day, on the form and in the
// checkout, with nothing written. A checkout begun before the end still books afterwards.

describe.skipIf(skipReason)(`a campaign's end date on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  beforeAll(async () => {
    f = await givingFixture()
    setDb(f.db)
  })
  afterAll(async () => f?.destroy())

  async function campaignEnding(slug: string, day: string) {
    const at = '2026-11-01T00:00:00.000Z'
    await f.db
      .insertInto('campaigns')
      .values({
        slug,
        title: `测试结束 ${slug}`,
        title_en: `Ends ${slug}`,
        goal_amount: 1_000_000,
        currency: 'CNY',
        station_id: null,
        status: 'active',
        starts_at: at,
        ends_at: dayBound(day, true)!,
        created_at: at,
        published_at: at,
      })
      .execute()
  }
  const donations = async () =>
    Number(
      (
        await f.db
          .selectFrom('donations')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  let ip = 0
  const start = (slug: string, now: Date, locale: 'zh-CN' | 'en' = 'zh-CN') =>
    startCheckout(
      f.db,
      f.provider,
      donationFormSchema(LIMITS).parse({
        amountChoice: '10000',
        currency: 'CNY',
        frequency: 'once',
        designation: 'campaign',
        campaign: slug,
        displayMode: 'family',
        name: '测试捐赠人',
        email: `end-${++ip}@example.test`,
      }),
      { locale, clientIp: `10.9.0.${ip}`, baseUrl: 'http://localhost:3000', now },
    )

  it('takes a gift at 23:59 China time on the end date and refuses one at 00:00 the next day', async () => {
    await campaignEnding('ends-new-year-eve', '2026-12-31')
    // 2026-12-31 23:59:59 in China is 15:59:59 UTC.
    const lastMinute = new Date('2026-12-31T15:59:59.000Z')
    expect(chinaDate(lastMinute)).toBe('2026-12-31')
    const { publicId } = await start('ends-new-year-eve', lastMinute)
    expect(publicId).toBeTruthy()

    const before = await donations()
    const midnight = new Date(chinaDayStart('2027-01-01'))
    expect(midnight.toISOString()).toBe('2026-12-31T16:00:00.000Z')
    for (const [locale, date] of [
      ['zh-CN', '2026年12月31日'],
      ['en', 'December 31, 2026'],
    ] as const) {
      const refused = await start('ends-new-year-eve', midnight, locale).catch((e: unknown) => e)
      expect(isRefusal(refused)).toBe(true)
      if (!isRefusal(refused)) return
      expect(refused).toMatchObject({ messageKey: 'donate.error.campaignEnded', field: 'campaign' })
      expect(refused.params).toEqual({ date })
    }
    expect(await donations()).toBe(before)
  })

  it('refuses on the form and in its action once the end date has passed, writing nothing', async () => {
    const yesterday = chinaDate(new Date(Date.now() - 86_400_000))
    await campaignEnding('ended-yesterday', yesterday)
    const page = await call(donate.loader, get('/donate?campaign=ended-yesterday'))
    expect(page.status).toBe(200)
    expect(page.body.campaigns.map((c: { slug: string }) => c.slug)).not.toContain('ended-yesterday')
    expect(page.body.selected).toBeNull()
    expect(page.body.endedOn).toMatch(/年.*月.*日/)

    const before = await donations()
    const refused = await call(
      donate.action,
      post('/donate', {
        amountChoice: '10000',
        currency: 'CNY',
        frequency: 'once',
        designation: 'campaign',
        campaign: 'ended-yesterday',
        displayMode: 'family',
        name: '测试捐赠人',
        email: 'ended@example.test',
      }),
    )
    expect(refused.status).toBe(400)
    expect(refused.body.errors).toEqual({ campaign: 'donate.error.campaignEnded' })
    expect(String(refused.body.params.date)).toMatch(/年.*月.*日/)
    expect(await donations()).toBe(before)
  })

  it('books a checkout begun before the end when its webhook arrives after it', async () => {
    await campaignEnding('ends-soon', chinaDate(new Date(Date.now() + 30 * 86_400_000)))
    const gift = await f.checkout({ campaign: 'ends-soon' }, 0)
    // The campaign's end passes (yesterday, China time) before the provider's webhook arrives.
    await f.db
      .updateTable('campaigns')
      .set({ ends_at: dayBound(chinaDate(new Date(Date.now() - 86_400_000)), true)! })
      .where('slug', '=', 'ends-soon')
      .execute()
    const { payload, signature } = ev.sign(
      ev.sessionCompleted({ publicId: gift.publicId, intentId: gift.intentId, amount: 10000 }),
      WEBHOOK_SECRET,
    )
    expect(webhookReply(await receiveWebhook(f.db, f.provider, payload, signature)).status).toBe(200)
    const row = await f.db
      .selectFrom('donations')
      .select(['status', 'campaign_id'])
      .where('public_id', '=', gift.publicId)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('paid')
    expect(await getBalance(f.db, `fund:campaign:${row.campaign_id}`, 'CNY')).toBe(10000)
  })
})
