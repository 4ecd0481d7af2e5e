import type { DB } from '~/utils/db.server'
import { recordAudit } from '../audit/audit.server'
import type { ProgrammeInput } from './schema'
import { Refusal } from '~/utils/refusal'

// Programmes: award amount per term, the terms, eligible household categories, and
// the campaigns that fund them (campaigns.programme_id). The cap "one funded award per
// student per term, across programmes" is enforced by award_term_caps (disbursements).

export type Programme = {
  id: number
  slug: string
  kind: string
  name: string
  nameEn: string
  awardAmount: number
  currency: string
  terms: string[]
  eligibleCategories: string[]
  campaigns: { id: number; title: string; titleEn: string; status: string }[]
}

export async function listProgrammes(db: DB): Promise<Programme[]> {
  const rows = await db.selectFrom('programmes').selectAll().orderBy('id').execute()
  const campaigns = await db
    .selectFrom('campaigns')
    .select(['id', 'title', 'title_en', 'status', 'programme_id'])
    .where('programme_id', 'is not', null)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    slug: r.slug,
    kind: r.kind,
    name: r.name,
    nameEn: r.name_en,
    awardAmount: r.award_amount,
    currency: r.currency,
    terms: JSON.parse(r.terms),
    eligibleCategories: JSON.parse(r.eligible_categories),
    campaigns: campaigns
      .filter((c) => c.programme_id === r.id)
      .map((c) => ({ id: Number(c.id), title: c.title, titleEn: c.title_en, status: c.status })),
  }))
}

export async function getProgramme(db: DB, id: number): Promise<Programme | undefined> {
  return (await listProgrammes(db)).find((p) => p.id === id)
}

export async function createProgramme(
  db: DB,
  actor: { id: number; ip: string },
  input: ProgrammeInput,
  now = new Date(),
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('programmes').select('id').where('slug', '=', input.slug).executeTakeFirst()
    if (taken) throw new Refusal('programmes.error.slugTaken', { field: 'slug' })
    const row = await trx
      .insertInto('programmes')
      .values({
        slug: input.slug,
        kind: input.kind,
        name: input.name,
        name_en: input.nameEn,
        award_amount: input.awardAmount,
        currency: input.currency,
        terms: JSON.stringify(input.terms),
        eligible_categories: JSON.stringify(input.eligibleCategories),
        created_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'programme.created',
        entityType: 'programme',
        entityId: row.id,
        after: input,
        ip: actor.ip,
      },
      now,
    )
    return Number(row.id)
  })
}
