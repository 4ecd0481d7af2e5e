import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { clientIp } from '~/modules/auth/authorize.server'
import { requireDonor } from '~/modules/auth/donor.server'
import { cancelDonorRecurringGift, donorCardUpdateUrl, donorRecurringGifts } from '~/modules/donations/donor.server'
import { getPaymentProvider } from '~/modules/payments/index.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { notFound } from '~/utils/http.server'

// The donor's monthly gifts: cancel one (the provider first, then our row), or update
// the card in Stripe's customer portal where Stripe is configured.

export const meta: MetaFunction = () => [{ title: '捐赠人中心 · 希望账本' }, { name: 'robots', content: 'noindex' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const donor = await requireDonor(request)
  const gifts = await donorRecurringGifts(getDb(), donor.email)
  // ?cancel=<id> is the confirmation step (a page of its own, so it works without JavaScript).
  const asked = Number(new URL(request.url).searchParams.get('cancel'))
  const confirming = gifts.find((g) => g.id === asked && g.status !== 'canceled') ?? null
  return { gifts, confirming }
}

const RecurringAction = z.object({ intent: z.enum(['cancel', 'card']), id: z.coerce.number().int().positive() })

export async function action({ request, context }: ActionFunctionArgs) {
  const donor = await requireDonor(request)
  const parsed = RecurringAction.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ error: 'invalid' as const }, { status: 400 })
  const db = getDb()
  let provider
  try {
    provider = getPaymentProvider(db)
  } catch {
    return data({ error: 'provider_unavailable' as const }, { status: 503 })
  }
  if (parsed.data.intent === 'card') {
    const url = await donorCardUpdateUrl(db, provider, {
      id: parsed.data.id,
      donorEmail: donor.email,
      returnUrl: `${getEnv().BASE_URL}/donor/recurring`,
    })
    if (!url) throw notFound()
    return redirect(url)
  }
  const outcome = await cancelDonorRecurringGift(db, provider, {
    id: parsed.data.id,
    donorEmail: donor.email,
    actorUserId: donor.id,
    ip: clientIp(context),
  })
  if (outcome === 'not_found') throw notFound()
  if (outcome === 'provider_unavailable') return data({ error: outcome }, { status: 503 })
  return redirect('/donor/recurring?canceled=1')
}

export default function DonorRecurring() {
  const { gifts, confirming } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [search] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('portal.recurring.title')}</h1>
      {search.get('canceled') === '1' && !result ? <p role="status">{t('portal.recurring.canceled')}</p> : null}
      {result?.error === 'provider_unavailable' ? (
        <p role="alert">{t('portal.recurring.providerUnavailable')}</p>
      ) : null}
      {confirming ? (
        <section className="card" aria-labelledby="confirm-cancel">
          <h2 id="confirm-cancel">{t('portal.recurring.confirmTitle')}</h2>
          <p>
            {t('portal.recurring.confirmBody', {
              amount: formatMoney(confirming.amount, confirming.currency, locale),
              date: formatDate(confirming.createdAt, locale),
            })}
          </p>
          <Form method="post" className="inline-form">
            <input type="hidden" name="id" value={confirming.id} />
            <button type="submit" name="intent" value="cancel" className="button">
              {t('portal.recurring.confirmYes')}
            </button>{' '}
            <Link to="/donor/recurring" className="button secondary">
              {t('portal.recurring.confirmNo')}
            </Link>
          </Form>
        </section>
      ) : null}
      {gifts.length === 0 ? (
        <p>{t('portal.recurring.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('portal.recurring.amount')}</th>
                <th scope="col">{t('portal.recurring.since')}</th>
                <th scope="col">{t('portal.recurring.status')}</th>
                <th scope="col">{t('portal.recurring.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {gifts.map((g) => (
                <tr key={g.id}>
                  <td>{formatMoney(g.amount, g.currency, locale)}</td>
                  <td>{formatDate(g.createdAt, locale)}</td>
                  <td>
                    {t(`portal.recurring.status.${g.status}`)}
                    {g.paidInstalments ? (
                      <span className="muted">
                        {' '}
                        · {t('portal.recurring.paidInstalments', { count: g.paidInstalments })}
                      </span>
                    ) : null}
                    {g.canceledAt ? (
                      <span className="muted">
                        {' '}
                        · {t('portal.recurring.canceledOn', { date: formatDate(g.canceledAt, locale) })}
                      </span>
                    ) : null}
                  </td>
                  <td>
                    {g.status === 'canceled' ? null : (
                      <Form method="post">
                        <input type="hidden" name="id" value={g.id} />
                        {/* Cancelling asks first: the link opens the confirmation step. */}
                        <Link to={`/donor/recurring?cancel=${g.id}`} className="button secondary">
                          {t('portal.recurring.cancel')}
                        </Link>
                        {g.cardUpdate ? (
                          <button type="submit" name="intent" value="card" className="button secondary">
                            {t('portal.recurring.cardUpdate')}
                          </button>
                        ) : null}
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
