import type { ActionFunctionArgs } from '@remix-run/node'
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import { getPaymentProvider } from '~/modules/payments/index.server'
import { getDb } from '~/utils/db.server'

// Stripe posts here. The signature is checked on the raw body; an unexpected failure
// answers 500 so that Stripe delivers the event again.
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return Response.json({ error: 'method not allowed' }, { status: 405 })
  const raw = await request.text()
  try {
    const db = getDb()
    const receipt = await receiveWebhook(db, getPaymentProvider(db), raw, request.headers.get('stripe-signature'))
    const reply = webhookReply(receipt)
    return Response.json(reply.body, { status: reply.status })
  } catch (error) {
    console.error('webhook failed:', error)
    return Response.json({ error: 'processing failed; retry' }, { status: 500 })
  }
}

export function loader() {
  return Response.json({ error: 'method not allowed' }, { status: 405, headers: { Allow: 'POST' } })
}
