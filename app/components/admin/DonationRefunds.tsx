import { Form } from '@remix-run/react'
import type { MessageKey } from '~/utils/i18n'
import { formatDateTime } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney, formatMoneyParams } from '~/utils/money'
import { Field } from './Field'

// The refunds section of /admin/donations/<id>: staff requests (with approve / reject for a
// prepared one and "send again" for one the provider left unanswered) and the refund form.
// Plain forms: everything works without JavaScript.

export type RefundRequestView = {
  id: number
  amount: number
  reason: string
  bank_reference: string | null
  status: 'prepared' | 'requested' | 'succeeded' | 'failed' | 'rejected'
  refund_number: string
  prepared_by: number
  prepared_at: string
  prepared_by_name: string
  approved_by_name: string | null
}

export type RefundPanel = { remainder: number; threshold: number; offline: boolean; open: boolean }

type Answer = {
  error?: MessageKey
  errors?: Partial<Record<string, MessageKey>>
  params?: Record<string, string | number>
  values?: Record<string, string>
}

const DONE = ['succeeded', 'pending', 'prepared', 'failed', 'rejected'] as const

export function DonationRefunds(props: {
  currency: string
  panel: RefundPanel
  requests: RefundRequestView[]
  canRefund: boolean
  userId: number
  totpReady: boolean
  /** `?refund=` after a redirect back. */
  done: string | null
  answer?: Answer
}) {
  const { currency, panel, requests, canRefund, userId, totpReady, answer } = props
  const t = useT()
  const locale = useLocale()
  const money = (n: number) => formatMoney(n, currency, locale)
  const params = answer?.params && formatMoneyParams(answer.params, ['remainder'], currency, locale)
  const done = DONE.find((d) => d === props.done)
  const fieldError = (name: string) => (answer?.errors?.[name] ? t(answer.errors[name]!, params) : undefined)
  return (
    <section id="refunds" aria-labelledby="refunds-title">
      <h2 id="refunds-title">{t('refund.title')}</h2>
      {done ? <p role="status">{t(`refund.done.${done}`)}</p> : null}
      {answer?.error ? (
        <p className="error-summary" role="alert">
          {t(answer.error, params)}
        </p>
      ) : null}
      <p>{t('refund.remainder', { amount: money(Math.max(panel.remainder, 0)) })}</p>
      {requests.length === 0 ? (
        <p>{t('refund.none')}</p>
      ) : (
        <ul>
          {requests.map((r) => (
            <li key={r.id}>
              {money(r.amount)} · {t(`refund.status.${r.status}`)} · {r.reason}
              {r.bank_reference ? ` · ${r.bank_reference}` : ''} ·{' '}
              {t('refund.by', { name: r.prepared_by_name, date: formatDateTime(r.prepared_at, locale) })}
              {r.approved_by_name ? ` · ${t('refund.approvedBy', { name: r.approved_by_name })}` : ''}
              {canRefund && r.status === 'prepared' ? (
                <RequestActions request={r} own={r.prepared_by === userId} totpReady={totpReady} />
              ) : null}
              {canRefund && r.status === 'requested' && !r.bank_reference ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="refundRetry" />
                  <input type="hidden" name="requestId" value={r.id} />
                  <button type="submit" className="button">
                    {t('refund.retry')}
                  </button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canRefund && panel.open ? (
        <Form method="post" className="form-narrow">
          <input type="hidden" name="intent" value="refund" />
          <p className="muted">{t('refund.secondApproval', { amount: money(panel.threshold) })}</p>
          <Field
            name="amount"
            label={t('refund.amount')}
            hint={t('refund.amountHint')}
            inputMode="decimal"
            required
            maxLength={20}
            defaultValue={answer?.values?.amount}
            error={fieldError('amount')}
          />
          <Field
            name="reason"
            label={t('refund.reason')}
            required
            maxLength={500}
            defaultValue={answer?.values?.reason}
            error={fieldError('reason')}
          />
          {panel.offline ? (
            <Field
              name="bankReference"
              label={t('refund.bankReference')}
              hint={t('refund.bankReferenceHint')}
              required
              maxLength={100}
              defaultValue={answer?.values?.bankReference}
              error={fieldError('bankReference')}
            />
          ) : null}
          <button type="submit" className="button">
            {t('refund.submit')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}

function RequestActions({ request, own, totpReady }: { request: RefundRequestView; own: boolean; totpReady: boolean }) {
  const t = useT()
  return (
    <>
      {own ? <p className="muted">{t('refund.ownNotice')}</p> : null}
      {!own && !totpReady ? <p className="muted">{t('refund.totpNotice')}</p> : null}
      {!own ? (
        <Form method="post">
          <input type="hidden" name="intent" value="refundApprove" />
          <input type="hidden" name="requestId" value={request.id} />
          <button type="submit" className="button">
            {t('refund.approve')}
          </button>
        </Form>
      ) : null}
      <Form method="post">
        <input type="hidden" name="intent" value="refundReject" />
        <input type="hidden" name="requestId" value={request.id} />
        <button type="submit" className="button">
          {t('refund.reject')}
        </button>
      </Form>
    </>
  )
}
