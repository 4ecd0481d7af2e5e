import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { approveBatch, recordPayout } from '~/modules/disbursements/batches.server'
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import { getBalance, paidOf } from '~/modules/ledger'
import * as campaignAdmin from '~/routes/admin.campaigns.$id'
import * as newCampaign from '~/routes/admin.campaigns.new'
import * as newBatch from '~/routes/admin.batches.new'
import * as programmesPage from '~/routes/admin.programmes'
import { setDb } from '~/utils/db.server'
import { chinaDate } from '~/utils/i18n'
import { BASE, call, cookieFor, get, post } from '../support/auth-fixtures'
import { skipReason, testDialect } from '../support/db'
import { givingFixture, WEBHOOK_SECRET } from '../support/giving'
import * as ev from '../support/stripe-events'
import { freeStudents, stationIdOf, stationPath, userIdOf } from './scholarship.fixtures'
import { minimalPdf } from '../support/proof-files'

// A new programme can pay: created on the programmes page, funded by a campaign created and
// published on the campaign pages and linked on the programmes page, it pays a batch.

const uploads = vi.hoisted(() => {
  const dir = `/tmp/hope-programme-uploads-${process.pid}-${Date.now()}`
  process.env.UPLOAD_DIR = dir
  return dir
})

/** A urlencoded POST with repeated fields (checkbox groups). */
function postMany(path: string, pairs: [string, string][], cookie: string): Request {
  return new Request(BASE + path, {
    method: 'POST',
    headers: { Origin: BASE, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(pairs).toString(),
  })
}

describe.skipIf(skipReason)(`programme funding through the pages on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  let admin: string
  beforeAll(async () => {
    f = await givingFixture()
    setDb(f.db)
    admin = await cookieFor(f.db, 'admin@hope.demo')
  })
  afterAll(async () => {
    await f?.destroy()
    fs.rmSync(uploads, { recursive: true, force: true })
  })

  it('creates a programme, links a campaign with its balance, edits the award, and pays a batch', async () => {
    const created = await call(
      programmesPage.action,
      postMany(
        '/admin/programmes',
        [
          ['intent', 'create'],
          ['slug', 'mountain-bursary'],
          ['kind', 'scholarship'],
          ['name', '山区助学金'],
          ['nameEn', 'Mountain bursary'],
          ['currency', 'CNY'],
          ['awardAmount', '400'],
          ['terms', '2027-spring'],
          ['eligibleCategories', 'dibao'],
        ],
        admin,
      ),
    )
    expect(created).toMatchObject({ status: 302, location: '/admin/programmes?done=create' })
    const programme = await f.db
      .selectFrom('programmes')
      .selectAll()
      .where('slug', '=', 'mountain-bursary')
      .executeTakeFirstOrThrow()
    const programmeId = String(programme.id)

    // A campaign through its pages, published, and a gift of ¥2,000 through checkout and webhook.
    const form = new FormData()
    const fields: Record<string, string> = {
      slug: 'mountain-2027',
      title: '山区助学 2027',
      currency: 'CNY',
      goal: '100000',
      startsOn: '2026-12-01',
      stationId: String(await stationIdOf(f.db, '530000')),
      planPurpose: '资助山区学生',
      planRegion: '云南省',
      planResponsible: '李测试',
      planReceiving: '银行卡',
      planBeneficiaries: '困难家庭学生',
      planUseOfFunds: '发放助学金',
      planCost: '无',
      planLeftover: '转入同类项目',
      filingNumber: '53000020270001',
      intent: 'save',
    }
    for (const [k, v] of Object.entries(fields)) form.set(k, v)
    const made = await call(
      newCampaign.action,
      new Request(`${BASE}/admin/campaigns/new`, {
        method: 'POST',
        headers: { Origin: BASE, Cookie: admin },
        body: form,
      }),
    )
    const campaignId = made.location!.split('/').pop()!.split('?')[0]!
    expect(
      (
        await call(campaignAdmin.action, post(`/admin/campaigns/${campaignId}`, { intent: 'publish' }, admin), {
          id: campaignId,
        })
      ).status,
    ).toBe(302)
    const gift = await f.checkout({ campaign: 'mountain-2027', amountChoice: 'custom', customAmount: '2000' }, 0)
    const { payload, signature } = ev.sign(
      ev.sessionCompleted({ publicId: gift.publicId, intentId: gift.intentId, amount: 200000 }),
      WEBHOOK_SECRET,
    )
    expect(webhookReply(await receiveWebhook(f.db, f.provider, payload, signature)).status).toBe(200)

    // Not linked yet: the batch page refuses the campaign.
    const caseworker = await cookieFor(f.db, 'caseworker.zhenxiong@hope.demo')
    const [student] = await freeStudents(f.db, '530627101', 1)
    const batchForm = {
      programmeId,
      term: '2027-spring',
      stationId: String(await stationIdOf(f.db, '530627')),
      campaignId,
      students: `${student!.code} 500`,
    }
    const unlinked = await call(newBatch.action, post('/admin/batches/new', batchForm, caseworker))
    expect(unlinked.status).toBe(400)

    // Link through the page; the page shows the balance the link brings.
    const linked = await call(
      programmesPage.action,
      post('/admin/programmes', { intent: 'link', programmeId, campaignId }, admin),
    )
    expect(linked).toMatchObject({ status: 302, location: '/admin/programmes?done=link' })
    const page = await call(programmesPage.loader, get('/admin/programmes', admin))
    expect(page.body.funding[programmeId]).toEqual([
      { campaignId: Number(campaignId), title: '山区助学 2027', titleEn: '', status: 'active', balance: 200000 },
    ])

    // Edit the award per term (¥400 → ¥600), the terms and the categories.
    const bad = await call(
      programmesPage.action,
      postMany(
        '/admin/programmes',
        [
          ['intent', 'update'],
          ['programmeId', programmeId],
          ['name', '山区助学金'],
          ['nameEn', 'Mountain bursary'],
          ['awardAmount', '0'],
          ['terms', '2027-winter'],
        ],
        admin,
      ),
    )
    expect(bad.status).toBe(400)
    expect(bad.body.errors).toEqual({
      awardAmount: 'programmes.error.amount',
      terms: 'programmes.error.terms',
      eligibleCategories: 'programmes.error.categories',
    })
    const updated = await call(
      programmesPage.action,
      postMany(
        '/admin/programmes',
        [
          ['intent', 'update'],
          ['programmeId', programmeId],
          ['name', '山区助学金'],
          ['nameEn', 'Mountain bursary'],
          ['awardAmount', '600'],
          ['terms', '2027-spring, 2027-autumn'],
          ['eligibleCategories', 'dibao'],
          ['eligibleCategories', 'left_behind'],
        ],
        admin,
      ),
    )
    expect(updated.status).toBe(302)
    const after = await f.db
      .selectFrom('programmes')
      .selectAll()
      .where('id', '=', programme.id)
      .executeTakeFirstOrThrow()
    expect(after).toMatchObject({
      award_amount: 60000,
      terms: '["2027-spring","2027-autumn"]',
      eligible_categories: '["dibao","left_behind"]',
    })
    const audit = await f.db
      .selectFrom('audit_log')
      .select(['before', 'after'])
      .where('action', '=', 'programme.updated')
      .where('entity_id', '=', programmeId)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(audit.before!).award_amount).toBe(40000)
    expect(JSON.parse(audit.after!).award_amount).toBe(60000)

    // The batch now prepares, is approved and paid, drawing on the linked campaign's fund.
    const prepared = await call(newBatch.action, post('/admin/batches/new', batchForm, caseworker))
    expect(prepared.status).toBe(302)
    const batchId = Number(prepared.location!.split('/').pop())
    const finance = {
      id: await userIdOf(f.db, 'finance@hope.demo'),
      scope: [await stationPath(f.db, '530000')],
      ip: '203.0.113.10',
      totpVerified: true,
    }
    expect(await approveBatch(f.db, finance, { batchId })).toBe('approved')
    const proof = minimalPdf('payout slip')
    expect(
      await recordPayout(f.db, finance, {
        batchId,
        reference: 'BANK-MOUNTAIN-1',
        date: chinaDate(),
        proof,
      }),
    ).toBe('paid')
    expect(await getBalance(f.db, paidOf(student!.id), 'CNY')).toBe(50000)
    expect(await getBalance(f.db, `fund:campaign:${campaignId}`, 'CNY')).toBe(150000)

    // Unlinking names the programme it expects; a stale unlink is refused.
    expect(
      (
        await call(
          programmesPage.action,
          post('/admin/programmes', { intent: 'unlink', programmeId: '1', campaignId }, admin),
        )
      ).body.errors,
    ).toEqual({ form: 'programmes.error.notLinked' })
    expect(
      (
        await call(
          programmesPage.action,
          post('/admin/programmes', { intent: 'unlink', programmeId, campaignId }, admin),
        )
      ).status,
    ).toBe(302)
    const links = await f.db
      .selectFrom('campaign_programmes')
      .select('programme_id')
      .where('campaign_id', '=', Number(campaignId))
      .execute()
    expect(links).toEqual([])
  })

  /** A programme through the page; its id. */
  async function programmeThroughPage(slug: string, award: string, term: string): Promise<string> {
    const made = await call(
      programmesPage.action,
      postMany(
        '/admin/programmes',
        [
          ['intent', 'create'],
          ['slug', slug],
          ['kind', 'scholarship'],
          ['name', `助学金 ${slug}`],
          ['nameEn', `Bursary ${slug}`],
          ['currency', 'CNY'],
          ['awardAmount', award],
          ['terms', term],
          ['eligibleCategories', 'dibao'],
          ['eligibleCategories', 'left_behind'],
          ['eligibleCategories', 'tekun'],
          ['eligibleCategories', 'disability'],
          ['eligibleCategories', 'orphan'],
          ['eligibleCategories', 'other'],
        ],
        admin,
      ),
    )
    expect(made.status).toBe(302)
    const row = await f.db.selectFrom('programmes').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()
    return String(row.id)
  }

  /** A campaign through the campaign form funding these programmes, published, given `yuan` through checkout. */
  async function fundedCampaign(slug: string, programmeIds: string[], yuan: number): Promise<string> {
    const form = new FormData()
    const fields: Record<string, string> = {
      slug,
      title: `募捐 ${slug}`,
      currency: 'CNY',
      goal: '100000',
      startsOn: '2026-12-01',
      stationId: String(await stationIdOf(f.db, '530000')),
      planPurpose: '资助学生',
      planRegion: '云南省',
      planResponsible: '李测试',
      planReceiving: '银行卡',
      planBeneficiaries: '困难家庭学生',
      planUseOfFunds: '发放助学金',
      planCost: '无',
      planLeftover: '转入同类项目',
      filingNumber: '53000020270002',
      intent: 'save',
    }
    for (const [k, v] of Object.entries(fields)) form.set(k, v)
    for (const id of programmeIds) form.append('programmeIds', id)
    const made = await call(
      newCampaign.action,
      new Request(`${BASE}/admin/campaigns/new`, {
        method: 'POST',
        headers: { Origin: BASE, Cookie: admin },
        body: form,
      }),
    )
    expect(made.status).toBe(302)
    const id = made.location!.split('/').pop()!.split('?')[0]!
    const published = await call(campaignAdmin.action, post(`/admin/campaigns/${id}`, { intent: 'publish' }, admin), {
      id,
    })
    expect(published.status).toBe(302)
    const gift = await f.checkout({ campaign: slug, amountChoice: 'custom', customAmount: String(yuan) }, 0)
    const { payload, signature } = ev.sign(
      ev.sessionCompleted({ publicId: gift.publicId, intentId: gift.intentId, amount: yuan * 100 }),
      WEBHOOK_SECRET,
    )
    expect(webhookReply(await receiveWebhook(f.db, f.provider, payload, signature)).status).toBe(200)
    return id
  }

  /** Prepare (through the page), approve and pay a one-line batch; the student's id. */
  async function payBatch(programmeId: string, campaignId: string, term: string, yuan: number, skip: number) {
    const caseworker = await cookieFor(f.db, 'caseworker.zhenxiong@hope.demo')
    const student = (await freeStudents(f.db, '530627101', skip + 1))[skip]!
    const prepared = await call(
      newBatch.action,
      post(
        '/admin/batches/new',
        {
          programmeId,
          term,
          stationId: String(await stationIdOf(f.db, '530627')),
          campaignId,
          students: `${student.code} ${yuan}`,
        },
        caseworker,
      ),
    )
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(302)
    const batchId = Number(prepared.location!.split('/').pop())
    const finance = {
      id: await userIdOf(f.db, 'finance@hope.demo'),
      scope: [await stationPath(f.db, '530000')],
      ip: '203.0.113.10',
      totpVerified: true,
    }
    expect(await approveBatch(f.db, finance, { batchId })).toBe('approved')
    const proof = minimalPdf('payout slip')
    const reference = `BANK-${programmeId}-${campaignId}-${term}`
    expect(await recordPayout(f.db, finance, { batchId, reference, date: chinaDate(), proof })).toBe('paid')
    const lines = await f.db.selectFrom('award_lines').select('fund').where('batch_id', '=', batchId).execute()
    expect(lines).toEqual([{ fund: `fund:campaign:${campaignId}` }])
    return student.id
  }

  it('a programme funded by two campaigns pays from each, and a campaign funding two programmes pays both', async () => {
    const a = await programmeThroughPage('two-funds-a', '300', '2027-autumn')
    const b = await programmeThroughPage('two-funds-b', '200', '2027-autumn')
    // One campaign funds both programmes from the campaign form; a second funds A, linked on the programmes page.
    const both = await fundedCampaign('funds-a-and-b', [a, b], 1000)
    const onlyA = await fundedCampaign('funds-a-only', [], 800)
    expect(
      await call(
        programmesPage.action,
        post('/admin/programmes', { intent: 'link', programmeId: a, campaignId: onlyA }, admin),
      ),
    ).toMatchObject({ status: 302 })

    // The form shows what it funds; the programmes page agrees, with each link's balance.
    const edit = await call(campaignAdmin.loader, get(`/admin/campaigns/${both}`, admin), { id: both })
    expect(edit.body.values.programmeIds).toBe([a, b].sort((x, y) => Number(x) - Number(y)).join(','))
    const page = await call(programmesPage.loader, get('/admin/programmes', admin))
    expect(page.body.funding[a].map((l: { campaignId: number; balance: number }) => [l.campaignId, l.balance])).toEqual(
      [
        [Number(both), 100000],
        [Number(onlyA), 80000],
      ],
    )
    expect(page.body.funding[b].map((l: { campaignId: number }) => l.campaignId)).toEqual([Number(both)])

    // A draws on each of its campaigns; B on the campaign it shares with A; each fund pays only its own.
    const s1 = await payBatch(a, both, '2027-autumn', 300, 0)
    const s2 = await payBatch(a, onlyA, '2027-autumn', 250, 1)
    const s3 = await payBatch(b, both, '2027-autumn', 200, 2)
    expect(await getBalance(f.db, paidOf(s1), 'CNY')).toBe(30000)
    expect(await getBalance(f.db, paidOf(s2), 'CNY')).toBe(25000)
    expect(await getBalance(f.db, paidOf(s3), 'CNY')).toBe(20000)
    expect(await getBalance(f.db, `fund:campaign:${both}`, 'CNY')).toBe(100000 - 30000 - 20000)
    expect(await getBalance(f.db, `fund:campaign:${onlyA}`, 'CNY')).toBe(80000 - 25000)

    // B is not funded by the second campaign: the batch page refuses it, nothing written.
    const batches = await f.db.selectFrom('award_batches').select('id').execute()
    const caseworker = await cookieFor(f.db, 'caseworker.zhenxiong@hope.demo')
    const [other] = (await freeStudents(f.db, '530627101', 4)).slice(3)
    const refused = await call(
      newBatch.action,
      post(
        '/admin/batches/new',
        {
          programmeId: b,
          term: '2027-autumn',
          stationId: String(await stationIdOf(f.db, '530627')),
          campaignId: onlyA,
          students: `${other!.code} 100`,
        },
        caseworker,
      ),
    )
    expect(refused.status).toBe(400)
    expect(await f.db.selectFrom('award_batches').select('id').execute()).toHaveLength(batches.length)

    // Saving the form with B unticked ends that link and audits the change.
    const form = new FormData()
    for (const [k, v] of Object.entries(edit.body.values as Record<string, string>)) form.set(k, v)
    form.delete('programmeIds')
    form.append('programmeIds', a)
    form.set('intent', 'save')
    const saved = await call(
      campaignAdmin.action,
      new Request(`${BASE}/admin/campaigns/${both}`, {
        method: 'POST',
        headers: { Origin: BASE, Cookie: admin },
        body: form,
      }),
      { id: both },
    )
    expect(saved.status, JSON.stringify(saved.body)).toBe(302)
    const after = await call(programmesPage.loader, get('/admin/programmes', admin))
    expect(after.body.funding[b]).toEqual([])
    const audit = await f.db
      .selectFrom('audit_log')
      .select(['before', 'after'])
      .where('action', '=', 'campaign.updated')
      .where('entity_id', '=', both)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(audit.before!).programme_ids).toHaveLength(2)
    expect(JSON.parse(audit.after!).programme_ids).toEqual([Number(a)])
  })
})
