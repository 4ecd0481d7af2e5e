import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

export function CampaignProgress({
  raised,
  goal,
  currency,
  donors,
}: {
  raised: number
  goal: number
  currency: string
  donors: number
}) {
  const t = useT()
  const locale = useLocale()
  // Integer percent, capped for the bar; the label may exceed 100 %.
  const percent = goal > 0 ? Math.floor((raised * 100) / goal) : 0
  return (
    <div className="campaign-progress">
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.min(percent, 100)}
        aria-label={t('campaign.progressLabel', { percent })}
      >
        {/* An SVG rect rather than an inline style: the CSP allows no inline styles. */}
        <svg width="100%" height="10" aria-hidden="true" focusable="false">
          <rect x="0" y="0" height="10" width={`${Math.min(percent, 100)}%`} rx="5" className="progress-fill" />
        </svg>
      </div>
      <p className="progress-figures">
        <strong>{formatMoney(raised, currency, locale)}</strong>{' '}
        <span className="muted">
          / {t('campaign.goal')} {formatMoney(goal, currency, locale)} · {t('campaign.donors', { count: donors })} ·{' '}
          {percent}%
        </span>
      </p>
      <p className="chart-note">{t('campaign.progressNote')}</p>
    </div>
  )
}
