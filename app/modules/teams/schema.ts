// Team pages (一起捐): the donor's form and the code in URLs, shared by browser and server.
import { z } from 'zod'
import { fieldErrors } from '../../utils/field-errors'
import { parseMoney } from '../../utils/money'

export const TEAM_CODE = /^T-[0-9A-HJKMNP-TV-Z]{8}$/
export const TeamCode = z.string().trim().toUpperCase().regex(TEAM_CODE, 'teams.error.notFound')

/** Goals from ¥100 to ¥10,000,000: a page is a supporter's appeal among friends, not a campaign. */
export const TEAM_GOAL = { min: 10_000, max: 1_000_000_000 }

export const TeamInput = z.object({
  campaign: z.string().trim().min(1, 'teams.error.campaign').max(100, 'teams.error.campaign'),
  title: z.string().trim().min(2, 'teams.error.title').max(40, 'teams.error.title'),
  goal: z
    .string()
    .trim()
    .transform((v, ctx) => {
      const amount = parseMoney(v, 'CNY')
      if (amount === undefined || !Number.isSafeInteger(amount) || amount < TEAM_GOAL.min || amount > TEAM_GOAL.max) {
        ctx.addIssue({ code: 'custom', message: 'teams.error.goal' })
        return z.NEVER
      }
      return amount
    }),
  message: z.string().trim().max(300, 'teams.error.messageLong').default(''),
  station: z
    .string()
    .trim()
    .regex(/^(|[1-9]\d{0,9})$/, 'teams.error.station')
    .transform((v) => (v ? Number(v) : null))
    .default(''),
  displayMode: z.enum(['full', 'family', 'anonymous'], { message: 'teams.error.displayMode' }),
})
export type TeamInput = z.output<typeof TeamInput>

export const HideInput = z.object({
  teamId: z.coerce.number().int().positive('teams.error.notFound'),
  reason: z.string().trim().min(2, 'teams.error.reason').max(300, 'teams.error.reason'),
})

export const teamIssues = (error: z.ZodError) => fieldErrors(error, 'teams.error.invalid')
