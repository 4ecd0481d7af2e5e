import { formatDateTime } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

export type CampaignPoolView = {
  id: number
  name: string
  sponsor: string
  currency: string
  left: number
  minGift: number
  open: boolean
  nextAt: string | null
}

/** The matching pools of a campaign: sponsor, what is left, and open now or when next (China time). */
export function CampaignPools({ pools }: { pools: CampaignPoolView[] }) {
  const t = useT()
  const locale = useLocale()
  if (!pools.length) return null
  return (
    <section aria-labelledby="matching" className="match-pools">
      <h2 id="matching">{t('matching.campaignTitle')}</h2>
      <ul>
        {pools.map((p) => (
          <li key={p.id}>
            <strong>{p.name}</strong>
            <br />
            {t('matching.campaignLeft', { sponsor: p.sponsor, amount: formatMoney(p.left, p.currency, locale) })}
            <br />
            <span className="muted">
              {t('matching.campaignMin', { amount: formatMoney(p.minGift, p.currency, locale) })} ·{' '}
              {p.open
                ? t('matching.campaignOpen')
                : p.nextAt
                  ? t('matching.campaignNext', {
                      at: formatDateTime(p.nextAt, locale, { dateStyle: 'medium', timeStyle: 'short' }),
                    })
                  : t('matching.campaignClosed')}
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
