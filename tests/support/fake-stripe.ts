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
}
