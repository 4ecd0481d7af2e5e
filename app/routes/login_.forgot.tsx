import { type ActionFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '~/components/admin/Field'
import { clientIp } from '~/modules/auth/authorize.server'
import { requestPasswordReset, RESET_RESPONSE_FLOOR_MS } from '~/modules/auth/password-reset.server'
import { getDb } from '~/utils/db.server'
import { resolveLocale } from '~/utils/i18n'
import { useT } from '~/utils/locale'

// "Forgot password": always the same answer, no sooner than a floor, whether or not the
// address belongs to a staff account (requestPasswordReset decides, rate-limited).

export const meta: MetaFunction = () => [{ title: '找回密码 · 希望账本' }, { name: 'robots', content: 'noindex' }]

const ForgotForm = z.object({ email: z.string().trim().max(254) })

export async function action({ request, context }: ActionFunctionArgs) {
  const started = Date.now()
  const parsed = ForgotForm.safeParse(Object.fromEntries(await request.formData()))
  if (parsed.success && parsed.data.email)
    await requestPasswordReset(getDb(), {
      email: parsed.data.email,
      ip: clientIp(context),
      locale: resolveLocale(request),
    })
  const wait = RESET_RESPONSE_FLOOR_MS - (Date.now() - started)
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  return { sent: true }
}

export default function Forgot() {
  const result = useActionData<typeof action>()
  const t = useT()
  return (
    <section className="form-narrow">
      <h1>{t('forgot.title')}</h1>
      {result?.sent ? (
        <p role="status">{t('forgot.sent')}</p>
      ) : (
        <>
          <p>{t('forgot.body')}</p>
          <Form method="post" noValidate>
            <Field name="email" type="email" label={t('auth.email')} autoComplete="username" required />
            <button type="submit" className="button">
              {t('forgot.submit')}
            </button>
          </Form>
        </>
      )}
      <p>
        <Link to="/login">{t('forgot.back')}</Link>
      </p>
    </section>
  )
}
