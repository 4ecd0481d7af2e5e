// A local stand-in for WeChat Pay API v3 (api.mch.weixin.qq.com) on 127.0.0.1, for the real
// wechatpay-axios-plugin. It checks what WeChat Pay checks of a request: the
// WECHATPAY2-SHA256-RSA2048 Authorization (our merchant key, serial, mchid, a fresh
// timestamp), the appid and mchid in the body, the amount as whole fen above zero in CNY,
// and that an out_trade_no is never reused for a different order; a refund must name a paid
// order and its total, stay within what is left, and a repeated out_refund_no is the same
// refund (another amount under it is refused). It signs every answer
// with its own platform key, and builds notifications as WeChat Pay does (resource
// encrypted with the APIv3 key by AES-256-GCM, body signed with the platform key), written
// here with node:crypto alone so it does not share code with what it tests.
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'

export const FAKE_WX = {
  mchid: '1900012345',
  appid: 'wx1234567890abcdef',
  apiV3Key: 'abcdefghijABCDEFGHIJ0123456789xy',
  merchantSerial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  platformSerial: 'PUB_KEY_ID_0119000123452025120100000001',
}

export type KeyPair = { privateKey: string; publicKey: string }

export function rsaKeyPair(): KeyPair {
  return crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
}

/** Our merchant key pair and the platform's, with the PEM files WECHATPAY_*_PATH name. */
export function wechatpayKeyFiles() {
  const merchant = rsaKeyPair()
  const platform = rsaKeyPair()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-wechatpay-'))
  const merchantPrivatePath = path.join(dir, 'apiclient_key.pem')
  const platformPublicPath = path.join(dir, 'pub_key.pem')
  fs.writeFileSync(merchantPrivatePath, merchant.privateKey)
  fs.writeFileSync(platformPublicPath, platform.publicKey)
  return { merchant, platform, merchantPrivatePath, platformPublicPath, dir }
}

export type FakeTransaction = {
  mchid: string
  appid: string
  out_trade_no: string
  transaction_id: string
  trade_type: 'NATIVE' | 'MWEB' | 'JSAPI'
  trade_state: 'NOTPAY' | 'SUCCESS' | 'CLOSED'
  trade_state_desc: string
  success_time?: string
  payer?: { openid: string }
  amount: { total: number; payer_total?: number; currency: 'CNY'; payer_currency?: 'CNY' }
}

export type FakeRefund = {
  out_refund_no: string
  refund_id: string
  out_trade_no: string
  transaction_id: string
  status: 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL'
  success_time?: string
  amount: { total: number; refund: number; payer_total: number; payer_refund: number; currency: 'CNY' }
}

type Order = { tx: FakeTransaction; request: string; description: string; notifyUrl: string; timeExpire: string }

const AUTH = /^WECHATPAY2-SHA256-RSA2048 (.+)$/

export class FakeWechatpay {
  orders = new Map<string, Order>()
  refusals: string[] = []
  closed: string[] = []
  /** out_refund_no → the refund made under it. */
  refunds = new Map<string, FakeRefund>()
  /** Every refund call, answered or not. */
  refundCalls: { outRefundNo: string; refund: number }[] = []
  /** How a new refund is answered: PROCESSING as WeChat Pay mostly does (the notification follows), or SUCCESS. */
  refundAnswer: 'PROCESSING' | 'SUCCESS' = 'PROCESSING'
  /** Runs after a refund is made and before the answer: a test delivers the refund notification here. */
  beforeRefundAnswer: ((refund: FakeRefund) => Promise<void>) | null = null
  /** Lines only the bill has (a payment we never heard of), for the reconciliation test. */
  extraBillLines: string[] = []
  private server = http.createServer((req, res) => void this.handle(req, res))
  private seq = 0
  port = 0

  constructor(
    readonly platformKeys: KeyPair,
    readonly merchantPublicKey: string,
    readonly ids = FAKE_WX,
  ) {}

  get baseURL() {
    return `http://127.0.0.1:${this.port}/`
  }

