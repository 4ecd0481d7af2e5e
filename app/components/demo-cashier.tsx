import { Form } from '@remix-run/react'
import type { MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

/**
 * The page of a demo checkout (card, Alipay, …): labelled as a demo, the amount, and the
 * choice to pay or cancel, posted back to the route that stands in for the provider.
 */
export function DemoCashier({
  amount,
  currency,
  title,
  body,
}: {
  amount: number
  currency: string
  title: MessageKey
  body: MessageKey
}) {
  const t = useT()
  const locale = useLocale()
  return (
    <section className="form-narrow">
      <div className="demo-banner" role="note">
        <p>
          <span className="demo-badge">{t('demo.badge')}</span>
        </p>
        <h1>{t(title)}</h1>
        <p>{t(body)}</p>
      </div>
      <p>
        {t('demo.amount')}: <strong>{formatMoney(amount, currency, locale)}</strong>
      </p>
      <Form method="post" className="choice-row">
        <button type="submit" name="intent" value="pay" className="button">
          {t('demo.pay')}
        </button>
        <button type="submit" name="intent" value="cancel" className="button secondary">
          {t('demo.cancel')}
        </button>
      </Form>
    </section>
  )
}
