import type { ActionFunctionArgs } from '@remix-run/node'
import { receiveWechatpayNotification, wechatpayReply } from '~/modules/donations/wechatpay-notify.server'
import { getWechatpayProvider } from '~/modules/payments/wechatpay-config.server'
import { getDb } from '~/utils/db.server'

// WeChat Pay posts its payment notification here (JSON, signed in the Wechatpay-* headers).
// Handled: 204 with no body. Refused: 4xx with {"code":"FAIL","message":…}; an unexpected
// error answers 500 in the same shape, so WeChat Pay delivers again.
const fail = (status: number, message: string) => Response.json({ code: 'FAIL', message }, { status })

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return fail(405, 'method not allowed')
  const raw = await request.text()
  const h = request.headers
  try {
    const receipt = await receiveWechatpayNotification(
      getDb(),
      getWechatpayProvider(),
      {
        signature: h.get('wechatpay-signature'),
        serial: h.get('wechatpay-serial'),
        timestamp: h.get('wechatpay-timestamp'),
        nonce: h.get('wechatpay-nonce'),
      },
      raw,
    )
    const reply = wechatpayReply(receipt)
    return reply.body ? Response.json(reply.body, { status: reply.status }) : new Response(null, { status: 204 })
  } catch (error) {
    console.error('wechatpay notify failed:', error)
    return fail(500, '处理失败，请重试')
  }
}

export function loader() {
  return new Response('method not allowed', { status: 405, headers: { Allow: 'POST' } })
}
