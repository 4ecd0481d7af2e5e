import { chinaDayStart, formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// The month's gifts per China day as horizontal bars: one row per day with its date, a bar
// (a <meter>, so no inline style is needed under the CSP) and the amount written out, which
// stays readable at 360 px and to a screen reader (the bar itself is decoration).

export function FinanceChart({
  days,
  currency,
  title,
  empty,
}: {
  days: { day: string; gross: number; count: number }[]
  currency: string
  title: string
  empty: string
}) {
  const locale = useLocale()
  const t = useT()
  const max = Math.max(0, ...days.map((d) => d.gross))
  return (
    <figure className="finance-chart">
      <figcaption>
        <strong>{title}</strong>
      </figcaption>
      {max === 0 ? (
        <p>{empty}</p>
      ) : (
        <ol>
          {days.map((d) => (
            <li key={d.day}>
              <span>{formatDate(chinaDayStart(d.day), locale)}</span>
              <span className="num">
                {t('finance.chart.value', { amount: formatMoney(d.gross, currency, locale), count: d.count })}
              </span>
              <meter min={0} max={max} value={d.gross} aria-hidden="true" />
            </li>
          ))}
        </ol>
      )}
    </figure>
  )
}
