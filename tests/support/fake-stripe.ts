// A local stand-in for api.stripe.com on 127.0.0.1, for the real `stripe` SDK:
// it records every request (method, path, headers, decoded form body) and answers
// with Stripe-shaped JSON. Payment intents and events are registered by the test.
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type RecordedRequest = {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  form: Record<string, string>
}

export type FakeIntent = {
  id: string
  amount: number
  currency: string
  fee: number
  chargeId: string
  settlementCurrency?: string
  metadata?: Record<string, string>
}

export type FakeRefund = {
  id: string
  amount: number
  currency: string
  paymentIntent: string
  chargeId: string
  status: string
  created: number
  metadata: Record<string, string>
}

/** A payout and the balance transactions it settled (Stripe's shapes, amounts in minor units). */
export type FakePayout = {
  id: string
  amount: number
  currency: string
  created: number
  arrival_date: number
  status?: string
  transactions: { id: string; type: string; source: string | null; amount: number; fee: number; currency: string }[]
}

export class FakeStripe {
  requests: RecordedRequest[] = []
  intents = new Map<string, FakeIntent>()
  events: unknown[] = []
  refunds: FakeRefund[] = []
  /** What a new refund's status is (cards: succeeded at once; some methods: pending). */
  refundStatus = 'succeeded'
  /** Runs after a refund is made and before Stripe answers: a test delivers the webhook here to race the answer. */
  beforeRefundAnswer: ((refund: FakeRefund) => Promise<void>) | null = null
  /** Idempotency-Key → the request body it was first used with and the answer given. */
  private idempotent = new Map<string, { body: string; status: number; json: unknown }>()
  private refundCount = 0
  payouts: FakePayout[] = []
  private server = http.createServer((req, res) => this.handle(req, res))
  private sessions = 0
  port = 0

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop() {
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  providerOptions(webhookSecret: string) {
    return { secretKey: 'sk_test_fake', webhookSecret, host: '127.0.0.1', port: this.port, protocol: 'http' as const }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const form = Object.fromEntries(new URLSearchParams(req.method === 'GET' ? url.search : body))
      this.requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, form })
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_${this.requests.length}` })
        res.end(JSON.stringify(json))
      }
      if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
        const id = `cs_test_${++this.sessions}`
        return send(200, {
          id,
          object: 'checkout.session',
          url: `https://checkout.stripe.com/c/pay/${id}`,
          mode: form.mode,
          metadata: {},
        })
      }
      if (req.method === 'POST' && url.pathname === '/v1/refunds') {
        void this.createRefund(req.headers, body, form).then(([status, json]) => send(status, json))
        return
      }
      const intent = /^\/v1\/payment_intents\/([^/]+)$/.exec(url.pathname)
      if (req.method === 'GET' && intent) {
        const pi = this.intents.get(intent[1]!)
        if (!pi)
          return send(404, {
            error: { type: 'invalid_request_error', message: `No such payment_intent: '${intent[1]}'` },
          })
        const settlement = (pi.settlementCurrency ?? pi.currency).toLowerCase()
        return send(200, {
          id: pi.id,
          object: 'payment_intent',
          amount: pi.amount,
          amount_received: pi.amount,
          currency: pi.currency.toLowerCase(),
          metadata: pi.metadata ?? {},
          latest_charge: {
            id: pi.chargeId,
            object: 'charge',
            amount: pi.amount,
            currency: pi.currency.toLowerCase(),
            balance_transaction: {
              id: `txn_${pi.id}`,
              object: 'balance_transaction',
              amount: pi.amount,
              fee: pi.fee,
              net: pi.amount - pi.fee,
              currency: settlement,
            },
          },
        })
      }
      if (req.method === 'GET' && url.pathname === '/v1/events') {
        return send(200, { object: 'list', data: this.events, has_more: false, url: '/v1/events' })
      }
      if (req.method === 'GET' && url.pathname === '/v1/payouts') {
        // Stripe filters by created[gte] / created[lt] and lists newest first.
        const gte = Number(form['created[gte]'] ?? -Infinity)
        const lt = Number(form['created[lt]'] ?? Infinity)
        const data = this.payouts
          .filter((p) => p.created >= gte && p.created < lt)
          .sort((a, b) => b.created - a.created)
          .map(({ transactions: _, ...p }) => ({
            ...p,
            object: 'payout',
            status: p.status ?? 'paid',
            currency: p.currency.toLowerCase(),
          }))
        return send(200, { object: 'list', data, has_more: false, url: '/v1/payouts' })
      }
      if (req.method === 'GET' && url.pathname === '/v1/balance_transactions') {
        const payout = this.payouts.find((p) => p.id === form.payout)
        if (!payout)
          return send(404, { error: { type: 'invalid_request_error', message: `No such payout: '${form.payout}'` } })
        const data = payout.transactions.map((t) => ({
          ...t,
          object: 'balance_transaction',
          net: t.amount - t.fee,
          currency: t.currency.toLowerCase(),
          created: payout.created,
        }))
        return send(200, { object: 'list', data, has_more: false, url: '/v1/balance_transactions' })
      }
      const sub = /^\/v1\/subscriptions\/([^/]+)$/.exec(url.pathname)
      if (req.method === 'DELETE' && sub) return send(200, { id: sub[1], object: 'subscription', status: 'canceled' })
      send(404, { error: { type: 'invalid_request_error', message: `unhandled ${req.method} ${url.pathname}` } })
    })
  }

  /** Refunded so far of one payment intent. */
  refundedOf(intentId: string) {
    return this.refunds.filter((r) => r.paymentIntent === intentId).reduce((n, r) => n + r.amount, 0)
  }

  /** What Stripe checks of POST /v1/refunds: the Idempotency-Key (same key, same body → same answer; other body → 400) and the amount. */
  private async createRefund(
    headers: http.IncomingHttpHeaders,
    body: string,
    form: Record<string, string>,
  ): Promise<[number, unknown]> {
    const key = headers['idempotency-key']
    const invalid = (message: string, type = 'invalid_request_error'): [number, unknown] => [
      400,
      { error: { type, message } },
    ]
    if (typeof key !== 'string' || !key) return invalid('this fake requires an Idempotency-Key on refunds')
    const seen = this.idempotent.get(key)
    if (seen) {
      if (seen.body !== body)
        return invalid(`Keys for idempotent requests can only be used with the same parameters`, 'idempotency_error')
      return [seen.status, seen.json]
    }
    const answer = await this.refundAnswer(form)
    this.idempotent.set(key, { body, status: answer[0], json: answer[1] })
    return answer
  }

  private async refundAnswer(form: Record<string, string>): Promise<[number, unknown]> {
    const pi = this.intents.get(form.payment_intent ?? '')
    if (!pi) return [404, { error: { type: 'invalid_request_error', message: `No such payment_intent` } }]
    const left = pi.amount - this.refundedOf(pi.id)
    const amount = form.amount === undefined ? left : Number(form.amount)
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > left)
      return [
        400,
        {
          error: {
            type: 'invalid_request_error',
            code: 'amount_too_large',
            message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
          },
        },
      ]
    const metadata: Record<string, string> = {}
    for (const [k, v] of Object.entries(form)) {
      const m = /^metadata\[(.+)\]$/.exec(k)
      if (m) metadata[m[1]!] = v
    }
    const refund = this.addRefund(pi, amount, metadata)
    await this.beforeRefundAnswer?.(refund)
    return [200, this.refundJson(refund)]
  }

  private addRefund(pi: FakeIntent, amount: number, metadata: Record<string, string>): FakeRefund {
    const refund: FakeRefund = {
      id: `re_fake_${++this.refundCount}`,
      amount,
      currency: pi.currency.toLowerCase(),
      paymentIntent: pi.id,
      chargeId: pi.chargeId,
      status: this.refundStatus,
      created: Math.floor(Date.now() / 1000),
      metadata,
    }
    this.refunds.push(refund)
    return refund
  }

  refundJson(r: FakeRefund) {
    return {
      id: r.id,
      object: 'refund',
      amount: r.amount,
      currency: r.currency,
      payment_intent: r.paymentIntent,
      charge: r.chargeId,
      status: r.status,
      created: r.created,
      metadata: r.metadata,
      reason: 'requested_by_customer',
    }
  }

  /** A refund made in Stripe's dashboard: no API request of ours, only the webhook will tell. */
  dashboardRefund(intentId: string, amount: number): FakeRefund {
    const pi = this.intents.get(intentId)
    if (!pi) throw new Error(`no intent ${intentId} at the fake Stripe`)
    if (amount > pi.amount - this.refundedOf(intentId)) throw new Error('more than the charge')
    return this.addRefund(pi, amount, {})
  }

  /** The charge.refunded event Stripe sends now for this intent: every refund so far, succeeded ones as such. */
  chargeRefundedEvent(intentId: string, publicId: string) {
    const pi = this.intents.get(intentId)
    if (!pi) throw new Error(`no intent ${intentId} at the fake Stripe`)
    const refunds = this.refunds.filter((r) => r.paymentIntent === intentId)
    return {
      id: `evt_refund_${intentId}_${refunds.length}_${Math.random().toString(36).slice(2, 8)}`,
      object: 'event',
      type: 'charge.refunded',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: pi.chargeId,
          object: 'charge',
          amount: pi.amount,
          currency: pi.currency.toLowerCase(),
          payment_intent: pi.id,
          amount_refunded: refunds.reduce((n, r) => n + r.amount, 0),
          metadata: { donation_public_id: publicId },
          refunds: { object: 'list', data: refunds.map((r) => this.refundJson(r)) },
        },
      },
    }
  }
}
