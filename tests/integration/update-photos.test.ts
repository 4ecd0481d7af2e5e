import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { insertConsent, withdrawConsent } from '~/modules/beneficiaries/consent.server'
import { approveUpdate, publicUpdates, type UpdateActor } from '~/modules/campaigns/updates.server'
import { hashPassword } from '~/modules/auth/password.server'
import * as staffPage from '~/routes/admin.updates'
import * as photoRoute from '~/routes/update-photos.$file'
import { BASE, call, cookieFor, get, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Photos in progress updates: only of a child whose guardian consented to photos (else a
// field error, nothing written), re-encoded without EXIF/GPS, public only after a second
// member of staff approves the update, and gone from every public surface once consent goes.

vi.hoisted(() => {
  process.env.UPLOAD_DIR = `/tmp/hope-update-photos-${process.pid}-${Date.now()}`
})

async function gpsJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 800, height: 600, channels: 3, background: '#3a6' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'CanaryCam', Artist: 'Canary Photographer' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '27/1 20/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '104/1 52/1 0/1' },
    })
    .toBuffer()
}

describe.skipIf(skipReason)(`photos in progress updates on ${testDialect}`, () => {
  let t: TestDb
  let cookie: string
  let campaignId: number
  let checker: UpdateActor
  let withPhoto: { id: number; code: string; stationId: number }
  let withoutPhoto: { id: number; code: string }

  beforeAll(async () => {
    t = await seededDb()
    cookie = await cookieFor(t.db, 'admin@hope.demo')
    const campaign = await t.db
      .selectFrom('campaigns')
      .select('id')
      .where('status', '=', 'active')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    campaignId = Number(campaign.id)
    const kids = await t.db
      .selectFrom('beneficiaries')
      .select(['id', 'public_code', 'station_id'])
      .orderBy('id')
      .limit(2)
      .execute()
    const at = new Date().toISOString()
    const consent = (photo: boolean) => ({
      guardianName: '测试监护人',
      relationship: '母亲',
      consentedOn: at.slice(0, 10),
      publicStory: true,
      photo,
      firstNameToSponsor: false,
    })
    await insertConsent(t.db, null, Number(kids[0]!.id), consent(true), at)
    await insertConsent(t.db, null, Number(kids[1]!.id), consent(false), at)
    withPhoto = { id: Number(kids[0]!.id), code: kids[0]!.public_code, stationId: Number(kids[0]!.station_id) }
    withoutPhoto = { id: Number(kids[1]!.id), code: kids[1]!.public_code }
    const root = await t.db
      .selectFrom('stations')
      .select(['id', 'path'])
      .where('code', '=', '530000')
      .executeTakeFirstOrThrow()
    const second = await t.db
      .insertInto('users')
      .values({
        email: 'checker@photos.test',
        display_name: '审核人',
        password_hash: await hashPassword('pw-photos-2026'),
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: second.id, role: 'admin', station_id: root.id, created_at: at })
      .execute()
    checker = { id: Number(second.id), scope: [root.path] }
  })
  afterAll(async () => t?.destroy())

  async function submit(studentCode: string, title: string) {
    const form = new FormData()
    form.set('intent', 'create')
    form.set('campaignId', String(campaignId))
    form.set('title', title)
    form.set('body', '孩子们收到了新书包。')
    form.set('photoStudent', studentCode)
    form.set('photo', new File([new Uint8Array(await gpsJpeg())], 'IMG_0001.jpg', { type: 'image/jpeg' }))
    const request = new Request(`${BASE}/admin/updates`, {
      method: 'POST',
      headers: { Origin: BASE, Cookie: cookie },
      body: form,
    })
    return call(staffPage.action as any, request)
  }

  it('a photo of a child without photo consent is refused on the photo field, and nothing is written', async () => {
    const before = await t.db.selectFrom('campaign_updates').select('id').execute()
    const o = await submit(withoutPhoto.code, '无同意的照片')
    expect(o.status).toBe(422)
    expect(o.body.errors.photo).toBe('updates.error.photoConsent')
    expect(await t.db.selectFrom('campaign_updates').select('id').execute()).toHaveLength(before.length)
    expect(await t.db.selectFrom('campaign_update_photos').select('id').execute()).toHaveLength(0)
    const unknown = await submit('HP-000000-NONE', '未知学生')
    expect(unknown.body.errors.photoStudent).toBe('updates.error.photoStudent')
  })

  it('a consented photo is re-encoded without EXIF, waits for review, then is public until consent is withdrawn', async () => {
    const o = await submit(withPhoto.code, '新书包到了')
    expect(o.status).toBe(302)
    const photo = await t.db.selectFrom('campaign_update_photos').selectAll().executeTakeFirstOrThrow()
    const file = photo.file
    const fetchPhoto = () => call(photoRoute.loader as any, get(`/update-photos/${file}`), { file })
    // Pending: not on the campaign page, not served to the public.
    expect((await publicUpdates(t.db, campaignId)).find((u) => u.id === Number(photo.update_id))).toBeUndefined()
    expect((await fetchPhoto()).status).toBe(404)
    // The reviewing colleague sees it on the staff page.
    const staff = await call(staffPage.loader as any, get('/admin/updates', cookie))
    expect(staff.body.updates.find((u: { id: number }) => u.id === Number(photo.update_id)).photos).toHaveLength(1)

    await approveUpdate(t.db, checker, Number(photo.update_id))
    const shown = (await publicUpdates(t.db, campaignId)).find((u) => u.id === Number(photo.update_id))!
    expect(shown.photos).toEqual([{ url: `/update-photos/${file}` }])
    const res = await photoRoute.loader({
      request: get(`/update-photos/${file}`),
      params: { file },
      context: {},
    } as any)
    expect(res.headers.get('Content-Type')).toBe('image/webp')
    expect(res.headers.get('Cache-Control')).toBe('private, no-store')
    const bytes = Buffer.from(await res.arrayBuffer())
    const meta = await sharp(bytes).metadata()
    expect(meta.format).toBe('webp')
    expect(meta.exif).toBeUndefined()
    expect(bytes.includes(Buffer.from('CanaryCam'))).toBe(false)
    // The public page names no child beside the photo.
    expect(JSON.stringify(shown)).not.toContain(withPhoto.code)

    await withdrawConsent(
      t.db,
      { id: checker.id, ip: '203.0.113.7' },
      { beneficiaryId: withPhoto.id, stationId: withPhoto.stationId },
    )
    expect((await publicUpdates(t.db, campaignId)).find((u) => u.id === Number(photo.update_id))!.photos).toEqual([])
    expect((await fetchPhoto()).status).toBe(404)
  })
})
