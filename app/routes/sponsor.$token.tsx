import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { LetterError, submitSponsorLetter } from '~/modules/sponsorships/letters.server'
import { sponsorPage } from '~/modules/sponsorships/public.server'
import { getDb } from '~/utils/db.server'
import { formatDate, resolveLocale, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { gradeLabel } from '~/utils/words'

// The sponsor's own page, reached by the unguessable link in their emails: the student
// by pseudonym (first name only with the guardian's consent), moderated letters.
export const meta: MetaFunction = () => [{ name: 'robots', content: 'noindex' }]

export async function loader({ request, params }: LoaderFunctionArgs) {
  const page = await sponsorPage(getDb(), String(params.token ?? '').slice(0, 100), resolveLocale(request))
  if (!page) throw new Response('Not Found', { status: 404 })
  return { ...page, sent: new URL(request.url).searchParams.has('sent') }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const token = String(params.token ?? '').slice(0, 100)
  const body = String((await request.formData()).get('body') ?? '').slice(0, 4000)
  try {
    await submitSponsorLetter(getDb(), { token, body })
    return redirect(`/sponsor/${encodeURIComponent(token)}?sent=1`)
  } catch (e) {
    if (e instanceof LetterError) return data({ error: e.messageKey as MessageKey, body }, { status: 400 })
    throw e
  }
}

export default function MySponsorship() {
  const v = useLoaderData<typeof loader>()
  const r = useActionData<{ error: MessageKey; body: string }>()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('sponsor.mine')}</h1>
      <p>
        <strong>{v.publicCode}</strong> · {v.county} · {gradeLabel(v.grade, locale)} · {v.programme} · {v.schoolYear}
      </p>
      {v.firstName ? <p>{t('sponsor.firstName', { name: v.firstName })}</p> : null}
      <p>{t(`sponsorships.status.${v.status}` as MessageKey)}</p>
      <h2>{t('sponsor.letters')}</h2>
      <ul>
        {v.letters.map((l) => (
          <li key={l.id}>
            <strong>{t(l.direction === 'to_student' ? 'letters.toStudent' : 'letters.toSponsor')}</strong> ·{' '}
            {formatDate(l.submittedAt, locale)}
            {l.body ? (
              <blockquote>{l.body}</blockquote>
            ) : (
              <p className="muted">{t(l.status === 'rejected' ? 'letters.rejected' : 'letters.pending')}</p>
            )}
          </li>
        ))}
      </ul>
      {v.sent ? <p role="status">{t('letters.sent')}</p> : null}
      {v.status !== 'ended' ? (
        <Form method="post" className="form-narrow" noValidate>
          <div className="field">
            <label htmlFor="body">{t('letters.body')}</label>
            <textarea
              id="body"
              name="body"
              rows={5}
              maxLength={2000}
              defaultValue={r?.body}
              aria-invalid={r?.error ? true : undefined}
              aria-describedby={r?.error ? 'body-error' : undefined}
            />
            {r?.error ? (
              <span id="body-error" className="field-error" role="alert">
                {t(r.error)}
              </span>
            ) : null}
          </div>
          <button type="submit" className="button">
            {t('letters.submit')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}
