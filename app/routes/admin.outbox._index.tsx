import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { recordAudit } from '~/modules/audit/audit.server'
import { can, clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { listOutbox, retryOutboxMessage } from '~/modules/mail/queries.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { formatDateTime } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { notFound } from '~/utils/http.server'

// The mail outbox: every email the app has queued, newest first. Without SMTP_URL
// this is where mail is read. Messages belong to no station, so only staff with a
// province-level (root) scope see them; others get an empty page (and 404 on one).

export const access = { loader: 'outbox.read', action: 'outbox.manage' } satisfies RouteAccess

const STATUSES = ['queued', 'sending', 'sent', 'failed'] as const
const Filters = z.object({
  status: z.enum(STATUSES).optional().catch(undefined),
  to: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .optional()
    .transform((v) => v || undefined)
    .catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
  retried: z.enum(['1', '0']).optional().catch(undefined),
})

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const f = Filters.parse(Object.fromEntries(new URL(request.url).searchParams))
  const root = hasRootScope(staff, access.loader)
  const page = root
    ? await listOutbox(getDb(), { status: f.status, to: f.to, before: f.before, limit: 50 })
    : { items: [], next: null, counts: { queued: 0, sending: 0, sent: 0, failed: 0 } }
  return {
    filters: f,
    root,
    ...page,
    smtp: Boolean(getEnv().SMTP_URL),
    canRetry: root && can(staff, access.action) && hasRootScope(staff, access.action),
  }
}

const RetryForm = z.object({
  intent: z.literal('retry'),
  id: z.coerce.number().int().positive(),
  back: z
    .string()
    .regex(/^\/admin\/outbox(\/\d+)?(\?[^\s]*)?$/)
    .catch('/admin/outbox'),
})

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (!hasRootScope(staff, access.action)) throw notFound()
  const parsed = RetryForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ ok: false }, { status: 400 })
  const db = getDb()
  const ok = await retryOutboxMessage(db, parsed.data.id)
  if (ok)
    await recordAudit(db, {
      actorUserId: staff.id,
      action: 'outbox.retry',
      entityType: 'mail_outbox',
      entityId: parsed.data.id,
      ip: clientIp(context),
    })
  const back = new URL(parsed.data.back, 'http://x')
  back.searchParams.set('retried', ok ? '1' : '0')
  return redirect(back.pathname + back.search)
}

export default function Outbox() {
  const { filters, root, items, next, counts, smtp, canRetry } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const when = (iso: string | null) => (iso ? formatDateTime(iso, locale) : '—')
  const olderHref = next
    ? '?' +
      new URLSearchParams({
        ...(filters.status ? { status: filters.status } : {}),
        ...(filters.to ? { to: filters.to } : {}),
        before: String(next),
      }).toString()
    : null
  const here =
    '/admin/outbox?' +
    new URLSearchParams({
      ...(filters.status ? { status: filters.status } : {}),
      ...(filters.to ? { to: filters.to } : {}),
    }).toString()
  return (
    <section>
      <h1>{t('outbox.title')}</h1>
      {smtp ? null : <p className="muted">{t('outbox.noSmtp')}</p>}
      {root ? null : <p role="status">{t('outbox.rootOnly')}</p>}
      {filters.retried ? (
        <p role="status">{t(filters.retried === '1' ? 'outbox.retried' : 'outbox.notRetried')}</p>
      ) : null}
      <p className="muted">{STATUSES.map((s) => `${t(`outbox.status.${s}`)} ${counts[s]}`).join(' · ')}</p>
      <Form method="get" className="admin-filters" aria-label={t('outbox.filterLabel')}>
        <div className="field">
          <label htmlFor="o-status">{t('outbox.status')}</label>
          <select id="o-status" name="status" defaultValue={filters.status ?? ''}>
            <option value="">{t('outbox.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`outbox.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="o-to">{t('outbox.to')}</label>
          <input id="o-to" name="to" type="email" defaultValue={filters.to} />
        </div>
        <button type="submit" className="button">
          {t('outbox.filter')}
        </button>
      </Form>
      {items.length === 0 ? (
        <p>{t('outbox.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('outbox.created')}</th>
                <th scope="col">{t('outbox.to')}</th>
                <th scope="col">{t('outbox.subject')}</th>
                <th scope="col">{t('outbox.status')}</th>
                <th scope="col">{t('outbox.attempts')}</th>
                <th scope="col">{t('outbox.lastError')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id}>
                  <td>{when(m.createdAt)}</td>
                  <td>{m.to}</td>
                  <td>
                    <Link to={`/admin/outbox/${m.id}`}>{m.subject}</Link> <span className="muted">({m.template})</span>
                  </td>
                  <td>
                    {t(`outbox.status.${m.status}`)}
                    {m.sentAt ? ` · ${when(m.sentAt)}` : ''}
                  </td>
                  <td>{m.attempts}</td>
                  <td>
                    {m.lastError ? <code>{m.lastError}</code> : '—'}
                    {m.status === 'failed' && canRetry ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="retry" />
                        <input type="hidden" name="id" value={m.id} />
                        <input type="hidden" name="back" value={here} />
                        <button type="submit">{t('outbox.retry')}</button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {olderHref ? (
        <p>
          <Link to={olderHref}>{t('outbox.next')}</Link>
        </p>
      ) : null}
    </section>
  )
}
