import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin'
import type { CheckoutSessionEvent, PaymentEvent } from './events'
import { MalformedEventError } from './events'
import { feeAtRate, WebhookSignatureError, type PaymentDetails, type PaymentProvider } from './provider'
import { parseTradeBill, type BillLine } from './trade-bill'
import { requestWechatpayRefund, wechatpayRefundId, type WechatpayRefund } from './wechatpay-refund'

// WeChat Pay API v3 direct (微信支付直连商户): Native (a QR code on a desktop), H5 (a phone
// browser outside WeChat) and JSAPI (inside WeChat's own browser, given the donor's openid),
// one-time CNY gifts only. wechatpay-axios-plugin signs each request
// (WECHATPAY2-SHA256-RSA2048) and verifies each answer against the platform key; the
// notification's signature and AES-256-GCM resource are checked here with its helpers,
// then normalised into a Stripe-shaped checkout event (./events.ts) for the same fulfilment.

/** Unpaid orders expire after this long (time_expire); the sweep closes them afterwards. */
export const ORDER_TIMEOUT_MINUTES = 30
/** WeChat Pay's own window for a notification's (and an answer's) timestamp. */
export const NOTIFY_TOLERANCE_SECONDS = 300

export type WechatpayOptions = {
  mchid: string
  appid: string
  /** The 32-byte APIv3 key that encrypts notification resources. */
  apiV3Key: string
  merchantSerial: string
  merchantPrivateKey: string
  /** The platform certificate serial or the WeChat Pay public key id (PUB_KEY_ID_…). */
  platformSerial: string
  /** PEM of that platform certificate or public key. */
  platformPublicKey: string
  notifyUrl: string
  /** WeChat Pay's notification reports no fee: booked at this rate, in basis points. */
  feeRateBps: number
  /** Tests point the SDK at a local fake; unset means api.mch.weixin.qq.com. */
  baseURL?: string
  /** Our page that shows the Native QR code (and, in the demo, stands in for the wallet). */
  payPageUrl: (outTradeNo: string) => string
  /** The demo: no request leaves the process. */
  demo?: boolean
}

/** A transaction as WeChat Pay describes it, in a notification's resource or an order query. */
export type WechatpayTransaction = {
  mchid?: string
  appid?: string
  out_trade_no?: string
  transaction_id?: string
  trade_type?: string
  trade_state?: string
  success_time?: string
  amount?: { total?: number; payer_total?: number; currency?: string }
}

export type NotifyHeaders = {
  signature: string | null
  serial: string | null
  timestamp: string | null
  nonce: string | null
}

/** A payment notification's transaction, or (event_type REFUND.*) a refund notification's refund. */
export type WechatpayNotification =
  | { id: string; eventType: string; transaction: WechatpayTransaction; refund?: undefined }
  | { id: string; eventType: string; transaction: WechatpayTransaction; refund: WechatpayRefund }

export interface WechatpayProvider extends PaymentProvider {
  /** 'demo' for the demo, as the demo Alipay and the demo checkout: its gifts are marked demo in the data. */
  readonly name: 'wechatpay' | 'demo'
  readonly notifications: 'wechatpay'
  readonly demo: boolean
  /** Signature (platform serial and key, timestamp window), then the decrypted resource; throws WebhookSignatureError or MalformedEventError. */
  verifyNotification(headers: NotifyHeaders, rawBody: string, now?: Date): WechatpayNotification
  /** The order as WeChat Pay has it now (GET …/out-trade-no/{out_trade_no}), checked to be ours; null in the demo. */
  queryOrder(outTradeNo: string): Promise<WechatpayTransaction | null>
  closeOrder(outTradeNo: string): Promise<void>
  /** The signed parameters WeixinJSBridge's getBrandWCPayRequest takes for a JSAPI prepay id. */
  jsapiParams(prepayId: string): Record<string, string>
  tradeBill(date: string): Promise<BillLine[]>
}

