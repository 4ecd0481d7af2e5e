import type { LoaderFunctionArgs } from '@remix-run/node'
import { can, getStaffUser } from '~/modules/auth/authorize.server'
import { readCover } from '~/modules/campaigns/cover.server'
import { PHOTO_DIR, photoAudience } from '~/modules/campaigns/update-photos.server'
import { getDb } from '~/utils/db.server'
import { notFound } from '~/utils/http.server'

// /update-photos/<sha256>.webp: a photo in a progress update (re-encoded, no EXIF). Public
// while its update is approved and the child's consent covers photos, asked on every
// request and never cached, so a withdrawal takes it down at once. Pending: staff only.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const file = params.file ?? ''
  const db = getDb()
  const audience = /^[0-9a-f]{64}\.webp$/.test(file) ? await photoAudience(db, file) : null
  if (!audience) throw notFound()
  if (audience === 'staff') {
    const staff = await getStaffUser(request, db)
    if (!staff || !can(staff, 'updates.write')) throw notFound()
  }
  const bytes = await readCover(file, PHOTO_DIR)
  if (!bytes) throw notFound()
  return new Response(new Uint8Array(bytes), {
    headers: {
      'Content-Type': 'image/webp',
      'Content-Length': String(bytes.length),
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
