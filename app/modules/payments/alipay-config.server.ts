import crypto from 'node:crypto'
import fs from 'node:fs'
import { getEnv, type Env } from '~/utils/env.server'
import { createAlipayProvider, type AlipayProvider } from './alipay.server'

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
