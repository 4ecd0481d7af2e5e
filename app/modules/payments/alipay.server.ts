import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { decimalToMinor, toDecimalString } from '~/utils/money'
import type Stripe from 'stripe'
import type { ChargeRefundedEvent, CheckoutSessionEvent, PaymentEvent } from './events'
import { MalformedEventError } from './events'
import { parseAlipayBill } from './alipay-bill'
import { feeAtRate, WebhookSignatureError, type PaymentDetails, type PaymentProvider } from './provider'
import type { BillLine } from './trade-bill'

// Alipay direct (支付宝): 电脑网站支付 (alipay.trade.page.pay) on a desktop, 手机网站支付
// (alipay.trade.wap.pay) in a phone browser, one-time CNY gifts only. The official SDK signs
// our requests and checks the RSA2 signature of Alipay's asynchronous notification; the
// notification is then normalised into a Stripe-shaped checkout event (./events.ts) so it
// takes the same claim + donation + ledger + receipt transaction.

export type AlipayOptions = {
  appId: string
  /** PEM (PKCS#1 or PKCS#8) of our application private key. */
  privateKey: string
  /** PEM of Alipay's public key (普通公钥模式). */
  alipayPublicKey: string
  sellerId: string
  notifyUrl: string
  /** Alipay's notification reports no fee: booked at this rate, in basis points. */
  feeRateBps: number
  /** Tests point the SDK at a local fake gateway; unset means openapi.alipay.com. */
  gateway?: string
  /** The demo: our own pay page stands in for the cashier. */
  demoCashierUrl?: (outTradeNo: string) => string
}

/** What a verified notification says, with the amount in fen. */
export type AlipayNotification = {
  notifyId: string
  outTradeNo: string
  tradeNo: string
  amount: number
  tradeStatus: string
  paidAt: string
  /** A refund's notification (Alipay sends one per refund): our out_request_no and the trade's refunded total. */
  refund?: { outBizNo: string; refundedTotal: number; refundedAt: string }
}

/** The fee at Alipay's configured rate (its notification reports none). */
export const alipayFee = feeAtRate

export const ALIPAY_PAID_STATUSES: ReadonlySet<string> = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED'])

export interface AlipayProvider extends PaymentProvider {
  readonly name: 'alipay' | 'demo'
  readonly notifications: 'alipay'
  /** Verify signature, app id and seller; throws WebhookSignatureError or MalformedEventError. */
  verifyNotification(params: Record<string, string>): AlipayNotification
  /** alipay.trade.close for an unpaid order: 'closed', 'not-found' (the donor never opened the cashier) or 'paid'. */
  closeOrder(outTradeNo: string): Promise<'closed' | 'not-found' | 'paid'>
  /** The China day's trade bill (alipay.data.dataservice.bill.downloadurl.query, then the zip it names); none in the demo. */
  tradeBill(date: string): Promise<BillLine[]>
  readonly demo: boolean
}

