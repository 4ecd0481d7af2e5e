import QRCode from 'qrcode'
import type { DB } from '~/utils/db.server'
import { demoWechatpayNotification } from '../payments/wechatpay-config.server'
import type { WechatpayProvider } from '../payments/wechatpay.server'
import { receiveWechatpayNotification, settleWechatpayOrder } from './wechatpay-notify.server'

// Our WeChat Pay page (/donate/wechatpay/<out_trade_no>): the Native QR code on a desktop,
// the JSAPI button inside WeChat, and in the demo the labelled stand-in for the wallet.
// The order's code_url or prepay_id is what startCheckout stored as provider_session_id.

const NATIVE = 'weixin://'
const JSAPI = 'prepay_id='

async function order(db: DB, provider: WechatpayProvider, outTradeNo: string) {
  if (!outTradeNo) return undefined
  const donation = await db
    .selectFrom('donations')
    .select(['public_id', 'amount', 'currency', 'status', 'provider_session_id'])
    .where('public_id', '=', outTradeNo)
    .where('provider', '=', provider.name)
    .executeTakeFirst()
  const session = donation?.provider_session_id ?? ''
  return donation && (session.startsWith(NATIVE) || session.startsWith(JSAPI)) ? { ...donation, session } : undefined
}

export type WechatpayPage = {
  publicId: string
  amount: number
  currency: string
  pending: boolean
  demo: boolean
  qrDataUrl: string | null
  jsapi: Record<string, string> | null
}

export async function wechatpayPage(
  db: DB,
  provider: WechatpayProvider,
  outTradeNo: string,
): Promise<WechatpayPage | undefined> {
  const o = await order(db, provider, outTradeNo)
  if (!o) return undefined
  const pending = o.status === 'pending'
  const native = pending && o.session.startsWith(NATIVE)
  return {
    publicId: o.public_id,
    amount: o.amount,
    currency: o.currency,
    pending,
    demo: provider.demo,
    qrDataUrl: native ? await QRCode.toDataURL(o.session, { margin: 1, width: 240, errorCorrectionLevel: 'M' }) : null,
    jsapi: pending && o.session.startsWith(JSAPI) ? provider.jsapiParams(o.session.slice(JSAPI.length)) : null,
  }
}

/**
 * The donor says they have paid: ask WeChat Pay (the notification may not have come yet),
 * or in the demo send the signed notification the wallet would. True once the gift is booked.
 */
export async function confirmWechatpayPayment(
  db: DB,
  provider: WechatpayProvider,
  outTradeNo: string,
  options: { demoPay: boolean },
): Promise<'paid' | 'not-paid' | 'unknown'> {
  const o = await order(db, provider, outTradeNo)
  if (!o) return 'unknown'
  if (o.status !== 'pending') return 'paid'
  if (provider.demo) {
    if (!options.demoPay) return 'not-paid'
    const n = demoWechatpayNotification({ outTradeNo: o.public_id, amount: o.amount })
    const receipt = await receiveWechatpayNotification(db, provider, n.headers, n.body)
    if (receipt.kind !== 'handled') throw new Error(`demo WeChat Pay notification refused: ${receipt.reason}`)
    return 'paid'
  }
  const settled = await settleWechatpayOrder(db, provider, o.public_id)
  return settled.paid ? 'paid' : 'not-paid'
}
