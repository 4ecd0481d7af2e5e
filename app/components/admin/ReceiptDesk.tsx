import { Form } from '@remix-run/react'
import type { MessageKey } from '~/utils/i18n'
import { useT } from '~/utils/locale'
import { Field } from './Field'

// The receipt part of /admin/donations/<id>: resend the current receipt to the donor's
// current address, and correct the donor's name or email (void and reissue). Finance
// and admin only; plain POST forms, so they work without JavaScript.

export type ReceiptDeskProps = {
  donorName: string
  donorEmail: string
  current: string | null
  /** A fresh key per page view: a double submit of one resend form queues one mail. */
  formKey: string
  done: 'resent' | 'corrected' | null
  error?: MessageKey
  errors?: Partial<Record<string, MessageKey>>
  values?: Record<string, string>
}

export function ReceiptDesk({
  donorName,
  donorEmail,
  current,
  formKey,
  done,
  error,
  errors,
  values,
}: ReceiptDeskProps) {
  const t = useT()
  const err = (name: string) => (errors?.[name] ? t(errors[name]!) : undefined)
  return (
    <section id="receipt-desk" aria-labelledby="receipt-desk-title">
      <h2 id="receipt-desk-title">{t('receipts.desk.title')}</h2>
      {done ? (
        <p role="status" className="notice">
          {t(done === 'resent' ? 'receipts.desk.resent' : 'receipts.desk.corrected')}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="field-error">
          {t(error)}
        </p>
      ) : null}
      {current ? (
        <Form method="post" className="inline-form">
          <p>{t('receipts.desk.current', { number: current, email: donorEmail })}</p>
          <input type="hidden" name="intent" value="receiptResend" />
          <input type="hidden" name="key" value={formKey} />
          <button type="submit" className="button secondary">
            {t('receipts.desk.resend')}
          </button>
        </Form>
      ) : (
        <p>{t('receipts.desk.none')}</p>
      )}
      <h3>{t('receipts.desk.correctTitle')}</h3>
      <p className="muted">{t('receipts.desk.correctHint')}</p>
      <Form method="post">
        <input type="hidden" name="intent" value="receiptCorrect" />
        <Field
          name="donorName"
          id="receipt-donor-name"
          label={t('receipts.desk.donorName')}
          defaultValue={values?.donorName ?? donorName}
          maxLength={100}
          required
          error={err('donorName')}
        />
        <Field
          name="donorEmail"
          id="receipt-donor-email"
          type="email"
          label={t('receipts.desk.donorEmail')}
          defaultValue={values?.donorEmail ?? donorEmail}
          maxLength={254}
          required
          error={err('donorEmail')}
        />
        <Field
          name="reason"
          id="receipt-reason"
          label={t('receipts.desk.reason')}
          hint={t('receipts.desk.reasonHint')}
          defaultValue={values?.reason ?? ''}
          maxLength={200}
          required
          error={err('reason')}
        />
        <button type="submit" className="button">
          {t('receipts.desk.correct')}
        </button>
      </Form>
    </section>
  )
}
