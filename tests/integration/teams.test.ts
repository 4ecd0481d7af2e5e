import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '~/modules/auth/password.server'
import { fulfilDonation, lockDonation, reverseDonation } from '~/modules/donations/fulfil.server'
import { exportDataset } from '~/modules/ledger'
import { demoFee } from '~/modules/payments/demo.server'
import { publicTeam } from '~/modules/teams/teams.server'
import * as adminTeams from '~/routes/admin.teams'
import * as campaignPage from '~/routes/campaigns.$slug'
import * as donatePage from '~/routes/donate._index'
import * as donorTeams from '~/routes/donor.teams'
import * as openDataFile from '~/routes/open-data.$file'
import * as teamPage from '~/routes/teams.$code'
import * as posterRoute from '~/routes/teams.$code_.poster[.]svg'
import { call, cookieFor, get, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Team pages (一起捐): a donor starts one, gifts given through it are credited to it (on the
// donation and as refs.team in the ledger), every team total is recomputed from the export
// alone by public/open-data.md section 9, and a hidden page is gone from every public surface.

type Row = Record<string, any>

async function lines(t: TestDb, dataset: 'donations' | 'transactions' | 'transfers'): Promise<Row[]> {
  let text = ''
  for await (const chunk of exportDataset(t.db, { dataset, format: 'jsonl' })) text += chunk
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row)
}

/** Section 9 of public/open-data.md, on exported rows only. */
async function totalsFromExport(t: TestDb): Promise<Map<string, bigint>> {
  const [donations, transactions, transfers] = await Promise.all([
    lines(t, 'donations'),
    lines(t, 'transactions'),
    lines(t, 'transfers'),
  ])
  const teamOf = new Map<string, string>()
  const totals = new Map<string, bigint>()
  for (const d of donations) {
    if (d.team === null) continue
    teamOf.set(d.donation, d.team)
    totals.set(d.team, (totals.get(d.team) ?? 0n) + BigInt(d.amount))
  }
  const sumOf = new Map<string, bigint>()
  for (const tr of transfers) sumOf.set(tr.sequence, (sumOf.get(tr.sequence) ?? 0n) + BigInt(tr.amount))
  for (const x of transactions) {
    if (x.kind !== 'refund' && x.kind !== 'dispute') continue
    const team = teamOf.get(x.refs.donation)
    if (team) totals.set(team, totals.get(team)! - sumOf.get(x.sequence)!)
  }
  return totals
}

describe.skipIf(skipReason)(`team pages on ${testDialect}`, () => {
  let t: TestDb
  let donorCookie: string
  let adminCookie: string
  let slug: string
  let otherSlug: string
  let code = ''
  let gifts = 0

  beforeAll(async () => {
    t = await seededDb()
    const at = new Date().toISOString()
    const user = await t.db
      .insertInto('users')
      .values({
        email: 'team.owner@example.test',
        display_name: '李思远',
        password_hash: await hashPassword('unused-password'),
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: user.id, role: 'donor', station_id: null, created_at: at })
      .execute()
    donorCookie = await cookieFor(t.db, 'team.owner@example.test')
    adminCookie = await cookieFor(t.db, 'admin@hope.demo')
    const campaigns = await t.db
      .selectFrom('campaigns')
      .select('slug')
      .where('status', '=', 'active')
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', at)]))
      .orderBy('id')
      .execute()
    slug = campaigns[0]!.slug
    otherSlug = campaigns[1]!.slug
  })
  afterAll(async () => t?.destroy())

  const form = (extra: Record<string, string>) => ({
    campaign: slug,
    title: '三年二班一起捐',
    goal: '2000',
    message: '我们班一起为山里的同学加油！',
    station: '',
    displayMode: 'family',
    ...extra,
  })

  /** A gift through the donation form (as the browser posts it), then paid through the fulfilment path. */
  async function give(fields: Record<string, string>, pay = true) {
    gifts++
    const o = await call(
      donatePage.action as any,
      post(
        '/donate',
        {
          amountChoice: '10000',
          currency: 'CNY',
          frequency: 'once',
          designation: 'campaign',
          campaign: slug,
          displayMode: 'full',
          name: `支持者${gifts}`,
          email: `team-supporter-${gifts}@example.test`,
          ...fields,
        },
        null,
      ),
      {},
      { clientIp: `198.51.100.${gifts}` },
    )
    if (o.status !== 303) return { outcome: o, publicId: null }
    const row = await t.db
      .selectFrom('donations')
      .selectAll()
      .where('donor_email', '=', `team-supporter-${gifts}@example.test`)
      .executeTakeFirstOrThrow()
    if (pay)
      await t.db.transaction().execute(async (trx) => {
        const locked = (await lockDonation(trx, { publicId: row.public_id }))!
        await fulfilDonation(trx, locked, {
          paymentIntentId: `pi_team_${row.public_id}`,
          chargeId: `ch_team_${row.public_id}`,
          amount: row.amount,
          currency: row.currency,
          fee: demoFee(row.amount),
          net: row.amount - demoFee(row.amount),
          paidAt: new Date().toISOString(),
        })
      })
    return { outcome: o, publicId: row.public_id, row }
  }

  it('a signed-in donor creates a team page; anonymous visitors are sent to sign in', async () => {
    const anon = await call(donorTeams.action as any, post('/donor/teams', form({}), null))
    expect(anon.status).toBe(302)
    expect(anon.location).toBe('/donor/signin')
    const o = await call(donorTeams.action as any, post('/donor/teams', form({}), donorCookie))
    expect(o.status).toBe(303)
    code = /^\/teams\/(T-[0-9A-Z]{8})\?created=1$/.exec(o.location ?? '')![1]!
    const row = await t.db.selectFrom('team_pages').selectAll().where('code', '=', code).executeTakeFirstOrThrow()
    // The owner chose "family name only": 李思远 is shown as 李**, never the full name or the email.
    expect(row.owner_name).toBe('李**')
    expect(Number(row.goal_amount)).toBe(200_000)
    const page = await call(teamPage.loader as any, get(`/teams/${code}`), { code })
    expect(page.status).toBe(200)
    expect(JSON.stringify(page.body)).not.toMatch(/李思远|team\.owner@/)
    const audit = await t.db.selectFrom('audit_log').select('action').where('entity_type', '=', 'team_page').execute()
    expect(audit.map((a) => a.action)).toContain('team.create')
  })

  it('moderation refuses contact details on the field that holds them, and bad input on its field', async () => {
    const before = await t.db.selectFrom('team_pages').select('id').execute()
    const cases: [Record<string, string>, string, string][] = [
      [{ message: '有意者加我微信 hope_2026 联系' }, 'message', 'teams.error.contact'],
      [{ title: '电话 138 0013 8000' }, 'title', 'teams.error.contact'],
      [{ message: '邮箱 someone@example.com' }, 'message', 'teams.error.contact'],
      [{ goal: '5' }, 'goal', 'teams.error.goal'],
      [{ goal: '一百' }, 'goal', 'teams.error.goal'],
      [{ title: '' }, 'title', 'teams.error.title'],
      [{ campaign: 'no-such-campaign' }, 'campaign', 'teams.error.campaign'],
      [{ station: '999999' }, 'station', 'teams.error.station'],
      [{ displayMode: 'loud' }, 'displayMode', 'teams.error.displayMode'],
    ]
    for (const [extra, field, key] of cases) {
      const o = await call(donorTeams.action as any, post('/donor/teams', form(extra), donorCookie))
      expect([400, 422], JSON.stringify(extra)).toContain(o.status)
      expect(o.body.errors[field], JSON.stringify(extra)).toBe(key)
    }
    expect(await t.db.selectFrom('team_pages').select('id').execute()).toHaveLength(before.length)
  })

  it('a gift through the page is credited to it: on the donation, in the ledger and in the export', async () => {
    const through = await give({ team: code })
    expect(through.outcome.status).toBe(303)
    expect(Number(through.row!.team_id)).toBeGreaterThan(0)
    const tx = await t.db
      .selectFrom('ledger_transactions')
      .select('refs')
      .where('donation_ref', '=', through.publicId!)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(tx.refs).team).toBe(code)
    const exported = (await lines(t, 'donations')).find((d) => d.donation === through.publicId)
    expect(exported?.team).toBe(code)
    // The same campaign without the page: no team.
    const plain = await give({})
    expect(plain.row!.team_id).toBeNull()
    expect((await lines(t, 'donations')).find((d) => d.donation === plain.publicId)?.team).toBeNull()
    // A pending gift through the page counts nowhere yet.
    await give({ team: code }, false)
    // A second paid gift, then half of it refunded: the total is net of the refund.
    const refunded = await give({ team: code, amountChoice: '20000' })
    await t.db.transaction().execute(async (trx) => {
      const row = (await lockDonation(trx, { publicId: refunded.publicId! }))!
      await reverseDonation(trx, row, {
        kind: 'refund',
        providerRef: `re_team_${row.public_id}`,
        amount: 5000,
        currency: 'CNY',
        occurredAt: new Date().toISOString(),
      })
    })
    const team = (await publicTeam(t.db, code, 'zh-CN'))!
    expect(team.raised).toBe(10000 + 20000 - 5000)
    expect(team.donors).toBe(2)
    expect(team.supporters.map((s) => s.name).sort()).toEqual(['支持者1', '支持者4'])
  })

  it('the donation form refuses a malformed team, and a team of another campaign, on the team field', async () => {
    const bad = await give({ team: 'T-<script>' })
    expect(bad.outcome.status).toBe(400)
    expect(bad.outcome.body.errors.team).toBe('teams.error.closed')
    const other = await give({ team: code, campaign: otherSlug })
    expect(other.outcome.status).toBe(400)
    expect(other.outcome.body.errors.team).toBe('teams.error.closed')
    const general = await give({ team: code, designation: 'general' })
    expect(general.outcome.status).toBe(400)
    // The form offers the team only with its own campaign.
    const ok = await call(donatePage.loader as any, get(`/donate?campaign=${slug}&team=${code}`))
    expect(ok.body.team).toEqual({ code, title: '三年二班一起捐' })
    const wrong = await call(donatePage.loader as any, get(`/donate?campaign=${otherSlug}&team=${code}`))
    expect(wrong.body.team).toBeNull()
  })

  it('every team total equals its recomputation from the export alone (open-data.md section 9)', async () => {
    // A second page on the same campaign with one gift, so there is more than one team to check.
    const o = await call(donorTeams.action as any, post('/donor/teams', form({ title: '校友会' }), donorCookie))
    const second = /T-[0-9A-Z]{8}/.exec(o.location ?? '')![0]
    await give({ team: second, amountChoice: '50000' })
    const fromExport = await totalsFromExport(t)
    const teams = await t.db.selectFrom('team_pages').select('code').where('status', '=', 'open').execute()
    expect(teams.length).toBeGreaterThanOrEqual(2)
    for (const { code: c } of teams) {
      const shown = (await publicTeam(t.db, c, 'zh-CN'))!
      expect(String(fromExport.get(c) ?? 0n), c).toBe(String(shown.raised))
    }
    expect(fromExport.get(code)).toBe(25000n)
    // The campaign page's leaderboard lists both, highest total first.
    const page = await call(campaignPage.loader as any, get(`/campaigns/${slug}`), { slug })
    const board = page.body.teams.map((x: { code: string }) => x.code)
    expect(board.indexOf(second)).toBeLessThan(board.indexOf(code))
  })

  it('a hidden page is gone from every public surface at once, and the hide is audited', async () => {
    const refused = await call(
      adminTeams.action as any,
      post('/admin/teams', { intent: 'hide', teamId: '1', reason: '' }, adminCookie),
    )
    expect(refused.status).toBe(400)
    expect(refused.body.errors.reason).toBe('teams.error.reason')
    const team = await t.db.selectFrom('team_pages').select('id').where('code', '=', code).executeTakeFirstOrThrow()
    const o = await call(
      adminTeams.action as any,
      post('/admin/teams', { intent: 'hide', teamId: String(team.id), reason: '标题含不当内容' }, adminCookie),
    )
    expect(o.status).toBe(303)
    expect((await call(teamPage.loader as any, get(`/teams/${code}`), { code })).status).toBe(404)
    expect((await call(posterRoute.loader as any, get(`/teams/${code}/poster.svg`), { code })).status).toBe(404)
    const page = await call(campaignPage.loader as any, get(`/campaigns/${slug}`), { slug })
    expect(JSON.stringify(page.body)).not.toContain(code)
    expect(JSON.stringify(page.body)).not.toContain('三年二班一起捐')
    const form = await call(donatePage.loader as any, get(`/donate?campaign=${slug}&team=${code}`))
    expect(form.body.team).toBeNull()
    const late = await give({ team: code })
    expect(late.outcome.status).toBe(400)
    // No public file names the page's title or message (its opaque code stays in hashed records).
    for (const file of ['donations.csv', 'transactions.jsonl']) {
      const res = await call(openDataFile.loader as any, get(`/open-data/${file}`), { file })
      expect(res.status).toBe(200)
    }
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('entity_type', '=', 'team_page')
      .where('action', '=', 'team.hide')
      .execute()
    expect(audit).toHaveLength(1)
    // The owner still sees it in the portal, marked hidden.
    const mine = await call(donorTeams.loader as any, get('/donor/teams', donorCookie))
    expect(mine.body.teams.find((x: { code: string }) => x.code === code).hidden).toBe(true)
    // Hiding twice is a 409, not a second audit entry.
    const again = await call(
      adminTeams.action as any,
      post('/admin/teams', { intent: 'hide', teamId: String(team.id), reason: '再次隐藏' }, adminCookie),
    )
    expect(again.status).toBe(409)
  })

  it('the poster is an SVG with a QR code of the page', async () => {
    const open = await t.db
      .selectFrom('team_pages')
      .select('code')
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow()
    const o = await posterRoute.loader({
      request: get(`/teams/${open.code}/poster.svg`),
      params: { code: open.code },
      context: {},
    } as any)
    expect(o.headers.get('Content-Type')).toMatch(/image\/svg\+xml/)
    const svg = await o.text()
    expect(svg).toMatch(/^<\?xml/)
    expect(svg.match(/<svg /g)!.length).toBe(2)
  })
})
