import { z } from 'zod'
import { isValidCreditCode } from '~/modules/organisation/schema'
import { calendarDay } from '~/utils/calendar-day'

// The forms of the official e-receipt (财政电子票据), client-safe: what a donor gives when
// asking for one, and what finance copies from the finance bureau's receipt when it exists.

export const PAYER_KINDS = ['person', 'company'] as const

/** The finance queue's views: waiting to be issued, to be reversed (冲红), issued. */
export const QUEUE_VIEWS = ['pending', 'reversal', 'attached'] as const
export type QueueView = (typeof QUEUE_VIEWS)[number]

export const OfficialRequestForm = z
  .object({
    donation: z.string().trim().min(1).max(40),
    payerKind: z.enum(PAYER_KINDS, { message: 'form.required' }),
    payerName: z.string().trim().min(1, 'form.required').max(100, 'official.error.tooLong'),
    creditCode: z
      .string()
      .trim()
      .transform((v) => v.toUpperCase().replace(/\s/g, ''))
      .default(''),
  })
  .superRefine((v, ctx) => {
    // A company's receipt is made out to its 统一社会信用代码; a person's carries none.
    if (v.payerKind !== 'company') return
    if (v.creditCode === '')
      ctx.addIssue({ code: 'custom', path: ['creditCode'], message: 'official.error.creditCodeRequired' })
    else if (!isValidCreditCode(v.creditCode))
      ctx.addIssue({ code: 'custom', path: ['creditCode'], message: 'organisation.creditCodeInvalid' })
  })
  .transform((v) => ({ ...v, creditCode: v.payerKind === 'company' ? v.creditCode : null }))

// Codes and numbers on the bureau's receipt are digits and letters; dashes are tolerated.
const receiptToken = z
  .string()
  .trim()
  .min(1, 'form.required')
  .max(40, 'official.error.tooLong')
  .regex(/^[0-9A-Za-z-]+$/, 'official.error.token')

export const OfficialAttachForm = z.object({
  request: z.coerce.number().int().positive(),
  code: receiptToken,
  number: receiptToken,
  checkCode: receiptToken,
  date: calendarDay('official.error.date'),
  verifyUrl: z
    .string()
    .trim()
    .min(1, 'form.required')
    .max(500, 'official.error.tooLong')
    .refine((v) => {
      try {
        const u = new URL(v)
        return u.protocol === 'https:' || u.protocol === 'http:'
      } catch {
        return false
      }
    }, 'official.error.url'),
})

export const OfficialReversalForm = z.object({
  request: z.coerce.number().int().positive(),
  reversalNumber: receiptToken,
})

export type OfficialAttachInput = z.infer<typeof OfficialAttachForm>
export type OfficialRequestInput = z.infer<typeof OfficialRequestForm>
