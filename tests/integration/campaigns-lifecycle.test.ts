import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import { getBalance } from '~/modules/ledger'
import * as campaignAdmin from '~/routes/admin.campaigns.$id'
import * as campaignList from '~/routes/admin.campaigns._index'
import * as newCampaign from '~/routes/admin.campaigns.new'
import * as apiCampaigns from '~/routes/api.v1.campaigns'
import * as publicCampaign from '~/routes/campaigns.$slug'
import * as cover from '~/routes/covers.$file'
import * as donate from '~/routes/donate._index'
import * as openData from '~/routes/open-data.$file'
import { listActiveCampaigns } from '~/modules/campaigns/queries.server'
import { translator } from '~/utils/i18n'
import { setDb } from '~/utils/db.server'
import { BASE, call, cookieFor, get, post } from '../support/auth-fixtures'
import { skipReason, testDialect } from '../support/db'
import { givingFixture, WEBHOOK_SECRET } from '../support/giving'
import * as ev from '../support/stripe-events'

// A campaign's whole life through the staff pages: created as a draft (with a cover
// carrying GPS EXIF) that nobody outside staff sees, published everywhere at once,
// closed so that the donation form refuses and writes nothing, while a checkout begun
// before closing still fulfils when its webhook arrives.

const uploads = vi.hoisted(() => {
  const dir = `/tmp/hope-campaign-uploads-${process.pid}-${Date.now()}`
  process.env.UPLOAD_DIR = dir
  return dir
})

async function gpsJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 2400, height: 1200, channels: 3, background: '#3a6' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'CanaryCam', Artist: 'Canary Photographer' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '27/1 20/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '104/1 52/1 0/1' },
    })
    .toBuffer()
}

const PLAN = {
  planPurpose: '为镇雄县困难家庭学生筹集冬衣',
  planRegion: '云南省',
  planResponsible: '张测试',
  planReceiving: '网上银行卡、支付宝、微信支付',
  planBeneficiaries: '镇雄县 200 名学生',
  planUseOfFunds: '购买冬衣并运送到学校',
  planCost: '不从善款中列支',
  planLeftover: '转入同类助学项目',
}

function multipart(
  url: string,
  fields: Record<string, string>,
  cookie: string,
  file?: { bytes: Uint8Array; name: string },
) {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  if (file) form.set('cover', new File([new Uint8Array(file.bytes)], file.name, { type: 'image/jpeg' }))
  return new Request(BASE + url, { method: 'POST', headers: { Origin: BASE, Cookie: cookie }, body: form })
}

