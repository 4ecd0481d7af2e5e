import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { clientIp } from '~/modules/auth/authorize.server'
import { verifyReceiptThrottled } from '~/modules/receipts/verify.server'
import { getDb } from '~/utils/db.server'
import { formatDate, resolveLocale, translator } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { toChineseCapitals } from '~/utils/money-capitals'

// Public: receipt number + verification code (typed, or from the PDF's QR code) →
// what the receipt says. A GET form, so the QR code's URL shows the answer at once.

const Query = z.object({
  number: z.string().trim().max(40).default(''),
  code: z.string().trim().max(40).default(''),
})

export async function loader({ request, context }: LoaderFunctionArgs) {
  const locale = resolveLocale(request)
  const url = new URL(request.url)
  const query = Query.safeParse({
    number: url.searchParams.get('number') ?? undefined,
    code: url.searchParams.get('code') ?? undefined,
  })
  const { number, code } = query.success ? query.data : { number: '', code: '' }
  const result =
    number && code ? await verifyReceiptThrottled(getDb(), { number, code, locale, clientIp: clientIp(context) }) : null
  return { number, code, result }
}

export const meta: MetaFunction = ({ matches }) => {
  const root = matches.find((m) => m.id === 'root')?.data as { locale?: 'zh-CN' | 'en' } | undefined
  const t = translator(root?.locale ?? 'zh-CN')
  return [{ title: `${t('verify.title')} · ${t('app.name')}` }, { name: 'robots', content: 'noindex' }]
}

export function headers() {
  // The URL carries a verification code: keep it out of shared caches.
  return { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' }
}

export default function VerifyReceipt() {
  const { number, code, result } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  return (
    <section className="form-narrow">
      <h1>{t('verify.title')}</h1>
      <p className="muted">{t('verify.intro')}</p>
      <Form method="get" className="card">
        <div className="field">
          <label htmlFor="number">{t('verify.number')}</label>
          <input
            id="number"
            name="number"
            defaultValue={number}
            placeholder="HL-2026-000123"
            required
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <div className="field">
          <label htmlFor="code">{t('verify.code')}</label>
          <input
            id="code"
            name="code"
            defaultValue={code}
            placeholder="XXXX-XXXX-XXXX"
            required
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <button type="submit" className="button">
          {t('verify.submit')}
        </button>
      </Form>
      {result ? (
        <div
          role="status"
          aria-live="polite"
          className="card"
          data-result={result.valid ? (result.voided ? 'voided' : 'valid') : 'invalid'}
        >
          {'throttled' in result ? (
            <p className="field-error">{t('verify.throttled')}</p>
          ) : !result.valid ? (
            <p className="field-error">{t('verify.invalid')}</p>
          ) : (
            <>
              <h2>{result.number}</h2>
              {result.voided ? (
                <p className="field-error">
                  <strong>
                    {t('verify.voided', { date: formatDate(result.voidedAt ?? result.issuedAt, locale) })}
                  </strong>
                  {result.replacedBy ? ` ${t('verify.replacedBy', { number: result.replacedBy })}` : ''}
                </p>
              ) : (
                <p>
                  <strong>{t('verify.valid')}</strong>
                  {result.replaces ? ` ${t('verify.replaces', { number: result.replaces })}` : ''}
                </p>
              )}
              <dl>
                <dt>{t('verify.amount')}</dt>
                <dd>
                  {formatMoney(result.amount, result.currency, locale)}
                  {result.matchNote ? <span className="muted match-note"> {result.matchNote}</span> : null}
                </dd>
                {result.currency === 'CNY' ? (
                  <>
                    <dt>{t('verify.capitals')}</dt>
                    <dd lang="zh-CN">{toChineseCapitals(result.amount)}</dd>
                  </>
                ) : null}
                <dt>{t('verify.campaign')}</dt>
                <dd>{result.campaignTitle}</dd>
                <dt>{t('verify.date')}</dt>
                <dd>{formatDate(result.date, locale)}</dd>
                <dt>{t('verify.issued')}</dt>
                <dd>{formatDate(result.issuedAt, locale)}</dd>
              </dl>
              {result.official ? (
                <p>{t('verify.official', { code: result.official.code, number: result.official.number })}</p>
              ) : null}
            </>
          )}
          <p className="muted">{t('verify.privacy')}</p>
        </div>
      ) : null}
    </section>
  )
}
