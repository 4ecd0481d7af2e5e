import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, isRouteErrorResponse, NavLink, Outlet, useRouteError, useRouteLoaderData } from '@remix-run/react'
import { can, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import adminStyles from '~/components/admin/admin.css'
import { PERMISSIONS, type Permission } from '~/modules/auth/permissions'
import { codeKey } from '~/utils/i18n'
import { useT } from '~/utils/locale'

export const access = { loader: 'admin.access' } satisfies RouteAccess

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: adminStyles }]

export const meta: MetaFunction = () => [{ name: 'robots', content: 'noindex' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  return {
    displayName: staff.displayName,
    nav: {
      students: can(staff, 'students.read'),
      staff: can(staff, 'staff.read'),
      audit: can(staff, 'audit.read'),
      donations: can(staff, 'donations.record'),
      desk: hasRootScope(staff, 'donations.read'),
      scholarships: can(staff, 'disbursements.read'),
      outbox: can(staff, 'outbox.read'),
      reports: can(staff, 'ledger.read'),
      updates: can(staff, 'updates.write'),
      teams: can(staff, 'letters.moderate'),
      matching: can(staff, 'matching.manage'),
      campaigns: can(staff, 'campaigns.manage'),
      stations: can(staff, 'stations.manage'),
      organisation: hasRootScope(staff, 'organisation.manage'),
    },
  }
}

type LayoutData = Awaited<ReturnType<typeof loader>>

function AdminNav({ displayName, nav }: LayoutData) {
  const t = useT()
  return (
    <>
      <nav aria-label={t('admin.navLabel')} className="admin-nav">
        <NavLink to="/admin" end>
          {t('admin.dashboard')}
        </NavLink>
        {nav.students ? <NavLink to="/admin/students">{t('admin.students')}</NavLink> : null}
        {nav.staff ? <NavLink to="/admin/staff">{t('admin.staff')}</NavLink> : null}
        {nav.audit ? <NavLink to="/admin/audit">{t('admin.audit')}</NavLink> : null}
        {nav.desk ? (
          <NavLink to="/admin/donations" end>
            {t('admin.desk')}
          </NavLink>
        ) : null}
        {nav.desk ? <NavLink to="/admin/donors">{t('admin.donors')}</NavLink> : null}
        {nav.desk ? <NavLink to="/admin/e-receipts">{t('admin.official')}</NavLink> : null}
        {nav.desk ? <NavLink to="/admin/finance">{t('admin.finance')}</NavLink> : null}
        {nav.donations ? <NavLink to="/admin/donations/offline">{t('admin.donations')}</NavLink> : null}
        {nav.campaigns ? <NavLink to="/admin/campaigns">{t('admin.campaigns')}</NavLink> : null}
        {nav.stations ? <NavLink to="/admin/stations">{t('admin.stations')}</NavLink> : null}
        {nav.scholarships ? <NavLink to="/admin/batches">{t('admin.batches')}</NavLink> : null}
        {nav.scholarships ? <NavLink to="/admin/programmes">{t('admin.programmes')}</NavLink> : null}
        {nav.scholarships ? <NavLink to="/admin/sponsorships">{t('admin.sponsorships')}</NavLink> : null}
        {nav.scholarships ? <NavLink to="/admin/wishes">{t('admin.wishes')}</NavLink> : null}
        {nav.outbox ? <NavLink to="/admin/outbox">{t('admin.outbox')}</NavLink> : null}
        {nav.reports ? <NavLink to="/admin/reports">{t('admin.reports.title')}</NavLink> : null}
        {nav.updates ? <NavLink to="/admin/updates">{t('admin.updates')}</NavLink> : null}
        {nav.teams ? <NavLink to="/admin/teams">{t('admin.teams')}</NavLink> : null}
        {nav.matching ? <NavLink to="/admin/matching">{t('admin.matching')}</NavLink> : null}
        {nav.organisation ? <NavLink to="/admin/organisation">{t('admin.organisation')}</NavLink> : null}
        <NavLink to="/admin/sessions">{t('admin.sessions')}</NavLink>
        <NavLink to="/admin/password">{t('admin.password')}</NavLink>
        <NavLink to="/admin/security">{t('admin.security')}</NavLink>
        <span className="muted admin-user">{t('admin.signedInAs', { name: displayName })}</span>
        <Form method="post" action="/logout">
          <button type="submit" className="button">
            {t('auth.signOut')}
          </button>
        </Form>
      </nav>
    </>
  )
}

export default function AdminLayout() {
  const data = useRouteLoaderData<typeof loader>('routes/admin')!
  return (
    <div className="admin">
      <AdminNav {...data} />
      <Outlet />
    </div>
  )
}

/** The permission a 403 names (requireStaff writes "missing permission: <name>"). */
function missingPermission(body: unknown): Permission | undefined {
  const name = /missing permission: ([a-z.]+)/.exec(String(body ?? ''))?.[1]
  return (PERMISSIONS as readonly string[]).includes(name ?? '') ? (name as Permission) : undefined
}

/**
 * A refusal inside /admin keeps the staff navigation (when this layout's own loader ran)
 * and says which permission is missing, in words rather than a code.
 */
export function ErrorBoundary() {
  const error = useRouteError()
  const data = useRouteLoaderData<typeof loader>('routes/admin')
  const t = useT()
  const status = isRouteErrorResponse(error) ? error.status : 500
  const permission = status === 403 && isRouteErrorResponse(error) ? missingPermission(error.data) : undefined
  return (
    <div className="admin">
      {data ? <AdminNav {...data} /> : null}
      <section className="error-page" role="alert">
        {status === 403 ? (
          <>
            <h1>{t('forbidden.title')}</h1>
            <p>
              {permission
                ? t('forbidden.body', { permission: t(codeKey('permission.', permission)) })
                : t('forbidden.generic')}
            </p>
          </>
        ) : status === 404 ? (
          <>
            <h1>{t('error.notFoundTitle')}</h1>
            <p>{t('error.notFoundBody')}</p>
          </>
        ) : (
          <>
            <h1>{t('error.genericTitle')}</h1>
            <p>{t('error.genericBody')}</p>
          </>
        )}
      </section>
    </div>
  )
}
