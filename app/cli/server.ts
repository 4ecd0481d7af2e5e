// The HTTP server: Express in front of the Remix build, with security headers and
// a fresh CSP nonce per request. Binds HOST:PORT from the environment.
import crypto from 'node:crypto'
import type { Server } from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { broadcastDevReady, createRequestHandler, installGlobals, type ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express from 'express'
import { checkOrigin } from '../modules/auth/csrf.server'
import { startBackgroundMailWorker } from '../modules/mail/background.server'
import { startUnpaidOrderSweep } from '../modules/donations/close-unpaid.server'
import { alipayOffered, getAlipayProvider } from '../modules/payments/alipay-config.server'
import { getWechatpayProvider, wechatpayOffered } from '../modules/payments/wechatpay-config.server'
import { getDb } from '../utils/db.server'
import { getEnv } from '../utils/env.server'
import { bodyGuard, errorHandler, methodAndPathGuard, type GuardedBody } from './request-guard'

installGlobals({ nativeFetch: true })

// Paths whose answers are a person's own or staff-only: no cache may keep them.
export const PRIVATE_PAGES =
  /^\/(?:(?:admin|donor|login|logout|invite|receipts|trace)(?:[/.]|$)|sponsor\/|donate\/(?:thanks|demo)(?:[/.]|$))/
// Nothing here uses these browser features; a framed or injected script gets none of them.
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()'

export async function createServer(options: { buildPath?: string; dev?: boolean } = {}) {
  const env = getEnv()
  const buildPath = path.resolve(options.buildPath ?? 'build/index.js')
  const load = async () =>
    (await import(pathToFileURL(buildPath).href + (options.dev ? `?t=${Date.now()}` : ''))) as ServerBuild

  const app = express()
  app.disable('x-powered-by')
  // req.ip (the client address every rate limit keys on) trusts only TRUST_PROXY.
  app.set('trust proxy', env.TRUST_PROXY ?? false)
  app.use(compression())

  app.use((req, res, next) => {
    const nonce = crypto.randomBytes(16).toString('base64')
    res.locals.cspNonce = nonce
    // An outbox message's HTML, framed by our own staff page: the route sends its own
    // stricter CSP (sandbox, no scripts) with frame-ancestors 'self'.
    if (/^\/admin\/outbox\/\d+\/html$/.test(req.path)) return next()
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'${options.dev ? " 'unsafe-eval'" : ''}`,
        "style-src 'self'",
        "img-src 'self' data: blob:",
        `connect-src 'self'${options.dev ? ' ws:' : ''}`,
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self' https://checkout.stripe.com https://billing.stripe.com", // Checkout; the customer portal (donor card update)
        "frame-ancestors 'none'",
      ].join('; '),
    )
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin')
    res.setHeader('X-Frame-Options', 'DENY')
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY)
    if (env.BASE_URL.startsWith('https:'))
      res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
    next()
  })

  app.use(methodAndPathGuard)

  // CSRF: a state-changing request must come from BASE_URL's origin (webhooks exempt).
  app.use((req, res, next) => {
    const request = {
      method: req.method,
      url: req.originalUrl,
      headers: { get: (name: string) => req.get(name) ?? null },
    }
    if (checkOrigin(request, env.BASE_URL)) return next()
    res.status(403).type('text/plain').send('Forbidden: cross-origin request refused')
  })

  // Fingerprinted assets are immutable; everything else in public/ is short-lived.
  app.use('/build', express.static('public/build', { immutable: true, maxAge: '1y' }))
  app.use(express.static('public', { maxAge: '1h' }))

  const build = await load()
  // `remix dev` waits for this before it reports the rebuild as live.
  if (options.dev) await broadcastDevReady(build)
  // Remix serialises errors with their stack and server paths in development mode: only
  // `npm run dev` runs it so; `npm start` (whatever NODE_ENV says) runs production mode.
  const handle = createRequestHandler(options.dev ? load : build, options.dev ? 'development' : 'production')
  app.use(bodyGuard)
  app.use((req, res, next) => {
    void (async () => {
      const response = await handle(remixRequest(req, res, env.BASE_URL), {
        cspNonce: res.locals.cspNonce as string,
        clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      })
      res.statusMessage = response.statusText
      res.status(response.status)
      for (const [key, value] of response.headers.entries()) res.append(key, value)
      // Staff pages and pages with personal data are never stored by a browser or a proxy.
      if (PRIVATE_PAGES.test(req.path)) res.setHeader('Cache-Control', 'no-store')
      if (response.body) await writeBody(response.body, res)
      else res.end()
    })().catch(next)
  })
  app.use(errorHandler())
  return app
}

