// Staff forms for offline gifts and statement rows (shared by browser and server).
import { z } from 'zod'
import { chinaDate } from '../../utils/i18n'
import { parseMoney } from '../../utils/money'

export const OFFLINE_METHODS = ['bank_transfer', 'cash', 'cheque'] as const

const money = z.string().trim()
export const offlineGiftSchema = (currencies: readonly string[]) =>
  z
    .object({
      method: z.enum(OFFLINE_METHODS, { errorMap: () => ({ message: 'offline.error.method' }) }),
      reference: z.string().trim().min(1, 'offline.error.reference').max(80, 'offline.error.reference'),
      receivedOn: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'offline.error.date')
        .refine((d) => !Number.isNaN(Date.parse(d)) && d <= chinaDate(), 'offline.error.date'),
      amount: money,
      currency: z.string().refine((c) => currencies.includes(c), 'offline.error.currency'),
      campaignSlug: z
        .string()
        .trim()
        .max(100)
        .optional()
        .transform((v) => v || null),
      donorName: z.string().trim().min(1, 'offline.error.donorName').max(80, 'offline.error.donorName'),
      donorEmail: z.string().trim().toLowerCase().email('offline.error.donorEmail'),
      displayMode: z.enum(['full', 'family', 'anonymous'], {
        errorMap: () => ({ message: 'offline.error.displayMode' }),
      }),
      note: z.string().trim().max(500).optional().default(''),
    })
    .transform((v, ctx) => {
      const amount = parseMoney(v.amount, v.currency)
      if (!amount) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'offline.error.amount' })
      return { ...v, amount: amount ?? 0 }
    })

export type OfflineGiftInput = z.output<ReturnType<typeof offlineGiftSchema>>
