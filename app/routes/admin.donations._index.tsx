import { data, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { DeskTotals } from '~/components/admin/DeskTotals'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import { notFound } from '~/utils/http.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import {
  DESK_METHODS,
  DESK_STATUSES,
  deskCampaigns,
  deskTotals,
  listDeskDonations,
  parseDeskQuery,
  type DeskFilters,
  type DeskRow,
  type DeskTotal,
} from '~/modules/donations/desk.server'
import { purposeTitle } from '~/modules/receipts/queries.server'
import { getDb } from '~/utils/db.server'
import { formatDateTime, resolveLocale, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// The donation desk: find any gift. Donations belong to no station, so only root-scoped
// holders of donations.read see them (others 404). Each view of the list is audited.

export const access = { loader: 'donations.read' } satisfies RouteAccess

/** The filters as a query string, without the page cursor (for links and the export). */
export function filterQuery(f: DeskFilters): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(f)) if (k !== 'before' && v !== undefined) p.set(k, String(v))
  return p.toString()
}

type Page = {
  filters: DeskFilters
  campaigns: Awaited<ReturnType<typeof deskCampaigns>>
  rows: (DeskRow & { purpose: string })[]
  next: number | null
  totals: DeskTotal[]
  error: { field: string; message: MessageKey } | null
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const db = getDb()
  const parsed = parseDeskQuery(new URL(request.url).searchParams)
  const campaigns = await deskCampaigns(db)
  if (!parsed.ok) {
    const error = { field: parsed.field, message: parsed.message }
    return data({ filters: parsed.filters, campaigns, rows: [], next: null, totals: [], error } as Page, {
      status: 400,
    })
  }
  const f = parsed.filters
  const [page, totals] = await Promise.all([listDeskDonations(db, f), deskTotals(db, f)])
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'donations.list',
    entityType: 'donations',
    after: { filters: f, shown: page.rows.map((r) => r.public_id) },
    ip: clientIp(context),
  })
  const locale = resolveLocale(request)
  const rows = page.rows.map((r) => ({ ...r, purpose: purposeTitle(r, locale) }))
  return data({ filters: f, campaigns, rows, next: page.next, totals, error: null } as Page)
}

