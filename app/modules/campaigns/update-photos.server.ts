import path from 'node:path'
import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from '../../../db/schema'
import { Refusal, isRefusal } from '~/utils/refusal'
import { currentConsent } from '../beneficiaries/consent.server'
import { pathInScope } from '../stations/scope.server'
import { coverBytes, saveCover } from './cover.server'

// Photos in progress updates (执行反馈). Staff attach a photo of one child, named by the
// child's public code; it is refused unless the guardian's current consent covers photos.
// The picture goes through the campaign covers' re-encoding (sharp: orientation applied,
// no EXIF/GPS/XMP kept). A photo is public only while its update is approved AND the
// child's consent still covers photos, asked on every request, so withdrawing consent
// takes the photo off every public surface at once.

type Db = Kysely<Database>
export const PHOTO_DIR = 'update-photos'
export type PreparedPhoto = { beneficiaryId: number; file: string }

/** SQL condition: the child whose id is in `column` has a current consent that covers photos. */
export function photoConsented(column: string): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from beneficiary_consents bc where bc.beneficiary_id = ${sql.ref(column)} and bc.withdrawn_at is null and bc.photo = 1)`
}

const PHOTO_ERRORS: Record<
  string,
  'updates.error.photoTooLarge' | 'updates.error.photoType' | 'updates.error.photoUnreadable'
> = {
  'campaigns.error.coverTooLarge': 'updates.error.photoTooLarge',
  'campaigns.error.coverType': 'updates.error.photoType',
  'campaigns.error.coverUnreadable': 'updates.error.photoUnreadable',
}

/** The photo as a form sent it (file + the child's code), or null when no file was chosen. */
export async function readPhotoUpload(form: FormData) {
  const bytes = await coverBytes(form.get('photo')).catch((e: unknown) => {
    if (isRefusal(e)) throw new Refusal('updates.error.photoTooLarge', { field: 'photo', status: 413 })
    throw e
  })
  if (!bytes) return null
  const code = form.get('photoStudent')
  return { bytes, studentCode: typeof code === 'string' ? code.trim().slice(0, 40) : '' }
}

/** Check the child (in the actor's scope, photo consent now) and store the re-encoded picture. */
export async function preparePhoto(
  db: Db,
  scope: readonly string[],
  upload: { studentCode: string; bytes: Uint8Array },
): Promise<PreparedPhoto> {
  const child = await db
    .selectFrom('beneficiaries as b')
    .innerJoin('stations as s', 's.id', 'b.station_id')
    .select(['b.id', 's.path'])
    .where('b.public_code', '=', upload.studentCode)
    .executeTakeFirst()
  if (!child || !pathInScope(scope, child.path))
    throw new Refusal('updates.error.photoStudent', { field: 'photoStudent', status: 422 })
  const consent = await currentConsent(db, Number(child.id))
  if (!consent?.photo) throw new Refusal('updates.error.photoConsent', { field: 'photo', status: 422 })
  try {
    const stored = await saveCover(upload.bytes, PHOTO_DIR)
    return { beneficiaryId: Number(child.id), file: path.basename(stored) }
  } catch (e) {
    if (isRefusal(e) && PHOTO_ERRORS[e.messageKey])
      throw new Refusal(PHOTO_ERRORS[e.messageKey]!, { field: 'photo', status: 422 })
    throw e
  }
}

export type UpdatePhoto = { url: string }

/** The photos of these updates that may be shown now (consent checked on this request). */
export async function photosOf(db: Db, updateIds: readonly number[]): Promise<Map<number, UpdatePhoto[]>> {
  const out = new Map<number, UpdatePhoto[]>()
  if (!updateIds.length) return out
  const rows = await db
    .selectFrom('campaign_update_photos as p')
    .select(['p.update_id', 'p.file'])
    .where('p.update_id', 'in', [...updateIds])
    .where(photoConsented('p.beneficiary_id'))
    .orderBy('p.id')
    .execute()
  for (const r of rows) {
    const list = out.get(Number(r.update_id)) ?? []
    list.push({ url: `/update-photos/${r.file}` })
    out.set(Number(r.update_id), list)
  }
  return out
}

/** Who may see a stored photo: 'public' (approved update, consent now), 'staff' (pending review), or null. */
export async function photoAudience(db: Db, file: string): Promise<'public' | 'staff' | null> {
  const rows = await db
    .selectFrom('campaign_update_photos as p')
    .innerJoin('campaign_updates as u', 'u.id', 'p.update_id')
    .select(['u.status', sql<number>`case when ${photoConsented('p.beneficiary_id')} then 1 else 0 end`.as('ok')])
    .where('p.file', '=', file)
    .execute()
  const consented = rows.filter((r) => Number(r.ok) === 1)
  if (consented.some((r) => r.status === 'approved')) return 'public'
  return consented.length ? 'staff' : null
}
