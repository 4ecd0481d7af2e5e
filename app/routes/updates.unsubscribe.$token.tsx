import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { unsubscribeByToken, unsubscribeTokenValid } from '~/modules/campaigns/updates.server'
import { getDb } from '~/utils/db.server'
import { useT } from '~/utils/locale'

// The unsubscribe link in every progress-update mail. Opening it (a GET, which mail
// scanners do on their own) only asks; the button below (a POST) unsubscribes.

export const meta: MetaFunction = () => [
  { title: '退订项目进展邮件 · 希望账本' },
  { name: 'robots', content: 'noindex' },
]

export function headers() {
  return { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' }
}

export async function loader({ params }: LoaderFunctionArgs) {
  const valid = await unsubscribeTokenValid(getDb(), params.token ?? '')
  return data({ valid }, { status: valid ? 200 : 404 })
}

export async function action({ params }: ActionFunctionArgs) {
  const done = await unsubscribeByToken(getDb(), params.token ?? '')
  return data({ done }, { status: done ? 200 : 404 })
}

export default function Unsubscribe() {
  const { valid } = useLoaderData<{ valid: boolean }>()
  const result = useActionData<{ done: boolean }>()
  const t = useT()
  return (
    <section className="form-narrow">
      <h1>{t('updates.unsubscribe.title')}</h1>
      {result?.done ? (
        <p role="status">{t('updates.unsubscribe.done')}</p>
      ) : !valid || result ? (
        <p role="alert">{t('updates.unsubscribe.invalid')}</p>
      ) : (
        <Form method="post">
          <p>{t('updates.unsubscribe.ask')}</p>
          <p className="muted">{t('updates.unsubscribe.note')}</p>
          <button type="submit" className="button">
            {t('updates.unsubscribe.confirm')}
          </button>
        </Form>
      )}
    </section>
  )
}
