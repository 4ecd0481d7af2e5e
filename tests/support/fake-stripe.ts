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

export class FakeStripe {
  requests: RecordedRequest[] = []
  intents = new Map<string, FakeIntent>()
  events: unknown[] = []
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
      const sub = /^\/v1\/subscriptions\/([^/]+)$/.exec(url.pathname)
      if (req.method === 'DELETE' && sub) return send(200, { id: sub[1], object: 'subscription', status: 'canceled' })
      send(404, { error: { type: 'invalid_request_error', message: `unhandled ${req.method} ${url.pathname}` } })
    })
  }
}
