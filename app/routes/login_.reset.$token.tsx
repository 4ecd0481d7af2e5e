import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { Field } from '~/components/admin/Field'
import { clientIp } from '~/modules/auth/authorize.server'
import { completePasswordReset, findPasswordReset } from '~/modules/auth/password-reset.server'
import { fieldErrors, PasswordForm } from '~/modules/auth/schema'
import { getDb } from '~/utils/db.server'
import { notFound } from '~/utils/http.server'
import { useT } from '~/utils/locale'
import { isRefusal } from '~/utils/refusal'

// The link from the reset mail. Opening it only shows the form, so a mail scanner that
// prefetches links does not use it up; the POST does.

export const meta: MetaFunction = () => [
  { title: '设置新密码 · 希望账本' },
  { name: 'robots', content: 'noindex' },
  { name: 'referrer', content: 'no-referrer' },
]

export async function loader({ params }: LoaderFunctionArgs) {
  const reset = await findPasswordReset(getDb(), params.token ?? '')
  if (!reset) throw notFound()
  return { email: reset.email }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const parsed = PasswordForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error) }, { status: 400 })
  try {
    await completePasswordReset(getDb(), {
      token: params.token ?? '',
      password: parsed.data.password,
      ip: clientIp(context),
    })
  } catch (e) {
    if (isRefusal(e) && e.status === 404) throw notFound()
    if (isRefusal(e)) return data({ errors: { [e.field ?? 'password']: e.messageKey } }, { status: e.status })
    throw e
  }
  return redirect('/login?reset=1')
}

export default function ResetPassword() {
  const { email } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const err = (k: string) => (result?.errors[k] ? t(result.errors[k]) : undefined)
  return (
    <section className="form-narrow">
      <h1>{t('reset.title')}</h1>
      <p>{t('reset.body', { email })}</p>
      <Form method="post" noValidate>
        <Field
          name="password"
          type="password"
          label={t('auth.newPassword')}
          hint={t('auth.passwordRule')}
          autoComplete="new-password"
          required
          error={err('password')}
        />
        <Field
          name="confirm"
          type="password"
          label={t('auth.confirmPassword')}
          autoComplete="new-password"
          required
          error={err('confirm')}
        />
        <button type="submit" className="button">
          {t('auth.setPassword')}
        </button>
      </Form>
    </section>
  )
}
