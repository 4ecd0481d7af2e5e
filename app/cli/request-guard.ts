// The one gate in front of every route: a request Remix cannot read (an unsupported
// method, a body that is not a form, a multipart body that does not parse, a path that
// does not decode, a body too large) is answered here with a 4xx, before any loader or
// action runs, so no route needs its own defence and none can answer 500 for it.
import type { ErrorRequestHandler, Request as ExpressRequest, RequestHandler } from 'express'

export const ALLOWED_METHODS = ['GET', 'HEAD', 'POST'] as const
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data']
// Above the largest upload (a 5 MB proof, CSV imports) with room for the form around it.
export const MAX_BODY_BYTES = 12 * 1024 * 1024

const MESSAGES: Record<number, string> = {
  400: '请求无法读取。\nThe request could not be read.',
  405: '此地址不接受这种请求方式。\nThis address does not accept that request method.',
  413: '请求内容过大。\nThe request is too large.',
  415: '请以表单提交。\nPlease submit a form (application/x-www-form-urlencoded or multipart/form-data).',
}

export function refuse(res: Parameters<RequestHandler>[1], status: number) {
  if (res.headersSent) return res.end()
  if (status === 405) res.setHeader('Allow', ALLOWED_METHODS.join(', '))
  res
    .status(status)
    .type('text/plain; charset=utf-8')
    .send(MESSAGES[status] ?? MESSAGES[400])
}

/** Signed machine-to-machine posts (Stripe sends JSON) read their own raw body. */
const rawBodyPath = (path: string) => path === '/webhooks' || path.startsWith('/webhooks/')

/** Methods and paths: before the CSRF check and static files. */
export const methodAndPathGuard: RequestHandler = (req, res, next) => {
  if (!(ALLOWED_METHODS as readonly string[]).includes(req.method)) return refuse(res, 405)
  try {
    decodeURIComponent(req.path)
  } catch {
    return refuse(res, 400)
  }
  next()
}

function readBody(req: ExpressRequest): Promise<Buffer | 413 | 400> {
  return new Promise((resolve) => {
    const declared = Number(req.get('content-length') ?? 0)
    if (declared > MAX_BODY_BYTES) return resolve(413)
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (value: Buffer | 413 | 400) => {
      if (done) return
      done = true
      resolve(value)
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        finish(413)
        req.pause()
      } else chunks.push(chunk)
    })
    req.on('end', () => finish(Buffer.concat(chunks)))
    req.on('error', () => finish(400))
    req.on('aborted', () => finish(400))
  })
}

export type GuardedBody = { body: Buffer; contentType: string }

/**
 * Read a POST body whole and check it is a form Remix can parse. The checked bytes are
 * left in res.locals.guardedBody for the Remix handler (the stream is consumed here).
 */
export const bodyGuard: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next()
  void (async () => {
    const body = await readBody(req)
    if (typeof body === 'number') return refuse(res, body)
    let contentType = req.get('content-type') ?? ''
    if (!rawBodyPath(req.path)) {
      const type = contentType.split(';')[0]!.trim().toLowerCase()
      // A POST with nothing in it (a bare button, a fetcher without data) is an empty form.
      if (!type && body.length === 0) contentType = FORM_TYPES[0]!
      else if (!FORM_TYPES.includes(type)) return refuse(res, 415)
      else if (type === 'multipart/form-data') {
        try {
          await new Response(new Uint8Array(body), { headers: { 'Content-Type': contentType } }).formData()
        } catch {
          return refuse(res, 400)
        }
      }
    }
    res.locals.guardedBody = { body, contentType } satisfies GuardedBody
    next()
  })().catch(next)
}

/**
 * Last in the chain: whatever still went wrong is answered without a trace (Express's
 * own handler prints the stack outside NODE_ENV=production). Client errors keep their
 * status (a path that does not decode is a 400); the rest is logged and answers 500.
 */
export function errorHandler(): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const status = Number((error as { status?: unknown } | null)?.status)
    if (status >= 400 && status < 500) return refuse(res, status)
    console.error(error)
    if (res.headersSent) return res.end()
    res.status(500).type('text/plain; charset=utf-8').send('服务器出错了。\nSomething went wrong on our side.')
  }
}
