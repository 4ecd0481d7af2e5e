import type { DB } from '~/utils/db.server'
import type { Locale } from '~/utils/i18n'
import { Refusal } from '~/utils/refusal'

// Which programmes each campaign funds (campaign_programmes). A campaign may fund several
// programmes and a programme be funded by several campaigns; an award batch names the one
// campaign whose fund it draws on (FIFO within that fund, see ledger/lots).

export type LinkedProgramme = { id: number; slug: string; name: string; nameEn: string; currency: string }

/** Per campaign id, the programmes it funds (by programme id). */
export async function programmesOfCampaigns(db: DB, campaignIds: number[]): Promise<Map<number, LinkedProgramme[]>> {
  const out = new Map<number, LinkedProgramme[]>(campaignIds.map((id) => [id, []]))
  if (!campaignIds.length) return out
  const rows = await db
    .selectFrom('campaign_programmes as l')
    .innerJoin('programmes', 'programmes.id', 'l.programme_id')
    .select([
      'l.campaign_id',
      'programmes.id',
      'programmes.slug',
      'programmes.name',
      'programmes.name_en',
      'programmes.currency',
    ])
    .where('l.campaign_id', 'in', campaignIds)
    .orderBy('programmes.id')
    .execute()
  for (const r of rows)
    out.get(Number(r.campaign_id))?.push({
      id: Number(r.id),
      slug: r.slug,
      name: r.name,
      nameEn: r.name_en,
      currency: r.currency,
    })
  return out
}

/** Every link, for listing programmes with their campaigns. */
export async function allCampaignLinks(db: DB) {
  return db
    .selectFrom('campaign_programmes as l')
    .innerJoin('campaigns', 'campaigns.id', 'l.campaign_id')
    .select(['l.programme_id', 'campaigns.id', 'campaigns.title', 'campaigns.title_en', 'campaigns.status'])
    .orderBy('campaigns.id')
    .execute()
}

/**
 * Make the campaign fund exactly these programmes (the campaign form). Every programme must
 * exist and be in the campaign's currency; the field error names the form's checkbox group.
 */
export async function setCampaignProgrammes(
  trx: DB,
  campaign: { id: number; currency: string },
  programmeIds: readonly number[],
  now: Date,
): Promise<void> {
  const wanted = [...new Set(programmeIds)]
  if (wanted.length) {
    const found = await trx.selectFrom('programmes').select(['id', 'currency']).where('id', 'in', wanted).execute()
    if (found.length !== wanted.length) throw new Refusal('campaigns.error.programme', { field: 'programmeIds' })
    const other = found.find((p) => p.currency !== campaign.currency)
    if (other)
      throw new Refusal('programmes.error.linkCurrency', {
        field: 'programmeIds',
        params: { currency: other.currency },
      })
  }
  const current = await linkedIds(trx, campaign.id)
  const gone = current.filter((id) => !wanted.includes(id))
  const added = wanted.filter((id) => !current.includes(id))
  if (gone.length)
    await trx
      .deleteFrom('campaign_programmes')
      .where('campaign_id', '=', campaign.id)
      .where('programme_id', 'in', gone)
      .execute()
  if (added.length)
    await trx
      .insertInto('campaign_programmes')
      .values(added.map((programme_id) => ({ campaign_id: campaign.id, programme_id, created_at: now.toISOString() })))
      .execute()
}

export async function linkedIds(db: DB, campaignId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('campaign_programmes')
    .select('programme_id')
    .where('campaign_id', '=', campaignId)
    .orderBy('programme_id')
    .execute()
  return rows.map((r) => Number(r.programme_id))
}

/** The programmes a campaign funds as one line in the reader's language, or null for none. */
export function programmeNames(list: { name: string; nameEn: string }[], locale: Locale): string | null {
  if (!list.length) return null
  return list.map((p) => (locale === 'en' ? p.nameEn : p.name)).join(locale === 'en' ? ', ' : '、')
}
