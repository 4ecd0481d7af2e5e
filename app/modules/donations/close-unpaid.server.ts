import type { DB } from '~/utils/db.server'
import type { AlipayProvider } from '../payments/alipay.server'
import type { CheckoutSessionEvent } from '../payments/events'
import type { PaymentProvider } from '../payments/provider'
import { ORDER_TIMEOUT_MINUTES, settles, type WechatpayProvider } from '../payments/wechatpay.server'
import { handleWebhook } from './webhook.server'
import { settleWechatpayOrder } from './wechatpay-notify.server'

// Orders left unpaid past the provider's timeout (both ask for 30 minutes: time_expire,
// timeout_express) are closed at the provider, so a late scan cannot pay them, then marked
// canceled here. A WeChat Pay order is asked for first: one paid while its notification was
// lost is booked instead of closed. The cancel goes through handleWebhook as an expired
// checkout recorded under close:<out_trade_no>, the same status move as a Stripe expiry.

/** Past the timeout by this much before we close, so an order paid at the last second is notified first. */
export const CLOSE_GRACE_MINUTES = 5

export type CloseResult = { closed: string[]; paid: string[]; failed: string[] }

function expired(publicId: string, now: Date): CheckoutSessionEvent {
  return {
    id: `close:${publicId}`,
    type: 'checkout.session.expired',
    created: Math.floor(now.getTime() / 1000),
    data: { object: { id: publicId, client_reference_id: publicId, metadata: { donation_public_id: publicId } } },
  }
}

/** Pending orders of a provider older than the timeout; the demo's are told apart by their session. */
async function stale(db: DB, provider: PaymentProvider, kind: 'wechatpay' | 'alipay', before: string) {
  const rows = await db
    .selectFrom('donations')
    .select(['public_id', 'provider_session_id'])
    .where('status', '=', 'pending')
    .where('provider', '=', provider.name)
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(500)
    .execute()
  return rows
    .filter((r) =>
      kind === 'wechatpay'
        ? /^(weixin:\/\/|prepay_id=)/.test(r.provider_session_id ?? '') || provider.name === 'wechatpay'
        : r.provider_session_id === r.public_id,
    )
    .map((r) => r.public_id)
}

export async function closeUnpaidOrders(
  db: DB,
  providers: { wechatpay?: WechatpayProvider; alipay?: AlipayProvider },
  now = new Date(),
): Promise<CloseResult> {
  const before = new Date(now.getTime() - (ORDER_TIMEOUT_MINUTES + CLOSE_GRACE_MINUTES) * 60_000).toISOString()
  const result: CloseResult = { closed: [], paid: [], failed: [] }
  const cancel = async (provider: PaymentProvider, publicId: string) => {
    await handleWebhook(db, provider, expired(publicId, now), now)
    result.closed.push(publicId)
  }
  const { wechatpay, alipay } = providers
  if (wechatpay) {
    for (const publicId of await stale(db, wechatpay, 'wechatpay', before)) {
      try {
        const tx = await wechatpay.queryOrder(publicId).catch((error: { response?: { status?: number } }) => {
          if (error.response?.status === 404) return null // never reached WeChat Pay: nothing to close there
          throw error
        })
        if (tx && settles(tx)) {
          await settleWechatpayOrder(db, wechatpay, publicId, now)
          result.paid.push(publicId)
          continue
        }
        if (tx && tx.trade_state !== 'CLOSED') await wechatpay.closeOrder(publicId)
        await cancel(wechatpay, publicId)
      } catch (error) {
        console.error(`closing WeChat Pay order ${publicId} failed:`, error)
        result.failed.push(publicId)
      }
    }
  }
  if (alipay) {
    for (const publicId of await stale(db, alipay, 'alipay', before)) {
      try {
        const closed = await alipay.closeOrder(publicId)
        if (closed === 'paid')
          result.paid.push(publicId) // its notification books it
        else await cancel(alipay, publicId)
      } catch (error) {
        console.error(`closing Alipay order ${publicId} failed:`, error)
        result.failed.push(publicId)
      }
    }
  }
  return result
}

/** How often the server process sweeps for unpaid orders. */
export const SWEEP_EVERY_MINUTES = 5

/**
 * The periodic sweep in the server process (beside the mail outbox worker). Each run takes
 * the providers as configured now; one that is not offered (production without its keys)
 * is left out. Runs never overlap; the timer does not keep the process alive.
 */
export function startUnpaidOrderSweep(
  db: DB,
  configured: () => { wechatpay?: WechatpayProvider; alipay?: AlipayProvider },
  log: (line: string) => void = (line) => console.log(`payments: ${line}`),
): { stop: () => void } {
  let running = false
  const run = async () => {
    if (running) return
    running = true
    try {
      const r = await closeUnpaidOrders(db, configured())
      if (r.closed.length || r.paid.length || r.failed.length)
        log(`unpaid orders: ${r.closed.length} closed, ${r.paid.length} found paid, ${r.failed.length} failed`)
    } catch (error) {
      log(`unpaid-order sweep failed: ${(error as Error).message}`)
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => void run(), SWEEP_EVERY_MINUTES * 60_000)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
