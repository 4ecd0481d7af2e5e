import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useNavigation } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '~/components/admin/Field'
import { clientIp } from '~/modules/auth/authorize.server'
import { getDonorUser, requestDonorSignIn, SIGN_IN_RESPONSE_FLOOR_MS } from '~/modules/auth/donor.server'
import { getDb } from '~/utils/db.server'
import { pageTitle, resolveLocale } from '~/utils/i18n'
import { useT } from '~/utils/locale'

// Ask for a sign-in link. The answer is the same whether or not the address has
// gifts with us, and whether or not a rate limit stopped the mail.

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, 'portal.signin.title') },
  { name: 'robots', content: 'noindex' },
]

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getDonorUser(request)) throw redirect('/donor')
  return null
}

const SignInForm = z.object({ email: z.string().trim().toLowerCase().max(254).email() })

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = SignInForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ sent: false, invalid: true }, { status: 400 })
  const started = Date.now()
  await requestDonorSignIn(getDb(), { email: parsed.data.email, ip: clientIp(context), locale: resolveLocale(request) })
  // Queuing a link takes longer than finding no gifts: answer after the same floor either way.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, SIGN_IN_RESPONSE_FLOOR_MS - (Date.now() - started))))
  return { sent: true, invalid: false }
}

export default function DonorSignIn() {
  const result = useActionData<{ sent?: boolean; invalid?: boolean }>()
  const t = useT()
  const busy = useNavigation().state === 'submitting'
  return (
    <section className="form-narrow">
      <h1>{t('portal.signin.title')}</h1>
      {result?.sent ? (
        <p role="status">{t('portal.signin.sent')}</p>
      ) : (
        <>
          <p>{t('portal.signin.body')}</p>
          <Form method="post" noValidate>
            <Field
              name="email"
              type="email"
              label={t('portal.signin.email')}
              autoComplete="email"
              required
              error={result?.invalid ? t('portal.signin.emailInvalid') : undefined}
            />
            <button type="submit" className="button" disabled={busy}>
              {t('portal.signin.submit')}
            </button>
          </Form>
        </>
      )}
    </section>
  )
}
