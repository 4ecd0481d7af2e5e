// The programme form, shared by browser and server.
import { z } from 'zod'
import { parseMoney } from '../../utils/money'
import { CATEGORIES } from '../beneficiaries/schema'

export const TERM = /^\d{4}-(spring|autumn)$/

export const ProgrammeInput = z.object({
  slug: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{1,60}$/, 'programmes.error.slug'),
  kind: z.enum(['scholarship', 'sponsorship', 'wish', 'relief'], {
    errorMap: () => ({ message: 'programmes.error.kind' }),
  }),
  name: z.string().trim().min(1, 'programmes.error.required').max(100),
  nameEn: z.string().trim().min(1, 'programmes.error.required').max(100),
  currency: z.string().regex(/^[A-Z]{3}$/, 'programmes.error.currency'),
  awardAmount: z
    .string()
    .trim()
    .transform((v, ctx) => {
      const n = parseMoney(v, 'CNY')
      if (!n || n <= 0) ctx.addIssue({ code: 'custom', message: 'programmes.error.amount' })
      return n ?? 0
    }),
  terms: z
    .string()
    .transform((v) => [
      ...new Set(
        v
          .split(/[,，\s]+/)
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ])
    .refine((a) => a.length > 0 && a.every((t) => TERM.test(t)), 'programmes.error.terms'),
  eligibleCategories: z.array(z.enum(CATEGORIES)).min(1, 'programmes.error.categories'),
})
export type ProgrammeInput = z.output<typeof ProgrammeInput>
