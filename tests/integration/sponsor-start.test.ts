import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fundOfSponsorship, postDonation } from '~/modules/ledger'
import { activatePaidSponsorships } from '~/modules/sponsorships/lifecycle.server'
import { donorSponsorships } from '~/modules/sponsorships/public.server'
import {
  listSponsorable,
  SPONSOR_HOLD_MS,
  sponsorClaim,
  sponsorshipForCheckout,
  startSponsorship,
} from '~/modules/sponsorships/start.server'
import { loadNames } from '~/modules/transparency/names.server'
import { givingTarget } from '~/modules/wishes/giving-target.server'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Starting a sponsorship holds its student briefly (like a wish claim), then releases it;
// the name and email typed carry to the giving form only with the start's claim; the
// sponsor is mailed their page's link once paid and finds it in the portal; the ledger
// names the fund by the student's pseudonym.

describe.skipIf(skipReason)(`starting a sponsorship on ${testDialect}`, () => {
  let t: TestDb
  let hope: number
  beforeAll(async () => {
    t = await seededDb()
    hope = Number(
      (
        await t.db
          .selectFrom('programmes')
          .select('id')
          .where('slug', '=', 'hope-star-1-plus-1')
          .executeTakeFirstOrThrow()
      ).id,
    )
  })
  afterAll(async () => t?.destroy())

  it('holds the student for the hold, then releases; carries name and email; mails the link once paid', async () => {
    const now = new Date()
    const [first] = await listSponsorable(t.db, { programmeId: hope, now })
    expect(first).toBeTruthy()
    const start = (email: string, at: Date) =>
      startSponsorship(
        t.db,
        {
          beneficiaryId: first!.id,
          programmeId: hope,
          schoolYear: '2027-2028',
          frequency: 'once',
          donorName: '结对测试人',
          donorEmail: email,
          locale: 'zh-CN',
        },
        at,
      )
    const walkedAway = await start('walked@test.example', now)
    const ids = async (at: Date) =>
      (await listSponsorable(t.db, { programmeId: hope, limit: 10_000, now: at })).map((s) => s.id)
    expect(await ids(now)).not.toContain(first!.id)
    const later = new Date(now.getTime() + SPONSOR_HOLD_MS + 60_000)
    expect(await ids(later)).toContain(first!.id)

    // Someone else starts after the hold ran out: the first, unpaid start can no longer give.
    const s = await start('sponsor-start@test.example', later)
    expect(await sponsorshipForCheckout(t.db, walkedAway.id, null, later)).toBeNull()

    const search = (claim?: string) => new URLSearchParams({ sponsorship: String(s.id), ...(claim ? { claim } : {}) })
    const withClaim = await givingTarget(t.db, search(sponsorClaim(s.id)), 'zh-CN')
    expect(withClaim?.values).toMatchObject({ name: '结对测试人', email: 'sponsor-start@test.example' })
    const guessed = await givingTarget(t.db, search('not-the-claim'), 'zh-CN')
    expect(guessed?.target?.targetId).toBe(s.id)
    expect(guessed?.values).not.toHaveProperty('email')

    await t.db.transaction().execute((trx) =>
      postDonation(trx, {
        idempotencyKey: `test:sp-start:${s.id}`,
        donationRef: `D-SPS-${s.id}`,
        fund: fundOfSponsorship(s.id),
        amount: 150000,
        fee: 0,
        currency: 'CNY',
        paidAt: later.toISOString(),
        displayName: '结*',
      }),
    )
    await activatePaidSponsorships(t.db, later)
    await activatePaidSponsorships(t.db, later)
    const mails = await t.db
      .selectFrom('mail_outbox')
      .select(['template', 'props'])
      .where('to_address', '=', 'sponsor-start@test.example')
      .execute()
    expect(mails).toHaveLength(1)
    const props = JSON.parse(mails[0]!.props)
    expect(props).toMatchObject({ kind: 'started', pseudonym: first!.publicCode })
    expect(props.url).toMatch(new RegExp(`/sponsor/${s.token}$`))

    const portal = await donorSponsorships(t.db, 'sponsor-start@test.example')
    expect(portal).toEqual([
      {
        id: s.id,
        status: 'active',
        schoolYear: '2027-2028',
        publicCode: first!.publicCode,
        path: `/sponsor/${s.token}`,
      },
    ])
    const names = await loadNames(t.db, 'zh-CN')
    expect(names.fund(fundOfSponsorship(s.id))).toBe(`希望之星 1+1 结对资助：${first!.publicCode}`)
    expect((await loadNames(t.db, 'en')).fund(fundOfSponsorship(s.id))).toContain(first!.publicCode)
  })
})
