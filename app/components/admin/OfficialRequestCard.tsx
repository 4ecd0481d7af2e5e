import { Form, Link } from '@remix-run/react'
import { formatDate, formatDateTime, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { Field } from './Field'

// One request in the official-receipt queue (/admin/e-receipts): the gift, the payer, and
// either the form that attaches the bureau's receipt, or the receipt attached (with the
// reversal form when a refund has overtaken it). A card, not a table row, so it fits 360 px.

export type OfficialRequestRow = {
  id: number
  donation_id: number
  public_id: string
  donor_email: string
  payer_kind: 'person' | 'company'
  payer_name: string
  credit_code: string | null
  requested_at: string
  amount: number
  refunded: number
  currency: string
  official_code: string | null
  official_number: string | null
  check_code: string | null
  official_date: string | null
  official_amount: number | null
  verify_url: string | null
  attached_at: string | null
  reversal_number: string | null
  needs_reversal: boolean
}

type Props = {
  row: OfficialRequestRow
  canManage: boolean
  today: string
  errors?: Partial<Record<string, MessageKey>>
  values?: Record<string, string>
}

export function OfficialRequestCard({ row: r, canManage, today, errors, values }: Props) {
  const t = useT()
  const locale = useLocale()
  const money = (n: number) => formatMoney(n, r.currency, locale)
  const err = (name: string) => (errors?.[name] ? t(errors[name]!) : undefined)
  const id = (name: string) => `${name}-${r.id}`
  return (
    <li className="card" aria-labelledby={id('title')}>
      <h3 id={id('title')}>
        <Link to={`/admin/donations/${r.donation_id}`}>{r.public_id}</Link> · {r.payer_name}
      </h3>
      <dl className="facts">
        <dt>{t('official.col.payer')}</dt>
        <dd>
          {t(r.payer_kind === 'company' ? 'official.payer.company' : 'official.payer.person')} · {r.payer_name}
          {r.credit_code ? ` · ${t('official.creditCode')} ${r.credit_code}` : ''}
        </dd>
        <dt>{t('official.col.amount')}</dt>
        <dd>
          {money(r.amount)}
          {r.refunded > 0 ? ` · ${t('official.refunded', { amount: money(r.refunded) })}` : ''}
          {r.attached_at ? '' : ` · ${t('official.toIssue', { amount: money(r.amount - r.refunded) })}`}
        </dd>
        <dt>{t('official.col.requested')}</dt>
        <dd>
          {formatDateTime(r.requested_at, locale)} · {r.donor_email}
        </dd>
        {r.attached_at ? (
          <>
            <dt>{t('official.col.official')}</dt>
            <dd>
              {t('official.code')} {r.official_code} · {t('official.number')} {r.official_number} ·{' '}
              {t('official.checkCode')} {r.check_code} · {formatDate(r.official_date!, locale)} ·{' '}
              {t('official.covers', { amount: money(r.official_amount ?? 0) })} ·{' '}
              <a href={r.verify_url!} rel="noreferrer noopener" target="_blank">
                {t('official.verify')}
              </a>
              {r.reversal_number ? ` · ${t('official.reversalDone', { number: r.reversal_number })}` : ''}
            </dd>
          </>
        ) : null}
      </dl>
      {r.needs_reversal ? (
        <p className="field-error">
          {t('official.needsReversal', { covers: money(r.official_amount ?? 0), kept: money(r.amount - r.refunded) })}
        </p>
      ) : null}
      {canManage && !r.attached_at && r.amount - r.refunded > 0 ? (
        <Form method="post" aria-label={t('official.attach')}>
          <input type="hidden" name="intent" value="attach" />
          <input type="hidden" name="request" value={r.id} />
          <Field
            name="code"
            id={id('code')}
            label={t('official.code')}
            defaultValue={values?.code}
            maxLength={40}
            required
            error={err('code')}
          />
          <Field
            name="number"
            id={id('number')}
            label={t('official.number')}
            defaultValue={values?.number}
            maxLength={40}
            required
            error={err('number')}
          />
          <Field
            name="checkCode"
            id={id('check')}
            label={t('official.checkCode')}
            defaultValue={values?.checkCode}
            maxLength={40}
            required
            error={err('checkCode')}
          />
          <Field
            name="date"
            id={id('date')}
            type="date"
            label={t('official.date')}
            defaultValue={values?.date ?? today}
            required
            error={err('date')}
          />
          <Field
            name="verifyUrl"
            id={id('url')}
            type="url"
            label={t('official.verifyUrl')}
            defaultValue={values?.verifyUrl}
            maxLength={500}
            required
            error={err('verifyUrl')}
          />
          <button type="submit" className="button">
            {t('official.attach')}
          </button>
        </Form>
      ) : null}
      {canManage && r.needs_reversal ? (
        <Form method="post" aria-label={t('official.recordReversal')}>
          <input type="hidden" name="intent" value="reverse" />
          <input type="hidden" name="request" value={r.id} />
          <Field
            name="reversalNumber"
            id={id('reversal')}
            label={t('official.reversalNumber')}
            defaultValue={values?.reversalNumber}
            maxLength={40}
            required
            error={err('reversalNumber')}
          />
          <button type="submit" className="button secondary">
            {t('official.recordReversal')}
          </button>
        </Form>
      ) : null}
    </li>
  )
}
