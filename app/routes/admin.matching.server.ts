// The intents of /admin/matching: create a pool, edit one, record a sponsor's money.
import { z } from 'zod'
import { createPool, fundPool, poolSponsor, updatePool, type Actor } from '~/modules/matching/pools.server'
import { PoolInput, poolFormValues } from '~/modules/matching/schema'
import { fieldErrors } from '~/utils/field-errors'
import type { MessageKey } from '~/utils/i18n'
import { parseMoney } from '~/utils/money'
import type { DB } from '~/utils/db.server'

export type Result = { errors: Record<string, MessageKey>; done?: string; poolId?: number }

const Funding = z.object({
  poolId: z.coerce.number().int().positive(),
  reference: z.string().trim().min(1, 'matching.error.invalid').max(80, 'matching.error.invalid'),
  receivedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'matching.error.date'),
  amount: z
    .string()
    .trim()
    .refine((v) => !!parseMoney(v, 'CNY'), 'matching.error.amount'),
  donorEmail: z.string().trim().toLowerCase().email('matching.error.invalid'),
})

export async function matchingAction(db: DB, actor: Actor & { id: number }, form: FormData): Promise<Result> {
  const intent = form.get('intent')
  if (intent === 'create' || intent === 'update') {
    const parsed = PoolInput.safeParse(poolFormValues(form))
    // An edit's errors go back to that pool's form.
    const poolId = intent === 'update' ? Number(form.get('poolId')) || undefined : undefined
    if (!parsed.success) return { errors: fieldErrors(parsed.error, 'matching.error.invalid'), poolId }
    if (intent === 'create') await createPool(db, actor, parsed.data)
    else {
      const id = z.coerce.number().int().positive().safeParse(form.get('poolId'))
      if (!id.success) return { errors: { form: 'matching.error.notFound' } }
      await updatePool(db, actor, id.data, parsed.data)
    }
    return { errors: {}, done: 'saved' }
  }
  if (intent === 'fund') {
    const parsed = Funding.safeParse(Object.fromEntries(form))
    if (!parsed.success) return { errors: fieldErrors(parsed.error, 'matching.error.invalid') }
    const f = parsed.data
    const sponsor = await poolSponsor(db, f.poolId)
    if (!sponsor) return { errors: { form: 'matching.error.notFound' } }
    await fundPool(db, actor, f.poolId, {
      reference: f.reference,
      receivedOn: f.receivedOn,
      amount: parseMoney(f.amount, 'CNY') ?? 0,
      donorName: sponsor,
      donorEmail: f.donorEmail,
    })
    return { errors: {}, done: 'funded' }
  }
  return { errors: { form: 'matching.error.invalid' } }
}
