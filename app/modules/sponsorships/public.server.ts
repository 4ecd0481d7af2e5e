// The donor-facing sponsorship pages: choosing a student and the sponsor's own page.
// A student appears only as pseudonym, county, grade and programme (privacy of minors).
import type { Locale } from '~/utils/i18n'
import type { DB } from '~/utils/db.server'
import { publicStories } from '../beneficiaries/story.server'
import { listCounties } from '../transparency/places.server'
import { sponsorView } from './lifecycle.server'
import { listSponsorable } from './start.server'

export type SponsorshipProgramme = {
  id: number
  schoolYear: string
  /** What one term costs (the programme's award per term), in minor units. */
  perTerm: number
  currency: string
}

/** The sponsorship programme donors start with, and the school year its first term opens. */
export async function sponsorshipProgramme(db: DB): Promise<SponsorshipProgramme | null> {
  const p = await db
    .selectFrom('programmes')
    .select(['id', 'terms', 'award_amount', 'currency'])
    .where('kind', '=', 'sponsorship')
    .orderBy('id')
    .executeTakeFirst()
  if (!p) return null
  const terms = JSON.parse(p.terms) as string[]
  const first = Number((terms[0] ?? '2026-autumn').slice(0, 4))
  return {
    id: Number(p.id),
    schoolYear: `${first}-${first + 1}`,
    perTerm: Number(p.award_amount),
    currency: p.currency,
  }
}

const countyName = (counties: Awaited<ReturnType<typeof listCounties>>, code: string, locale: Locale) => {
  const c = counties.get(code)
  return c ? (locale === 'en' ? c.nameEn : c.name) : ''
}

/** Students a donor may sponsor this school year, with their county in the reader's language. */
export async function sponsorChoice(db: DB, locale: Locale) {
  const programme = await sponsorshipProgramme(db)
  const students = programme ? await listSponsorable(db, { programmeId: programme.id, limit: 24 }) : []
  const counties = await listCounties(db)
  const stories = await publicStories(
    db,
    students.map((s) => s.publicCode),
  )
  return {
    schoolYear: programme?.schoolYear ?? '',
    perTerm: programme?.perTerm ?? 0,
    currency: programme?.currency ?? 'CNY',
    students: students.map((s) => ({
      id: s.id,
      publicCode: s.publicCode,
      grade: s.grade,
      county: countyName(counties, s.countyCode, locale),
      story: stories.get(s.publicCode) ?? null,
    })),
  }
}

/** The sponsor's page by its token, county and programme in the reader's language; null for no such token. */
export async function sponsorPage(db: DB, token: string, locale: Locale) {
  const view = await sponsorView(db, token)
  if (!view) return null
  return {
    ...view,
    county: countyName(await listCounties(db), view.countyCode, locale),
    programme: locale === 'en' ? view.programmeEn : view.programme,
  }
}

/** The signed-in donor's sponsorships, each with the path of its own page (/sponsor/<token>). */
export async function donorSponsorships(db: DB, donorEmail: string) {
  const rows = await db
    .selectFrom('sponsorships')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'sponsorships.beneficiary_id')
    .select([
      'sponsorships.id',
      'sponsorships.status',
      'sponsorships.school_year',
      'sponsorships.access_token',
      'beneficiaries.public_code',
    ])
    .where('sponsorships.donor_email', '=', donorEmail.trim().toLowerCase())
    .where('sponsorships.status', 'in', ['active', 'paused', 'ended'])
    .orderBy('sponsorships.id', 'desc')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    status: r.status,
    schoolYear: r.school_year,
    publicCode: r.public_code,
    path: `/sponsor/${encodeURIComponent(r.access_token)}`,
  }))
}
