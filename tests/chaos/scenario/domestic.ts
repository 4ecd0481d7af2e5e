// WeChat Pay and Alipay in the scenario fuzz: the storm's fake providers (one pair per
// process, shared by its seeds: out_trade_no values are random, so seeds never collide),
// the app's own configured providers pointed at them, the donor paying at the fake, and
// each delivery of a payment notification signed (and for WeChat Pay encrypted) afresh,
// through the same receive functions and reply formats as /webhooks/wechatpay and /alipay.
import { alipayReply, receiveAlipayNotification } from '~/modules/donations/alipay-notify.server'
import { receiveWechatpayNotification, wechatpayReply } from '~/modules/donations/wechatpay-notify.server'
import { getAlipayProvider } from '~/modules/payments/alipay-config.server'
import type { PaymentProvider } from '~/modules/payments/provider'
import { getWechatpayProvider } from '~/modules/payments/wechatpay-config.server'
import type { DB } from '~/utils/db.server'
import { toDecimalString } from '~/utils/money'
import { startDomesticFakes, type DomesticFakes, type DomesticProvider } from '../support/storm-domestic'

export { FEE_RATE_BPS } from '../support/storm-domestic'
export type { DomesticProvider }

let fakes: DomesticFakes | undefined

/** Start the fakes and point the app's WeChat Pay and Alipay at them: before anything reads getEnv(). */
export async function startScenarioFakes(): Promise<() => Promise<void>> {
  fakes = await startDomesticFakes()
  Object.assign(process.env, fakes.env)
  const mine = fakes
  return async () => {
    await mine.stop()
    if (fakes === mine) fakes = undefined
  }
}

function started(): DomesticFakes {
  if (!fakes) throw new Error('the scenario fuzz needs startScenarioFakes() (scenarioEnv) first')
  return fakes
}

export const domesticProvider = (p: DomesticProvider): PaymentProvider =>
  p === 'wechatpay' ? getWechatpayProvider() : getAlipayProvider()

/** After our checkout: Alipay's cashier opened as the browser would (the fake learns the order), then the donor pays at `paidAt`. */
export async function donorPays(p: DomesticProvider, publicId: string, url: string, paidAt: Date): Promise<void> {
  const f = started()
  if (p === 'wechatpay') {
    f.wechatpay.pay(publicId, paidAt)
    return
  }
  const cashier = await fetch(url)
  if (cashier.status !== 200) throw new Error(`the fake Alipay cashier answered ${cashier.status}`)
  await cashier.body?.cancel()
}

/** China time as Alipay writes it: 2026-03-01 08:00:00. */
const alipayTime = (unixSeconds: number) =>
  new Date(unixSeconds * 1000 + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')

/**
 * One delivery of a payment notification: the app's outcome when handled, else the refusal's
 * reason. `claims` is another amount the notification says was paid (which must be refused).
 * The reply must be in the provider's format: 204 / `success` exactly when handled.
 */
export async function deliverDomestic(
  db: DB,
  e: { id: string; publicId: string; created: number; provider: DomesticProvider; claims?: number },
): Promise<string> {
  const f = started()
  if (e.provider === 'wechatpay') {
    const order = f.wechatpay.orders.get(e.publicId)!
    const n = f.wechatpay.notification(e.publicId, {
      id: e.id,
      ...(e.claims === undefined
        ? {}
        : { tx: { amount: { ...order.tx.amount, total: e.claims, payer_total: e.claims, currency: 'CNY' } } }),
    })
    const receipt = await receiveWechatpayNotification(
      db,
      getWechatpayProvider(),
      {
        signature: n.headers['Wechatpay-Signature']!,
        serial: n.headers['Wechatpay-Serial']!,
        timestamp: n.headers['Wechatpay-Timestamp']!,
        nonce: n.headers['Wechatpay-Nonce']!,
      },
      n.body,
    )
    const reply = wechatpayReply(receipt)
    if ((reply.status === 204) !== (receipt.kind === 'handled'))
      throw new Error(`WeChat Pay was answered ${reply.status} for ${JSON.stringify(receipt)}`)
    return receipt.kind === 'handled' ? receipt.outcome : receipt.reason
  }
  const at = alipayTime(e.created)
  const claimed = e.claims === undefined ? undefined : toDecimalString(e.claims, 'CNY')
  const body = f.alipay.notification(e.publicId, {
    notify_id: e.id,
    gmt_create: at,
    gmt_payment: at,
    notify_time: at,
    ...(claimed ? { total_amount: claimed, receipt_amount: claimed, buyer_pay_amount: claimed } : {}),
  })
  const receipt = await receiveAlipayNotification(db, getAlipayProvider(), body)
  const reply = alipayReply(receipt)
  if ((reply === 'success') !== (receipt.kind === 'handled'))
    throw new Error(`Alipay was answered ${reply} for ${JSON.stringify(receipt)}`)
  return receipt.kind === 'handled' ? receipt.outcome : receipt.reason
}
