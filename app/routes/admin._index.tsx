import type { LoaderFunctionArgs } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { requireStaff, totpRequired } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { codeKey } from '~/utils/i18n'
import { useT } from '~/utils/locale'

export const access = { loader: 'admin.access' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  return {
    displayName: staff.displayName,
    grants: staff.grants.map((g) => ({ role: g.role, station: g.stationName })),
    totpMissing: totpRequired(staff) && !staff.totpEnabled,
  }
}

export default function AdminHome() {
  const { displayName, grants, totpMissing } = useLoaderData<typeof loader>()
  const t = useT()
  return (
    <section>
      <h1>{t('admin.welcome', { name: displayName })}</h1>
      {totpMissing ? (
        <p className="error-summary" role="status">
          {t('admin.totpRequiredNotice')} <Link to="/admin/security">{t('admin.security')}</Link>
        </p>
      ) : null}
      <h2>{t('admin.yourRoles')}</h2>
      <ul>
        {grants.map((g, i) => (
          <li key={i}>
            {t(codeKey('role.', g.role))}
            {g.station ? ` · ${g.station}` : ''}
          </li>
        ))}
      </ul>
    </section>
  )
}
