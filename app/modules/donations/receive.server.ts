import type { DB } from '~/utils/db.server'
import { WebhookSignatureError, type PaymentProvider } from '../payments/provider'
import { handleWebhook } from './webhook.server'

export type WebhookReply = { status: number; body: Record<string, unknown> }

/**
 * The one entry for signed provider events: the /webhooks/stripe route and the demo
 * checkout both come through here, so a demo gift takes the real fulfilment path.
 */
export async function receiveWebhook(
  db: DB,
  provider: PaymentProvider,
  rawBody: string,
  signature: string | null,
): Promise<WebhookReply> {
  let event
  try {
    event = provider.verifyWebhook(rawBody, signature)
  } catch (error) {
    if (error instanceof WebhookSignatureError) return { status: 400, body: { error: 'invalid signature' } }
    throw error
  }
  const object = event?.data?.object
  if (
    typeof event?.id !== 'string' ||
    typeof event.type !== 'string' ||
    !object ||
    typeof object !== 'object' ||
    Array.isArray(object)
  ) {
    return { status: 400, body: { error: 'malformed event' } }
  }
  const outcome = await handleWebhook(db, provider, event)
  return { status: 200, body: { received: true, outcome: outcome.outcome } }
}
