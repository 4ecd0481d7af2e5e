import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { action as donateAction } from '~/routes/donate._index'
import { action as webhookAction } from '~/routes/webhooks.stripe'
import { setDb } from '~/utils/db.server'
import { seedDemo } from '../../db/seed/demo'
import { call } from '../support/auth-fixtures'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { sign } from '../support/stripe-events'
import { demoWebhookSecret } from '~/modules/payments/demo.server'
import { getEnv } from '~/utils/env.server'

// Random bodies at the donation form and the webhook route: always a 4xx (or a
// redirect for a valid gift), never a 500, and nothing half-written.
describe.skipIf(skipReason)(`fuzzing the giving routes on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
    await seedDemo(t.db)
    setDb(t.db)
  })
  afterAll(async () => t?.destroy())

  const fields = [
    'amountChoice',
    'customAmount',
    'currency',
    'frequency',
    'designation',
    'campaign',
    'targetId',
    'displayMode',
    'name',
    'email',
    'message',
    'coverFee',
  ]
  const formBody = fc.dictionary(
    fc.constantFrom(...fields),
    fc.oneof(
      fc.string(),
      fc.constantFrom(
        '10000',
        'custom',
        'CNY',
        'once',
        'monthly',
        'campaign',
        'general',
        'anonymous',
        'a@b.test',
        'hope-star-2026',
        '-1',
        '1e9',
      ),
    ),
  )

  it('answers the donation form with field errors, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(formBody, async (body) => {
        const request = new Request('http://localhost:3000/donate', { method: 'POST', body: new URLSearchParams(body) })
        const response = await call(donateAction, request, {}, { clientIp: '10.9.9.9' })
        expect(response.status).toBeLessThan(500)
        if (response.status === 400) {
          expect(Object.keys(response.body.errors).length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('answers random webhook bodies, signed or not, with 4xx or 200, never 500, writing no donation', async () => {
    const secret = demoWebhookSecret(getEnv().SESSION_SECRET)
    const before = await t.db.selectFrom('donations').select('id').where('status', '!=', 'pending').execute()
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        fc.boolean(),
        fc.constantFrom('checkout.session.completed', 'charge.refunded', 'invoice.paid', 'charge.dispute.closed', 'x'),
        async (value, signed, type) => {
          const body = signed ? { id: `evt_fuzz_${Math.random()}`, type, data: { object: value } } : value
          const { payload, signature } = sign(body as object, secret)
          const headers: Record<string, string> = { 'content-type': 'application/json' }
          if (signed) headers['stripe-signature'] = signature
          const request = new Request('http://localhost:3000/webhooks/stripe', {
            method: 'POST',
            body: signed ? payload : (JSON.stringify(value) ?? 'null'),
            headers,
          })
          const response = await webhookAction({ request, params: {}, context: {} })
          expect(response.status).toBeLessThan(500)
        },
      ),
      { numRuns: 150 },
    )
    const after = await t.db.selectFrom('donations').select('id').where('status', '!=', 'pending').execute()
    expect(after.length).toBe(before.length)
  })
})
