import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, NavLink, Outlet, useLoaderData } from '@remix-run/react'
import { can, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import adminStyles from '~/components/admin/admin.css'
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
      organisation: hasRootScope(staff, 'organisation.manage'),
    },
  }
}

export default function AdminLayout() {
  const { displayName, nav } = useLoaderData<typeof loader>()
  const t = useT()
  return (
    <div className="admin">
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
        {nav.donations ? <NavLink to="/admin/donations/offline">{t('admin.donations')}</NavLink> : null}
        {nav.scholarships ? <NavLink to="/admin/batches">{t('admin.batches')}</NavLink> : null}
        {nav.scholarships ? <NavLink to="/admin/programmes">{t('admin.programmes')}</NavLink> : null}
        {nav.scholarships ? <NavLink to="/admin/sponsorships">{t('admin.sponsorships')}</NavLink> : null}
        {nav.scholarships ? <NavLink to="/admin/wishes">{t('admin.wishes')}</NavLink> : null}
        {nav.outbox ? <NavLink to="/admin/outbox">{t('admin.outbox')}</NavLink> : null}
        {nav.reports ? <NavLink to="/admin/reports">{t('admin.reports.title')}</NavLink> : null}
        {nav.organisation ? <NavLink to="/admin/organisation">{t('admin.organisation')}</NavLink> : null}
        <NavLink to="/admin/sessions">{t('admin.sessions')}</NavLink>
        <NavLink to="/admin/security">{t('admin.security')}</NavLink>
        <span className="muted admin-user">{t('admin.signedInAs', { name: displayName })}</span>
        <Form method="post" action="/logout">
          <button type="submit" className="button">
            {t('auth.signOut')}
          </button>
        </Form>
      </nav>
      <Outlet />
    </div>
  )
}
