import type { LoaderFunctionArgs } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { requireStaff, stationScope, totpRequired } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { updatesToReview } from '~/modules/campaigns/updates.server'
import { stationNamesEn, whatWaits, type WaitingItem } from '~/modules/home/waiting.server'
import { disclosuresWaiting } from '~/modules/transparency/calendar.server'
import { getDb } from '~/utils/db.server'
import { codeKey, formatDate, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'

export const access = { loader: 'admin.access' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  // Station names in the reader's language: a grant carries only the Chinese one.
  const ids = staff.grants.flatMap((g) => (g.stationId === null ? [] : [g.stationId]))
  const en = await stationNamesEn(getDb(), ids)
  return {
    displayName: staff.displayName,
    grants: staff.grants.map((g) => ({
      role: g.role,
      station: g.stationName,
      stationEn: (g.stationId !== null && en.get(g.stationId)) || g.stationName,
    })),
    totpMissing: totpRequired(staff) && !staff.totpEnabled,
    waiting: await whatWaits(getDb(), staff),
    // The disclosure calendar (MCA Order 81) and progress updates awaiting a second reviewer.
    disclosures: stationScope(staff, 'ledger.read').length
      ? await disclosuresWaiting(getDb(), stationScope(staff, 'ledger.read'))
      : null,
    updates: stationScope(staff, 'updates.write').length
      ? await updatesToReview(getDb(), staff.id, stationScope(staff, 'updates.write'))
      : null,
  }
}

type Section = { key: string; title: MessageKey; all: string; items: (WaitingItem & { overdue?: boolean })[] | null }

function WaitingList({ section }: { section: Section }) {
  const t = useT()
  const locale = useLocale()
  const items = section.items ?? []
  return (
    <section aria-labelledby={`waiting-${section.key}`} className="waiting" data-testid={`waiting-${section.key}`}>
      <h3 id={`waiting-${section.key}`}>
        <Link to={section.all}>
          {t(section.title)} ({items.length})
        </Link>
      </h3>
      {items.length === 0 ? (
        <p className="muted">{t('home.none')}</p>
      ) : (
        <ul>
          {items.map((item) => (
            <li key={item.id}>
              <Link to={item.href}>{(locale === 'en' && item.labelEn) || item.label}</Link>
              {item.detail ? ` · ${(locale === 'en' && item.detailEn) || item.detail}` : ''}
              {item.at ? ` · ${formatDate(item.at, locale)}` : ''}
              {item.overdue ? <strong className="field-error"> {t('home.overdue')}</strong> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

export default function AdminHome() {
  const { displayName, grants, totpMissing, waiting, disclosures, updates } = useLoaderData<typeof loader>()
  const locale = useLocale()
  const t = useT()
  const all: Section[] = [
    { key: 'batches', title: 'home.batches', all: '/admin/batches', items: waiting.batches },
    { key: 'reports', title: 'home.reports', all: '/admin/reports', items: waiting.reports },
    { key: 'disclosures', title: 'calendar.homeTitle', all: '/admin/reports#calendar', items: disclosures },
    { key: 'updates', title: 'updates.homeTitle', all: '/admin/updates', items: updates },
    { key: 'wishes', title: 'home.wishes', all: '/admin/wishes', items: waiting.wishes },
    { key: 'letters', title: 'home.letters', all: '/admin/sponsorships', items: waiting.letters },
    { key: 'invitations', title: 'home.invitations', all: '/admin/staff', items: waiting.invitations },
  ]
  const sections = all.filter((s) => s.items !== null)
  return (
    <section>
      <h1>{t('admin.welcome', { name: displayName })}</h1>
      {totpMissing ? (
        <p className="error-summary" role="status">
          {t('admin.totpRequiredNotice')} <Link to="/admin/security">{t('admin.security')}</Link>
        </p>
      ) : null}
      <h2>{t('home.waitingTitle')}</h2>
      {sections.every((s) => (s.items ?? []).length === 0) ? <p>{t('home.nothing')}</p> : null}
      {sections.map((s) => (
        <WaitingList key={s.key} section={s} />
      ))}
      <h2>{t('admin.yourRoles')}</h2>
      <ul>
        {grants.map((g, i) => (
          <li key={i}>
            {t(codeKey('role.', g.role))}
            {g.station ? ` · ${locale === 'en' ? g.stationEn : g.station}` : ''}
          </li>
        ))}
      </ul>
    </section>
  )
}