/** Alipay's gmt_payment ("2026-12-01 20:15:00", China time; gmt_refund adds milliseconds) as an ISO instant. */
function chinaTimeToIso(value: string | undefined, fallback: Date): string {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?$/.exec(value ?? '')
  if (!m) return fallback.toISOString()
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`).toISOString()
}

export function parseForm(rawBody: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody))
}

export function createAlipayProvider(options: AlipayOptions, name: 'alipay' | 'demo' = 'alipay'): AlipayProvider {
  // Loaded with the first Alipay provider (~9 MB): a process that never offers Alipay never carries it.
  const { AlipaySdk } = createRequire(import.meta.url)('alipay-sdk') as typeof import('alipay-sdk')
  const sdk = new AlipaySdk({
    appId: options.appId,
    privateKey: options.privateKey,
    alipayPublicKey: options.alipayPublicKey,
    keyType: options.privateKey.includes('BEGIN RSA PRIVATE KEY') ? 'PKCS1' : 'PKCS8',
    signType: 'RSA2',
    ...(options.gateway ? { gateway: options.gateway } : {}),
    timeout: 10_000,
  })

  function verifyNotification(params: Record<string, string>): AlipayNotification {
    // checkNotifySign(…, true): the form is already decoded, so the SDK must not decode it again.
    if (!params.sign || !sdk.checkNotifySign(params, true))
      throw new WebhookSignatureError('Alipay notify signature invalid')
    if (params.app_id !== options.appId) throw new WebhookSignatureError('Alipay notify for another app_id')
    if (params.seller_id !== options.sellerId) throw new WebhookSignatureError('Alipay notify for another seller_id')
    const amount = decimalToMinor(params.total_amount ?? '', 'CNY')
    if (!params.notify_id || !params.out_trade_no || !params.trade_no || amount === undefined || !params.trade_status)
      throw new MalformedEventError('Alipay notify without notify_id, out_trade_no, trade_no, total_amount or status')
    const refundedTotal = params.refund_fee ? decimalToMinor(params.refund_fee, 'CNY') : undefined
    if (params.out_biz_no && refundedTotal === undefined)
      throw new MalformedEventError('Alipay refund notify without a refund_fee')
    return {
      notifyId: params.notify_id,
      outTradeNo: params.out_trade_no,
      tradeNo: params.trade_no,
      amount,
      tradeStatus: params.trade_status,
      paidAt: chinaTimeToIso(params.gmt_payment ?? params.notify_time, new Date()),
      ...(params.out_biz_no && refundedTotal !== undefined
        ? {
            refund: {
              outBizNo: params.out_biz_no,
              refundedTotal,
              refundedAt: chinaTimeToIso(params.gmt_refund ?? params.notify_time, new Date()),
            },
          }
        : {}),
    }
  }

  const details = (n: { tradeNo: string; amount: number; outTradeNo: string }): PaymentDetails => {
    const fee = alipayFee(n.amount, options.feeRateBps)
    return {
      paymentIntentId: n.tradeNo,
      chargeId: null,
      amount: n.amount,
      currency: 'CNY',
      fee,
      net: n.amount - fee,
      donationPublicId: n.outTradeNo,
    }
  }

  return {
    name,
    notifications: 'alipay',
    demo: !!options.demoCashierUrl,
    verifyNotification,

    async tradeBill(date) {
      if (options.demoCashierUrl) return []
      // The answer is signed by Alipay; the short-lived URL it names is not, so it is trusted only from there.
      const result = await sdk.exec(
        'alipay.data.dataservice.bill.downloadurl.query',
        { bizContent: { bill_type: 'trade', bill_date: date } },
        { validateSign: true },
      )
      if (result.code !== '10000' || typeof result.billDownloadUrl !== 'string')
        throw new Error(
          `Alipay bill ${date}: ${result.code} ${result.subCode ?? ''} ${result.subMsg ?? result.msg ?? ''}`,
        )
      const file = await fetch(result.billDownloadUrl, { signal: AbortSignal.timeout(30_000) })
      if (!file.ok) throw new Error(`Alipay bill ${date}: download answered ${file.status}`)
      return parseAlipayBill(Buffer.from(await file.arrayBuffer()))
    },

    async createCheckout(request) {
      if (request.currency !== 'CNY' || request.frequency !== 'once')
        throw new Error('Alipay takes one-time CNY gifts only')
      const outTradeNo = request.donationPublicId
      if (options.demoCashierUrl) return { sessionId: outTradeNo, url: options.demoCashierUrl(outTradeNo) }
      const mobile = request.device === 'mobile'
      const url = sdk.pageExecute(mobile ? 'alipay.trade.wap.pay' : 'alipay.trade.page.pay', 'GET', {
        notifyUrl: options.notifyUrl,
        returnUrl: request.successUrl,
        bizContent: {
          out_trade_no: outTradeNo,
          total_amount: toDecimalString(request.amount, 'CNY'),
          subject: request.description.slice(0, 256),
          product_code: mobile ? 'QUICK_WAP_WAY' : 'FAST_INSTANT_TRADE_PAY',
          ...(mobile ? { quit_url: request.cancelUrl } : {}),
          timeout_express: '30m',
        },
      })
      return { sessionId: outTradeNo, url }
    },

    verifyWebhook(rawBody): PaymentEvent {
      const n = verifyNotification(parseForm(rawBody))
      return alipayCheckoutEvent(n)
    },

    detailsFromEvent(event) {
      // A refund's notification names a trade we booked from its own notification: no query needed.
      if (event.type === 'charge.refunded') {
        const o = event.data.object
        const tradeNo = typeof o.payment_intent === 'string' ? o.payment_intent : null
        const outTradeNo = o.metadata?.donation_public_id
        if (!tradeNo || typeof o.amount !== 'number' || !outTradeNo) return null
        return details({ tradeNo, amount: o.amount, outTradeNo })
      }
      if (event.type !== 'checkout.session.completed') return null
      const o = event.data.object
      const tradeNo = typeof o.payment_intent === 'string' ? o.payment_intent : null
      if (!tradeNo || typeof o.amount_total !== 'number' || !o.client_reference_id) return null
      return details({ tradeNo, amount: o.amount_total, outTradeNo: o.client_reference_id })
    },

    async paymentDetails(tradeNo) {
      const result = await sdk.exec('alipay.trade.query', { bizContent: { trade_no: tradeNo } })
      const amount = decimalToMinor(String(result.totalAmount ?? ''), 'CNY')
      if (result.code !== '10000' || amount === undefined || !result.outTradeNo)
        throw new Error(`alipay.trade.query ${tradeNo}: ${result.code} ${result.subMsg ?? result.msg ?? ''}`)
      return details({ tradeNo, amount, outTradeNo: String(result.outTradeNo) })
    },

    async closeOrder(outTradeNo) {
      if (options.demoCashierUrl) return 'closed' // the demo cashier has no trade to close
      const result = await sdk.exec('alipay.trade.close', { bizContent: { out_trade_no: outTradeNo } })
      if (result.code === '10000') return 'closed'
      // Alipay creates the trade only once the donor signs in at the cashier.
      if (result.subCode === 'ACQ.TRADE_NOT_EXIST') return 'not-found'
      if (result.subCode === 'ACQ.TRADE_STATUS_ERROR') return 'paid' // paid (or finished): the notification books it
      throw new Error(`alipay.trade.close ${outTradeNo}: ${result.code} ${result.subMsg ?? result.msg ?? ''}`)
    },

    async refund(request) {
      const refundId = alipayRefundId(request.paymentRef, request.refundNumber)
      const at = new Date().toISOString()
      // The demo takes no money, so it gives none back: it answers at once, as Alipay would.
      if (options.demoCashierUrl)
        return { refundId, status: 'succeeded', amount: request.amount, currency: 'CNY', refundedAt: at }
      // alipay.trade.refund: out_request_no is our refund number, so a repeat is the same refund.
      // The answer is signed by Alipay (validateSign); code 10000 means the money went back.
      const result = await sdk.exec(
        'alipay.trade.refund',
        {
          bizContent: {
            trade_no: request.paymentRef,
            out_trade_no: request.donationPublicId,
            refund_amount: toDecimalString(request.amount, 'CNY'),
            out_request_no: request.refundNumber,
            refund_reason: request.reason.slice(0, 256),
          },
        },
        { validateSign: true },
      )
      const base = {
        refundId,
        amount: request.amount,
        currency: 'CNY',
        refundedAt: chinaTimeToIso(result.gmtRefundPay as string | undefined, new Date()),
      }
      if (result.code === '10000') return { ...base, status: 'succeeded' }
      // A busy or unknown answer may be retried with the same out_request_no; a business refusal moved nothing.
      if (result.code === '20000' || result.subCode === 'ACQ.SYSTEM_ERROR')
        throw new Error(`alipay.trade.refund ${request.refundNumber}: ${result.code} ${result.subMsg ?? ''}`)
      return { ...base, status: 'failed', failure: `${result.subCode ?? result.code} ${result.subMsg ?? ''}`.trim() }
    },

    async listRecentEvents() {
      return [] // Alipay is reconciled against its daily bill (payments:reconcile --provider alipay)
    },
    async cancelSubscription() {
      throw new Error('Alipay takes one-time gifts only: there is no subscription to cancel')
    },
    async customerPortalUrl() {
      return null
    },
  }
}

/** The key an Alipay refund is booked under: its trade and our out_request_no, as both the answer and the notification carry them. */
export function alipayRefundId(tradeNo: string, outRequestNo: string): string {
  return `alipay:${tradeNo}:${outRequestNo}`
}

/**
 * A refund's notification as the charge.refunded event it amounts to. `amount` is this
 * refund's own amount when we asked for it (our request under that out_request_no): then it
 * books under the same key as the refund's answer. A refund made in Alipay's own console has
 * no request of ours, so the event carries only the refunded total and the difference books.
 */
export function alipayRefundEvent(
  n: AlipayNotification & { refund: NonNullable<AlipayNotification['refund']> },
  amount: number | null,
): ChargeRefundedEvent {
  const created = Math.floor(new Date(n.refund.refundedAt).getTime() / 1000)
  return {
    id: n.notifyId,
    type: 'charge.refunded',
    created,
    data: {
      object: {
        id: n.tradeNo,
        object: 'charge',
        amount: n.amount,
        amount_refunded: n.refund.refundedTotal,
        currency: 'cny',
        payment_intent: n.tradeNo,
        metadata: { donation_public_id: n.outTradeNo },
        ...(amount === null
          ? {}
          : {
              refunds: {
                object: 'list',
                has_more: false,
                url: '',
                // The webhook reads only these fields of a refund (id, amount, currency, status, created).
                data: [
                  {
                    id: alipayRefundId(n.tradeNo, n.refund.outBizNo),
                    object: 'refund',
                    amount,
                    currency: 'cny',
                    status: 'succeeded',
                    created,
                  } as Stripe.Refund,
                ],
              },
            }),
      },
    },
  }
}

/** A paid notification as the checkout event it amounts to; any other status is recorded, not acted on. */
export function alipayCheckoutEvent(n: AlipayNotification): PaymentEvent {
  const created = Math.floor(new Date(n.paidAt).getTime() / 1000)
  if (!ALIPAY_PAID_STATUSES.has(n.tradeStatus))
    return { id: n.notifyId, type: 'ignored', providerType: `alipay.${n.tradeStatus}`, created }
  const event: CheckoutSessionEvent = {
    id: n.notifyId,
    type: 'checkout.session.completed',
    created,
    data: {
      object: {
        id: n.outTradeNo,
        object: 'checkout.session',
        mode: 'payment',
        status: 'complete',
        payment_status: 'paid',
        amount_total: n.amount,
        currency: 'cny',
        payment_intent: n.tradeNo,
        client_reference_id: n.outTradeNo,
        metadata: { donation_public_id: n.outTradeNo },
      },
    },
  }
  return event
}

/** Sign notification parameters as Alipay does (RSA2 over the sorted key=value pairs, sign and sign_type left out). */
export function signAlipayParams(params: Record<string, string>, privateKeyPem: string): string {
  const content = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&')
  return crypto.createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyPem, 'base64')
}
