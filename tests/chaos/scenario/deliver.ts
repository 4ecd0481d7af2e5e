// Deliveries to our webhooks, as the providers make them: Stripe's events in the shape the
// demo provider signs (checkout, charge.refunded with every refund so far, disputes), and
// WeChat Pay's and Alipay's notifications through domestic.ts; and the provider a checkout uses.
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import {
  createDemoProvider,
  demoCheckoutEvent,
  demoWebhookSecret,
  signDemoPayload,
} from '~/modules/payments/demo.server'
import type { PaymentProvider } from '~/modules/payments/provider'
import type { DB } from '~/utils/db.server'
import { deliverDomestic, domesticProvider } from './domestic'
import type { ScenarioEvent } from './model'
import type { Method, World } from './steps'

const SECRET = demoWebhookSecret('scenario-fuzz-session-secret-0123456789')
export const BASE_URL = 'http://localhost:3000'

/** The provider our checkout opens a gift with: the demo Stripe for a card. */
export const checkoutProvider = (db: DB, method: Method): PaymentProvider =>
  method === 'card' ? createDemoProvider({ db, baseUrl: BASE_URL, webhookSecret: SECRET }) : domesticProvider(method)

function stripeShape(w: World, e: ScenarioEvent): object {
  const d = w.donations.find((x) => x.publicId === e.publicId)!
  const currency = d.currency.toLowerCase()
  const intent = `pi_demo_${e.publicId}`
  const charge = `ch_demo_${e.publicId}`
  if (e.type === 'checkout.session.completed') {
    return demoCheckoutEvent({
      publicId: e.publicId,
      amount: d.amount,
      currency: d.currency,
      frequency: 'once',
      outcome: 'paid',
      now: new Date(e.created * 1000),
    })
  }
  const object =
    e.type === 'charge.refunded'
      ? {
          id: charge,
          object: 'charge',
          amount: d.amount,
          currency,
          payment_intent: intent,
          metadata: { donation_public_id: e.publicId },
          amount_refunded: e.refunds.reduce((n, r) => n + r.amount, 0),
          refunds: {
            object: 'list',
            data: e.refunds.map((r) => ({
              id: r.id,
              object: 'refund',
              amount: r.amount,
              currency,
              status: 'succeeded',
              created: r.created,
            })),
          },
        }
      : // A dispute carries the charge and the intent, not the charge's metadata.
        {
          id: e.disputeId,
          object: 'dispute',
          amount: e.amount,
          currency,
          charge,
          payment_intent: intent,
          status: e.status,
        }
  return { id: e.id, object: 'event', type: e.type, created: e.created, data: { object } }
}

/** One delivery of an event: a Stripe one signed for the demo webhook, or a WeChat Pay or Alipay notification. */
export async function deliver(w: World, db: DB, e: ScenarioEvent): Promise<string> {
  if (e.type === 'checkout.session.completed' && e.provider) return deliverDomestic(db, { ...e, provider: e.provider })
  const payload = JSON.stringify(stripeShape(w, e))
  const reply = webhookReply(
    await receiveWebhook(
      db,
      createDemoProvider({ db, baseUrl: BASE_URL, webhookSecret: SECRET }),
      payload,
      signDemoPayload(payload, SECRET),
    ),
  )
  if (reply.status !== 200) throw new Error(`webhook answered ${reply.status} ${JSON.stringify(reply.body)}`)
  return String(reply.body.outcome)
}
