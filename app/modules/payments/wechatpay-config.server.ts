import crypto from 'node:crypto'
import fs from 'node:fs'
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin'
import { getEnv, type Env } from '~/utils/env.server'
import { createWechatpayProvider, type NotifyHeaders, type WechatpayProvider } from './wechatpay.server'

// Which WeChat Pay this process talks to: the real one when WECHATPAY_MCHID is set, else a
// demo whose wallet is our own labelled /donate/wechatpay page, never in production. The
// demo signs and encrypts its notifications with keys made for this process, and they go
// through the same /webhooks/wechatpay verification and fulfilment as real ones.

export const DEMO_WECHATPAY = {
  mchid: '1900000000',
  appid: 'wx0000000000000000',
  merchantSerial: 'DEMO0000000000000000000000000000000000000',
  platformSerial: 'PUB_KEY_ID_DEMO0000000000000000',
}

export class DemoWechatpayRefused extends Error {
  constructor() {
    super('The demo WeChat Pay is refused when NODE_ENV=production: configure WECHATPAY_MCHID and its keys')
  }
}

const rsa = () =>
  crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })

let demoKeys: { merchant: ReturnType<typeof rsa>; platform: ReturnType<typeof rsa>; apiV3Key: string } | undefined

/** The demo's keys, made once per process (no money moves in the demo). */
function demoWechatpayKeys() {
  demoKeys ??= { merchant: rsa(), platform: rsa(), apiV3Key: crypto.randomBytes(16).toString('hex') }
  return demoKeys
}

function build(env: Env): WechatpayProvider {
  const common = {
    notifyUrl: env.WECHATPAY_NOTIFY_URL ?? `${env.BASE_URL}/webhooks/wechatpay`,
    feeRateBps: env.WECHATPAY_FEE_RATE_BPS,
    payPageUrl: (outTradeNo: string) => `${env.BASE_URL}/donate/wechatpay/${outTradeNo}`,
  }
  if (env.WECHATPAY_MCHID) {
    return createWechatpayProvider({
      ...common,
      mchid: env.WECHATPAY_MCHID,
      appid: env.WECHATPAY_APPID!,
      apiV3Key: env.WECHATPAY_API_V3_KEY!,
      merchantSerial: env.WECHATPAY_MERCHANT_SERIAL!,
      merchantPrivateKey: fs.readFileSync(env.WECHATPAY_MERCHANT_PRIVATE_KEY_PATH!, 'utf8'),
      platformSerial: env.WECHATPAY_PLATFORM_SERIAL!,
      platformPublicKey: fs.readFileSync(env.WECHATPAY_PLATFORM_PUBLIC_KEY_PATH!, 'utf8'),
      baseURL: env.WECHATPAY_API_URL,
    })
  }
  if (env.NODE_ENV === 'production') throw new DemoWechatpayRefused()
  const keys = demoWechatpayKeys()
  return createWechatpayProvider({
    ...common,
    ...DEMO_WECHATPAY,
    apiV3Key: keys.apiV3Key,
    merchantPrivateKey: keys.merchant.privateKey,
    platformPublicKey: keys.platform.publicKey,
    demo: true,
  })
}

let cached: { key: string; provider: WechatpayProvider } | undefined

/** WeChat Pay as configured; one client per configuration. Throws DemoWechatpayRefused in production without keys. */
export function getWechatpayProvider(): WechatpayProvider {
  const env = getEnv()
  const key = [env.WECHATPAY_MCHID, env.WECHATPAY_APPID, env.WECHATPAY_API_V3_KEY, env.WECHATPAY_MERCHANT_SERIAL]
    .concat([env.WECHATPAY_MERCHANT_PRIVATE_KEY_PATH, env.WECHATPAY_PLATFORM_SERIAL])
    .concat([env.WECHATPAY_PLATFORM_PUBLIC_KEY_PATH, env.WECHATPAY_NOTIFY_URL, env.WECHATPAY_API_URL])
    .concat([String(env.WECHATPAY_FEE_RATE_BPS), env.BASE_URL])
    .join('\n')
  if (cached?.key !== key) cached = { key, provider: build(env) }
  return cached.provider
}

/** Whether /donate may offer 微信支付: configured, or the demo outside production. */
export function wechatpayOffered(): boolean {
  const env = getEnv()
  return Boolean(env.WECHATPAY_MCHID) || env.NODE_ENV !== 'production'
}

/** A notification as WeChat Pay sends one: the resource encrypted with the APIv3 key, the body signed by the platform key. */
export function signedNotification(
  transaction: Record<string, unknown>,
  keys: { apiV3Key: string; platformPrivateKey: string; platformSerial: string },
  options: { id?: string; eventType?: string; now?: Date } = {},
): { headers: NotifyHeaders; body: string } {
  const nonce = Formatter.nonce(12)
  const associatedData = 'transaction'
  const body = JSON.stringify({
    id: options.id ?? crypto.randomUUID(),
    create_time: new Date().toISOString(),
    resource_type: 'encrypt-resource',
    event_type: options.eventType ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: Aes.AesGcm.encrypt(JSON.stringify(transaction), keys.apiV3Key, nonce, associatedData),
      associated_data: associatedData,
      nonce,
    },
  })
  const timestamp = String(Math.floor((options.now ?? new Date()).getTime() / 1000))
  const headerNonce = Formatter.nonce()
  const signature = Rsa.sign(Formatter.response(timestamp, headerNonce, body), keys.platformPrivateKey)
  return { headers: { signature, serial: keys.platformSerial, timestamp, nonce: headerNonce }, body }
}

/** The notification the demo wallet sends when the donor completes a demo order. */
export function demoWechatpayNotification(order: { outTradeNo: string; amount: number }, now = new Date()) {
  const keys = demoWechatpayKeys()
  const transaction = {
    mchid: DEMO_WECHATPAY.mchid,
    appid: DEMO_WECHATPAY.appid,
    out_trade_no: order.outTradeNo,
    transaction_id: `4200000000demo${order.outTradeNo.replace(/[^0-9A-Za-z]/g, '')}`,
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    success_time: now.toISOString(),
    payer: { openid: 'demo-openid' },
    amount: { total: order.amount, payer_total: order.amount, currency: 'CNY', payer_currency: 'CNY' },
  }
  return signedNotification(
    transaction,
    {
      apiV3Key: keys.apiV3Key,
      platformPrivateKey: keys.platform.privateKey,
      platformSerial: DEMO_WECHATPAY.platformSerial,
    },
    { id: `demo_${order.outTradeNo}`, now },
  )
}
