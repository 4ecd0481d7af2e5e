// The programme form, shared by browser and server.
import { z } from 'zod'
import { fieldErrors } from '~/utils/field-errors'
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

const id = z
  .string()
  .regex(/^\d{1,12}$/, 'programmes.error.invalid')
  .transform(Number)

/** Editing a programme: its names, award per term, terms and eligible categories (slug, kind and currency stay). */
export const ProgrammeUpdate = ProgrammeInput.pick({
  name: true,
  nameEn: true,
  awardAmount: true,
  terms: true,
  eligibleCategories: true,
}).extend({ programmeId: id })
export type ProgrammeUpdate = z.output<typeof ProgrammeUpdate>

/** A campaign that funds the programme (its fund pays the programme's batches). */
export const ProgrammeLink = z.object({ programmeId: id, campaignId: id })

export const ProgrammeIntent = z.enum(['create', 'update', 'link', 'unlink'], {
  errorMap: () => ({ message: 'programmes.error.intent' }),
})

/** The first message per field; zod's own messages become the generic one. */
export const programmeIssues = (error: z.ZodError) => fieldErrors(error, 'programmes.error.invalid')
