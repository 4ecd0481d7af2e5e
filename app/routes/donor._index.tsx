import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { DonorUpdates } from '~/components/campaign-updates'
import { requireDonor } from '~/modules/auth/donor.server'
import { donorUpdates, isUnsubscribed, setUpdateMails } from '~/modules/campaigns/updates.server'
import { donorGifts } from '~/modules/donations/donor.server'
import { donorSponsorships } from '~/modules/sponsorships/public.server'
import { getDb } from '~/utils/db.server'
import { codeKey, formatDate, pageTitle, resolveLocale } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// The signed-in donor's gifts: amount, status, where the money went, receipt PDF.

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, 'portal.title') },
  { name: 'robots', content: 'noindex' },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const donor = await requireDonor(request)
  const db = getDb()
  return {
    gifts: await donorGifts(db, { donorEmail: donor.email, locale: resolveLocale(request) }),
    sponsorships: await donorSponsorships(db, donor.email),
    updates: await donorUpdates(db, donor.email),
    updateMails: !(await isUnsubscribed(db, donor.email)),
  }
}

/** The progress-update mail setting (the same switch as the link in each mail). */
export async function action({ request }: ActionFunctionArgs) {
  const donor = await requireDonor(request)
  const form = await request.formData()
  const want = form.get('updateMails')
  if (form.get('intent') === 'update-mails' && (want === 'on' || want === 'off'))
    await setUpdateMails(getDb(), donor.email, want === 'on', 'portal')
  return redirect('/donor#updates')
}

export default function DonorGifts() {
  const { gifts, sponsorships, updates, updateMails } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('portal.gifts.title')}</h1>
      {gifts.length === 0 ? (
        <p>{t('portal.gifts.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table className="donor-gifts">
            <thead>
              <tr>
                <th scope="col">{t('portal.gifts.date')}</th>
                <th scope="col">{t('portal.gifts.purpose')}</th>
                <th scope="col">{t('portal.gifts.amount')}</th>
                <th scope="col">{t('portal.gifts.status')}</th>
                <th scope="col">{t('portal.gifts.links')}</th>
              </tr>
            </thead>
            <tbody>
              {gifts.map((g) => (
                <tr key={g.publicId}>
                  <td>{g.paidAt ? formatDate(g.paidAt, locale) : '—'}</td>
                  <td>
                    {g.purpose}
                    {g.frequency === 'monthly' ? <span className="muted"> · {t('portal.gifts.monthly')}</span> : null}
                  </td>
                  <td>{formatMoney(g.amount, g.currency, locale)}</td>
                  <td>
                    {t(`portal.status.${g.status as 'paid' | 'refunded' | 'partially_refunded' | 'disputed'}`)}
                    {g.refundedAmount > 0 ? (
                      <span className="muted">
                        {' '}
                        · {t('portal.gifts.refunded', { amount: formatMoney(g.refundedAmount, g.currency, locale) })}
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <a href={g.traceUrl}>{t('portal.gifts.trace')}</a>
                    {' · '}
                    {g.receipt ? (
                      <>
                        <a href={g.receipt.pdfUrl} download={`${g.receipt.number}.pdf`}>
                          {t('portal.gifts.receiptPdf', { number: g.receipt.number })}
                        </a>
                        {' · '}
                        <a href={g.receipt.verifyUrl}>{t('portal.gifts.verify')}</a>
                      </>
                    ) : (
                      <span className="muted">{t('portal.gifts.noReceipt')}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {sponsorships.length ? (
        <section aria-labelledby="my-sponsorships">
          <h2 id="my-sponsorships">{t('sponsor.mine')}</h2>
          <ul>
            {sponsorships.map((s) => (
              <li key={s.id}>
                <a href={s.path}>{t('portal.sponsorship.link', { code: s.publicCode })}</a>
                <span className="muted">
                  {' '}
                  · {s.schoolYear} · {t(codeKey('sponsorships.status.', s.status))}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <DonorUpdates updates={updates} subscribed={updateMails} />
    </section>
  )
}
