import type { DB } from '~/utils/db.server'
import {
  alipayCheckoutEvent,
  alipayRefundEvent,
  parseForm,
  type AlipayNotification,
  type AlipayProvider,
} from '../payments/alipay.server'
import { MalformedEventError } from '../payments/events'
import { WebhookSignatureError } from '../payments/provider'
import type { WebhookReceipt } from './outcomes'
import { handleWebhook } from './webhook.server'

// Alipay's asynchronous notification (异步通知), from /webhooks/alipay and the demo cashier.
// Refused at the door, writing nothing: a bad signature, another app_id or seller_id, or an
// amount or currency that is not the donation's. Otherwise each notify_id is recorded once
// and a paid trade is fulfilled by the same transaction as a Stripe checkout.

export type AlipayReceipt = WebhookReceipt | { kind: 'rejected'; reason: 'amount-mismatch' | 'unknown-donation' }

/** Whether the notification's trade is the donation it names: ours, on this provider, same amount in fen. */
async function matchesDonation(db: DB, provider: AlipayProvider, n: AlipayNotification) {
  const donation = await db
    .selectFrom('donations')
    .select(['amount', 'currency', 'provider', 'frequency'])
    .where('public_id', '=', n.outTradeNo)
    .executeTakeFirst()
  if (!donation || donation.provider !== provider.name) return 'unknown-donation' as const
  if (donation.currency !== 'CNY' || donation.amount !== n.amount || donation.frequency !== 'once')
    return 'amount-mismatch' as const
  return 'ok' as const
}

export async function receiveAlipayNotification(
  db: DB,
  provider: AlipayProvider,
  rawBody: string,
  now = new Date(),
): Promise<AlipayReceipt> {
  let n: AlipayNotification
  try {
    n = provider.verifyNotification(parseForm(rawBody))
  } catch (error) {
    if (error instanceof WebhookSignatureError) return { kind: 'rejected', reason: 'invalid-signature' }
    if (error instanceof MalformedEventError) return { kind: 'rejected', reason: 'malformed-event' }
    throw error
  }
  if (n.refund) {
    const match = await matchesDonation(db, provider, n)
    if (match !== 'ok') return { kind: 'rejected', reason: match }
    // Our own request under this out_request_no says this refund's amount (the notification gives only the total).
    const asked = await db
      .selectFrom('refund_requests')
      .select('amount')
      .where('refund_number', '=', n.refund.outBizNo)
      .executeTakeFirst()
    return handleWebhook(db, provider, alipayRefundEvent({ ...n, refund: n.refund }, asked?.amount ?? null), now)
  }
  const event = alipayCheckoutEvent(n)
  if (event.type !== 'ignored') {
    const match = await matchesDonation(db, provider, n)
    if (match !== 'ok') return { kind: 'rejected', reason: match }
  }
  return handleWebhook(db, provider, event, now)
}

/** Alipay stops retrying only on the exact plain-text body `success`; anything else is retried. */
export function alipayReply(receipt: AlipayReceipt): 'success' | 'fail' {
  return receipt.kind === 'handled' ? 'success' : 'fail'
}
