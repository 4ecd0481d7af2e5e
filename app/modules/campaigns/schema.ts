// The campaign form, shared by browser and server (imports nothing server-only).
// Messages are message keys; the page renders them in the reader's language.
import { z } from 'zod'
import { fieldErrors } from '~/utils/field-errors'
import { isCalendarDay } from '../../utils/calendar-day'
import { parseMoney } from '../../utils/money'

/** Stored status → what people read: 'active' is "published" (已发布). */
export const CAMPAIGN_STATUSES = ['draft', 'active', 'closed'] as const
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number]

/** The 募捐方案 fields, in the order the public page shows them; all must be filled to publish. */
export const PLAN_FIELDS = [
  'planPurpose',
  'planRegion',
  'planResponsible',
  'planReceiving',
  'planBeneficiaries',
  'planUseOfFunds',
  'planCost',
  'planLeftover',
  'filingNumber',
] as const
export type PlanField = (typeof PLAN_FIELDS)[number]

export const MAX_SUGGESTED = 6

const text = (max: number) => z.string().trim().max(max, 'campaigns.error.tooLong').default('')
const required = (max: number) =>
  z.string().trim().min(1, 'campaigns.error.required').max(max, 'campaigns.error.tooLong')
const day = z.string().trim().refine(isCalendarDay, 'campaigns.error.date')

const splitAmounts = (v: string) => v.split(/[,，、\s]+/).filter(Boolean)

export const CampaignInput = z
  .object({
    slug: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{1,60}$/, 'campaigns.error.slug'),
    title: required(100),
    titleEn: text(100),
    summary: text(300),
    summaryEn: text(300),
    story: text(10_000),
    storyEn: text(10_000),
    currency: z.string().regex(/^[A-Z]{3}$/, 'campaigns.error.currency'),
    // Checked on the field first (so it is reported beside other fields' mistakes), then
    // converted in the currency's own minor units below.
    goal: z
      .string()
      .trim()
      .refine((v) => (parseMoney(v, 'CNY') ?? 0) > 0, 'campaigns.error.goal'),
    suggestedAmounts: z
      .string()
      .trim()
      .default('')
      .refine((v) => {
        const parts = splitAmounts(v)
        return parts.length <= MAX_SUGGESTED && parts.every((p) => (parseMoney(p, 'CNY') ?? 0) > 0)
      }, 'campaigns.error.suggested'),
    startsOn: day,
    endsOn: z.union([z.literal(''), day]).default(''),
    programmeId: z.union([z.literal(''), z.string().regex(/^\d{1,12}$/, 'campaigns.error.programme')]).default(''),
    stationId: z.string().regex(/^\d{1,12}$/, 'campaigns.error.station'),
    planPurpose: text(2000),
    planRegion: text(500),
    planResponsible: text(200),
    planReceiving: text(2000),
    planBeneficiaries: text(2000),
    planUseOfFunds: text(2000),
    planCost: text(2000),
    planLeftover: text(2000),
    filingNumber: text(100),
  })
  .transform((v, ctx) => {
    const goal = parseMoney(v.goal, v.currency)
    if (!goal || goal <= 0) ctx.addIssue({ code: 'custom', path: ['goal'], message: 'campaigns.error.goal' })
    const parts = splitAmounts(v.suggestedAmounts)
    const suggested = [...new Set(parts.map((p) => parseMoney(p, v.currency)))]
    if (parts.length > MAX_SUGGESTED || suggested.some((n) => !n || n <= 0))
      ctx.addIssue({ code: 'custom', path: ['suggestedAmounts'], message: 'campaigns.error.suggested' })
    if (v.endsOn && v.endsOn < v.startsOn)
      ctx.addIssue({ code: 'custom', path: ['endsOn'], message: 'campaigns.error.endsBeforeStart' })
    return {
      ...v,
      goal: goal ?? 0,
      suggestedAmounts: (suggested.filter(Boolean) as number[]).sort((a, b) => a - b),
      endsOn: v.endsOn || null,
      programmeId: v.programmeId ? Number(v.programmeId) : null,
      stationId: Number(v.stationId),
    }
  })
export type CampaignInput = z.output<typeof CampaignInput>

export const CampaignIntent = z.enum(['save', 'publish', 'close', 'delete'], {
  errorMap: () => ({ message: 'campaigns.error.intent' }),
})

export const CampaignListQuery = z.object({
  status: z.enum(CAMPAIGN_STATUSES).optional().catch(undefined),
})

/** The first message per field; zod's own messages become the generic one. */
export const campaignIssues = (error: z.ZodError) => fieldErrors(error, 'campaigns.error.invalid')