/** The transaction is ours (merchant and app) or the answer is refused. */
export function assertOurs(tx: WechatpayTransaction, options: Pick<WechatpayOptions, 'mchid' | 'appid'>) {
  if (tx.mchid !== options.mchid) throw new WebhookSignatureError('WeChat Pay transaction for another mchid')
  if (tx.appid !== options.appid) throw new WebhookSignatureError('WeChat Pay transaction for another appid')
}

/** Whether the transaction alone settles the payment: paid, with its id and amount in fen. */
export function settles(tx: WechatpayTransaction): boolean {
  return (
    tx.trade_state === 'SUCCESS' &&
    !!tx.transaction_id &&
    !!tx.out_trade_no &&
    Number.isSafeInteger(tx.amount?.total) &&
    (tx.amount?.total ?? 0) > 0
  )
}

/** RFC 3339 in China time, as time_expire wants it. */
function chinaRfc3339(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00'
}

export function createWechatpayProvider(options: WechatpayOptions): WechatpayProvider {
  const wxpay = new Wechatpay({
    mchid: options.mchid,
    serial: options.merchantSerial,
    privateKey: options.merchantPrivateKey,
    certs: { [options.platformSerial]: options.platformPublicKey },
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    timeout: 10_000,
  })
  // The SDK's chain is typed loosely: every answer is read as a plain object.
  const post = async (path: string, body: object, config: Record<string, string> = {}) =>
    (await wxpay.chain(path).post(body, config)).data as unknown as Record<string, unknown>
  const get = async (path: string, config: Record<string, unknown>) =>
    (await wxpay.chain(path).get(config)).data as unknown as Record<string, unknown>
  const platformKey = Rsa.from(options.platformPublicKey, Rsa.KEY_TYPE_PUBLIC)
  const merchantKey = Rsa.from(options.merchantPrivateKey, Rsa.KEY_TYPE_PRIVATE)

  const details = (tx: WechatpayTransaction): PaymentDetails => {
    const amount = tx.amount?.total ?? 0
    const fee = feeAtRate(amount, options.feeRateBps)
    return {
      paymentIntentId: tx.transaction_id ?? '',
      chargeId: null,
      amount,
      currency: 'CNY',
      fee,
      net: amount - fee,
      donationPublicId: tx.out_trade_no ?? null,
    }
  }

  function verifyNotification(headers: NotifyHeaders, rawBody: string, now = new Date()): WechatpayNotification {
    const { signature, serial, timestamp, nonce } = headers
    if (!signature || !serial || !timestamp || !nonce) throw new WebhookSignatureError('WeChat Pay headers missing')
    if (serial !== options.platformSerial) throw new WebhookSignatureError(`unknown platform serial ${serial}`)
    const skew = Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp))
    if (!/^\d{1,12}$/.test(timestamp) || skew > NOTIFY_TOLERANCE_SECONDS)
      throw new WebhookSignatureError('WeChat Pay notification timestamp outside ±5 minutes')
    if (!Rsa.verify(Formatter.response(timestamp, nonce, rawBody), signature, platformKey))
      throw new WebhookSignatureError('WeChat Pay notification signature invalid')
    let envelope: { id?: unknown; event_type?: unknown; resource?: Record<string, unknown> }
    let transaction: WechatpayTransaction & WechatpayRefund
    try {
      envelope = JSON.parse(rawBody)
      const r = envelope.resource ?? {}
      if (r.algorithm !== 'AEAD_AES_256_GCM') throw new Error(`resource algorithm ${String(r.algorithm)}`)
      transaction = JSON.parse(
        Aes.AesGcm.decrypt(String(r.ciphertext), options.apiV3Key, String(r.nonce), String(r.associated_data ?? '')),
      )
    } catch (error) {
      throw new MalformedEventError(`WeChat Pay notification unreadable: ${(error as Error).message}`)
    }
    if (typeof envelope.id !== 'string' || typeof envelope.event_type !== 'string' || !transaction)
      throw new MalformedEventError('WeChat Pay notification without id or event_type')
    // A refund's resource names the merchant but no app id.
    const refund = envelope.event_type.startsWith('REFUND.')
    if (refund && transaction.mchid !== options.mchid)
      throw new WebhookSignatureError('WeChat Pay refund for another mchid')
    if (!refund) assertOurs(transaction, options)
    if (!transaction.out_trade_no) throw new MalformedEventError('WeChat Pay transaction without out_trade_no')
    const n = { id: envelope.id, eventType: envelope.event_type, transaction }
    return refund ? { ...n, refund: transaction } : n
  }

  async function queryOrder(outTradeNo: string): Promise<WechatpayTransaction | null> {
    if (options.demo) return null
    const tx: WechatpayTransaction = await get('v3/pay/transactions/out-trade-no/{out_trade_no}', {
      params: { mchid: options.mchid },
      out_trade_no: outTradeNo,
    })
    assertOurs(tx, options)
    if (tx.out_trade_no !== outTradeNo) throw new Error(`WeChat Pay answered ${tx.out_trade_no} for ${outTradeNo}`)
    return tx
  }

  return {
    name: options.demo ? 'demo' : 'wechatpay',
    notifications: 'wechatpay',
    demo: !!options.demo,
    verifyNotification,
    queryOrder,

    async createCheckout(request) {
      if (request.currency !== 'CNY' || request.frequency !== 'once')
        throw new Error('WeChat Pay takes one-time CNY gifts only')
      const outTradeNo = request.donationPublicId
      const page = options.payPageUrl(outTradeNo)
      // The demo inside WeChat's browser shows the JSAPI button (no OAuth: it has no 公众号).
      if (options.demo && request.device === 'wechat') return { sessionId: `prepay_id=demo_${outTradeNo}`, url: page }
      if (options.demo) return { sessionId: `weixin://wxpay/bizpayurl?pr=demo_${outTradeNo}`, url: page }
      const order = {
        appid: options.appid,
        mchid: options.mchid,
        description: request.description.slice(0, 127),
        out_trade_no: outTradeNo,
        time_expire: chinaRfc3339(new Date(Date.now() + ORDER_TIMEOUT_MINUTES * 60_000)),
        notify_url: options.notifyUrl,
        amount: { total: request.amount, currency: 'CNY' },
      }
      if (request.device === 'wechat' && request.openid) {
        const data = await post('v3/pay/transactions/jsapi', { ...order, payer: { openid: request.openid } })
        return { sessionId: `prepay_id=${String(data.prepay_id)}`, url: page }
      }
      if (request.device === 'mobile') {
        const data = await post('v3/pay/transactions/h5', {
          ...order,
          scene_info: { payer_client_ip: request.clientIp ?? '127.0.0.1', h5_info: { type: 'Wap' } },
        })
        // WeChat sends the donor back to redirect_url after the wallet, whether paid or not.
        const url = `${String(data.h5_url)}&redirect_url=${encodeURIComponent(request.successUrl)}`
        return { sessionId: outTradeNo, url }
      }
      // Native on a desktop, and inside WeChat without an openid (the donor long-presses the code).
      const data = await post('v3/pay/transactions/native', order)
      return { sessionId: String(data.code_url), url: page }
    },

    verifyWebhook() {
      throw new Error('WeChat Pay notifications come through receiveWechatpayNotification (headers and body)')
    },

    detailsFromEvent(event: PaymentEvent) {
      // A refund's notification names the trade and its total: no query needed.
      if (event.type === 'charge.refunded') {
        const o = event.data.object
        const tradeNo = typeof o.payment_intent === 'string' ? o.payment_intent : null
        const outTradeNo = o.metadata?.donation_public_id
        if (!tradeNo || typeof o.amount !== 'number' || !outTradeNo) return null
        return details({ transaction_id: tradeNo, out_trade_no: outTradeNo, amount: { total: o.amount } })
      }
      if (event.type !== 'checkout.session.completed') return null
      const o = event.data.object
      const tradeNo = typeof o.payment_intent === 'string' ? o.payment_intent : null
      if (!tradeNo || typeof o.amount_total !== 'number' || !o.client_reference_id) return null
      return details({
        transaction_id: tradeNo,
        out_trade_no: o.client_reference_id,
        amount: { total: o.amount_total },
      })
    },

    async paymentDetails(transactionId) {
      const tx: WechatpayTransaction = await get('v3/pay/transactions/id/{transaction_id}', {
        params: { mchid: options.mchid },
        transaction_id: transactionId,
      })
      assertOurs(tx, options)
      if (!settles(tx)) throw new Error(`WeChat Pay transaction ${transactionId} is ${tx.trade_state}`)
      return details(tx)
    },

    async closeOrder(outTradeNo) {
      if (options.demo) return
      await post(
        'v3/pay/transactions/out-trade-no/{out_trade_no}/close',
        { mchid: options.mchid },
        { out_trade_no: outTradeNo },
      )
    },

    async refund(request) {
      // The demo takes no money, so it gives none back: it answers at once.
      if (options.demo)
        return {
          refundId: wechatpayRefundId(request.refundNumber),
          status: 'succeeded',
          amount: request.amount,
          currency: 'CNY',
          refundedAt: new Date().toISOString(),
        }
      return requestWechatpayRefund(post, options, request)
    },

    jsapiParams(prepayId) {
      const params = {
        appId: options.appid,
        timeStamp: String(Formatter.timestamp()),
        nonceStr: Formatter.nonce(),
        package: `prepay_id=${prepayId}`,
        signType: 'RSA',
      }
      const message = Formatter.joinedByLineFeed(params.appId, params.timeStamp, params.nonceStr, params.package)
      return { ...params, paySign: Rsa.sign(message, merchantKey) }
    },

    async tradeBill(date) {
      if (options.demo) return []
      const data = await get('v3/bill/tradebill', { params: { bill_date: date, bill_type: 'ALL' } })
      // The file itself is not signed: the bill API's signed answer names its SHA1 (checked in parseTradeBill).
      const file = await wxpay.chain('v3/billdownload/file').get({
        params: Object.fromEntries(new URL(String(data.download_url)).searchParams),
        responseType: 'arraybuffer',
      })
      const body = Buffer.from(file.data as unknown as ArrayBuffer)
      return parseTradeBill(body, { hashType: String(data.hash_type), hashValue: String(data.hash_value) })
    },

    async listRecentEvents() {
      return [] // WeChat Pay is reconciled against its daily trade bill (payments:reconcile --provider wechatpay)
    },
    async cancelSubscription() {
      throw new Error('WeChat Pay takes one-time gifts only: there is no subscription to cancel')
    },
    async customerPortalUrl() {
      return null
    },
  }
}

/** A notification or a queried order as the checkout event it amounts to; any other state is recorded, not acted on. */
export function wechatpayCheckoutEvent(id: string, tx: WechatpayTransaction, now = new Date()): PaymentEvent {
  const paidAt = tx.success_time ? new Date(tx.success_time) : now
  const created = Math.floor((Number.isNaN(paidAt.getTime()) ? now : paidAt).getTime() / 1000)
  if (!settles(tx)) return { id, type: 'ignored', providerType: `wechatpay.${tx.trade_state ?? 'UNKNOWN'}`, created }
  const outTradeNo = tx.out_trade_no!
  const event: CheckoutSessionEvent = {
    id,
    type: 'checkout.session.completed',
    created,
    data: {
      object: {
        id: outTradeNo,
        object: 'checkout.session',
        mode: 'payment',
        status: 'complete',
        payment_status: 'paid',
        amount_total: tx.amount!.total!,
        currency: (tx.amount?.currency ?? 'CNY').toLowerCase(),
        payment_intent: tx.transaction_id!,
        client_reference_id: outTradeNo,
        metadata: { donation_public_id: outTradeNo },
      },
    },
  }
  return event
}
