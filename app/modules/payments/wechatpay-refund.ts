import type Stripe from 'stripe'
import type { ChargeRefundedEvent, PaymentEvent } from './events'
import type { RefundRequest, RefundResult } from './provider'

// WeChat Pay refunds (申请退款, POST /v3/refund/domestic/refunds) and their notifications
// (REFUND.SUCCESS, an AES-256-GCM resource like a payment's). out_refund_no is our refund
// number, so a repeat is the same refund; the key a refund is booked under is made from it,
// and both the answer and the notification carry it, so whichever comes first books it.

/** A refund as WeChat Pay describes it, in the refund answer or a refund notification's resource. */
export type WechatpayRefund = {
  mchid?: string
  out_trade_no?: string
  transaction_id?: string
  out_refund_no?: string
  refund_id?: string
  /** The answer says `status`, the notification `refund_status`. */
  status?: string
  refund_status?: string
  success_time?: string
  amount?: { total?: number; refund?: number; payer_total?: number; payer_refund?: number; currency?: string }
}

/** The key a WeChat Pay refund is booked under (donation_reversals.provider_ref). */
export function wechatpayRefundId(outRefundNo: string): string {
  return `wechatpay:${outRefundNo}`
}

type Post = (path: string, body: object) => Promise<Record<string, unknown>>

/** Codes after which the same out_refund_no may be asked again: nothing was decided. */
const RETRY = new Set(['SYSTEM_ERROR', 'FREQUENCY_LIMITED'])

/** Ask for a refund; WeChat Pay mostly answers PROCESSING, and its notification then books it. */
export async function requestWechatpayRefund(
  post: Post,
  options: { notifyUrl: string },
  request: RefundRequest,
): Promise<RefundResult> {
  const refundId = wechatpayRefundId(request.refundNumber)
  const base = { refundId, amount: request.amount, currency: 'CNY' }
  if (request.currency !== 'CNY') return { ...base, status: 'failed', refundedAt: '', failure: 'CNY only' }
  let answer: WechatpayRefund
  try {
    answer = (await post('v3/refund/domestic/refunds', {
      transaction_id: request.paymentRef,
      out_refund_no: request.refundNumber,
      reason: request.reason.slice(0, 80),
      notify_url: options.notifyUrl,
      // total is the order's amount, as WeChat Pay checks it; both in fen.
      amount: { refund: request.amount, total: request.paymentAmount ?? request.amount, currency: 'CNY' },
    })) as WechatpayRefund
  } catch (error) {
    const response = (error as { response?: { status?: number; data?: { code?: string; message?: string } } }).response
    const code = response?.data?.code
    // No answer, a server error or "too often": undecided, retried under the same number.
    if (!response || (response.status ?? 500) >= 500 || !code || RETRY.has(code)) throw error
    const failure = `${code} ${response.data?.message ?? ''}`.trim()
    return { ...base, status: 'failed', refundedAt: new Date().toISOString(), failure }
  }
  if (answer.out_refund_no !== request.refundNumber)
    throw new Error(`WeChat Pay answered refund ${answer.out_refund_no} for ${request.refundNumber}`)
  if (answer.amount?.refund !== request.amount)
    throw new Error(`WeChat Pay refund ${request.refundNumber}: ${answer.amount?.refund} fen, not ${request.amount}`)
  const refundedAt = answer.success_time ? new Date(answer.success_time).toISOString() : new Date().toISOString()
  if (answer.status === 'SUCCESS') return { ...base, status: 'succeeded', refundedAt }
  if (answer.status === 'PROCESSING') return { ...base, status: 'pending', refundedAt }
  // CLOSED, or ABNORMAL (the donor's card refused it: finance handles it in the merchant platform).
  return { ...base, status: 'failed', refundedAt, failure: `refund ${answer.status ?? 'UNKNOWN'}` }
}

/** A refund notification as the charge.refunded event it amounts to; a closed or abnormal refund is recorded, not booked. */
export function wechatpayRefundEvent(id: string, r: WechatpayRefund, now = new Date()): PaymentEvent {
  const at = r.success_time ? new Date(r.success_time) : now
  const created = Math.floor((Number.isNaN(at.getTime()) ? now : at).getTime() / 1000)
  const status = r.refund_status ?? r.status
  const refund = r.amount?.refund
  const total = r.amount?.total
  if (
    status !== 'SUCCESS' ||
    !r.out_refund_no ||
    !r.out_trade_no ||
    !r.transaction_id ||
    !Number.isSafeInteger(refund) ||
    !Number.isSafeInteger(total) ||
    refund! <= 0
  )
    return { id, type: 'ignored', providerType: `wechatpay.refund.${status ?? 'UNKNOWN'}`, created }
  const event: ChargeRefundedEvent = {
    id,
    type: 'charge.refunded',
    created,
    data: {
      object: {
        id: r.transaction_id,
        object: 'charge',
        amount: total!,
        currency: 'cny',
        payment_intent: r.transaction_id,
        metadata: { donation_public_id: r.out_trade_no },
        refunds: {
          object: 'list',
          has_more: false,
          url: '',
          // The webhook reads only these fields of a refund (id, amount, currency, status, created).
          data: [
            {
              id: wechatpayRefundId(r.out_refund_no),
              object: 'refund',
              amount: refund!,
              currency: 'cny',
              status: 'succeeded',
              created,
            } as Stripe.Refund,
          ],
        },
      },
    },
  }
  return event
}
