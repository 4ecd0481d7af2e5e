import type { LoaderFunctionArgs } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { madeThisCheckout } from '~/modules/donations/checkout-cookie.server'
import { thanksGift } from '~/modules/donations/queries.server'
import { matchOfGift } from '~/modules/matching/donor.server'
import { resolveLocale } from '~/utils/i18n'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

export async function loader({ request }: LoaderFunctionArgs) {
  const publicId = (new URL(request.url).searchParams.get('donation') ?? '').slice(0, 40)
  // Only the browser that started this checkout sees the gift (see checkout-cookie.server.ts);
  // anyone else, and an unknown id, get the same generic thank-you.
  const mine = publicId !== '' && madeThisCheckout(request, publicId, { secret: getEnv().SESSION_SECRET })
  const donation = mine ? await thanksGift(getDb(), publicId) : undefined
  if (!donation) return { donation: null, match: null }
  const match = await matchOfGift(getDb(), publicId, resolveLocale(request))
  return { donation, match: match ? { amount: match.amount, currency: match.currency, sponsor: match.sponsor } : null }
}

// Never cached: the page differs by who asks.
export const headers = () => ({ 'Cache-Control': 'private, no-store' })

export default function Thanks() {
  const { donation, match } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  if (!donation)
    return (
      <section className="form-narrow">
        <h1>{t('thanks.title')}</h1>
        <p role="status">{t('thanks.generic')}</p>
      </section>
    )
  const paid = donation.status !== 'pending' && donation.status !== 'failed' && donation.status !== 'canceled'
  const amount = formatMoney(donation.amount, donation.currency, locale)
  return (
    <section className="form-narrow">
      <h1>{t('thanks.title')}</h1>
      <p role="status">{paid ? t('thanks.paid', { amount }) : t('thanks.pending')}</p>
      {match ? (
        <p className="match-note">
          {t('matching.thanks', { sponsor: match.sponsor, amount: formatMoney(match.amount, match.currency, locale) })}
        </p>
      ) : null}
      {donation.frequency === 'monthly' ? (
        <p>
          {t('thanks.monthly', { amount })} <Link to="/donor/recurring">{t('thanks.monthlyManage')}</Link>
        </p>
      ) : null}
      {donation.receipt ? (
        <p>
          {t('thanks.receipt', { number: donation.receipt.number })}{' '}
          <Link to={donation.receipt.verifyUrl}>{t('thanks.receiptVerify')}</Link> ·{' '}
          <a href={donation.receipt.pdfUrl}>{t('thanks.receiptPdf')}</a>
        </p>
      ) : null}
      <p>
        <Link className="button" to={`/trace/${donation.tracking_code}`}>
          {t('thanks.trace')}
        </Link>
      </p>
      <p className="muted">{t('thanks.traceNote')}</p>
    </section>
  )
}
