import { redirect, type LoaderFunctionArgs } from '@remix-run/node'
import { finishWechatOauth, startWechatOauth, wechatOauthConfigured } from '~/modules/payments/wechat-oauth.server'
import { getEnv } from '~/utils/env.server'

// WeChat's OAuth for JSAPI (wechat-oauth.server.ts): without a code, off to WeChat's
// authorize page with a fresh state; with one, back from it: the state is checked, the code
// traded for the openid, and the donor returned to the form (a path on this site only).
// A refused or failed step returns to the form without an openid: WeChat Pay then shows
// its QR code, which a donor in WeChat long-presses to pay.

export async function loader({ request }: LoaderFunctionArgs) {
  const env = getEnv()
  const url = new URL(request.url)
  if (!wechatOauthConfigured(env)) return redirect('/donate')
  const code = url.searchParams.get('code')
  if (code === null && url.searchParams.get('state') === null) {
    const start = startWechatOauth(env, url.searchParams.get('return'))
    return redirect(start.location, { headers: { 'Set-Cookie': start.cookie } })
  }
  const done = await finishWechatOauth(request, env, { code, state: url.searchParams.get('state') })
  const headers = new Headers()
  for (const c of done.cookies) headers.append('Set-Cookie', c)
  const back = new URL(done.back, env.BASE_URL)
  // Marked, so the form does not send the donor straight back to WeChat's page.
  back.searchParams.set('wx', done.ok ? 'ok' : 'no')
  return redirect(back.pathname + back.search, { headers })
}
