import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '~/components/admin/Field'
import { clientIp, requireStaff } from '~/modules/auth/authorize.server'
import { changeOwnPassword } from '~/modules/auth/password-reset.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { fieldErrors } from '~/modules/auth/schema'
import { getDb } from '~/utils/db.server'
import { useT } from '~/utils/locale'
import { isRefusal } from '~/utils/refusal'

export const access = { loader: 'self.security', action: 'self.security' } satisfies RouteAccess

export const meta: MetaFunction = () => [{ title: '修改密码 · 希望账本' }]

const ChangeForm = z
  .object({
    current: z.string().min(1, 'form.required').max(1024, 'password.currentWrong'),
    password: z.string().min(8, 'auth.passwordLength').max(128, 'auth.passwordLength'),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'auth.passwordMismatch' })

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, { permission: access.loader })
  return null
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const parsed = ChangeForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error) }, { status: 400 })
  try {
    await changeOwnPassword(getDb(), {
      userId: staff.id,
      sessionId: staff.session.id,
      current: parsed.data.current,
      next: parsed.data.password,
      ip: clientIp(context),
    })
  } catch (e) {
    if (isRefusal(e)) return data({ errors: { [e.field ?? 'current']: e.messageKey } }, { status: e.status })
    throw e
  }
  return redirect('/admin/password?changed=1')
}

export default function ChangePassword() {
  const result = useActionData<typeof action>()
  const [search] = useSearchParams()
  const t = useT()
  const err = (k: string) => (result?.errors[k] ? t(result.errors[k]) : undefined)
  return (
    <section className="form-narrow">
      <h1>{t('password.title')}</h1>
      {search.get('changed') === '1' && !result ? <p role="status">{t('password.changed')}</p> : null}
      <Form method="post" noValidate>
        <Field
          name="current"
          type="password"
          label={t('password.current')}
          autoComplete="current-password"
          required
          error={err('current')}
        />
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
        <p className="muted">{t('password.othersSignedOut')}</p>
        <button type="submit" className="button">
          {t('password.submit')}
        </button>
      </Form>
    </section>
  )
}