export default function Donations() {
  // data() with a status is not unwrapped by the loader's type; Page holds only JSON values.
  const { filters: f, campaigns, rows, next, totals, error } = useLoaderData() as Page
  const t = useT()
  const locale = useLocale()
  const money = (amount: number, currency: string) => formatMoney(amount, currency, locale)
  const query = filterQuery(f)
  const errorFor = (field: string) =>
    error && error.field === field ? (
      <p className="field-error" id={`d-${field}-error`} role="alert">
        {t(error.message)}
      </p>
    ) : null
  const invalid = (field: string) =>
    error?.field === field ? { 'aria-invalid': true, 'aria-describedby': `d-${field}-error` } : {}
  return (
    <section>
      <h1>{t('desk.title')}</h1>
      <p className="muted">{t('desk.intro')}</p>
      {error &&
      !['q', 'campaign', 'status', 'method', 'currency', 'frequency', 'from', 'to', 'min', 'max'].includes(
        error.field,
      ) ? (
        <p className="field-error" role="alert">
          {t(error.message)}
        </p>
      ) : null}
      <Form method="get" className="admin-filters" aria-label={t('desk.filterLabel')}>
        <div className="field">
          <label htmlFor="d-q">{t('desk.q')}</label>
          <input id="d-q" name="q" type="search" defaultValue={f.q} placeholder={t('desk.qHint')} {...invalid('q')} />
          {errorFor('q')}
        </div>
        <div className="field">
          <label htmlFor="d-campaign">{t('desk.campaign')}</label>
          <select id="d-campaign" name="campaign" defaultValue={f.campaign ?? ''} {...invalid('campaign')}>
            <option value="">{t('desk.all')}</option>
            {campaigns.map((c) => (
              <option key={c.id} value={c.id}>
                {locale === 'en' ? c.title_en || c.title : c.title}
              </option>
            ))}
            <option value="none">{t('desk.campaignNone')}</option>
          </select>
          {errorFor('campaign')}
        </div>
        <div className="field">
          <label htmlFor="d-status">{t('desk.status')}</label>
          <select id="d-status" name="status" defaultValue={f.status ?? ''} {...invalid('status')}>
            <option value="">{t('desk.all')}</option>
            {DESK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`desk.status.${s}`)}
              </option>
            ))}
          </select>
          {errorFor('status')}
        </div>
        <div className="field">
          <label htmlFor="d-method">{t('desk.method')}</label>
          <select id="d-method" name="method" defaultValue={f.method ?? ''} {...invalid('method')}>
            <option value="">{t('desk.all')}</option>
            {DESK_METHODS.map((m) => (
              <option key={m} value={m}>
                {t(`desk.method.${m}`)}
              </option>
            ))}
          </select>
          {errorFor('method')}
        </div>
        <div className="field">
          <label htmlFor="d-currency">{t('desk.currency')}</label>
          <input id="d-currency" name="currency" defaultValue={f.currency} size={4} {...invalid('currency')} />
          {errorFor('currency')}
        </div>
        <div className="field">
          <label htmlFor="d-frequency">{t('desk.frequency')}</label>
          <select id="d-frequency" name="frequency" defaultValue={f.frequency ?? ''} {...invalid('frequency')}>
            <option value="">{t('desk.all')}</option>
            <option value="once">{t('desk.frequency.once')}</option>
            <option value="monthly">{t('desk.frequency.monthly')}</option>
          </select>
          {errorFor('frequency')}
        </div>
        <div className="field">
          <label htmlFor="d-from">{t('desk.from')}</label>
          <input id="d-from" name="from" type="date" defaultValue={f.from} {...invalid('from')} />
          {errorFor('from')}
        </div>
        <div className="field">
          <label htmlFor="d-to">{t('desk.to')}</label>
          <input id="d-to" name="to" type="date" defaultValue={f.to} {...invalid('to')} />
          {errorFor('to')}
        </div>
        <div className="field">
          <label htmlFor="d-min">{t('desk.min')}</label>
          <input id="d-min" name="min" inputMode="decimal" defaultValue={f.min} size={10} {...invalid('min')} />
          {errorFor('min')}
        </div>
        <div className="field">
          <label htmlFor="d-max">{t('desk.max')}</label>
          <input id="d-max" name="max" inputMode="decimal" defaultValue={f.max} size={10} {...invalid('max')} />
          {errorFor('max')}
        </div>
        <button type="submit" className="button">
          {t('desk.filter')}
        </button>
        <Link to="/admin/donations">{t('desk.reset')}</Link>
      </Form>
      {error ? null : (
        <>
          <p>
            <a href={`/admin/donations/export${query ? `?${query}` : ''}`} download>
              {t('desk.export')}
            </a>
          </p>
          <h2>{t('desk.totals')}</h2>
          <DeskTotals totals={totals} empty="desk.empty" />
        </>
      )}
      {rows.length === 0 ? null : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('desk.col.id')}</th>
                <th scope="col">{t('desk.col.receipt')}</th>
                <th scope="col">{t('desk.col.paidAt')}</th>
                <th scope="col">{t('desk.col.donor')}</th>
                <th scope="col">{t('desk.col.email')}</th>
                <th scope="col">{t('desk.col.amount')}</th>
                <th scope="col">{t('desk.col.purpose')}</th>
                <th scope="col">{t('desk.col.method')}</th>
                <th scope="col">{t('desk.col.status')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/admin/donations/${r.id}`}>{r.public_id}</Link>
                  </td>
                  <td>{r.receipt_number ?? '—'}</td>
                  <td>{r.paid_at ? formatDateTime(r.paid_at, locale) : '—'}</td>
                  <td>{r.donor_name}</td>
                  <td>{r.donor_email}</td>
                  <td className="num">{money(r.amount, r.currency)}</td>
                  <td>
                    {r.purpose}
                    {r.frequency === 'monthly' ? ` · ${t('desk.frequency.monthly')}` : ''}
                  </td>
                  <td>{t(`desk.method.${r.provider}`)}</td>
                  <td>
                    {t(`desk.status.${r.status}`)}
                    {r.refunded_amount > 0 ? ` · ${money(r.refunded_amount, r.currency)}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next ? (
        <p>
          <Link to={`?${query ? `${query}&` : ''}before=${next}`}>{t('desk.next')}</Link>
        </p>
      ) : null}
    </section>
  )
}