/**
 * A response body to the socket, one chunk at a time and only as fast as the client takes
 * it: Remix's own writer never waits for 'drain', so a slow reader of a 500 MB open-data
 * file would have the whole file buffered in this process. Each chunk is flushed through
 * compression (streamed HTML must not wait in zlib); a client gone cancels the body, which
 * stops its producer (an export's generator).
 */
export async function writeBody(body: ReadableStream<Uint8Array>, res: express.Response): Promise<void> {
  const reader = body.getReader()
  let gone = res.destroyed
  let wake: (() => void) | undefined
  const onClose = () => {
    gone = true
    wake?.()
  }
  // Registered once and never removed: compression moves 'drain' listeners onto its zlib
  // stream (where res.off and res.once's own removal would not find them).
  res.on('drain', () => wake?.())
  res.on('close', onClose)
  try {
    for (;;) {
      if (gone) {
        await reader.cancel()
        return
      }
      const { value, done } = await reader.read()
      if (done) {
        res.end()
        return
      }
      const ready = res.write(value)
      ;(res as { flush?: () => void }).flush?.()
      if (!ready && !gone) {
        // compression's res.on('drain') listens on its zlib stream, so this waits for the socket either way.
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
    }
  } catch (error) {
    res.destroy(error as Error)
    throw error
  } finally {
    res.off('close', onClose)
    reader.releaseLock()
  }
}

/** The Fetch Request Remix reads, with the body the guard already read and checked. */
function remixRequest(req: express.Request, res: express.Response, baseUrl: string): Request {
  const headers = new Headers()
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v)
    else if (value !== undefined) headers.set(key, value)
  }
  const controller = new AbortController()
  // Abort loaders and actions when the client goes away before the answer is written.
  res.on('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  const guarded = res.locals.guardedBody as GuardedBody | undefined
  if (guarded) headers.set('Content-Type', guarded.contentType)
  let url: URL
  try {
    url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? ''}`)
  } catch {
    url = new URL(req.originalUrl, baseUrl) // a Host header that is no host
  }
  return new Request(url, {
    method: req.method,
    headers,
    signal: controller.signal,
    ...(guarded ? { body: new Uint8Array(guarded.body) } : {}),
  })
}

export async function serve(options: { buildPath?: string; dev?: boolean } = {}) {
  const env = getEnv()
  const app = await createServer(options)
  // With SMTP_URL, this process also drains the outbox; without it mail stays in the
  // outbox for staff to read (/admin/outbox).
  const mail = startBackgroundMailWorker(getDb(), env)
  if (mail) {
    console.log('mail: sending the outbox through SMTP_URL')
    process.once('SIGTERM', () => {
      void mail.stop().finally(() => process.exit(0))
    })
  }
  // Orders left unpaid at WeChat Pay and Alipay are closed after their 30-minute timeout.
  startUnpaidOrderSweep(getDb(), () => ({
    ...(wechatpayOffered() ? { wechatpay: getWechatpayProvider() } : {}),
    ...(alipayOffered() ? { alipay: getAlipayProvider() } : {}),
  }))
  return new Promise<Server>((resolve) => {
    const server = app.listen(env.PORT, env.HOST, () => {
      console.log(`希望账本 Hope Ledger listening on ${env.BASE_URL} (${env.HOST}:${env.PORT})`)
      resolve(server)
    })
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dev = getEnv().NODE_ENV === 'development' && process.argv.includes('--dev')
  await serve({ dev })
}
