import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { clientIp } from '~/modules/auth/authorize.server'
import { consumeDonorSignIn, signInLinkIsValid } from '~/modules/auth/donor.server'
import { getDb } from '~/utils/db.server'
import { useT } from '~/utils/locale'

// /donor/signin/<token>, the link from the email. GET only shows a button (mail
// scanners that prefetch links must not use them up); POST uses the link once
// and starts the donor's session.

export const meta: MetaFunction = () => [
  { title: '捐赠人中心 · 希望账本' },
  { name: 'robots', content: 'noindex' },
  { name: 'referrer', content: 'same-origin' },
]

export function headers() {
  // The URL is a credential until it is used: never in a Referer to another site.
  // (Not no-referrer: a form POST would then carry `Origin: null`, which the CSRF check refuses.)
  return { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'same-origin' }
}

export async function loader({ params }: LoaderFunctionArgs) {
  return { valid: await signInLinkIsValid(getDb(), params.token ?? '') }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const result = await consumeDonorSignIn(getDb(), {
    token: params.token ?? '',
    ip: clientIp(context),
    userAgent: request.headers.get('User-Agent'),
  })
  if (!result.ok) return data({ invalid: true }, { status: 400 })
  return redirect('/donor', { headers: { 'Set-Cookie': result.cookie } })
}

export default function ConfirmDonorSignIn() {
  const { valid } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const ok = valid && !result?.invalid
  return (
    <section className="form-narrow">
      <h1>{t('portal.confirm.title')}</h1>
      {ok ? (
        <>
          <p>{t('portal.confirm.body')}</p>
          <Form method="post">
            <button type="submit" className="button">
              {t('portal.confirm.submit')}
            </button>
          </Form>
        </>
      ) : (
        <>
          <p role="alert">{t('portal.confirm.invalid')}</p>
          <p>
            <Link to="/donor/signin">{t('portal.confirm.again')}</Link>
          </p>
        </>
      )}
    </section>
  )
}
