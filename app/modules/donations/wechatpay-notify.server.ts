import type { DB } from '~/utils/db.server'
import { MalformedEventError } from '../payments/events'
import { WebhookSignatureError } from '../payments/provider'
import {
  settles,
  wechatpayCheckoutEvent,
  type NotifyHeaders,
  type WechatpayProvider,
  type WechatpayTransaction,
} from '../payments/wechatpay.server'
import { wechatpayRefundEvent } from '../payments/wechatpay-refund'
import type { WebhookReceipt } from './outcomes'
import { handleWebhook } from './webhook.server'
import { refundClosedByProvider } from './refund-failures.server'

// WeChat Pay's payment notification (支付通知), from /webhooks/wechatpay and the demo wallet,
// and the order query that settles a gift when the notification is late or says too little.
// Refused at the door, writing nothing: a bad signature, an unknown platform serial, a
// timestamp outside ±5 minutes, another merchant or app, an amount that is not the donation's.
// Otherwise each notification id is recorded once (payment_events, provider 'wechatpay') and
// a paid order is fulfilled by the same transaction as a Stripe checkout; a query and a
// notification for the same order book it once (fulfilDonation sees it paid already).
// A refund notification (REFUND.SUCCESS) books under the same key as the refund's answer
// (wechatpay-refund.ts), so the desk's refund books once whichever arrives first; REFUND.CLOSED
// and REFUND.ABNORMAL book nothing and close the desk's open request as failed.

export type WechatpayReceipt = WebhookReceipt | { kind: 'rejected'; reason: 'amount-mismatch' | 'unknown-donation' }

/** Whether the transaction is the donation it names: ours, on WeChat Pay, same amount in fen, CNY. */
async function matchesDonation(db: DB, provider: WechatpayProvider, tx: WechatpayTransaction) {
  const donation = await db
    .selectFrom('donations')
    .select(['amount', 'currency', 'provider', 'frequency'])
    .where('public_id', '=', tx.out_trade_no ?? '')
    .executeTakeFirst()
  if (!donation || donation.provider !== provider.name) return 'unknown-donation' as const
  if (
    donation.currency !== 'CNY' ||
    (tx.amount?.currency ?? 'CNY') !== 'CNY' ||
    donation.amount !== tx.amount?.total ||
    donation.frequency !== 'once'
  )
    return 'amount-mismatch' as const
  return 'ok' as const
}

async function book(db: DB, provider: WechatpayProvider, id: string, tx: WechatpayTransaction, now: Date) {
  const event = wechatpayCheckoutEvent(id, tx, now)
  if (event.type !== 'ignored') {
    const match = await matchesDonation(db, provider, tx)
    if (match !== 'ok') return { kind: 'rejected', reason: match } as const
  }
  return handleWebhook(db, provider, event, now)
}

export async function receiveWechatpayNotification(
  db: DB,
  provider: WechatpayProvider,
  headers: NotifyHeaders,
  rawBody: string,
  now = new Date(),
): Promise<WechatpayReceipt> {
  let n: ReturnType<WechatpayProvider['verifyNotification']>
  try {
    n = provider.verifyNotification(headers, rawBody, now)
  } catch (error) {
    if (error instanceof WebhookSignatureError) return { kind: 'rejected', reason: 'invalid-signature' }
    if (error instanceof MalformedEventError) return { kind: 'rejected', reason: 'malformed-event' }
    throw error
  }
  if (n.refund) {
    const match = await matchesDonation(db, provider, n.transaction)
    if (match !== 'ok') return { kind: 'rejected', reason: match }
    const handled = await handleWebhook(db, provider, wechatpayRefundEvent(n.id, n.refund, now), now)
    // Closed or abnormal: nothing to book, but the desk's open request for it has failed.
    const status = n.refund.refund_status ?? n.refund.status
    if ((status === 'CLOSED' || status === 'ABNORMAL') && n.refund.out_refund_no)
      await refundClosedByProvider(db, n.refund.out_refund_no, `refund ${status}`, now)
    return handled
  }
  let tx = n.transaction
  // A success that does not itself settle (no transaction id or amount): ask WeChat Pay,
  // before any database transaction, what the order is.
  if (n.eventType === 'TRANSACTION.SUCCESS' && !settles(tx)) {
    const queried = await provider.queryOrder(tx.out_trade_no!)
    if (queried) tx = queried
  }
  return book(db, provider, n.id, tx, now)
}

/**
 * Ask WeChat Pay for the order and book it if paid (the donor back from the wallet, the
 * sweep before it closes an order). Recorded under its own id, query:<transaction_id>.
 */
export async function settleWechatpayOrder(
  db: DB,
  provider: WechatpayProvider,
  outTradeNo: string,
  now = new Date(),
): Promise<{ paid: boolean; state: string | null; receipt: WechatpayReceipt | null }> {
  const tx = await provider.queryOrder(outTradeNo)
  if (!tx || !settles(tx)) return { paid: false, state: tx?.trade_state ?? null, receipt: null }
  const receipt = await book(db, provider, `query:${tx.transaction_id}`, tx, now)
  return { paid: receipt.kind === 'handled', state: tx.trade_state ?? null, receipt }
}

export type WechatpayReply =
  { status: 204; body: null } | { status: 400 | 500; body: { code: 'FAIL'; message: string } }

/** WeChat Pay stops retrying on 200/204 with no body; a 4xx/5xx carries {code, message}. */
export function wechatpayReply(receipt: WechatpayReceipt): WechatpayReply {
  if (receipt.kind === 'handled') return { status: 204, body: null }
  const message = {
    'invalid-signature': '签名验证失败',
    'malformed-event': '通知内容无法解析',
    'amount-mismatch': '订单金额不符',
    'unknown-donation': '订单不存在',
  }[receipt.reason]
  return { status: 400, body: { code: 'FAIL', message } }
}
