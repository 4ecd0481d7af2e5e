import crypto from 'node:crypto'
import type { Env } from '~/utils/env.server'
import { safeRedirect } from '~/utils/safe-redirect'

// Inside WeChat's own browser, JSAPI needs the donor's openid for our 公众号: WeChat's
// OAuth (snsapi_base, no prompt) sends the browser back with a code, which we trade for
// the openid. The state is random and also held in a signed cookie, so a callback we did
// not start is refused; where the donor returns is a path on this site only. The openid is
// kept in a signed cookie for the checkout; it names nobody outside WeChat.

const STATE_COOKIE = 'hl_wx_state'
const OPENID_COOKIE = 'hl_wx_openid'
const STATE_TTL_S = 600
const OPENID_TTL_S = 2 * 3600

export const CALLBACK_PATH = '/donate/wechat-oauth'

/** Whether this process can ask WeChat for an openid (a real merchant and its 公众号 secret). */
export function wechatOauthConfigured(env: Env): boolean {
  return Boolean(env.WECHATPAY_MCHID && env.WECHATPAY_APPID && env.WECHATPAY_APP_SECRET)
}

const sign = (secret: string, value: string) =>
  crypto.createHmac('sha256', secret).update(`wx-oauth:${value}`).digest('base64url')

function cookie(request: Request, name: string): string | undefined {
  return (request.headers.get('cookie') ?? '')
    .split(';')
    .map((p) => p.trim())
    .find((p) => p.startsWith(`${name}=`))
    ?.slice(name.length + 1)
}

function signedCookie(name: string, value: string, env: Env, maxAge: number) {
  const secure = env.BASE_URL.startsWith('https:') ? '; Secure' : ''
  const v = `${encodeURIComponent(value)}.${sign(env.SESSION_SECRET, value)}`
  return `${name}=${v}; Path=/donate; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`
}

function readSigned(request: Request, name: string, env: Env): string | null {
  const raw = cookie(request, name)
  const dot = raw?.lastIndexOf('.') ?? -1
  if (!raw || dot < 0) return null
  let value: string
  try {
    value = decodeURIComponent(raw.slice(0, dot))
  } catch {
    return null
  }
  const expected = Buffer.from(sign(env.SESSION_SECRET, value))
  const given = Buffer.from(raw.slice(dot + 1))
  return expected.length === given.length && crypto.timingSafeEqual(expected, given) ? value : null
}

/** The openid this browser obtained earlier, if its cookie is ours. */
export function openidOf(request: Request, env: Env): string | null {
  const openid = readSigned(request, OPENID_COOKIE, env)
  return openid && /^[0-9A-Za-z_-]{10,64}$/.test(openid) ? openid : null
}

/** Start: where WeChat's OAuth page is, with a fresh state, and the cookie that remembers it. */
export function startWechatOauth(env: Env, returnTo: unknown): { location: string; cookie: string } {
  const state = crypto.randomBytes(16).toString('hex')
  const back = safeRedirect(returnTo, '/donate')
  const base = (env.WECHAT_OAUTH_URL ?? 'https://open.weixin.qq.com').replace(/\/$/, '')
  const params = new URLSearchParams({
    appid: env.WECHATPAY_APPID!,
    redirect_uri: `${env.BASE_URL}${CALLBACK_PATH}`,
    response_type: 'code',
    scope: 'snsapi_base',
    state,
  })
  return {
    location: `${base}/connect/oauth2/authorize?${params}#wechat_redirect`,
    cookie: signedCookie(STATE_COOKIE, `${state} ${back}`, env, STATE_TTL_S),
  }
}

export type OauthCallback =
  | { ok: true; back: string; cookies: string[] }
  | { ok: false; reason: 'state' | 'exchange'; back: string; cookies: string[] }

/** The callback: the state must be the one this browser was given; the code is traded for the openid. */
export async function finishWechatOauth(
  request: Request,
  env: Env,
  query: { code: string | null; state: string | null },
): Promise<OauthCallback> {
  const held = readSigned(request, STATE_COOKIE, env)
  const [state, back = '/donate'] = (held ?? '').split(' ')
  const clear = `${STATE_COOKIE}=; Path=/donate; Max-Age=0; HttpOnly; SameSite=Lax`
  const to = safeRedirect(back, '/donate')
  if (!held || !query.state || !query.code || query.state !== state)
    return { ok: false, reason: 'state', back: to, cookies: [clear] }
  const api = (env.WECHAT_API_URL ?? 'https://api.weixin.qq.com').replace(/\/$/, '')
  const params = new URLSearchParams({
    appid: env.WECHATPAY_APPID!,
    secret: env.WECHATPAY_APP_SECRET!,
    code: query.code,
    grant_type: 'authorization_code',
  })
  try {
    const res = await fetch(`${api}/sns/oauth2/access_token?${params}`, { signal: AbortSignal.timeout(10_000) })
    const body = (await res.json()) as { openid?: unknown; errcode?: unknown }
    if (!res.ok || typeof body.openid !== 'string' || !/^[0-9A-Za-z_-]{10,64}$/.test(body.openid))
      throw new Error(`errcode ${String(body.errcode ?? res.status)}`)
    return { ok: true, back: to, cookies: [clear, signedCookie(OPENID_COOKIE, body.openid, env, OPENID_TTL_S)] }
  } catch (error) {
    console.error(`wechat oauth exchange failed: ${(error as Error).message}`)
    return { ok: false, reason: 'exchange', back: to, cookies: [clear] }
  }
}
