import type { LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { listAudit, listAuditActions } from '~/modules/audit/audit.server'
import { hasRootScope, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { calendarDay } from '~/utils/calendar-day'
import { getDb } from '~/utils/db.server'
import { formatDateTime, isMessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'

export const access = { loader: 'audit.read' } satisfies RouteAccess

const PAGE = 50
const opt = z
  .string()
  .trim()
  .max(100)
  .optional()
  .transform((v) => v || undefined)
const Filters = z.object({
  actor: opt,
  action: opt,
  entityType: opt,
  entityId: opt,
  from: calendarDay().optional().catch(undefined),
  to: calendarDay().optional().catch(undefined),
  page: z.coerce.number().int().min(0).max(10_000).catch(0),
})

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const params = Object.fromEntries(new URL(request.url).searchParams)
  const f = Filters.parse(params)
  const db = getDb()
  const rows = await listAudit(db, {
    scope: stationScope(staff, access.loader),
    rootScope: hasRootScope(staff, access.loader),
    // Dates are whole days in China time; `to` is inclusive.
    filters: {
      ...f,
      from: f.from ? new Date(`${f.from}T00:00:00+08:00`).toISOString() : undefined,
      to: f.to ? new Date(Date.parse(`${f.to}T00:00:00+08:00`) + 86_400_000).toISOString() : undefined,
    },
    limit: PAGE + 1,
    offset: f.page * PAGE,
  })
  return { filters: f, rows: rows.slice(0, PAGE), more: rows.length > PAGE, actions: await listAuditActions(db) }
}

export default function AuditLog() {
  const { filters, rows, more, actions } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const when = (iso: string) => formatDateTime(iso, locale)
  // A stored code in words when the catalogue has it (audit.do.*, audit.kind.*), else as stored.
  const word = (prefix: string, code: string | null) => {
    if (!code) return '—'
    const key = `${prefix}.${code}`
    return isMessageKey(key) ? t(key) : code
  }
  const query = (page: number) =>
    '?' +
    new URLSearchParams({
      ...Object.fromEntries(
        Object.entries(filters)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      ),
      page: String(page),
    }).toString()
  return (
    <section>
      <h1>{t('admin.audit')}</h1>
      <Form method="get" className="admin-filters">
        <div className="field">
          <label htmlFor="a-actor">{t('audit.actor')}</label>
          <input id="a-actor" name="actor" type="email" defaultValue={filters.actor} />
        </div>
        <div className="field">
          <label htmlFor="a-action">{t('audit.action')}</label>
          <select id="a-action" name="action" defaultValue={filters.action ?? ''}>
            <option value="">{t('audit.any')}</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {word('audit.do', a)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="a-type">{t('audit.entityType')}</label>
          <input id="a-type" name="entityType" defaultValue={filters.entityType} />
        </div>
        <div className="field">
          <label htmlFor="a-id">{t('audit.entityId')}</label>
          <input id="a-id" name="entityId" defaultValue={filters.entityId} />
        </div>
        <div className="field">
          <label htmlFor="a-from">{t('audit.from')}</label>
          <input id="a-from" name="from" type="date" defaultValue={filters.from} />
        </div>
        <div className="field">
          <label htmlFor="a-to">{t('audit.to')}</label>
          <input id="a-to" name="to" type="date" defaultValue={filters.to} />
        </div>
        <button type="submit" className="button">
          {t('common.search')}
        </button>
      </Form>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={t('admin.audit')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('audit.at')}</th>
              <th scope="col">{t('audit.actor')}</th>
              <th scope="col">{t('audit.action')}</th>
              <th scope="col">{t('audit.entity')}</th>
              <th scope="col">{t('audit.station')}</th>
              <th scope="col">{t('audit.change')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>{when(r.at)}</td>
                <td>{r.actorEmail ?? '—'}</td>
                <td>{word('audit.do', r.action)}</td>
                <td>
                  {word('audit.kind', r.entityType)}
                  {r.entityId ? ` #${r.entityId}` : ''}
                </td>
                <td>{(locale === 'en' ? r.stationNameEn : r.stationName) ?? '—'}</td>
                <td>
                  {r.before ? <Change json={r.before} /> : null}
                  {r.before && r.after ? ' → ' : null}
                  {r.after ? <Change json={r.after} /> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        {filters.page > 0 ? <Link to={query(filters.page - 1)}>{t('common.previous')}</Link> : null}{' '}
        {more ? <Link to={query(filters.page + 1)}>{t('common.next')}</Link> : null}
      </p>
    </section>
  )
}

/** A before/after snapshot as "field: value" lines rather than raw JSON. */
function Change({ json }: { json: string }) {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return <span className="audit-value">{json}</span>
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return <span className="audit-value">{String(value)}</span>
  return (
    <span className="audit-change">
      {Object.entries(value).map(([k, v]) => (
        <span key={k}>
          {/* The field and value as they were stored (names, slugs, terms): data, not the app's words. */}
          <span className="audit-value">{k}</span>:{' '}
          <span className="audit-value">
            {typeof v === 'object' && v !== null ? Object.values(v).join(', ') : String(v)}
          </span>
          <br />
        </span>
      ))}
    </span>
  )
}
