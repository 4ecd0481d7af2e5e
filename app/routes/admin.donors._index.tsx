import { data, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import { notFound } from '~/utils/http.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { listDonors, type DonorRow } from '~/modules/donations/desk-donors.server'
import { getDb } from '~/utils/db.server'
import { formatDate, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// Donors, one per email: who gave, how often and how much. Root-scoped holders of
// donations.read only; each view is audited (the page lists names and addresses).

export const access = { loader: 'donations.read' } satisfies RouteAccess

const blank = (v: unknown) => (v === '' ? undefined : v)
const DonorQuery = z
  .object({
    q: z.preprocess(blank, z.string().trim().max(200, 'desk.error.q').optional()),
    before: z.preprocess(blank, z.coerce.number().int().positive('desk.error.before').optional()),
  })
  .strict('desk.error.unknown')

type Page = {
  q: string
  rows: DonorRow[]
  next: number | null
  error: MessageKey | null
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const parsed = DonorQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams))
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? ''
    const error = message.startsWith('desk.error.') ? message : 'desk.error.unknown'
    return data({ q: '', rows: [], next: null, error } as Page, { status: 400 })
  }
  const db = getDb()
  const page = await listDonors(db, parsed.data)
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'donors.list',
    entityType: 'donors',
    after: { q: parsed.data.q ?? null, before: parsed.data.before ?? null, shown: page.rows.map((r) => r.id) },
    ip: clientIp(context),
  })
  return data({ q: parsed.data.q ?? '', ...page, error: null } as Page)
}

export default function Donors() {
  // data() is not unwrapped by the loader's type; Page holds only JSON values.
  const { q, rows, next, error } = useLoaderData() as Page
  const t = useT()
  const locale = useLocale()
  const day = (iso: string | null) => (iso ? formatDate(iso, locale) : '—')
  return (
    <section>
      <h1>{t('donors.title')}</h1>
      <p className="muted">{t('donors.intro')}</p>
      <Form method="get" className="admin-filters" aria-label={t('donors.title')}>
        <div className="field">
          <label htmlFor="dn-q">{t('donors.q')}</label>
          <input id="dn-q" name="q" type="search" defaultValue={q} />
        </div>
        <button type="submit" className="button">
          {t('donors.filter')}
        </button>
      </Form>
      {error ? (
        <p className="field-error" role="alert">
          {t(error)}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p>{t('donors.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('donors.name')}</th>
                <th scope="col">{t('donors.email')}</th>
                <th scope="col">{t('donors.gifts')}</th>
                <th scope="col">{t('donors.total')}</th>
                <th scope="col">{t('donors.first')}</th>
                <th scope="col">{t('donors.last')}</th>
                <th scope="col">{t('donors.monthly')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/admin/donors/${r.id}`}>{r.name}</Link>
                  </td>
                  <td>{r.email}</td>
                  <td className="num">{r.gifts}</td>
                  <td className="num">{r.totals.map((s) => formatMoney(s.amount, s.currency, locale)).join(' · ')}</td>
                  <td>{day(r.firstGift)}</td>
                  <td>{day(r.lastGift)}</td>
                  <td>{r.monthly ? t('donors.monthlyYes') : t('donors.monthlyNo')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next ? (
        <p>
          <Link to={`?${new URLSearchParams({ ...(q ? { q } : {}), before: String(next) })}`}>{t('donors.next')}</Link>
        </p>
      ) : null}
    </section>
  )
}