describe.skipIf(skipReason)(`campaign lifecycle on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  let admin: string
  let stationId: string
  beforeAll(async () => {
    f = await givingFixture()
    setDb(f.db)
    admin = await cookieFor(f.db, 'admin@hope.demo')
    const root = await f.db.selectFrom('stations').select('id').where('code', '=', '530000').executeTakeFirstOrThrow()
    stationId = String(root.id)
  })
  afterAll(async () => {
    await f?.destroy()
    fs.rmSync(uploads, { recursive: true, force: true })
  })

  const fields = (over: Record<string, string> = {}) => ({
    slug: 'winter-coats-2026',
    title: '温暖冬衣 2026',
    titleEn: '',
    story: '山里的冬天很冷。',
    currency: 'CNY',
    goal: '50000',
    suggestedAmounts: '30, 100, 300',
    startsOn: '2026-12-01',
    endsOn: '2027-02-28',
    programmeId: '',
    stationId,
    ...PLAN,
    intent: 'save',
    ...over,
  })
  const donationCount = async () =>
    Number(
      (
        await f.db
          .selectFrom('donations')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  const donateForm = (slug: string) => ({
    amountChoice: '10000',
    currency: 'CNY',
    frequency: 'once',
    designation: 'campaign',
    campaign: slug,
    displayMode: 'family',
    name: '测试捐赠人',
    email: 'closed-campaign@example.test',
  })
  const apiSlugs = async () => {
    const res = (await apiCampaigns.loader({
      request: get('/api/v1/campaigns'),
      params: {},
      context: {},
    } as any)) as Response
    return { etag: res.headers.get('ETag'), slugs: ((await res.json()) as any).campaigns.map((c: any) => c.slug) }
  }

  it('refuses a non-image renamed .jpg and writes nothing', async () => {
    const text = new TextEncoder().encode('this is not a picture, only text named like one')
    const o = await call(
      newCampaign.action,
      multipart('/admin/campaigns/new', fields({ slug: 'not-an-image' }), admin, { bytes: text, name: 'photo.jpg' }),
    )
    expect(o.status).toBe(422)
    expect(o.body.errors).toEqual({ cover: 'campaigns.error.coverType' })
    expect(await f.db.selectFrom('campaigns').select('id').where('slug', '=', 'not-an-image').executeTakeFirst()).toBe(
      undefined,
    )
  })

  it('draft → published → closed, with the cover stripped of EXIF and every step audited', async () => {
    const jpeg = await gpsJpeg()
    // The input really carries GPS: the GPS IFD pointer (tag 0x8825) and the camera owner.
    const inMeta = await sharp(jpeg).metadata()
    expect(inMeta.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true)
    expect(jpeg.includes(Buffer.from('Canary Photographer'))).toBe(true)

    const made = await call(
      newCampaign.action,
      multipart('/admin/campaigns/new', fields(), admin, { bytes: jpeg, name: 'IMG_0001.JPG' }),
    )
    expect(made.status).toBe(302)
    const id = /\/admin\/campaigns\/(\d+)\?done=created$/.exec(made.location ?? '')![1]!
    const row = await f.db.selectFrom('campaigns').selectAll().where('id', '=', Number(id)).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'draft', goal_amount: 5000000, suggested_amounts: '[3000,10000,30000]' })
    expect(row.starts_at).toBe('2026-11-30T16:00:00.000Z') // midnight in China time
    expect(row.ends_at).toBe('2027-02-28T15:59:59.999Z')

    // The stored cover: re-encoded, resized, and without any metadata.
    const stored = fs.readFileSync(path.join(uploads, row.cover_path!))
    const outMeta = await sharp(stored).metadata()
    expect(outMeta.format).toBe('webp')
    expect(outMeta.width).toBeLessThanOrEqual(1600)
    expect(outMeta.exif).toBeUndefined()
    expect(outMeta.xmp).toBeUndefined()
    expect(stored.includes(Buffer.from('Canary'))).toBe(false)
    expect(stored.includes(Buffer.from('Exif'))).toBe(false)
    const coverFile = row.cover_path!.split('/').pop()!

    // A draft: invisible on public pages, the API, the open data, the donation form and its cover.
    const before = await apiSlugs()
    expect(before.slugs).not.toContain('winter-coats-2026')
    expect(
      (await call(publicCampaign.loader, get('/campaigns/winter-coats-2026'), { slug: 'winter-coats-2026' })).status,
    ).toBe(404)
    expect(
      (await call(publicCampaign.loader, get('/campaigns/winter-coats-2026?preview=1'), { slug: 'winter-coats-2026' }))
        .status,
    ).toBe(404)
    expect((await listActiveCampaigns(f.db, { locale: 'zh-CN' })).map((c) => c.slug)).not.toContain('winter-coats-2026')
    expect(
      (
        await call(openData.loader, get('/open-data/transactions.csv?campaign=winter-coats-2026'), {
          file: 'transactions.csv',
        })
      ).status,
    ).toBe(404)
    expect((await call(cover.loader, get(`/covers/${coverFile}`), { file: coverFile })).status).toBe(404)
    const n0 = await donationCount()
    const draftGift = await call(donate.action, post('/donate', donateForm('winter-coats-2026')))
    expect(draftGift.status).toBe(400)
    expect(await donationCount()).toBe(n0)
    // Staff see the preview and the cover.
    const preview = await call(publicCampaign.loader, get('/campaigns/winter-coats-2026?preview=1', admin), {
      slug: 'winter-coats-2026',
    })
    expect(preview.status).toBe(200)
    expect(preview.body).toMatchObject({ preview: true, campaign: { title: '温暖冬衣 2026', plan: PLAN } })
    expect((await call(cover.loader, get(`/covers/${coverFile}`, admin), { file: coverFile })).status).toBe(200)
    // The staff list filters by status.
    const drafts = await call(campaignList.loader, get('/admin/campaigns?status=draft', admin))
    expect(drafts.body.campaigns.map((c: any) => c.slug)).toContain('winter-coats-2026')
    const closedOnly = await call(campaignList.loader, get('/admin/campaigns?status=closed', admin))
    expect(closedOnly.body.campaigns.map((c: any) => c.slug)).not.toContain('winter-coats-2026')

    // Publishing needs the whole plan: the missing filing number is named on its field.
    const early = await call(campaignAdmin.action, post(`/admin/campaigns/${id}`, { intent: 'publish' }, admin), { id })
    expect(early.status).toBe(422)
    expect(early.body.errors).toEqual({ filingNumber: 'campaigns.error.planIncomplete' })
    const saved = await call(
      campaignAdmin.action,
      multipart(
        `/admin/campaigns/${id}`,
        fields({ filingNumber: '53000020260001', titleEn: 'Warm coats 2026' }),
        admin,
      ),
      { id },
    )
    expect(saved).toMatchObject({ status: 302, location: `/admin/campaigns/${id}?done=saved` })
    // Saving without a new file keeps the cover.
    const kept = await f.db
      .selectFrom('campaigns')
      .select('cover_path')
      .where('id', '=', Number(id))
      .executeTakeFirstOrThrow()
    expect(kept.cover_path).toBe(row.cover_path)
    const published = await call(campaignAdmin.action, post(`/admin/campaigns/${id}`, { intent: 'publish' }, admin), {
      id,
    })
    expect(published).toMatchObject({ status: 302, location: `/admin/campaigns/${id}?done=published` })

    // Everywhere at once: page, list, API (a new ETag, though the ledger did not move), open data, cover.
    const after = await apiSlugs()
    expect(after.slugs).toContain('winter-coats-2026')
    expect(after.etag).not.toBe(before.etag)
    const page = await call(publicCampaign.loader, get('/campaigns/winter-coats-2026?lng=en'), {
      slug: 'winter-coats-2026',
    })
    expect(page.body.campaign).toMatchObject({ title: 'Warm coats 2026', story: '山里的冬天很冷。' }) // English falls back
    expect(page.body.campaign.plan.filingNumber).toBe('53000020260001')
    expect((await listActiveCampaigns(f.db, { locale: 'zh-CN' })).map((c) => c.slug)).toContain('winter-coats-2026')
    expect(
      (
        await call(openData.loader, get('/open-data/transactions.csv?campaign=winter-coats-2026'), {
          file: 'transactions.csv',
        })
      ).status,
    ).toBe(200)
    expect((await call(cover.loader, get(`/covers/${coverFile}`), { file: coverFile })).status).toBe(200)
    const form = await call(donate.loader, get('/donate?campaign=winter-coats-2026'))
    expect(form.body.selected).toMatchObject({ slug: 'winter-coats-2026', suggestedAmounts: [3000, 10000, 30000] })

    // A checkout begun while it is open…
    const early2 = await f.checkout({ campaign: 'winter-coats-2026' }, 340)
    expect(early2.donation.fund).toBe(`fund:campaign:${id}`)

    // …then it closes: the form says so, and the donation action refuses and writes nothing.
    const closed = await call(campaignAdmin.action, post(`/admin/campaigns/${id}`, { intent: 'close' }, admin), { id })
    expect(closed).toMatchObject({ status: 302, location: `/admin/campaigns/${id}?done=closed` })
    const n1 = await donationCount()
    const refused = (await donate.action({
      request: post('/donate', donateForm('winter-coats-2026')),
      params: {},
      context: { clientIp: '203.0.113.9' },
    } as any)) as Response
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as any).errors).toEqual({ campaign: 'donate.error.campaignClosed' })
    expect(await donationCount()).toBe(n1)
    expect(translator('zh-CN')('donate.error.campaignClosed')).toMatch(/已结束募捐/)
    expect(translator('en')('donate.error.campaignClosed')).toMatch(/closed/)
    expect((await call(donate.loader, get('/donate?campaign=winter-coats-2026'))).body).toMatchObject({
      closed: true,
      selected: null,
    })
    const closedPage = await call(publicCampaign.loader, get('/campaigns/winter-coats-2026'), {
      slug: 'winter-coats-2026',
    })
    expect(closedPage.body.campaign.status).toBe('closed')

    // The webhook for the session created before closing still fulfils.
    const { payload, signature } = ev.sign(
      ev.sessionCompleted({ publicId: early2.publicId, intentId: early2.intentId, amount: 10000 }),
      WEBHOOK_SECRET,
    )
    expect(webhookReply(await receiveWebhook(f.db, f.provider, payload, signature)).status).toBe(200)
    const paid = await f.db
      .selectFrom('donations')
      .select('status')
      .where('public_id', '=', early2.publicId)
      .executeTakeFirstOrThrow()
    expect(paid.status).toBe('paid')
    expect(await getBalance(f.db, `fund:campaign:${id}`, 'CNY')).toBe(10000 - 340)

    // With a gift it is never deleted; closing again is refused (already closed).
    const del = await call(campaignAdmin.action, post(`/admin/campaigns/${id}`, { intent: 'delete' }, admin), { id })
    expect(del.status).toBe(409)
    expect(del.body.errors).toEqual({ form: 'campaigns.error.hasGifts' })
    expect(await f.db.selectFrom('campaigns').select('id').where('id', '=', Number(id)).executeTakeFirst()).toBeTruthy()

    // Every change audited with before and after.
    const audit = await f.db
      .selectFrom('audit_log')
      .select(['action', 'before', 'after'])
      .where('entity_type', '=', 'campaign')
      .where('entity_id', '=', id)
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual([
      'campaign.created',
      'campaign.updated',
      'campaign.published',
      'campaign.closed',
    ])
    const updated = audit[1]!
    expect(JSON.parse(updated.before!).filing_number).toBe('')
    expect(JSON.parse(updated.after!).filing_number).toBe('53000020260001')
    expect(JSON.parse(audit[3]!.before!).status).toBe('active')
    expect(JSON.parse(audit[3]!.after!).status).toBe('closed')
  })

  it('a draft nobody gave to may be deleted; an unknown intent is a 400; the slug must be free', async () => {
    const made = await call(
      newCampaign.action,
      multipart('/admin/campaigns/new', fields({ slug: 'short-lived' }), admin),
    )
    const id = made.location!.split('/').pop()!.split('?')[0]!
    const dup = await call(
      newCampaign.action,
      multipart('/admin/campaigns/new', fields({ slug: 'short-lived' }), admin),
    )
    expect(dup).toMatchObject({ status: 409, body: { errors: { slug: 'campaigns.error.slugTaken' } } })
    const bad = await call(
      newCampaign.action,
      multipart('/admin/campaigns/new', fields({ slug: 'x', goal: '-5', suggestedAmounts: '0', title: '' }), admin),
    )
    expect(bad.status).toBe(400)
    expect(bad.body.errors).toEqual({
      slug: 'campaigns.error.slug',
      title: 'campaigns.error.required',
      goal: 'campaigns.error.goal',
      suggestedAmounts: 'campaigns.error.suggested',
    })
    const backwards = await call(
      newCampaign.action,
      multipart('/admin/campaigns/new', fields({ slug: 'backwards', endsOn: '2026-01-01' }), admin),
    )
    expect(backwards.body.errors).toEqual({ endsOn: 'campaigns.error.endsBeforeStart' })
    expect(
      (await call(campaignAdmin.action, post(`/admin/campaigns/${id}`, { intent: 'explode' }, admin), { id })).status,
    ).toBe(400)
    const gone = await call(campaignAdmin.action, post(`/admin/campaigns/${id}`, { intent: 'delete' }, admin), { id })
    expect(gone).toMatchObject({ status: 302, location: '/admin/campaigns?done=deleted' })
    expect((await call(campaignAdmin.loader, get(`/admin/campaigns/${id}`, admin), { id })).status).toBe(404)
  })
})
