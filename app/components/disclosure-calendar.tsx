import { Link } from '@remix-run/react'
import type { DisclosureItem } from '~/modules/transparency/calendar'
import type { CampaignCalendar } from '~/modules/transparency/calendar.server'
import { codeKey, formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'

// A China day (YYYY-MM-DD) read as noon in China, so formatDate shows that same day.
const dayIso = (day: string) => `${day}T12:00:00+08:00`

function ItemLabel({ item }: { item: DisclosureItem }) {
  const t = useT()
  return (
    <>
      {item.kind === 'quarterly'
        ? t('calendar.kind.quarterly', { number: item.number })
        : t(codeKey('calendar.kind.', item.kind))}
    </>
  )
}

/** Per campaign: what is open (overdue, due, upcoming), and how many are done. */
export function DisclosureCalendar({
  calendars,
  openOnly = false,
}: {
  calendars: CampaignCalendar[]
  openOnly?: boolean
}) {
  const t = useT()
  const locale = useLocale()
  const shown = openOnly ? calendars.filter((c) => c.worst === 'overdue' || c.worst === 'due') : calendars
  if (shown.length === 0) return <p className="muted">{t('calendar.none')}</p>
  return (
    <ul className="disclosure-calendar">
      {shown.map((c) => {
        const open = c.items.filter((i) => i.status !== 'done' && (!openOnly || i.status !== 'upcoming'))
        const done = c.items.filter((i) => i.status === 'done').length
        return (
          <li key={c.campaign.id} data-status={c.worst}>
            <h3>
              <Link to={`/reports?campaign=${c.campaign.slug}`}>
                {locale === 'en' ? c.campaign.titleEn : c.campaign.title}
              </Link>
            </h3>
            <ul>
              {open.map((i) => (
                <li key={`${i.kind}-${i.number}`}>
                  <span className={`status status-${i.status}`}>{t(codeKey('calendar.status.', i.status))}</span>{' '}
                  <ItemLabel item={i} /> · {t('calendar.dueOn', { date: formatDate(dayIso(i.dueOn), locale) })}
                </li>
              ))}
            </ul>
            {done > 0 ? <p className="muted">{t('calendar.doneCount', { count: done })}</p> : null}
          </li>
        )
      })}
    </ul>
  )
}
