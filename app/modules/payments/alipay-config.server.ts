import crypto from 'node:crypto'
import fs from 'node:fs'
import { getEnv, type Env } from '~/utils/env.server'
import { toDecimalString } from '~/utils/money'
import { createAlipayProvider, signAlipayParams, type AlipayProvider } from './alipay.server'

// Which Alipay this process talks to: the real one when ALIPAY_APP_ID is set, else a
// demo whose cashier is our own /donate/alipay-demo page, never in production. The demo
// signs its notifications with a key pair made for this process, and they go through
// the same /webhooks/alipay verification and fulfilment as real ones.

export const DEMO_ALIPAY_APP_ID = '2021000000000000'
export const DEMO_ALIPAY_SELLER_ID = '2088000000000000'

export class DemoAlipayRefused extends Error {
  constructor() {
    super('The demo Alipay is refused when NODE_ENV=production: configure ALIPAY_APP_ID and its keys')
  }
}

let demoKeys: { privateKey: string; publicKey: string } | undefined

/** The demo's key pair, made once per process (no money moves in the demo). */
export function demoAlipayKeys() {
  demoKeys ??= crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
  return demoKeys
}

let cached: { key: string; provider: AlipayProvider } | undefined

function build(env: Env): AlipayProvider {
  const notifyUrl = `${env.BASE_URL}/webhooks/alipay`
  if (env.ALIPAY_APP_ID) {
    return createAlipayProvider({
      appId: env.ALIPAY_APP_ID,
      privateKey: fs.readFileSync(env.ALIPAY_APP_PRIVATE_KEY_PATH!, 'utf8'),
      alipayPublicKey: fs.readFileSync(env.ALIPAY_PUBLIC_KEY_PATH!, 'utf8'),
      sellerId: env.ALIPAY_SELLER_ID!,
      notifyUrl,
      feeRateBps: env.ALIPAY_FEE_RATE_BPS,
      gateway: env.ALIPAY_GATEWAY,
    })
  }
  if (env.NODE_ENV === 'production') throw new DemoAlipayRefused()
  const keys = demoAlipayKeys()
  return createAlipayProvider(
    {
      appId: DEMO_ALIPAY_APP_ID,
      privateKey: keys.privateKey,
      alipayPublicKey: keys.publicKey,
      sellerId: DEMO_ALIPAY_SELLER_ID,
      notifyUrl,
      feeRateBps: env.ALIPAY_FEE_RATE_BPS,
      demoCashierUrl: (outTradeNo) => `${env.BASE_URL}/donate/alipay-demo/${outTradeNo}`,
    },
    'demo',
  )
}

/** Alipay as configured; one client per configuration. Throws DemoAlipayRefused in production without keys. */
export function getAlipayProvider(): AlipayProvider {
  const env = getEnv()
  const key = [env.ALIPAY_APP_ID, env.ALIPAY_APP_PRIVATE_KEY_PATH, env.ALIPAY_PUBLIC_KEY_PATH, env.ALIPAY_SELLER_ID]
    .concat([env.ALIPAY_GATEWAY, String(env.ALIPAY_FEE_RATE_BPS), env.BASE_URL])
    .join('\n')
  if (cached?.key !== key) cached = { key, provider: build(env) }
  return cached.provider
}

/** Whether /donate may offer 支付宝: configured, or the demo outside production. */
export function alipayOffered(): boolean {
  const env = getEnv()
  return Boolean(env.ALIPAY_APP_ID) || env.NODE_ENV !== 'production'
}

/** Whether this process's Alipay is the demo. */
export function alipayIsDemo(): boolean {
  return !getEnv().ALIPAY_APP_ID
}

/**
 * The notification the demo cashier sends when the donor completes a demo order: the fields
 * and RSA2 signature of a real one, signed with the demo key, posted through the same path.
 */
export function demoAlipayNotification(order: { outTradeNo: string; amount: number }, now = new Date()): string {
  const chinaTime = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')
  const params: Record<string, string> = {
    notify_id: `demo_${order.outTradeNo}`,
    notify_type: 'trade_status_sync',
    notify_time: chinaTime(now),
    app_id: DEMO_ALIPAY_APP_ID,
    seller_id: DEMO_ALIPAY_SELLER_ID,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    out_trade_no: order.outTradeNo,
    trade_no: `demo${order.outTradeNo.replace(/[^0-9A-Za-z]/g, '')}`,
    trade_status: 'TRADE_SUCCESS',
    total_amount: toDecimalString(order.amount, 'CNY'),
    gmt_payment: chinaTime(now),
  }
  params.sign = signAlipayParams(params, demoAlipayKeys().privateKey)
  return new URLSearchParams(params).toString()
}
