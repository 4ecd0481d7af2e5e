// The staff form of a matching pool (shared by browser and server). Money in yuan as typed, kept in fen.
import { z } from 'zod'
import { parseMoney } from '../../utils/money'

const text = (max: number, key: string) => z.string().trim().min(1, key).max(max, key)
const optionalText = (max: number) => z.string().trim().max(max).optional().default('')
const DAY = /^\d{4}-\d{2}-\d{2}$/
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/
const yuan = z.string().trim().optional().default('')
const int = (key: string) => z.coerce.number({ invalid_type_error: key }).int(key).min(1, key).max(1000, key)

function minutes(v: string): number | null {
  const m = CLOCK.exec(v)
  return m ? Number(m[1]) * 60 + Number(m[2]) : null
}

export const PoolInput = z
  .object({
    name: text(80, 'matching.error.name'),
    nameEn: optionalText(120),
    sponsor: text(80, 'matching.error.sponsor'),
    sponsorEn: optionalText(120),
    rule: z.enum(['ratio', 'random'], { errorMap: () => ({ message: 'matching.error.rule' }) }),
    ratioGift: int('matching.error.ratio').default(1),
    ratioMatch: int('matching.error.ratio').default(1),
    randomMin: yuan,
    randomMax: yuan,
    minGift: z.string().trim(),
    capPerGift: yuan,
    capPerDonorDay: yuan,
    capTotal: yuan,
    opensAt: z.string().trim().optional().default(''),
    closesAt: z.string().trim().optional().default(''),
    startsOn: z.string().regex(DAY, 'matching.error.date'),
    endsOn: z.string().regex(DAY, 'matching.error.date'),
    campaignIds: z.array(z.coerce.number().int().positive()).min(1, 'matching.error.campaigns'),
    status: z.enum(['active', 'paused']).default('active'),
  })
  .transform((v, ctx) => {
    const money = (field: string, s: string, required: boolean): number | null => {
      if (!s) {
        if (required) ctx.addIssue({ code: 'custom', path: [field], message: 'matching.error.amount' })
        return null
      }
      const n = parseMoney(s, 'CNY')
      if (!n) ctx.addIssue({ code: 'custom', path: [field], message: 'matching.error.amount' })
      return n ?? null
    }
    const clock = (field: string, s: string): number | null => {
      if (!s) return null
      const n = minutes(s)
      if (n === null) ctx.addIssue({ code: 'custom', path: [field], message: 'matching.error.clock' })
      return n
    }
    const random = v.rule === 'random'
    const out = {
      name: v.name,
      nameEn: v.nameEn,
      sponsor: v.sponsor,
      sponsorEn: v.sponsorEn,
      rule: v.rule,
      ratioGift: v.ratioGift,
      ratioMatch: v.ratioMatch,
      randomMin: money('randomMin', v.randomMin, random),
      randomMax: money('randomMax', v.randomMax, random),
      minGift: money('minGift', v.minGift, true) ?? 0,
      capPerGift: money('capPerGift', v.capPerGift, false),
      capPerDonorDay: money('capPerDonorDay', v.capPerDonorDay, false),
      capTotal: money('capTotal', v.capTotal, false),
      opensMinute: clock('opensAt', v.opensAt),
      closesMinute: clock('closesAt', v.closesAt),
      startsOn: v.startsOn,
      endsOn: v.endsOn,
      campaignIds: [...new Set(v.campaignIds)],
      status: v.status,
    }
    if (random && out.randomMin && out.randomMax && out.randomMax < out.randomMin)
      ctx.addIssue({ code: 'custom', path: ['randomMax'], message: 'matching.error.randomRange' })
    if (v.endsOn < v.startsOn) ctx.addIssue({ code: 'custom', path: ['endsOn'], message: 'matching.error.dates' })
    if (out.opensMinute !== null && out.closesMinute !== null && out.closesMinute <= out.opensMinute)
      ctx.addIssue({ code: 'custom', path: ['closesAt'], message: 'matching.error.hours' })
    return out
  })
export type PoolInput = z.output<typeof PoolInput>

/** A form's fields as zod reads them (campaignIds from repeated checkboxes). */
export function poolFormValues(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of form.entries()) if (typeof v === 'string' && k !== 'campaignIds') out[k] = v.slice(0, 200)
  out.campaignIds = form.getAll('campaignIds').filter((v) => typeof v === 'string')
  return out
}

/** "09:00" from minutes after midnight: the pages' words for opensMinute / closesMinute. */
export function clock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`
}
