import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { DemoCashier } from '~/components/demo-cashier'
import { receiveAlipayNotification } from '~/modules/donations/alipay-notify.server'
import { demoAlipayDonation } from '~/modules/donations/queries.server'
import { demoAlipayNotification, getAlipayProvider } from '~/modules/payments/alipay-config.server'
import { getDb } from '~/utils/db.server'
import { notFound } from '~/utils/http.server'

// 演示支付宝收银台: stands in for Alipay's cashier when no Alipay app is configured (never in
// production). No money moves; completing it sends a signed Alipay notification through
// the same verification and fulfilment as /webhooks/alipay.

export async function loader({ params }: LoaderFunctionArgs) {
  const donation = await demoAlipayDonation(getDb(), params.outTradeNo ?? '')
  if (!donation || donation.status !== 'pending') throw notFound()
  return { donation }
}

const Intent = z.object({ intent: z.enum(['pay', 'cancel']) })

export async function action({ request, params }: ActionFunctionArgs) {
  const db = getDb()
  const donation = await demoAlipayDonation(db, params.outTradeNo ?? '')
  if (!donation) throw notFound()
  const parsed = Intent.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return Response.json({ error: 'intent must be pay or cancel' }, { status: 400 })
  if (parsed.data.intent === 'cancel') return redirect(`/donate/cancelled?donation=${donation.public_id}`, 303)
  if (donation.status === 'pending') {
    const body = demoAlipayNotification({ outTradeNo: donation.public_id, amount: donation.amount })
    const receipt = await receiveAlipayNotification(db, getAlipayProvider(), body)
    if (receipt.kind !== 'handled') throw new Response('Demo payment failed', { status: 500 })
  }
  return redirect(`/donate/thanks?donation=${donation.public_id}`, 303)
}

export default function DemoAlipayCashier() {
  const { donation } = useLoaderData<typeof loader>()
  return (
    <DemoCashier
      amount={donation.amount}
      currency={donation.currency}
      title="demo.alipayTitle"
      body="demo.alipayBody"
    />
  )
}
