import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react'
import type { ReactNode } from 'react'
import { OrganisationFacts } from './components/organisation'
import { getStaffUser } from './modules/auth/authorize.server'
import { getDonorUser } from './modules/auth/donor.server'
import { getOrganisation } from './modules/organisation/settings.server'
import styles from './styles/app.css'
import { getDb } from './utils/db.server'
import { getPublicEnv } from './utils/env.server'
import { resolveLocale, translator, type Locale } from './utils/i18n'
import { useLocale, useT } from './utils/locale'
import { useNonce } from './utils/nonce'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const locale = resolveLocale(request)
  const db = getDb()
  // The header says who is signed in (staff or donor), so it never offers a sign-in to them.
  const user = await getStaffUser(request, db)
  const staff = user?.grants.some((g) => g.role !== 'donor') ?? false
  const viewer = staff ? ('staff' as const) : user && (await getDonorUser(request, db)) ? ('donor' as const) : null
  // The footer names the organisation from its settings page (/admin/organisation).
  return { locale, env: getPublicEnv(), organisation: await getOrganisation(db), viewer }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  const t = translator((data?.locale ?? 'zh-CN') as Locale)
  return [{ title: `${t('app.name')} · ${t('app.tagline')}` }, { name: 'description', content: t('app.tagline') }]
}

function LanguageSwitch() {
  const locale = useLocale()
  const t = useT()
  const location = useLocation()
  const next = locale === 'en' ? 'zh-CN' : 'en'
  // A form so that it works without JavaScript; the action sets a cookie and redirects back.
  return (
    <Form method="post" action="/locale" className="lang-switch">
      <input type="hidden" name="lng" value={next} />
      <input
        type="hidden"
        name="redirectTo"
        value={location.pathname + location.search.replace(/([?&])lng=[^&]*&?/, '$1').replace(/[?&]$/, '')}
      />
      <button type="submit" lang={next} aria-label={`${t('nav.language')}: ${t('nav.switchTo')}`}>
        {t('nav.switchTo')}
      </button>
    </Form>
  )
}

function Shell({ children }: { children: ReactNode }) {
  const t = useT()
  const viewer = useRouteLoaderData<typeof loader>('root')?.viewer ?? null
  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.home')}
      </a>
      <header className="site-header">
        <div className="container header-row">
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              希
            </span>
            <span className="brand-name">{t('app.name')}</span>
          </Link>
          <nav aria-label="main" className="main-nav">
            <Link to="/">{t('nav.home')}</Link>
            <Link to="/transparency">{t('nav.transparency')}</Link>
            <Link to="/donor">{viewer === 'donor' ? t('nav.donorSignedIn') : t('nav.donor')}</Link>
            {viewer === 'donor' ? null : (
              <Link to="/admin">{viewer === 'staff' ? t('nav.staffSignedIn') : t('nav.staff')}</Link>
            )}
          </nav>
          <LanguageSwitch />
        </div>
      </header>
      <main id="main" className="container">
        {children}
      </main>
      <footer className="site-footer">
        <div className="container">
          <OrganisationFacts className="footer-org" />
          <p>{t('footer.about')}</p>
          <p className="muted">{t('footer.receiptNote')}</p>
        </div>
      </footer>
    </>
  )
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>('root')
  const nonce = useNonce()
  return (
    <html lang={data?.locale ?? 'zh-CN'}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  )
}

export default function App() {
  return (
    <Shell>
      <Outlet />
    </Shell>
  )
}

export function ErrorBoundary() {
  const error = useRouteError()
  const t = useT()
  const notFound = isRouteErrorResponse(error) && error.status === 404
  const clientError = isRouteErrorResponse(error) && error.status < 500
  return (
    <Shell>
      <section className="error-page" role="alert">
        <h1>{notFound ? t('error.notFoundTitle') : clientError ? `${error.status}` : t('error.genericTitle')}</h1>
        <p>
          {notFound
            ? t('error.notFoundBody')
            : clientError
              ? String(error.data ?? error.statusText)
              : t('error.genericBody')}
        </p>
        <p>
          <Link to="/">{t('error.backHome')}</Link>
        </p>
      </section>
    </Shell>
  )
}
