import { fakeWechatpay as fake, wechatpayKeys } from '../support/wechatpay-env'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as donateRoute from '~/routes/donate._index'
import * as oauthRoute from '~/routes/donate.wechat-oauth'
import { setDb } from '~/utils/db.server'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { FAKE_WX } from '../support/fake-wechatpay'

// JSAPI inside WeChat's browser: the form first sends the donor through WeChat's silent
// OAuth (a local fake answers the code exchange as api.weixin.qq.com does), the state is
// checked against this browser's cookie, the way back stays on site, and the openid then
// makes a JSAPI order at the fake WeChat Pay.
const SECRET = 'abcdefabcdefabcdefabcdefabcdef12'
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'
const codes: string[] = []
const api = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const q = url.searchParams
  codes.push(q.get('code') ?? '')
  const ok =
    url.pathname === '/sns/oauth2/access_token' &&
    q.get('appid') === FAKE_WX.appid &&
    q.get('secret') === SECRET &&
    q.get('grant_type') === 'authorization_code' &&
    q.get('code') === 'CODE-GOOD'
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(ok ? { access_token: 'AT', openid: OPENID, scope: 'snsapi_base' } : { errcode: 40029 }))
})
await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
const apiBase = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
process.env.WECHATPAY_APP_SECRET = SECRET
process.env.WECHAT_OAUTH_URL = 'http://127.0.0.1:9'
process.env.WECHAT_API_URL = apiBase

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN'

describe.skipIf(skipReason)(`WeChat Pay JSAPI with OAuth on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
    await seedDemo(t.db)
    setDb(t.db)
  })
  afterAll(async () => {
    await fake.stop()
    await new Promise<void>((resolve) => api.close(() => resolve()))
    await t?.destroy()
    fs.rmSync(wechatpayKeys.dir, { recursive: true, force: true })
  })

  const get = (path: string, cookie = '') =>
    new Request(`http://localhost:3000${path}`, { headers: { 'User-Agent': WECHAT_UA, Cookie: cookie } })
  const args = (request: Request) => ({ request, params: {}, context: { clientIp: '10.4.0.1' } }) as never
  const thrown = async (p: () => Promise<unknown>) => {
    try {
      return (await p()) as Response
    } catch (r) {
      return r as Response
    }
  }
  const cookiesOf = (res: Response) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .filter((c) => !c.endsWith('='))
      .join('; ')

  it('sends WeChat’s browser to OAuth with a state, checks it, and pays the gift by JSAPI', async () => {
    const form = await thrown(() => donateRoute.loader(args(get('/donate?campaign=x'))))
    expect(form.status).toBe(302)
    expect(form.headers.get('location')).toBe(`/donate/wechat-oauth?return=${encodeURIComponent('/donate?campaign=x')}`)

    const start = await oauthRoute.loader(args(get(form.headers.get('location')!)))
    const to = new URL(start.headers.get('location')!)
    expect(to.origin + to.pathname).toBe('http://127.0.0.1:9/connect/oauth2/authorize')
    expect(to.hash).toBe('#wechat_redirect')
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      appid: FAKE_WX.appid,
      redirect_uri: 'http://localhost:3000/donate/wechat-oauth',
      response_type: 'code',
      scope: 'snsapi_base',
      state: expect.stringMatching(/^[0-9a-f]{32}$/),
    })
    const state = to.searchParams.get('state')!
    const stateCookie = cookiesOf(start)

    // A callback this browser did not start (no cookie, or another state) gets no openid.
    for (const [q, cookie] of [
      [`code=CODE-GOOD&state=${state}`, ''],
      ['code=CODE-GOOD&state=0123456789abcdef0123456789abcdef', stateCookie],
    ] as const) {
      const refused = await oauthRoute.loader(args(get(`/donate/wechat-oauth?${q}`, cookie)))
      expect(refused.headers.get('location')).toMatch(/^\/donate\?(campaign=x&)?wx=no$/)
      expect(cookiesOf(refused)).toBe('')
    }
    // A bad code: WeChat's errcode, no openid, back to the form (which then offers the QR code).
    const bad = await oauthRoute.loader(args(get(`/donate/wechat-oauth?code=CODE-BAD&state=${state}`, stateCookie)))
    expect(bad.headers.get('location')).toBe('/donate?campaign=x&wx=no')
    expect(cookiesOf(bad)).toBe('')

    const back = await oauthRoute.loader(args(get(`/donate/wechat-oauth?code=CODE-GOOD&state=${state}`, stateCookie)))
    expect(back.headers.get('location')).toBe('/donate?campaign=x&wx=ok')
    const openidCookie = cookiesOf(back)
    expect(openidCookie).toMatch(/^hl_wx_openid=/)
    expect(codes).toContain('CODE-GOOD')
    // With the openid the form shows; the gift becomes a JSAPI order for that openid.
    const shown = await donateRoute.loader(args(get('/donate', openidCookie)))
    expect(shown).toMatchObject({ wechatpay: true })
    const post = new Request('http://localhost:3000/donate', {
      method: 'POST',
      headers: { 'User-Agent': WECHAT_UA, Cookie: openidCookie, Origin: 'http://localhost:3000' },
      body: new URLSearchParams({
        amountChoice: '10000',
        currency: 'CNY',
        frequency: 'once',
        designation: 'general',
        displayMode: 'anonymous',
        email: 'jsapi@example.test',
        method: 'wechatpay',
      }),
    })
    const paid = (await donateRoute.action(args(post))) as Response
    expect(paid.status).toBe(303)
    const publicId = paid.headers.get('location')!.split('/').at(-1)!
    expect(fake.orders.get(publicId)?.tx.trade_type).toBe('JSAPI')
    const d = await t.db.selectFrom('donations').selectAll().where('public_id', '=', publicId).executeTakeFirstOrThrow()
    expect(d.provider_session_id).toMatch(/^prepay_id=wx01/)
  })

  it('keeps the way back on site and does not loop after a failed step', async () => {
    for (const hostile of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const start = await oauthRoute.loader(args(get(`/donate/wechat-oauth?return=${encodeURIComponent(hostile)}`)))
      const state = new URL(start.headers.get('location')!).searchParams.get('state')
      const back = await oauthRoute.loader(
        args(get(`/donate/wechat-oauth?code=CODE-BAD&state=${state}`, cookiesOf(start))),
      )
      expect(back.headers.get('location'), hostile).toBe('/donate?wx=no')
    }
    // Back from a failed step (wx=no), the form shows at once: the QR code will do.
    expect(await donateRoute.loader(args(get('/donate?wx=no')))).toMatchObject({ wechatpay: true })
  })
})
