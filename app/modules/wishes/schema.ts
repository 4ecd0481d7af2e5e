import { z } from 'zod'
import { parseMoney } from '../../utils/money'

// A micro-wish as a caseworker writes it: the item, a short story WITHOUT personal data,
// the price. The story is checked for obvious personal data (digits runs, names are the
// caseworker's duty) before it can be published.
export const WishInput = z.object({
  beneficiaryId: z.coerce.number().int().positive('wishes.error.student'),
  item: z.string().trim().min(1, 'wishes.error.required').max(40, 'wishes.error.itemLong'),
  story: z
    .string()
    .trim()
    .min(1, 'wishes.error.required')
    .max(200, 'wishes.error.storyLong')
    .refine((s) => !/\d{5,}|@|https?:|微信|电话|地址|学校|小学|中学/.test(s), 'wishes.error.personal'),
  price: z
    .string()
    .trim()
    .transform((v, ctx) => {
      const n = parseMoney(v, 'CNY')
      if (!n || n <= 0 || n > 200000) ctx.addIssue({ code: 'custom', message: 'wishes.error.price' })
      return n ?? 0
    }),
})
export type WishInput = z.output<typeof WishInput>

export const HOLD_MINUTES = 30
