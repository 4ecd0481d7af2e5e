// A local stand-in for Alipay's gateway (openapi.alipay.com/gateway.do) on 127.0.0.1, for
// the real `alipay-sdk`. It checks what Alipay checks of a page/wap pay request: our RSA2
// signature with the application public key, the app id, the amount (yuan, two decimals at
// most, above zero) and that an out_trade_no is never reused for a different order. It
// signs notifications with its own "Alipay" private key, as Alipay does.
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'

export const FAKE_APP_ID = '2021009876543210'
export const FAKE_SELLER_ID = '2088123456789012'

export type KeyPair = { privateKey: string; publicKey: string }

export function rsaKeyPair(type: 'pkcs1' | 'pkcs8' = 'pkcs8'): KeyPair {
  return crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type, format: 'pem' },
  })
}

/** Our application's key pair and Alipay's, as PEM files (what ALIPAY_*_PATH name). */
export function alipayKeyFiles() {
  const app = rsaKeyPair('pkcs1')
  const alipay = rsaKeyPair()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-alipay-'))
  const appPrivatePath = path.join(dir, 'app_private_key.pem')
  const alipayPublicPath = path.join(dir, 'alipay_public_key.pem')
  fs.writeFileSync(appPrivatePath, app.privateKey)
  fs.writeFileSync(alipayPublicPath, alipay.publicKey)
  return { app, alipay, appPrivatePath, alipayPublicPath, dir }
}

/** Alipay's sign content: every parameter but sign (and, for notifications, sign_type), sorted, key=value joined by &. */
function signContent(params: Record<string, string>, omitSignType: boolean) {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && !(omitSignType && k === 'sign_type') && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&')
}

export type FakeOrder = {
  outTradeNo: string
  tradeNo: string
  method: string
  productCode: string
  totalAmount: string
  amountFen: number
  notifyUrl: string
  returnUrl: string
}

export class FakeAlipay {
  orders = new Map<string, FakeOrder>()
  refusals: string[] = []
  private server = http.createServer((req, res) => this.handle(req, res))
  private trades = 0
  port = 0

  constructor(
    /** Alipay's own key pair (it signs notifications with the private key). */
    readonly alipayKeys: KeyPair,
    /** Our application's public key, to check our requests. */
    readonly appPublicKey: string,
    readonly appId = FAKE_APP_ID,
    readonly sellerId = FAKE_SELLER_ID,
  ) {}

  get gateway() {
    return `http://127.0.0.1:${this.port}/gateway.do`
  }

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop() {
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private refuse(res: http.ServerResponse, code: string) {
    this.refusals.push(code)
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end(code)
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', this.gateway)
    if (url.pathname !== '/gateway.do' || req.method !== 'GET') return this.refuse(res, 'NOT_FOUND')
    const params = Object.fromEntries(url.searchParams)
    const sign = params.sign ?? ''
    const verified =
      params.sign_type === 'RSA2' &&
      crypto
        .createVerify('RSA-SHA256')
        .update(signContent(params, false), 'utf8')
        .verify(this.appPublicKey, sign, 'base64')
    if (!verified) return this.refuse(res, 'INVALID_SIGNATURE')
    if (params.app_id !== this.appId) return this.refuse(res, 'INVALID_APP_ID')
    if (params.method !== 'alipay.trade.page.pay' && params.method !== 'alipay.trade.wap.pay')
      return this.refuse(res, 'INVALID_METHOD')
    let biz: Record<string, string>
    try {
      biz = JSON.parse(params.biz_content ?? '')
    } catch {
      return this.refuse(res, 'INVALID_BIZ_CONTENT')
    }
    const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(biz.total_amount ?? '')
    const amountFen = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : 0
    if (!m || amountFen < 1 || amountFen > 100_000_000_00) return this.refuse(res, 'INVALID_TOTAL_AMOUNT')
    const expectedCode = params.method === 'alipay.trade.wap.pay' ? 'QUICK_WAP_WAY' : 'FAST_INSTANT_TRADE_PAY'
    if (biz.product_code !== expectedCode) return this.refuse(res, 'INVALID_PRODUCT_CODE')
    const outTradeNo = biz.out_trade_no ?? ''
    if (!/^[0-9A-Za-z_-]{1,64}$/.test(outTradeNo)) return this.refuse(res, 'INVALID_OUT_TRADE_NO')
    const existing = this.orders.get(outTradeNo)
    // The same out_trade_no may be paid again only as the very same order (a donor reopening the cashier).
    if (existing && (existing.amountFen !== amountFen || existing.method !== params.method))
      return this.refuse(res, 'OUT_TRADE_NO_USED')
    if (!existing) {
      this.orders.set(outTradeNo, {
        outTradeNo,
        tradeNo: `2026120122001${String(++this.trades).padStart(12, '0')}`,
        method: params.method,
        productCode: biz.product_code,
        totalAmount: biz.total_amount!,
        amountFen,
        notifyUrl: params.notify_url ?? '',
        returnUrl: params.return_url ?? '',
      })
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<h1>支付宝收银台（测试）</h1>')
  }

  /** The form body of the asynchronous notification for a paid order, signed as Alipay signs it. */
  notification(
    outTradeNo: string,
    overrides: Record<string, string> = {},
    signWith: string = this.alipayKeys.privateKey,
  ): string {
    const order = this.orders.get(outTradeNo)
    if (!order) throw new Error(`no order ${outTradeNo} at the fake Alipay`)
    const params: Record<string, string> = {
      notify_id: `2026120100222${order.tradeNo.slice(-8)}`,
      notify_type: 'trade_status_sync',
      notify_time: '2026-12-01 20:15:07',
      gmt_create: '2026-12-01 20:14:50',
      gmt_payment: '2026-12-01 20:15:06',
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      app_id: this.appId,
      seller_id: this.sellerId,
      auth_app_id: this.appId,
      buyer_id: '2088102177846880',
      out_trade_no: order.outTradeNo,
      trade_no: order.tradeNo,
      trade_status: 'TRADE_SUCCESS',
      total_amount: order.totalAmount,
      receipt_amount: order.totalAmount,
      buyer_pay_amount: order.totalAmount,
      subject: '希望账本',
      ...overrides,
    }
    params.sign = crypto.createSign('RSA-SHA256').update(signContent(params, true), 'utf8').sign(signWith, 'base64')
    return new URLSearchParams(params).toString()
  }
}
