import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { DemoCashier } from '~/components/demo-cashier'
import { demoDonation } from '~/modules/donations/queries.server'
import { receiveWebhook } from '~/modules/donations/receive.server'
import { demoCheckoutEvent, demoWebhookSecret, signDemoPayload } from '~/modules/payments/demo.server'
import { getPaymentProvider } from '~/modules/payments/index.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { notFound } from '~/utils/http.server'

// 演示支付: a stand-in for Stripe Checkout when no key is configured. No money moves;
// completing it sends a signed checkout.session.completed through the webhook path.

export async function loader({ params }: LoaderFunctionArgs) {
  const donation = await demoDonation(getDb(), params.sessionId ?? '')
  if (!donation || donation.status !== 'pending') throw notFound()
  return { donation }
}

const Intent = z.object({ intent: z.enum(['pay', 'cancel']) })

export async function action({ request, params }: ActionFunctionArgs) {
  const donation = await demoDonation(getDb(), params.sessionId ?? '')
  if (!donation) throw notFound()
  const parsed = Intent.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return Response.json({ error: 'intent must be pay or cancel' }, { status: 400 })
  if (donation.status === 'pending') {
    const event = demoCheckoutEvent({
      publicId: donation.public_id,
      amount: donation.amount,
      currency: donation.currency,
      frequency: donation.frequency,
      outcome: parsed.data.intent === 'pay' ? 'paid' : 'expired',
    })
    const payload = JSON.stringify(event)
    const signature = signDemoPayload(payload, demoWebhookSecret(getEnv().SESSION_SECRET))
    const db = getDb()
    const receipt = await receiveWebhook(db, getPaymentProvider(db), payload, signature)
    if (receipt.kind !== 'handled') throw new Response('Demo payment failed', { status: 500 })
  }
  return redirect(
    parsed.data.intent === 'pay'
      ? `/donate/thanks?donation=${donation.public_id}`
      : `/donate/cancelled?donation=${donation.public_id}`,
    303,
  )
}

export default function DemoCheckout() {
  const { donation } = useLoaderData<typeof loader>()
  return <DemoCashier amount={donation.amount} currency={donation.currency} title="demo.title" body="demo.body" />
}
