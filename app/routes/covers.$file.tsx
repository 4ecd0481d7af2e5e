import type { LoaderFunctionArgs } from '@remix-run/node'
import { can, getStaffUser, notFound } from '~/modules/auth/authorize.server'
import { readCover } from '~/modules/campaigns/cover.server'
import { coverVisibility } from '~/modules/campaigns/detail.server'
import { getDb } from '~/utils/db.server'

// /covers/<sha256>.webp: a campaign's re-encoded cover (no EXIF). A draft's cover is for staff only.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const file = params.file ?? ''
  const db = getDb()
  const visibility = /^[0-9a-f]{64}\.webp$/.test(file) ? await coverVisibility(db, file) : null
  if (!visibility) throw notFound()
  if (visibility === 'draft') {
    const staff = await getStaffUser(request, db)
    if (!staff || !can(staff, 'campaigns.manage')) throw notFound()
  }
  const bytes = await readCover(file)
  if (!bytes) throw notFound()
  return new Response(new Uint8Array(bytes), {
    headers: {
      'Content-Type': 'image/webp',
      'Content-Length': String(bytes.length),
      // Content-addressed: the name changes whenever the picture does.
      'Cache-Control': visibility === 'public' ? 'public, max-age=31536000, immutable' : 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