  async start(port = 0) {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop() {
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  /** Answer as WeChat Pay does: JSON (or nothing), signed with the platform key. */
  private answer(res: http.ServerResponse, status: number, body: unknown, sign = true) {
    const text = body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body)
    const headers: Record<string, string> = { 'Request-ID': crypto.randomUUID() }
    if (text && typeof body !== 'string') headers['Content-Type'] = 'application/json; charset=utf-8'
    if (sign) {
      const timestamp = String(Math.floor(Date.now() / 1000))
      const nonce = crypto.randomBytes(16).toString('hex')
      headers['Wechatpay-Timestamp'] = timestamp
      headers['Wechatpay-Nonce'] = nonce
      headers['Wechatpay-Serial'] = this.ids.platformSerial
      headers['Wechatpay-Signature'] = crypto
        .createSign('RSA-SHA256')
        .update(`${timestamp}\n${nonce}\n${text}\n`)
        .sign(this.platformKeys.privateKey, 'base64')
    }
    res.writeHead(status, headers).end(text)
  }

  private refuse(res: http.ServerResponse, status: number, code: string) {
    this.refusals.push(code)
    this.answer(res, status, { code, message: code })
  }

  /** Check the Authorization header as WeChat Pay does; the refusal code, or null. */
  private authorize(req: http.IncomingMessage, url: URL, body: string): string | null {
    const m = AUTH.exec(req.headers.authorization ?? '')
    if (!m) return 'SIGN_ERROR'
    const fields = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((f) => [f[1], f[2]]))
    if (fields.mchid !== this.ids.mchid) return 'MCH_NOT_EXISTS'
    if (fields.serial_no !== this.ids.merchantSerial) return 'SIGN_ERROR'
    if (Math.abs(Date.now() / 1000 - Number(fields.timestamp)) > 300) return 'SIGN_ERROR'
    const message = `${req.method}\n${url.pathname}${url.search}\n${fields.timestamp}\n${fields.nonce_str}\n${body}\n`
    const ok = crypto
      .createVerify('RSA-SHA256')
      .update(message)
      .verify(this.merchantPublicKey, fields.signature ?? '', 'base64')
    return ok ? null : 'SIGN_ERROR'
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', this.baseURL)
    const refused = this.authorize(req, url, body)
    if (refused) return this.refuse(res, 401, refused)
    const p = url.pathname
    const pay = /^\/v3\/pay\/transactions\/(native|h5|jsapi)$/.exec(p)
    if (pay && req.method === 'POST') return this.createOrder(res, pay[1] as 'native' | 'h5' | 'jsapi', body)
    const byNo = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)(\/close)?$/.exec(p)
    if (byNo && url.searchParams.get('mchid') !== this.ids.mchid && !byNo[2])
      return this.refuse(res, 400, 'PARAM_ERROR')
    if (byNo && byNo[2] && req.method === 'POST') return this.close(res, decodeURIComponent(byNo[1]!), body)
    if (byNo && req.method === 'GET') {
      const order = this.orders.get(decodeURIComponent(byNo[1]!))
      return order ? this.answer(res, 200, order.tx) : this.refuse(res, 404, 'ORDER_NOT_EXIST')
    }
    const byId = /^\/v3\/pay\/transactions\/id\/([^/]+)$/.exec(p)
    if (byId && req.method === 'GET') {
      const order = [...this.orders.values()].find((o) => o.tx.transaction_id === byId[1])
      return order ? this.answer(res, 200, order.tx) : this.refuse(res, 404, 'ORDER_NOT_EXIST')
    }
    if (p === '/v3/refund/domestic/refunds' && req.method === 'POST') return this.refund(res, body)
    if (p === '/v3/bill/tradebill' && req.method === 'GET') {
      const date = url.searchParams.get('bill_date') ?? ''
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return this.refuse(res, 400, 'PARAM_ERROR')
      const file = this.bill(date)
      return this.answer(res, 200, {
        hash_type: 'SHA1',
        hash_value: crypto.createHash('sha1').update(file).digest('hex'),
        download_url: `${this.baseURL}v3/billdownload/file?token=${encodeURIComponent(date)}`,
      })
    }
    if (p === '/v3/billdownload/file' && req.method === 'GET') {
      // The file is not signed (WeChat Pay's download answers carry no signature).
      res
        .writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end(this.bill(url.searchParams.get('token') ?? ''))
      return
    }
    return this.refuse(res, 404, 'NOT_FOUND')
  }

  private createOrder(res: http.ServerResponse, kind: 'native' | 'h5' | 'jsapi', body: string) {
    let o: Record<string, any>
    try {
      o = JSON.parse(body)
    } catch {
      return this.refuse(res, 400, 'PARAM_ERROR')
    }
    if (o.mchid !== this.ids.mchid) return this.refuse(res, 400, 'MCH_NOT_EXISTS')
    if (o.appid !== this.ids.appid) return this.refuse(res, 400, 'APPID_MCHID_NOT_MATCH')
    const total = o.amount?.total
    if (!Number.isSafeInteger(total) || total < 1) return this.refuse(res, 400, 'PARAM_ERROR')
    if ((o.amount?.currency ?? 'CNY') !== 'CNY') return this.refuse(res, 400, 'PARAM_ERROR')
    const no = String(o.out_trade_no ?? '')
    if (!/^[0-9A-Za-z_\-|*]{6,32}$/.test(no)) return this.refuse(res, 400, 'PARAM_ERROR')
    if (!o.notify_url || !/^https?:\/\//.test(o.notify_url)) return this.refuse(res, 400, 'PARAM_ERROR')
    if (kind === 'jsapi' && !o.payer?.openid) return this.refuse(res, 400, 'PARAM_ERROR')
    if (kind === 'h5' && !o.scene_info?.payer_client_ip) return this.refuse(res, 400, 'PARAM_ERROR')
    const request = JSON.stringify({ kind, total, description: o.description })
    const existing = this.orders.get(no)
    if (existing?.tx.trade_state === 'SUCCESS') return this.refuse(res, 400, 'ORDERPAID')
    if (existing?.tx.trade_state === 'CLOSED') return this.refuse(res, 400, 'ORDERCLOSED')
    // The same out_trade_no again only for the very same order.
    if (existing && existing.request !== request) return this.refuse(res, 400, 'OUT_TRADE_NO_USED')
    if (!existing) {
      const type = kind === 'h5' ? 'MWEB' : kind === 'jsapi' ? 'JSAPI' : 'NATIVE'
      this.orders.set(no, {
        request,
        description: String(o.description ?? ''),
        notifyUrl: String(o.notify_url),
        timeExpire: String(o.time_expire ?? ''),
        tx: {
          mchid: this.ids.mchid,
          appid: this.ids.appid,
          out_trade_no: no,
          transaction_id: `42000028${String(++this.seq).padStart(20, '0')}`,
          trade_type: type,
          trade_state: 'NOTPAY',
          trade_state_desc: '订单未支付',
          amount: { total, currency: 'CNY' },
        },
      })
    }
    const token = crypto.createHash('sha1').update(no).digest('hex').slice(0, 16)
    if (kind === 'native') return this.answer(res, 200, { code_url: `weixin://wxpay/bizpayurl?pr=${token}` })
    if (kind === 'jsapi') return this.answer(res, 200, { prepay_id: `wx01${token}` })
    return this.answer(res, 200, {
      h5_url: `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx01${token}&package=1`,
    })
  }

  private close(res: http.ServerResponse, no: string, body: string) {
    let o: Record<string, unknown> = {}
    try {
      o = JSON.parse(body)
    } catch {
      return this.refuse(res, 400, 'PARAM_ERROR')
    }
    if (o.mchid !== this.ids.mchid) return this.refuse(res, 400, 'PARAM_ERROR')
    const order = this.orders.get(no)
    if (!order) return this.refuse(res, 404, 'ORDER_NOT_EXIST')
    if (order.tx.trade_state === 'SUCCESS') return this.refuse(res, 400, 'ORDERPAID')
    order.tx = { ...order.tx, trade_state: 'CLOSED', trade_state_desc: '订单已关闭' }
    this.closed.push(no)
    return this.answer(res, 204, null)
  }

  private async refund(res: http.ServerResponse, body: string) {
    let o: Record<string, any>
    try {
      o = JSON.parse(body)
    } catch {
      return this.refuse(res, 400, 'PARAM_ERROR')
    }
    const order = [...this.orders.values()].find(
      (x) => x.tx.transaction_id === o.transaction_id || (!o.transaction_id && x.tx.out_trade_no === o.out_trade_no),
    )
    const no = String(o.out_refund_no ?? '')
    const fen = o.amount?.refund
    this.refundCalls.push({ outRefundNo: no, refund: fen })
    if (!order) return this.refuse(res, 404, 'RESOURCE_NOT_EXISTS')
    if (order.tx.trade_state !== 'SUCCESS') return this.refuse(res, 400, 'INVALID_REQUEST')
    if (!/^[0-9A-Za-z_\-|*@]{1,64}$/.test(no)) return this.refuse(res, 400, 'PARAM_ERROR')
    if (!Number.isSafeInteger(fen) || fen < 1) return this.refuse(res, 400, 'PARAM_ERROR')
    if (o.amount?.total !== order.tx.amount.total || (o.amount?.currency ?? 'CNY') !== 'CNY')
      return this.refuse(res, 400, 'PARAM_ERROR')
    const earlier = this.refunds.get(no)
    if (earlier) {
      // The same out_refund_no again is the same refund; another amount or order under it is refused.
      if (earlier.transaction_id !== order.tx.transaction_id || earlier.amount.refund !== fen)
        return this.refuse(res, 400, 'INVALID_REQUEST')
      return this.answer(res, 200, this.refundBody(earlier))
    }
    const refunded = [...this.refunds.values()]
      .filter((r) => r.transaction_id === order.tx.transaction_id)
      .reduce((n, r) => n + r.amount.refund, 0)
    if (refunded + fen > order.tx.amount.total) return this.refuse(res, 400, 'NOT_ENOUGH')
    const total = order.tx.amount.total
    const made: FakeRefund = {
      out_refund_no: no,
      refund_id: `50000000${String(++this.seq).padStart(21, '0')}`,
      out_trade_no: order.tx.out_trade_no,
      transaction_id: order.tx.transaction_id,
      status: this.refundAnswer,
      amount: { total, refund: fen, payer_total: total, payer_refund: fen, currency: 'CNY' },
      ...(this.refundAnswer === 'SUCCESS' ? { success_time: wechatTime(new Date()) } : {}),
    }
    this.refunds.set(no, made)
    if (this.beforeRefundAnswer) await this.beforeRefundAnswer(made)
    return this.answer(res, 200, this.refundBody(made))
  }

  private refundBody(r: FakeRefund) {
    return { ...r, channel: 'ORIGINAL', user_received_account: '支付用户零钱', create_time: wechatTime(new Date()) }
  }

  /** The refund goes through at WeChat Pay (it was PROCESSING), as its notification will say. */
  settleRefund(outRefundNo: string, at = new Date()) {
    const r = this.refunds.get(outRefundNo)
    if (!r) throw new Error(`no refund ${outRefundNo} at the fake WeChat Pay`)
    r.status = 'SUCCESS'
    r.success_time ??= wechatTime(at)
    return r
  }

  /** A refund made in the merchant platform: no call of ours, only its notification will tell. */
  consoleRefund(outTradeNo: string, fen: number): FakeRefund {
    const order = this.orders.get(outTradeNo)
    if (!order) throw new Error(`no order ${outTradeNo} at the fake WeChat Pay`)
    const total = order.tx.amount.total
    const made: FakeRefund = {
      out_refund_no: `console${++this.seq}`,
      refund_id: `50000000${String(this.seq).padStart(21, '0')}`,
      out_trade_no: outTradeNo,
      transaction_id: order.tx.transaction_id,
      status: 'SUCCESS',
      success_time: wechatTime(new Date()),
      amount: { total, refund: fen, payer_total: total, payer_refund: fen, currency: 'CNY' },
    }
    this.refunds.set(made.out_refund_no, made)
    return made
  }

  /**
   * REFUND.SUCCESS as WeChat Pay sends it: the refund's resource (no appid) encrypted and signed as
   * a payment's. With `status`, REFUND.CLOSED or REFUND.ABNORMAL instead (no success time).
   */
  refundNotification(
    outRefundNo: string,
    options: { id?: string; mchid?: string; status?: 'SUCCESS' | 'CLOSED' | 'ABNORMAL' } = {},
  ) {
    const status = options.status ?? 'SUCCESS'
    const r = status === 'SUCCESS' ? this.settleRefund(outRefundNo) : this.refunds.get(outRefundNo)
    if (!r) throw new Error(`no refund ${outRefundNo} at the fake WeChat Pay`)
    if (status !== 'SUCCESS') r.status = status
    const resource = {
      mchid: options.mchid ?? this.ids.mchid,
      out_trade_no: r.out_trade_no,
      transaction_id: r.transaction_id,
      out_refund_no: r.out_refund_no,
      refund_id: r.refund_id,
      refund_status: status,
      ...(status === 'SUCCESS' ? { success_time: r.success_time } : {}),
      user_received_account: '支付用户零钱',
      amount: {
        total: r.amount.total,
        refund: r.amount.refund,
        payer_total: r.amount.total,
        payer_refund: r.amount.refund,
      },
    }
    return this.signed(resource, {
      id: options.id ?? `EV-RF-${r.refund_id}${status === 'SUCCESS' ? '' : `-${status}`}`,
      eventType: `REFUND.${status}`,
      summary: { SUCCESS: '退款成功', CLOSED: '退款关闭', ABNORMAL: '退款异常' }[status],
      aad: 'refund',
    })
  }

  /** The donor pays in the wallet. */
  pay(outTradeNo: string, at = new Date()) {
    const order = this.orders.get(outTradeNo)
    if (!order) throw new Error(`no order ${outTradeNo} at the fake WeChat Pay`)
    order.tx = {
      ...order.tx,
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      success_time: at.toISOString().replace(/\.\d{3}Z$/, '+00:00'),
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      amount: { ...order.tx.amount, payer_total: order.tx.amount.total, payer_currency: 'CNY' },
    }
    return order.tx
  }

  /** A payment notification as WeChat Pay sends it; overrides change the transaction or the envelope. */
  notification(
    outTradeNo: string,
    options: {
      tx?: Partial<FakeTransaction> & Record<string, unknown>
      id?: string
      signWith?: string
      serial?: string
      timestamp?: number
      apiV3Key?: string
    } = {},
  ): { headers: Record<string, string>; body: string } {
    const order = this.orders.get(outTradeNo)
    if (!order) throw new Error(`no order ${outTradeNo} at the fake WeChat Pay`)
    const tx = { ...order.tx, ...options.tx }
    return this.signed(tx, { ...options, id: options.id ?? `EV-${order.tx.transaction_id}` })
  }

  /** A notification's envelope: the resource encrypted with the APIv3 key, the body signed with the platform key. */
  private signed(
    resource: object,
    options: {
      id: string
      eventType?: string
      summary?: string
      aad?: string
      signWith?: string
      serial?: string
      timestamp?: number
      apiV3Key?: string
    },
  ): { headers: Record<string, string>; body: string } {
    const nonce = crypto.randomBytes(6).toString('hex') // 12 characters, as WeChat Pay's
    const aad = options.aad ?? 'transaction'
    const cipher = crypto.createCipheriv('aes-256-gcm', options.apiV3Key ?? this.ids.apiV3Key, nonce)
    cipher.setAAD(Buffer.from(aad))
    const ciphertext = Buffer.concat([
      cipher.update(JSON.stringify(resource), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ])
    const body = JSON.stringify({
      id: options.id,
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: options.eventType ?? 'TRANSACTION.SUCCESS',
      summary: options.summary ?? '支付成功',
      resource: {
        original_type: aad,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: ciphertext.toString('base64'),
        associated_data: aad,
        nonce,
      },
    })
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000))
    const headerNonce = crypto.randomBytes(16).toString('hex')
    const signature = crypto
      .createSign('RSA-SHA256')
      .update(`${timestamp}\n${headerNonce}\n${body}\n`)
      .sign(options.signWith ?? this.platformKeys.privateKey, 'base64')
    return {
      body,
      headers: {
        'Content-Type': 'application/json',
        'Wechatpay-Serial': options.serial ?? this.ids.platformSerial,
        'Wechatpay-Timestamp': timestamp,
        'Wechatpay-Nonce': headerNonce,
        'Wechatpay-Signature': signature,
      },
    }
  }

  /** The day's trade bill (bill_type ALL) as WeChat Pay writes it: BOM, backtick cells, a summary. */
  bill(date: string): Buffer {
    const header =
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注'
    const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
    const paid = [...this.orders.values()].filter(
      (o) => o.tx.trade_state === 'SUCCESS' && chinaDay(o.tx.success_time ?? '') === date,
    )
    const rows = paid.map((o) => {
      const t = o.tx
      const cells = [`${date} 12:00:00`, t.appid, t.mchid, '0', '', t.transaction_id, t.out_trade_no, 'oUpF8u']
        .concat([t.trade_type, 'SUCCESS', 'OTHERS', 'CNY', yuan(t.amount.total), '0.00', '0', '0', '0.00', '0.00'])
        .concat(['', '', o.description, '', yuan(Math.round(t.amount.total * 0.006)), '0.60%', yuan(t.amount.total)])
        .concat(['0.00', ''])
      return cells.map((c) => '`' + c).join(',')
    })
    for (const r of this.refunds.values()) {
      if (r.status !== 'SUCCESS' || chinaDay(r.success_time ?? '') !== date) continue
      const o = this.orders.get(r.out_trade_no)!
      const cells = [`${date} 18:00:00`, o.tx.appid, o.tx.mchid, '0', '', r.transaction_id, r.out_trade_no, 'oUpF8u']
        .concat([o.tx.trade_type, 'REFUND', 'OTHERS', 'CNY', '0.00', '0.00', r.refund_id, r.out_refund_no])
        .concat([yuan(r.amount.refund), '0.00', 'ORIGINAL', 'SUCCESS', o.description, '', '0.00', '0.60%', '0.00'])
        .concat([yuan(r.amount.refund), ''])
      rows.push(cells.map((c) => '`' + c).join(','))
    }
    rows.push(...this.extraBillLines)
    const total = paid.reduce((n, o) => n + o.tx.amount.total, 0)
    const summary = [
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
      ['`' + String(rows.length), yuan(total), '0.00', '0.00', '0.00', yuan(total), '0.00'].join(',`'),
    ]
    return Buffer.from('\uFEFF' + [header, ...rows, ...summary].join('\r\n') + '\r\n', 'utf8')
  }

  /** A bill line for a payment we have no donation for (cells as in bill()). */
  static billLine(outTradeNo: string, transactionId: string, fen: number, date: string, ids = FAKE_WX) {
    const yuan = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
    return [`${date} 09:00:00`, ids.appid, ids.mchid, '0', '', transactionId, outTradeNo, 'oX', 'NATIVE', 'SUCCESS']
      .concat(['OTHERS', 'CNY', yuan, '0.00', '0', '0', '0.00', '0.00', '', '', '捐赠', '', '0.00', '0.60%', yuan])
      .concat(['0.00', ''])
      .map((c) => '`' + c)
      .join(',')
  }
}

/** An instant as WeChat Pay writes one (RFC 3339, China time). */
export function wechatTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00'
}

/** The China calendar day of an RFC 3339 instant. */
export function chinaDay(iso: string): string {
  const t = new Date(iso).getTime()
  return Number.isNaN(t) ? '' : new Date(t + 8 * 3600_000).toISOString().slice(0, 10)
}
