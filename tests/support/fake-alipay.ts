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
import { gbkBytes } from './gbk'
import { writeZip } from './zip'

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
  /** When a paid notification says it was paid (China time): the bill of that day lists it. */
  paidAt?: string
}

export type FakeAlipayRefund = {
  outRequestNo: string
  tradeNo: string
  amountFen: number
  reason: string
  /** China time, as gmt_refund_pay. */
  at?: string
}

export class FakeAlipay {
  orders = new Map<string, FakeOrder>()
  /** out_request_no → the refund made under it (a repeat of the same number is the same refund). */
  refunds = new Map<string, FakeAlipayRefund>()
  /** Runs after a refund is made and before the gateway answers: a test delivers the refund notification here. */
  beforeRefundAnswer: ((refund: FakeAlipayRefund) => Promise<void>) | null = null
  private consoleRefunds = 0
  /** Every alipay.trade.refund call, answered or not. */
  refundCalls: { outRequestNo: string; refundAmount: string }[] = []
  refusals: string[] = []
  /** When refunds made now are said to be made (China time). */
  refundTime = '2026-12-01 21:30:00'
  /** Orders the bill leaves out (a payment Alipay has no record of), and rows only the bill has. */
  omitFromBill = new Set<string>()
  extraBillRows: string[] = []
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
    const bill = /^\/bill\/(\d{4}-\d{2}-\d{2})\.zip$/.exec(url.pathname)
    if (bill && req.method === 'GET') {
      // The download itself is unsigned (Alipay's URL is short-lived); the signed answer named it.
      res.writeHead(200, { 'Content-Type': 'application/zip' }).end(this.billZip(bill[1]!))
      return
    }
    if (url.pathname !== '/gateway.do') return this.refuse(res, 'NOT_FOUND')
    if (req.method === 'POST') {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () =>
        this.exec(res, { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(new URLSearchParams(body)) }),
      )
      return
    }
    if (req.method !== 'GET') return this.refuse(res, 'NOT_FOUND')
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

  /** Whether our RSA2 signature over every parameter but sign checks with the application public key. */
  private signedByApp(params: Record<string, string>) {
    return (
      params.sign_type === 'RSA2' &&
      crypto
        .createVerify('RSA-SHA256')
        .update(signContent(params, false), 'utf8')
        .verify(this.appPublicKey, params.sign ?? '', 'base64')
    )
  }

  /** An OpenAPI call (sdk.exec, POST): answered in Alipay's JSON envelope, signed with Alipay's key. */
  private exec(res: http.ServerResponse, params: Record<string, string>) {
    const method = params.method ?? ''
    const answer = (inner: Record<string, string>) => {
      const key = `${method.replaceAll('.', '_')}_response`
      const json = JSON.stringify(inner)
      const sign = crypto.createSign('RSA-SHA256').update(json, 'utf8').sign(this.alipayKeys.privateKey, 'base64')
      res
        .writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
        .end(`{"${key}":${json},"sign":"${sign}"}`)
    }
    const error = (subCode: string, subMsg: string) => {
      this.refusals.push(subCode)
      answer({ code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg })
    }
    if (!this.signedByApp(params)) {
      this.refusals.push('INVALID_SIGNATURE')
      return answer({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错' })
    }
    if (params.app_id !== this.appId) return error('isv.invalid-app-id', '无效的AppID参数')
    let biz: Record<string, string>
    try {
      biz = JSON.parse(params.biz_content ?? '')
    } catch {
      return error('isv.invalid-biz-content', 'biz_content')
    }
    if (method === 'alipay.data.dataservice.bill.downloadurl.query') {
      if (biz.bill_type !== 'trade' || !/^\d{4}-\d{2}-\d{2}$/.test(biz.bill_date ?? ''))
        return error('isv.invalid-parameter', 'bill_type / bill_date')
      return answer({
        code: '10000',
        msg: 'Success',
        bill_download_url: `http://127.0.0.1:${this.port}/bill/${biz.bill_date}.zip`,
      })
    }
    if (method !== 'alipay.trade.refund') return error('isv.invalid-method', `unhandled ${method}`)
    const order = [...this.orders.values()].find(
      (o) => o.tradeNo === biz.trade_no || (!biz.trade_no && o.outTradeNo === biz.out_trade_no),
    )
    if (!order) return error('ACQ.TRADE_NOT_EXIST', '交易不存在')
    const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(biz.refund_amount ?? '')
    const amountFen = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : 0
    const outRequestNo = biz.out_request_no ?? ''
    this.refundCalls.push({ outRequestNo, refundAmount: biz.refund_amount ?? '' })
    if (!m || amountFen < 1) return error('ACQ.INVALID_PARAMETER', 'refund_amount')
    if (!/^[0-9A-Za-z_-]{1,64}$/.test(outRequestNo)) return error('ACQ.INVALID_PARAMETER', 'out_request_no')
    const refunded = () =>
      [...this.refunds.values()].filter((r) => r.tradeNo === order.tradeNo).reduce((n, r) => n + r.amountFen, 0)
    const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
    const done = (fundChange: 'Y' | 'N') =>
      answer({
        code: '10000',
        msg: 'Success',
        trade_no: order.tradeNo,
        out_trade_no: order.outTradeNo,
        buyer_logon_id: '159****5620',
        fund_change: fundChange,
        refund_fee: yuan(refunded()),
        gmt_refund_pay: this.refunds.get(outRequestNo)?.at ?? this.refundTime,
      })
    const earlier = this.refunds.get(outRequestNo)
    // The same out_request_no again is the same refund: answered, no money moves twice.
    if (earlier) {
      if (earlier.tradeNo !== order.tradeNo || earlier.amountFen !== amountFen)
        return error('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额与退款请求号对应的金额不一致')
      return done('N')
    }
    if (refunded() + amountFen > order.amountFen) return error('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限')
    const made = {
      outRequestNo,
      tradeNo: order.tradeNo,
      amountFen,
      reason: biz.refund_reason ?? '',
      at: this.refundTime,
    }
    this.refunds.set(outRequestNo, made)
    if (!this.beforeRefundAnswer) return done('Y')
    void this.beforeRefundAnswer(made).then(() => done('Y'))
  }

  /** A refund made in Alipay's merchant console: no call of ours, only its notification will tell. */
  consoleRefund(outTradeNo: string, amountFen: number): FakeAlipayRefund {
    const order = this.orders.get(outTradeNo)
    if (!order) throw new Error(`no order ${outTradeNo} at the fake Alipay`)
    const made = {
      outRequestNo: `console-${++this.consoleRefunds}`,
      tradeNo: order.tradeNo,
      amountFen,
      reason: '',
      at: this.refundTime,
    }
    this.refunds.set(made.outRequestNo, made)
    return made
  }

  /** The notification Alipay sends after a refund: out_biz_no is its out_request_no, refund_fee the trade's refunded total. */
  refundNotification(outRequestNo: string): string {
    const refund = this.refunds.get(outRequestNo)
    if (!refund) throw new Error(`no refund ${outRequestNo} at the fake Alipay`)
    const order = [...this.orders.values()].find((o) => o.tradeNo === refund.tradeNo)!
    const total = [...this.refunds.values()]
      .filter((r) => r.tradeNo === refund.tradeNo)
      .reduce((n, r) => n + r.amountFen, 0)
    return this.notification(order.outTradeNo, {
      notify_id: `2026120100333${refund.tradeNo.slice(-6)}${outRequestNo.slice(-8)}`,
      trade_status: total >= order.amountFen ? 'TRADE_CLOSED' : 'TRADE_SUCCESS',
      out_biz_no: outRequestNo,
      refund_fee: `${Math.floor(total / 100)}.${String(total % 100).padStart(2, '0')}`,
      gmt_refund: '2026-12-01 21:30:00.123',
    })
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
    if (params.trade_status === 'TRADE_SUCCESS' || params.trade_status === 'TRADE_FINISHED')
      order.paidAt ??= params.gmt_payment
    return new URLSearchParams(params).toString()
  }

  /** A bill row as Alipay writes it: the 25 columns of 业务明细, each cell followed by a tab. */
  static billRow(r: {
    tradeNo: string
    outTradeNo: string
    type: '交易' | '退款'
    at: string
    fen: number
    received: number
    refundNo?: string
  }) {
    const yuan = (fen: number) =>
      `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`
    return [r.tradeNo, r.outTradeNo, r.type, '希望账本捐赠', r.at, r.at, '', '', '', '', 'don***@example.test']
      .concat([yuan(r.fen), yuan(r.received), '0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00'])
      .concat([r.refundNo ?? '', yuan(-Math.round(r.received * 0.006)), '0.00', ''])
      .map((c) => `${c}\t`)
      .join(',')
  }

  /** The day's bill as Alipay sends it: a zip of two GBK CSVs, file names GBK too. */
  billZip(date: string): Buffer {
    const day = (chinaTime: string | undefined) => (chinaTime ?? '').slice(0, 10)
    const rows: string[] = []
    for (const o of this.orders.values())
      if (day(o.paidAt) === date && !this.omitFromBill.has(o.outTradeNo))
        rows.push(
          FakeAlipay.billRow({
            tradeNo: o.tradeNo,
            outTradeNo: o.outTradeNo,
            type: '交易',
            at: o.paidAt!,
            fen: o.amountFen,
            received: o.amountFen,
          }),
        )
    for (const r of this.refunds.values()) {
      const o = [...this.orders.values()].find((x) => x.tradeNo === r.tradeNo)!
      if (day(r.at) === date)
        rows.push(
          FakeAlipay.billRow({
            tradeNo: r.tradeNo,
            outTradeNo: o.outTradeNo,
            type: '退款',
            at: r.at!,
            fen: o.amountFen,
            received: -r.amountFen,
            refundNo: r.outRequestNo,
          }),
        )
    }
    rows.push(...this.extraBillRows)
    const d = date.replaceAll('-', '')
    const header =
      '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注'
    const detail = [
      '#支付宝业务明细查询',
      `#账号：[${this.sellerId}0156]`,
      `#起始日期：[${date} 00:00:00]   终止日期：[${date} 23:59:59]`,
      '#-----------------------------------------业务明细列表----------------------------------------',
      header,
      ...rows,
      '#-----------------------------------------业务明细列表结束------------------------------------',
      `#交易合计：${rows.length}笔`,
      `#导出时间：[${date} 09:00:00]`,
    ].join('\r\n')
    const summary = ['#支付宝业务汇总查询', '门店编号,门店名称,交易订单总笔数', `,,${rows.length}`].join('\r\n')
    return writeZip([
      { name: gbkBytes(`${this.sellerId}0156_${d}_业务明细.csv`), data: gbkBytes(detail) },
      { name: gbkBytes(`${this.sellerId}0156_${d}_业务明细(汇总).csv`), data: gbkBytes(summary) },
    ])
  }
}
