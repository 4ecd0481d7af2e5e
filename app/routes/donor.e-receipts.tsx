import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { Field } from '~/components/admin/Field'
import { requireDonor } from '~/modules/auth/donor.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { fieldErrors } from '~/modules/auth/schema'
import { donorGifts } from '~/modules/donations/donor.server'
import { OfficialRequestForm } from '~/modules/receipts/official-schema'
import { donorOfficialReceipts, requestOfficialReceipt } from '~/modules/receipts/official.server'
import { getDb } from '~/utils/db.server'
import { formValues, refusalData } from '~/utils/http.server'
import { formatDate, pageTitle, resolveLocale } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'

// The signed-in donor's official e-receipts (财政电子票据): ask for one per gift (payer name,
// and an organisation's 统一社会信用代码), and see it once finance has attached it.

export const access = { loader: 'donor.portal', action: 'donor.portal' } satisfies RouteAccess

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, 'portal.official.title') },
  { name: 'robots', content: 'noindex' },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const donor = await requireDonor(request)
  const db = getDb()
  const [gifts, requests] = await Promise.all([
    donorGifts(db, { donorEmail: donor.email, locale: resolveLocale(request) }),
    donorOfficialReceipts(db, donor.email),
  ])
  const byGift = new Map(requests.map((r) => [r.donation, r]))
  return {
    gifts: gifts
      .map((g) => ({ ...g, request: byGift.get(g.publicId) ?? null }))
      .filter((g) => g.request || (g.receipt && g.amount - g.refundedAmount > 0)),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const donor = await requireDonor(request)
  const values = formValues(await request.formData())
  const parsed = OfficialRequestForm.safeParse(values)
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error), values }, { status: 400 })
  try {
    await requestOfficialReceipt(getDb(), { ...parsed.data, donorEmail: donor.email })
  } catch (e) {
    if (isRefusal(e)) return refusalData(e, { values })
    throw e
  }
  return redirect('/donor/e-receipts?sent=1')
}

export default function DonorOfficialReceipts() {
  const { gifts } = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const [search] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  const failed = acted?.values?.donation
  return (
    <section>
      <h1>{t('portal.official.title')}</h1>
      <p className="muted">{t('portal.official.intro')}</p>
      {search.get('sent') ? (
        <p role="status" className="notice">
          {t('portal.official.sent')}
        </p>
      ) : null}
      {gifts.length === 0 ? <p>{t('portal.official.empty')}</p> : null}
      <ul className="official-queue">
        {gifts.map((g) => {
          const mine = failed === g.publicId ? acted : undefined
          const err = (name: string) => {
            const key = mine && 'errors' in mine ? mine.errors?.[name] : undefined
            return key ? t(key) : undefined
          }
          const id = (name: string) => `${name}-${g.publicId}`
          const r = g.request
          return (
            <li key={g.publicId} className="card">
              <h2 id={id('title')}>
                {g.purpose} · {formatMoney(g.amount - g.refundedAmount, g.currency, locale)}
              </h2>
              <p className="muted">
                {g.paidAt ? formatDate(g.paidAt, locale) : '—'}
                {g.receipt ? ` · ${g.receipt.number}` : ''}
              </p>
              {r?.official ? (
                <dl className="facts">
                  <dt>{t('portal.official.issued')}</dt>
                  <dd>
                    {r.payerName} · {formatMoney(r.official.amount, r.official.currency, locale)}
                  </dd>
                  <dt>{t('official.code')}</dt>
                  <dd>{r.official.code}</dd>
                  <dt>{t('official.number')}</dt>
                  <dd>{r.official.number}</dd>
                  <dt>{t('official.checkCode')}</dt>
                  <dd>{r.official.checkCode}</dd>
                  <dt>{t('official.date')}</dt>
                  <dd>{formatDate(r.official.date, locale)}</dd>
                  <dt>{t('official.verifyUrl')}</dt>
                  <dd>
                    <a href={r.official.verifyUrl} rel="noreferrer noopener">
                      {t('official.verify')}
                    </a>
                  </dd>
                </dl>
              ) : r ? (
                <p>{t('portal.official.requested', { date: formatDate(r.requestedAt, locale), payer: r.payerName })}</p>
              ) : (
                <Form method="post" aria-labelledby={id('title')}>
                  <input type="hidden" name="donation" value={g.publicId} />
                  {mine && 'error' in mine && mine.error ? (
                    <p role="alert" className="field-error">
                      {t(mine.error)}
                    </p>
                  ) : null}
                  <fieldset>
                    <legend>{t('portal.official.payerKind')}</legend>
                    {(['person', 'company'] as const).map((kind) => (
                      <label key={kind}>
                        <input
                          type="radio"
                          name="payerKind"
                          value={kind}
                          defaultChecked={(mine?.values?.payerKind ?? 'person') === kind}
                        />{' '}
                        {t(kind === 'company' ? 'official.payer.company' : 'official.payer.person')}
                      </label>
                    ))}
                  </fieldset>
                  <Field
                    name="payerName"
                    id={id('payer')}
                    label={t('portal.official.payerName')}
                    defaultValue={mine?.values?.payerName}
                    maxLength={100}
                    required
                    error={err('payerName')}
                  />
                  <Field
                    name="creditCode"
                    id={id('credit')}
                    label={t('official.creditCode')}
                    hint={t('portal.official.creditCodeHint')}
                    defaultValue={mine?.values?.creditCode}
                    maxLength={18}
                    autoCapitalize="characters"
                    error={err('creditCode')}
                  />
                  <button type="submit" className="button">
                    {t('portal.official.request')}
                  </button>
                </Form>
              )}
              {r?.reversalNumber ? <p>{t('portal.official.reversed', { number: r.reversalNumber })}</p> : null}
            </li>
          )
        })}
      </ul>
    </section>
  )
}
