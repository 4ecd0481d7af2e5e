import type { DeskTotal } from '~/modules/donations/desk.server'
import type { MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

/** Per-currency totals of donations (count, amount, fees, refunds), as the desk and the monthly close show them. */
export function DeskTotals({ totals, empty }: { totals: DeskTotal[]; empty: MessageKey }) {
  const t = useT()
  const locale = useLocale()
  const money = (amount: number, currency: string) => formatMoney(amount, currency, locale)
  if (totals.length === 0) return <p>{t(empty)}</p>
  return (
    <ul>
      {totals.map((s) => (
        <li key={s.currency}>
          {t('desk.totalLine', {
            currency: s.currency,
            count: s.count,
            amount: money(s.amount, s.currency),
            fee: money(s.fee, s.currency),
            refunded: money(s.refunded, s.currency),
          })}
        </li>
      ))}
    </ul>
  )
}
