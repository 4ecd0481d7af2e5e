import type { LoaderFunctionArgs } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { can, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { listBatches } from '~/modules/disbursements/batches.server'
import { getDb } from '~/utils/db.server'
import type { MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { termLabel } from '~/utils/words'
import { formatMoney } from '~/utils/money'

export const access = { loader: 'disbursements.read' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  return {
    batches: await listBatches(getDb(), stationScope(staff, access.loader)),
    canPrepare: can(staff, 'disbursements.prepare'),
  }
}

export default function Batches() {
  const { batches, canPrepare } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('batches.title')}</h1>
      {canPrepare ? (
        <p>
          <Link to="/admin/batches/new" className="button">
            {t('batches.new')}
          </Link>
        </p>
      ) : null}
      <p className="muted">{t('batches.totpNotice')}</p>
      {batches.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('batches.programme')}</th>
              <th scope="col">{t('batches.term')}</th>
              <th scope="col">{t('batches.station')}</th>
              <th scope="col">{t('batches.lines')}</th>
              <th scope="col">{t('batches.total')}</th>
              <th scope="col">{t('batches.status')}</th>
            </tr>
          </thead>
          <tbody>
            {batches.map((b) => (
              <tr key={b.id}>
                <td>
                  <Link to={`/admin/batches/${b.id}`}>#{b.id}</Link>
                </td>
                <td>{locale === 'en' ? b.programmeEn : b.programme}</td>
                <td>{termLabel(b.term, locale)}</td>
                <td>{locale === 'en' ? b.stationNameEn : b.stationName}</td>
                <td>{b.lines}</td>
                <td>{formatMoney(b.total, b.currency, locale)}</td>
                <td>{t(`batches.status.${b.status}` as MessageKey)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{t('batches.none')}</p>
      )}
    </section>
  )
}
