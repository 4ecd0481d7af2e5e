import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { chinaDate } from '~/utils/i18n'
import { toDecimalString } from '~/utils/money'
import { listStationsInScope } from '../stations/stations.server'
import { Refusal } from '~/utils/refusal'
import type { CampaignRow } from './admin.server'
import { coverBytes, MAX_COVER_BYTES } from './cover.server'
import { CampaignInput } from './schema'

// Reading the campaign form (multipart, a cover file beside text fields) and filling it
// back from a stored row. Text is capped before zod sees it; a body far larger than a
// cover may be is refused before it is read.

export async function readCampaignForm(request: Request) {
  const length = Number(request.headers.get('Content-Length') ?? 0)
  if (length > MAX_COVER_BYTES + 256 * 1024)
    throw new Refusal('campaigns.error.coverTooLarge', { field: 'cover', status: 413 })
  let form: FormData
  try {
    form = await request.formData()
  } catch {
    throw new Refusal('campaigns.error.invalid', { status: 400 })
  }
  const values: Record<string, string> = {}
  for (const [k, v] of form.entries()) if (typeof v === 'string') values[k] = v.slice(0, 10_000)
  // The programmes it funds are a checkbox group: one value per ticked box.
  values.programmeIds = form
    .getAll('programmeIds')
    .filter((v): v is string => typeof v === 'string' && v !== '')
    .join(',')
    .slice(0, 1000)
  return {
    values,
    intent: values.intent ?? 'save',
    parsed: CampaignInput.safeParse(values),
    readCover: () => coverBytes(form.get('cover')),
    removeCover: values.removeCover === '1',
  }
}

/** A stored campaign as the form's text values. */
export function formValuesOf(row: CampaignRow, programmeIds: readonly number[]): Record<string, string> {
  return {
    slug: row.slug,
    title: row.title,
    titleEn: row.title_en,
    summary: row.summary,
    summaryEn: row.summary_en,
    story: row.story,
    storyEn: row.story_en,
    currency: row.currency,
    goal: toDecimalString(Number(row.goal_amount), row.currency),
    suggestedAmounts: (JSON.parse(row.suggested_amounts) as number[])
      .map((n) => toDecimalString(n, row.currency))
      .join(', '),
    startsOn: chinaDate(row.starts_at),
    endsOn: row.ends_at ? chinaDate(row.ends_at) : '',
    programmeIds: programmeIds.join(','),
    stationId: row.station_id === null ? '' : String(row.station_id),
    planPurpose: row.plan_purpose,
    planRegion: row.plan_region,
    planResponsible: row.plan_responsible,
    planReceiving: row.plan_receiving,
    planBeneficiaries: row.plan_beneficiaries,
    planUseOfFunds: row.plan_use_of_funds,
    planCost: row.plan_cost,
    planLeftover: row.plan_leftover,
    filingNumber: row.filing_number,
  }
}

/** What the form's select boxes offer: every programme, the stations in the staff member's scope. */
export async function campaignFormOptions(db: DB, scope: readonly string[]) {
  const [programmes, stations] = await Promise.all([
    db.selectFrom('programmes').select(['id', 'name', 'name_en', 'currency']).orderBy('id').execute(),
    listStationsInScope(db, scope),
  ])
  return {
    programmes: programmes.map((p) => ({ id: Number(p.id), name: p.name, nameEn: p.name_en, currency: p.currency })),
    // A deactivated station takes no new campaign.
    stations: stations.filter((s) => s.active),
    currencies: getEnv().CURRENCIES,
  }
}
