import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, NavLink, Outlet, useLoaderData } from '@remix-run/react'
import adminStyles from '~/components/admin/admin.css'
import { getDonorUser } from '~/modules/auth/donor.server'
import { useT } from '~/utils/locale'

// The donor portal's frame. Sign-in pages live under it too, so this loader only
// reads who is signed in; each page that shows a donor's data calls requireDonor.

// The staff area's navigation and table styles serve the donor pages too.
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: adminStyles }]

export const meta: MetaFunction = () => [{ name: 'robots', content: 'noindex' }]

export function headers() {
  return { 'Cache-Control': 'private, no-store' }
}

export async function loader({ request }: LoaderFunctionArgs) {
  const donor = await getDonorUser(request)
  return { email: donor?.email ?? null }
}

export default function DonorLayout() {
  const { email } = useLoaderData<typeof loader>()
  const t = useT()
  return (
    <div className="donor-portal">
      {email ? (
        <nav aria-label={t('portal.navLabel')} className="admin-nav">
          <NavLink to="/donor" end>
            {t('portal.nav.gifts')}
          </NavLink>
          <NavLink to="/donor/statements">{t('portal.nav.statements')}</NavLink>
          <NavLink to="/donor/recurring">{t('portal.nav.recurring')}</NavLink>
          <NavLink to="/donor/e-receipts">{t('portal.nav.official')}</NavLink>
          <NavLink to="/donor/teams">{t('teams.portal.nav')}</NavLink>
          <span className="muted admin-user">{t('portal.signedInAs', { email })}</span>
          <Form method="post" action="/logout">
            <input type="hidden" name="next" value="/donor/signin" />
            <button type="submit" className="button secondary">
              {t('auth.signOut')}
            </button>
          </Form>
        </nav>
      ) : null}
      <Outlet />
    </div>
  )
}
