import type { DB } from '~/utils/db.server'
import { MalformedEventError, type PaymentEvent } from '../payments/events'
import { WebhookSignatureError, type PaymentProvider } from '../payments/provider'
import type { WebhookOutcome, WebhookReceipt } from './outcomes'
import { handleWebhook } from './webhook.server'

/**
 * The one entry for signed provider events: the /webhooks/stripe route and the demo
 * checkout both come through here, so a demo gift takes the real fulfilment path.
 */
export async function receiveWebhook(
  db: DB,
  provider: PaymentProvider,
  rawBody: string,
  signature: string | null,
): Promise<WebhookReceipt> {
  let event: PaymentEvent
  try {
    event = provider.verifyWebhook(rawBody, signature)
  } catch (error) {
    if (error instanceof WebhookSignatureError) return { kind: 'rejected', reason: 'invalid-signature' }
    if (error instanceof MalformedEventError) return { kind: 'rejected', reason: 'malformed-event' }
    throw error
  }
  return handleWebhook(db, provider, event)
}

export type WebhookReply =
  | { status: 400; body: { error: 'invalid signature' | 'malformed event'; outcome?: never } }
  | { status: 200; body: { received: true; outcome: WebhookOutcome } }

/** What the provider is answered: 400 for a delivery refused at the door (it will not retry), else 200 and the outcome. */
export function webhookReply(receipt: WebhookReceipt): WebhookReply {
  if (receipt.kind === 'handled') return { status: 200, body: { received: true, outcome: receipt.outcome } }
  return {
    status: 400,
    body: { error: receipt.reason === 'invalid-signature' ? 'invalid signature' : 'malformed event' },
  }
}
