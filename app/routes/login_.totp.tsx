import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { Field } from '~/components/admin/Field'
import { clientIp, getStaffUser } from '~/modules/auth/authorize.server'
import { attemptSecondFactor } from '~/modules/auth/login.server'
import { CodeForm } from '~/modules/auth/schema'
import { safeRedirect } from '~/utils/safe-redirect'
import { createSession, invalidateSession } from '~/modules/auth/session.server'
import { getDb } from '~/utils/db.server'
import { type MessageKey, pageTitle } from '~/utils/i18n'
import { useT } from '~/utils/locale'

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, 'auth.totpTitle') },
  { name: 'robots', content: 'noindex' },
]

/** Only a password-verified session of a TOTP user that has not yet given its code. */
async function pendingUser(request: Request) {
  const user = await getStaffUser(request)
  if (!user || !user.totpEnabled) throw redirect('/login')
  return user
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await pendingUser(request)
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '/admin')
  if (user.session.twoFactorVerified) throw redirect(redirectTo)
  return { redirectTo }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await pendingUser(request)
  const parsed = CodeForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ error: 'auth.codeInvalid' as MessageKey }, { status: 400 })
  const db = getDb()
  const ip = clientIp(context)
  if (!(await attemptSecondFactor(db, { userId: user.id, code: parsed.data.code, ip }))) {
    return data({ error: 'auth.codeInvalid' as MessageKey }, { status: 401 })
  }
  // A new session (new token) replaces the password-only one.
  await invalidateSession(db, user.session.id)
  const created = await createSession(db, {
    userId: user.id,
    twoFactorVerified: true,
    ip,
    userAgent: request.headers.get('User-Agent'),
  })
  return redirect(parsed.data.redirectTo, { headers: { 'Set-Cookie': created.cookie } })
}

export default function LoginTotp() {
  const { redirectTo } = useLoaderData<typeof loader>()
  const result = useActionData<{ error?: MessageKey }>()
  const t = useT()
  return (
    <section className="form-narrow">
      <h1>{t('auth.totpTitle')}</h1>
      <p>{t('auth.totpPrompt')}</p>
      <Form method="post" noValidate>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <Field
          name="code"
          label={t('auth.totpCode')}
          hint={t('auth.totpHint')}
          inputMode="text"
          autoComplete="one-time-code"
          required
          error={result?.error ? t(result.error) : undefined}
        />
        <button type="submit" className="button">
          {t('auth.verify')}
        </button>
      </Form>
    </section>
  )
}
