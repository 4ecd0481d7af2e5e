// WeChat Pay and Alipay in the webhook storm: the fake providers (key files, servers on
// 127.0.0.1, the env an app process needs to trust them), their pending donations with the
// orders the fakes would hold after our checkout, and one payment notification per order,
// signed (and for WeChat Pay encrypted) afresh at each delivery as the providers do, so a
// late re-delivery is inside WeChat Pay's ±5 minute window.
import fs from 'node:fs'
import crypto from 'node:crypto'
import type { DB } from '~/utils/db.server'
import { feeAtRate } from '~/modules/payments/provider'
import { firstCampaign, insertPendingDonations } from '../../bench/generator/pending'
import { alipayKeyFiles, FAKE_APP_ID, FAKE_SELLER_ID, FakeAlipay } from '../../support/fake-alipay'
import { FAKE_WX, FakeWechatpay, wechatpayKeyFiles } from '../../support/fake-wechatpay'
import type { StormDonation, StormEvent } from './storm'

export type DomesticProvider = 'wechatpay' | 'alipay'
export const FEE_RATE_BPS = 60

export type DomesticFakes = {
  wechatpay: FakeWechatpay
  alipay: FakeAlipay
  /** What an app process needs in its env to talk to (and trust) the fakes. */
  env: Record<string, string>
  stop(): Promise<void>
}

export async function startDomesticFakes(): Promise<DomesticFakes> {
  const wx = wechatpayKeyFiles()
  const ali = alipayKeyFiles()
  const wechatpay = await new FakeWechatpay(wx.platform, wx.merchant.publicKey).start()
  const alipay = await new FakeAlipay(ali.alipay, ali.app.publicKey).start()
  return {
    wechatpay,
    alipay,
    env: {
      WECHATPAY_MCHID: FAKE_WX.mchid,
      WECHATPAY_APPID: FAKE_WX.appid,
      WECHATPAY_API_V3_KEY: FAKE_WX.apiV3Key,
      WECHATPAY_MERCHANT_SERIAL: FAKE_WX.merchantSerial,
      WECHATPAY_MERCHANT_PRIVATE_KEY_PATH: wx.merchantPrivatePath,
      WECHATPAY_PLATFORM_SERIAL: FAKE_WX.platformSerial,
      WECHATPAY_PLATFORM_PUBLIC_KEY_PATH: wx.platformPublicPath,
      WECHATPAY_FEE_RATE_BPS: String(FEE_RATE_BPS),
      WECHATPAY_API_URL: wechatpay.baseURL.replace(/\/$/, ''),
      ALIPAY_APP_ID: FAKE_APP_ID,
      ALIPAY_SELLER_ID: FAKE_SELLER_ID,
      ALIPAY_APP_PRIVATE_KEY_PATH: ali.appPrivatePath,
      ALIPAY_PUBLIC_KEY_PATH: ali.alipayPublicPath,
      ALIPAY_GATEWAY: alipay.gateway,
      ALIPAY_FEE_RATE_BPS: String(FEE_RATE_BPS),
    },
    async stop() {
      await Promise.allSettled([wechatpay.stop(), alipay.stop()])
      for (const dir of [wx.dir, ali.dir]) fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`

/**
 * The orders the fakes hold once our checkout has opened them and the donor has paid, and
 * the one payment notification per order; `events[i].donation` is `offset + i`.
 */
export function domesticEvents(
  fakes: DomesticFakes,
  tag: string,
  donations: StormDonation[],
  offset: number,
): StormEvent[] {
  return donations.map((d, i) => {
    const id = `evt_storm_${tag}_${d.provider === 'wechatpay' ? 'w' : 'z'}${i}`
    const donation = offset + i
    if (d.provider === 'wechatpay') {
      const fake = fakes.wechatpay
      fake.orders.set(d.publicId, {
        request: JSON.stringify({ kind: 'native', total: d.amount, description: '希望账本捐赠' }),
        description: '希望账本捐赠',
        notifyUrl: 'http://127.0.0.1/webhooks/wechatpay',
        timeExpire: '',
        tx: {
          mchid: FAKE_WX.mchid,
          appid: FAKE_WX.appid,
          out_trade_no: d.publicId,
          transaction_id: d.intentId,
          trade_type: 'NATIVE',
          trade_state: 'NOTPAY',
          trade_state_desc: '订单未支付',
          amount: { total: d.amount, currency: 'CNY' },
        },
      })
      fake.pay(d.publicId)
      return {
        id,
        type: 'TRANSACTION.SUCCESS',
        donation,
        body: {},
        wire: () => ({ path: '/webhooks/wechatpay', ...fake.notification(d.publicId, { id }) }),
      }
    }
    const fake = fakes.alipay
    fake.orders.set(d.publicId, {
      outTradeNo: d.publicId,
      tradeNo: d.intentId,
      method: 'alipay.trade.page.pay',
      productCode: 'FAST_INSTANT_TRADE_PAY',
      totalAmount: yuan(d.amount),
      amountFen: d.amount,
      notifyUrl: 'http://127.0.0.1/webhooks/alipay',
      returnUrl: '',
    })
    return {
      id,
      type: 'trade_status_sync',
      donation,
      body: {},
      wire: () => ({
        path: '/webhooks/alipay',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: fake.notification(d.publicId, { notify_id: id }),
      }),
    }
  })
}

/** `count` donations per provider, ids and amounts drawn like the Stripe ones; fee at the configured rate. */
export function domesticDonations(tag: string, count: number, amountOf: () => number): StormDonation[] {
  return (['wechatpay', 'alipay'] as const).flatMap((provider) =>
    Array.from({ length: count }, (_, i) => {
      const key = `${tag}${provider === 'wechatpay' ? 'W' : 'Z'}${String(i).padStart(5, '0')}`
      const amount = amountOf()
      const digits = crypto.createHash('sha1').update(key).digest('hex').replace(/\D/g, '').padEnd(12, '0')
      return {
        provider,
        publicId: `D-STORM-${key}`,
        email: `storm-${key.toLowerCase()}@storm.test`,
        sessionId: `D-STORM-${key}`,
        // WeChat Pay's transaction_id and Alipay's trade_no, both digits.
        intentId: `${provider === 'wechatpay' ? '42000028' : '20261202220011'}${digits.slice(0, 12)}${i}`,
        chargeId: '',
        amount,
        fee: feeAtRate(amount, FEE_RATE_BPS),
      }
    }),
  )
}

/** Their pending rows, as our checkout leaves them (provider wechatpay / alipay). */
export async function insertDomesticDonations(db: DB, donations: StormDonation[]): Promise<void> {
  const campaign = await firstCampaign(db)
  for (const provider of ['wechatpay', 'alipay'] as const) {
    const rows = donations.filter((d) => d.provider === provider)
    if (!rows.length) continue
    await insertPendingDonations(
      db,
      rows.map((d) => ({
        publicId: d.publicId,
        trackingCode: `T${d.publicId}`,
        amount: d.amount,
        donorName: '风暴测试',
        donorEmail: d.email,
        sessionId: d.sessionId,
      })),
      { campaign, provider, createdAt: new Date().toISOString() },
    )
  }
}
