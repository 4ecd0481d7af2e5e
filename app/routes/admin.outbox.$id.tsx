import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { recordAudit } from '~/modules/audit/audit.server'
import { can, clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import { IdParam } from '~/modules/auth/schema'
import type { RouteAccess } from '~/modules/auth/permissions'
import { getOutboxMessage, retryOutboxMessage } from '~/modules/mail/queries.server'
import { getDb } from '~/utils/db.server'
import { formatDateTime } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { notFound } from '~/utils/http.server'

// One outbox message as it is (or would be) sent: headers, the text version, and
// the HTML inside a sandboxed iframe served by admin.outbox.$id.html (its own CSP,
// no scripts, no same-origin access). Each view is audited: messages hold addresses.

export const access = { loader: 'outbox.read', action: 'outbox.manage' } satisfies RouteAccess

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const message = await getOutboxMessage(db, id.data)
  if (!message) throw notFound()
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'outbox.read',
    entityType: 'mail_outbox',
    entityId: message.id,
    ip: clientIp(context),
  })
  const { rendered, ...rest } = message
  return {
    message: { ...rest, text: rendered.text },
    canRetry: can(staff, access.action) && hasRootScope(staff, access.action),
  }
}

const RetryForm = z.object({ intent: z.literal('retry') })

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (!hasRootScope(staff, access.action)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  if (!RetryForm.safeParse(Object.fromEntries(await request.formData())).success)
    return data({ ok: false }, { status: 400 })
  const db = getDb()
  const ok = await retryOutboxMessage(db, id.data)
  if (ok)
    await recordAudit(db, {
      actorUserId: staff.id,
      action: 'outbox.retry',
      entityType: 'mail_outbox',
      entityId: id.data,
      ip: clientIp(context),
    })
  return redirect(`/admin/outbox/${id.data}?retried=${ok ? 1 : 0}`)
}

export default function OutboxMessage() {
  const { message: m, canRetry } = useLoaderData<typeof loader>()
  const retried = useSearchParams()[0].get('retried')
  const t = useT()
  const locale = useLocale()
  const when = (iso: string | null) => (iso ? formatDateTime(iso, locale) : '—')
  return (
    <section>
      <p>
        <Link to="/admin/outbox">{t('outbox.back')}</Link>
      </p>
      <h1>{m.subject}</h1>
      {retried ? <p role="status">{t(retried === '1' ? 'outbox.retried' : 'outbox.notRetried')}</p> : null}
      <h2>{t('outbox.headers')}</h2>
      <dl className="facts">
        <dt>{t('outbox.to')}</dt>
        <dd>{m.to}</dd>
        <dt>{t('outbox.subject')}</dt>
        <dd>{m.subject}</dd>
        <dt>{t('outbox.messageId')}</dt>
        <dd>
          <code>{m.messageId}</code>
        </dd>
        <dt>{t('outbox.template')}</dt>
        <dd>
          {m.template} ({m.locale})
        </dd>
        <dt>{t('outbox.status')}</dt>
        <dd>
          {t(`outbox.status.${m.status}`)} · {t('outbox.attempts')} {m.attempts}
        </dd>
        <dt>{t('outbox.created')}</dt>
        <dd>{when(m.createdAt)}</dd>
        <dt>{t('outbox.sentAt')}</dt>
        <dd>{when(m.sentAt)}</dd>
        {m.lastError ? (
          <>
            <dt>{t('outbox.lastError')}</dt>
            <dd>
              <code>{m.lastError}</code>
            </dd>
          </>
        ) : null}
      </dl>
      {m.status === 'failed' && canRetry ? (
        <Form method="post">
          <input type="hidden" name="intent" value="retry" />
          <button type="submit" className="button">
            {t('outbox.retry')}
          </button>
        </Form>
      ) : null}
      <h2>{t('outbox.html')}</h2>
      <iframe
        src={`/admin/outbox/${m.id}/html`}
        sandbox=""
        title={m.subject}
        referrerPolicy="no-referrer"
        className="mail-frame"
        width="100%"
        height="576"
      />
      <h2>{t('outbox.text')}</h2>
      <pre className="mail-text">{m.text}</pre>
    </section>
  )
}
