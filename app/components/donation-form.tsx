import { Form, useNavigation } from '@remix-run/react'
import { useState, type FormEvent } from 'react'
import {
  donationFormSchema,
  donationFieldErrors,
  PRESET_AMOUNTS,
  type DonationLimits,
} from '~/modules/donations/schema'
import type { MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

const FREQUENCIES = ['once', 'monthly'] as const

const METHOD_LABEL = {
  card: 'donate.methodCard',
  alipay: 'donate.methodAlipay',
  wechatpay: 'donate.methodWechatpay',
} as const satisfies Record<string, MessageKey>

type Props = {
  limits: DonationLimits
  defaultCurrency: string
  campaigns: { slug: string; title: string }[]
  selectedCampaign: string | null
  errors?: Partial<Record<string, MessageKey>>
  formError?: string
  /** Values the server's refusal names (such as the date a campaign ended). */
  errorParams?: Record<string, string | number>
  values?: Record<string, string>
  /** A sponsorship or micro-wish chosen before this form: fixed, shown as text. */
  target?: { designation: 'wish' | 'sponsorship' | 'pool'; targetId: number; label: string; claim?: string } | null
  /** Offer 支付宝 beside the card (configured, or the demo outside production). */
  alipay?: boolean
  /** Offer 微信支付 beside the card (configured, or the demo outside production). */
  wechatpay?: boolean
  /** The chosen campaign's suggested amounts (minor units), instead of the usual ones. */
  presets?: readonly number[]
  /** The team page (一起捐) this gift is given through: carried as a hidden field, shown as text. */
  team?: { code: string; title: string } | null
}

// Works without JavaScript (a plain POST). With JavaScript, the same zod schema the
// server uses checks the form first, so mistakes show before a round trip.
export function DonationForm({
  limits,
  defaultCurrency,
  campaigns,
  selectedCampaign,
  errors: serverErrors,
  formError,
  errorParams,
  values = {},
  target,
  alipay = false,
  wechatpay = false,
  presets,
  team,
}: Props) {
  const methods = (['card', 'alipay', 'wechatpay'] as const).filter(
    (m) => m === 'card' || (m === 'alipay' ? alipay : wechatpay),
  )
  const amounts: readonly number[] = presets?.length ? presets : PRESET_AMOUNTS
  const defaultAmount = String(amounts.includes(10000) ? 10000 : amounts[0])
  const t = useT()
  const locale = useLocale()
  const navigation = useNavigation()
  const [clientErrors, setClientErrors] = useState<Partial<Record<string, MessageKey>> | null>(null)
  const errors = clientErrors ?? serverErrors ?? {}
  // A refused currency (not one we take) formats the limits in the default one.
  const currency = limits.currencies.includes(values.currency ?? '') ? values.currency! : defaultCurrency
  const message = (field: string) => {
    const key = errors[field]
    if (!key) return undefined
    return t(key, {
      ...errorParams,
      min: formatMoney(limits.min, currency, locale),
      max: formatMoney(limits.max, currency, locale),
    })
  }
  const describedBy = (field: string) => (errors[field] ? `${field}-error` : undefined)
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    const result = donationFormSchema(limits).safeParse(Object.fromEntries(new FormData(event.currentTarget)))
    if (!result.success) {
      event.preventDefault()
      setClientErrors(donationFieldErrors(result.error))
      // Null, not {}: an empty object would hide the server's answer to this very submit.
    } else setClientErrors(null)
  }
  const FieldError = ({ field }: { field: string }) =>
    errors[field] ? (
      <p className="field-error" id={`${field}-error`}>
        {message(field)}
      </p>
    ) : null
  const designation = values.designation ?? (selectedCampaign ? 'campaign' : 'general')
  // A micro-wish and a sponsor's money for its pool are one gift each (the server refuses monthly).
  const frequencies =
    target?.designation === 'wish' || target?.designation === 'pool' ? (['once'] as const) : FREQUENCIES

  return (
    <Form
      method="post"
      className="form-narrow"
      noValidate
      onSubmit={onSubmit}
      aria-describedby={Object.keys(errors).length || formError ? 'form-errors' : undefined}
    >
      {Object.keys(errors).length || formError ? (
        <div className="error-summary" id="form-errors" role="alert">
          {formError ?? t('donate.errorSummary')}
        </div>
      ) : null}
      <fieldset aria-describedby={describedBy('customAmount')}>
        <legend>{t('donate.amount')}</legend>
        <div className="choice-row">
          {amounts.map((amount) => (
            <label key={amount} className="choice">
              <input
                type="radio"
                name="amountChoice"
                value={String(amount)}
                defaultChecked={(values.amountChoice ?? defaultAmount) === String(amount)}
              />
              {formatMoney(amount, 'CNY', locale)}
            </label>
          ))}
          <label className="choice">
            <input type="radio" name="amountChoice" value="custom" defaultChecked={values.amountChoice === 'custom'} />
            {t('donate.custom')}
          </label>
        </div>
        <div className="field">
          <label htmlFor="customAmount">{t('donate.customAmount')}</label>
          <input
            id="customAmount"
            name="customAmount"
            inputMode="decimal"
            autoComplete="off"
            defaultValue={values.customAmount}
            aria-invalid={errors.customAmount ? true : undefined}
            aria-describedby={describedBy('customAmount')}
          />
          <FieldError field="customAmount" />
        </div>
        <div className="field">
          <label htmlFor="currency">{t('donate.currency')}</label>
          <select
            id="currency"
            name="currency"
            defaultValue={currency}
            aria-invalid={errors.currency ? true : undefined}
            aria-describedby={describedBy('currency')}
          >
            {limits.currencies.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <FieldError field="currency" />
        </div>
      </fieldset>

      <fieldset>
        <legend>{t('donate.frequency')}</legend>
        <div className="choice-row">
          {frequencies.map((f) => (
            <label key={f} className="choice">
              <input type="radio" name="frequency" value={f} defaultChecked={(values.frequency ?? 'once') === f} />
              {t(f === 'once' ? 'donate.once' : 'donate.monthly')}
            </label>
          ))}
        </div>
        <p className="muted">{t('donate.methods')}</p>
        <FieldError field="frequency" />
      </fieldset>

      {alipay || wechatpay ? (
        <fieldset aria-describedby={describedBy('method') ?? 'method-note'}>
          <legend>{t('donate.method')}</legend>
          <div className="choice-row">
            {methods.map((m) => (
              <label key={m} className="choice">
                <input type="radio" name="method" value={m} defaultChecked={(values.method ?? 'card') === m} />
                {t(METHOD_LABEL[m])}
              </label>
            ))}
          </div>
          {/* Shown, not hidden by script: without JavaScript the server checks the same rule. */}
          <p className="muted" id="method-note">
            {t('donate.methodNote')}
          </p>
          <FieldError field="method" />
        </fieldset>
      ) : null}

      {team ? (
        <p className="tag">
          <input type="hidden" name="team" value={team.code} />
          {t('teams.givingThrough', { title: team.title })}
        </p>
      ) : null}
      <FieldError field="team" />
      {target ? (
        <fieldset>
          <legend>{t('donate.designation')}</legend>
          <input type="hidden" name="designation" value={target.designation} />
          <input type="hidden" name="targetId" value={String(target.targetId)} />
          {target.claim ? <input type="hidden" name="claim" value={target.claim} /> : null}
          <p>{target.label}</p>
          <FieldError field="designation" />
        </fieldset>
      ) : (
        <fieldset>
          <legend>{t('donate.designation')}</legend>
          <div className="choice-row">
            <label className="choice">
              <input type="radio" name="designation" value="campaign" defaultChecked={designation === 'campaign'} />
              {t('donate.toCampaign')}
            </label>
            <label className="choice">
              <input type="radio" name="designation" value="general" defaultChecked={designation === 'general'} />
              {t('donate.toGeneral')}
            </label>
          </div>
          <div className="field">
            <label htmlFor="campaign">{t('nav.campaigns')}</label>
            <select
              id="campaign"
              name="campaign"
              defaultValue={values.campaign ?? selectedCampaign ?? ''}
              aria-invalid={errors.campaign ? true : undefined}
              aria-describedby={describedBy('campaign')}
            >
              <option value="">—</option>
              {campaigns.map((c) => (
                <option key={c.slug} value={c.slug}>
                  {c.title}
                </option>
              ))}
            </select>
            <FieldError field="campaign" />
            <FieldError field="designation" />
          </div>
        </fieldset>
      )}

      <fieldset>
        <legend>{t('donate.displayMode')}</legend>
        <div className="choice-row">
          {(['full', 'family', 'anonymous'] as const).map((m) => (
            <label key={m} className="choice">
              <input
                type="radio"
                name="displayMode"
                value={m}
                defaultChecked={(values.displayMode ?? 'family') === m}
              />
              {t(m === 'full' ? 'donate.showFull' : m === 'family' ? 'donate.showFamily' : 'donate.showAnonymous')}
            </label>
          ))}
        </div>
        <FieldError field="displayMode" />
        <div className="field">
          <label htmlFor="name">{t('donate.name')}</label>
          <input
            id="name"
            name="name"
            autoComplete="name"
            maxLength={80}
            defaultValue={values.name}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={describedBy('name')}
          />
          <FieldError field="name" />
        </div>
        <div className="field">
          <label htmlFor="email">{t('donate.email')}</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            defaultValue={values.email}
            aria-invalid={errors.email ? true : undefined}
            aria-describedby={describedBy('email')}
          />
          <FieldError field="email" />
        </div>
        <div className="field">
          <label htmlFor="phone">{t('donate.phone')}</label>
          <input
            id="phone"
            name="phone"
            type="tel"
            autoComplete="tel"
            maxLength={40}
            defaultValue={values.phone}
            aria-invalid={errors.phone ? true : undefined}
            aria-describedby={errors.phone ? 'phone-error phone-hint' : 'phone-hint'}
          />
          <p className="muted" id="phone-hint">
            {t('donate.phoneHint')}
          </p>
          <FieldError field="phone" />
        </div>
        <div className="field">
          <label htmlFor="message">{t('donate.message')}</label>
          <textarea
            id="message"
            name="message"
            rows={3}
            maxLength={500}
            defaultValue={values.message}
            aria-invalid={errors.message ? true : undefined}
            aria-describedby={describedBy('message')}
          />
          <FieldError field="message" />
        </div>
        <label className="choice">
          <input type="checkbox" name="coverFee" value="on" defaultChecked={values.coverFee === 'on'} />
          {t('donate.coverFee')}
        </label>
      </fieldset>
      <p className="muted">{t('donate.privacy')}</p>
      <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
        {t('donate.submit')}
      </button>
    </Form>
  )
}
