import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { Field } from '~/components/admin/Field'
import { clientIp, getStaffUser } from '~/modules/auth/authorize.server'
import { attemptPasswordLogin } from '~/modules/auth/login.server'
import { fieldErrors, LoginForm } from '~/modules/auth/schema'
import { safeRedirect } from '~/utils/safe-redirect'
import { createSession } from '~/modules/auth/session.server'
import { getDb } from '~/utils/db.server'
import { type MessageKey, pageTitle } from '~/utils/i18n'
import { useT } from '~/utils/locale'

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, 'auth.loginTitle') },
  { name: 'robots', content: 'noindex' },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const redirectTo = safeRedirect(url.searchParams.get('redirectTo'), '/admin')
  const user = await getStaffUser(request)
  if (user && (!user.totpEnabled || user.session.twoFactorVerified)) throw redirect(redirectTo)
  return {
    redirectTo,
    welcome: url.searchParams.get('welcome') === '1',
    reset: url.searchParams.get('reset') === '1',
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = LoginForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success)
    return data({ errors: fieldErrors(parsed.error), formError: null, slowed: false }, { status: 400 })
  const db = getDb()
  const ip = clientIp(context)
  const outcome = await attemptPasswordLogin(db, { ...parsed.data, ip })
  // One message for every failure (wrong email, wrong password, inactive, rate-limited),
  // another while the account's wait runs: then the code field is offered.
  if (!outcome.ok)
    return data(
      {
        errors: {} as Record<string, MessageKey>,
        formError: outcome.slowed ? ('auth.loginSlowed' as const) : ('auth.loginFailed' as const),
        slowed: outcome.slowed,
      },
      { status: outcome.slowed ? 429 : 401 },
    )
  const created = await createSession(db, {
    userId: outcome.userId,
    twoFactorVerified: outcome.secondFactorDone,
    pendingTotp: outcome.needsTotp,
    ip,
    userAgent: request.headers.get('User-Agent'),
  })
  const next = outcome.needsTotp
    ? `/login/totp?redirectTo=${encodeURIComponent(parsed.data.redirectTo)}`
    : parsed.data.redirectTo
  return redirect(next, { headers: { 'Set-Cookie': created.cookie } })
}

export default function Login() {
  const { redirectTo, welcome, reset } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const busy = useNavigation().state === 'submitting'
  const errors = result?.errors ?? {}
  return (
    <section className="form-narrow">
      <h1>{t('auth.loginTitle')}</h1>
      {welcome && !result ? <p role="status">{t('auth.passwordSet')}</p> : null}
      {reset && !result ? <p role="status">{t('auth.passwordReset')}</p> : null}
      {result?.formError ? (
        <p className="error-summary" role="alert" id="login-error">
          {t(result.formError)}
        </p>
      ) : null}
      <Form method="post" noValidate aria-describedby={result?.formError ? 'login-error' : undefined}>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <Field
          name="email"
          type="email"
          label={t('auth.email')}
          autoComplete="username"
          required
          error={errors.email ? t(errors.email) : undefined}
        />
        <Field
          name="password"
          type="password"
          label={t('auth.password')}
          autoComplete="current-password"
          required
          error={errors.password ? t(errors.password) : undefined}
        />
        {result?.slowed ? (
          <Field
            name="code"
            label={t('auth.totpCode')}
            hint={t('auth.totpHint')}
            inputMode="text"
            autoComplete="one-time-code"
            error={errors.code ? t(errors.code) : undefined}
          />
        ) : null}
        <button type="submit" className="button" disabled={busy}>
          {t('auth.signIn')}
        </button>
      </Form>
      <p>
        <Link to="/login/forgot">{t('forgot.link')}</Link>
      </p>
    </section>
  )
}
