import { type AppLoadContext, type EntryContext } from '@remix-run/node'
import { RemixServer } from '@remix-run/react'
import { isbot } from 'isbot'
// The web-streams renderer, not renderToPipeableStream: React 18's Node renderer writes
// its whole 2 KiB view when a multi-byte character does not fit at the end, so one or two
// NUL bytes land in the page before that character (facebook/react#24985, fixed only in
// React 19). This one encodes each string whole and copies bytes, so nothing is padded.
import { renderToReadableStream } from 'react-dom/server.browser'
import { NonceProvider } from './utils/nonce'

const ABORT_DELAY = 5_000
export const streamTimeout = ABORT_DELAY

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = typeof loadContext.cspNonce === 'string' ? loadContext.cspNonce : ''
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), ABORT_DELAY)
  let shellRendered = false
  // A shell error rejects here and Remix renders its boundary.
  const body = await renderToReadableStream(
    <NonceProvider value={nonce}>
      <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
    </NonceProvider>,
    {
      nonce,
      signal: controller.signal,
      onError(error: unknown) {
        responseStatusCode = 500
        // Errors after the shell are logged here; before it, Remix's boundary renders.
        if (shellRendered) console.error(error)
      },
    },
  )
  shellRendered = true
  const done = () => clearTimeout(timer)
  body.allReady.then(done, done)
  if (isbot(request.headers.get('user-agent') ?? '')) await body.allReady
  responseHeaders.set('Content-Type', 'text/html; charset=utf-8')
  return new Response(body, { headers: responseHeaders, status: responseStatusCode })
}

export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return
  console.error(error)
}
