import type { ActionFunctionArgs } from '@remix-run/node'
import { alipayReply, receiveAlipayNotification } from '~/modules/donations/alipay-notify.server'
import { getAlipayProvider } from '~/modules/payments/alipay-config.server'
import { getDb } from '~/utils/db.server'

// Alipay posts its asynchronous notification here (application/x-www-form-urlencoded).
// It expects exactly `success` as plain text once handled; `fail` (or any failure) makes
// it deliver again, so an unexpected error answers `fail` with a 500.
const text = (body: 'success' | 'fail', status: number) =>
  new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return text('fail', 405)
  const raw = await request.text()
  try {
    const receipt = await receiveAlipayNotification(getDb(), getAlipayProvider(), raw)
    const reply = alipayReply(receipt)
    return text(reply, reply === 'success' ? 200 : 400)
  } catch (error) {
    console.error('alipay notify failed:', error)
    return text('fail', 500)
  }
}

export function loader() {
  return new Response('method not allowed', { status: 405, headers: { Allow: 'POST' } })
}
