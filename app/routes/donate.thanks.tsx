import type { LoaderFunctionArgs } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { donationStatus } from '~/modules/donations/queries.server'
import { getDb } from '~/utils/db.server'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { notFound } from '~/utils/http.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const publicId = new URL(request.url).searchParams.get('donation') ?? ''
  const donation = publicId ? await donationStatus(getDb(), publicId) : undefined
  if (!donation) throw notFound()
  return { donation }
}

export default function Thanks() {
  const { donation } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const paid = donation.status !== 'pending' && donation.status !== 'failed' && donation.status !== 'canceled'
  return (
    <section className="form-narrow">
      <h1>{t('thanks.title')}</h1>
      <p role="status">
        {paid
          ? t('thanks.paid', { amount: formatMoney(donation.amount, donation.currency, locale) })
          : t('thanks.pending')}
      </p>
      <p>
        <Link className="button" to={`/trace/${donation.tracking_code}`}>
          {t('thanks.trace')}
        </Link>
      </p>
      <p className="muted">{t('thanks.traceNote')}</p>
    </section>
  )
}
