import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { NewPasswordFields } from '~/components/admin/NewPasswordFields'
import { clientIp } from '~/modules/auth/authorize.server'
import { fieldErrors, PasswordForm } from '~/modules/auth/schema'
import { acceptInvite, findInvite } from '~/modules/auth/staff.server'
import { getDb } from '~/utils/db.server'
import { useT } from '~/utils/locale'
import { notFound, refusalData } from '~/utils/http.server'
import { Refusal } from '~/utils/refusal'

export const meta: MetaFunction = () => [
  { title: '设置密码 · 希望账本' },
  { name: 'robots', content: 'noindex' },
  { name: 'referrer', content: 'no-referrer' },
]

export async function loader({ params }: LoaderFunctionArgs) {
  const invite = await findInvite(getDb(), params.token ?? '')
  if (!invite) throw notFound()
  return { email: invite.email, displayName: invite.display_name }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const parsed = PasswordForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error) }, { status: 400 })
  const result = await acceptInvite(getDb(), {
    token: params.token ?? '',
    password: parsed.data.password,
    ip: clientIp(context),
  })
  if (!result.ok) {
    if (result.error === 'invalid_invite') throw notFound()
    return refusalData(new Refusal('auth.passwordLength', { field: 'password' }))
  }
  return redirect('/login?welcome=1')
}

export default function Invite() {
  const { email, displayName } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const errors = result?.errors ?? {}
  return (
    <section className="form-narrow">
      <h1>{t('auth.inviteTitle')}</h1>
      <p className="wrap-anywhere">{t('auth.inviteBody', { name: displayName, email })}</p>
      <Form method="post" noValidate>
        <NewPasswordFields errors={errors} />
        <button type="submit" className="button">
          {t('auth.setPassword')}
        </button>
      </Form>
    </section>
  )
}
