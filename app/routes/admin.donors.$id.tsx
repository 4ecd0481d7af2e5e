import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { DonorMerge } from '~/components/admin/DonorMerge'
import { DonorPrivacyLink } from '~/components/donor-privacy-link'
import { recordAudit } from '~/modules/audit/audit.server'
import { can, clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import { formValues, notFound, refusalData } from '~/utils/http.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { fieldErrors, IdParam } from '~/modules/auth/schema'
import { getDonor } from '~/modules/donations/desk-donors.server'
import { mergeDonors, MergeDonorForm } from '~/modules/donations/merge.server'
import { isRefusal } from '~/utils/refusal'
import { purposeTitle } from '~/modules/receipts/queries.server'
import { getDb } from '~/utils/db.server'
import { formatDate, formatDateTime, resolveLocale } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// One donor (by the id of any of their gifts): every gift, receipt and monthly gift.
// Root-scoped holders of donations.read only (404 otherwise); each view is audited.
// Finance and admin merge another donor record into this one (see merge.server.ts).

export const access = { loader: 'donations.read', action: 'donations.record' } satisfies RouteAccess

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const found = await getDonor(db, id.data)
  if (!found) throw notFound()
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'donor.read',
    entityType: 'donor',
    entityId: found.donor.id,
    ip: clientIp(context),
  })
  const locale = resolveLocale(request)
  const merged = Number(new URL(request.url).searchParams.get('merged'))
  return {
    ...found,
    gifts: found.gifts.map((g) => ({ ...g, purpose: purposeTitle(g, locale) })),
    canMerge: can(staff, access.action) && hasRootScope(staff, access.action),
    privacy: hasRootScope(staff, 'donors.privacy'),
    merged: Number.isInteger(merged) && merged > 0 ? merged : null,
  }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (!hasRootScope(staff, access.action)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const found = await getDonor(db, id.data)
  if (!found) throw notFound()
  const values = formValues(await request.formData())
  const parsed = MergeDonorForm.safeParse(values)
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error), values }, { status: 400 })
  try {
    const done = await mergeDonors(
      db,
      { id: staff.id, ip: clientIp(context) },
      { keepEmail: found.donor.email, mergeEmail: parsed.data.mergeEmail },
    )
    return redirect(`/admin/donors/${done.donorId}?merged=${done.donations.length}#donor-merge`)
  } catch (e) {
    if (isRefusal(e)) return refusalData(e, { values })
    throw e
  }
}

export default function Donor() {
  const { donor, gifts, receipts, recurring, canMerge, merged, privacy } = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const money = (n: number, currency: string) => formatMoney(n, currency, locale)
  const when = (iso: string | null) => (iso ? formatDateTime(iso, locale) : '—')
  return (
    <section>
      <p>
        <Link to="/admin/donors">{t('donors.one.back')}</Link>
      </p>
      <h1>{donor.name}</h1>
      <dl className="facts">
        <dt>{t('donors.email')}</dt>
        <dd>{donor.email}</dd>
        <dt>{t('donors.gifts')}</dt>
        <dd>{donor.gifts}</dd>
        <dt>{t('donors.total')}</dt>
        <dd>{donor.totals.map((s) => money(s.amount, s.currency)).join(' · ') || '—'}</dd>
        <dt>{t('donors.monthly')}</dt>
        <dd>{donor.monthly ? t('donors.monthlyYes') : t('donors.monthlyNo')}</dd>
      </dl>
      <DonorPrivacyLink donorId={donor.id} allowed={privacy} />

      <h2>{t('donors.one.gifts')}</h2>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('desk.col.id')}</th>
              <th scope="col">{t('desk.col.paidAt')}</th>
              <th scope="col">{t('desk.col.donor')}</th>
              <th scope="col">{t('desk.col.amount')}</th>
              <th scope="col">{t('desk.col.purpose')}</th>
              <th scope="col">{t('desk.col.method')}</th>
              <th scope="col">{t('desk.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {gifts.map((g) => (
              <tr key={g.id}>
                <td>
                  <Link to={`/admin/donations/${g.id}`}>{g.public_id}</Link>
                </td>
                <td>{when(g.paid_at)}</td>
                <td>{g.donor_name}</td>
                <td className="num">{money(g.amount, g.currency)}</td>
                <td>
                  {g.purpose}
                  {g.frequency === 'monthly' ? ` · ${t('desk.frequency.monthly')}` : ''}
                </td>
                <td>{t(`desk.method.${g.provider}`)}</td>
                <td>
                  {t(`desk.status.${g.status}`)}
                  {g.refunded_amount > 0 ? ` · ${money(g.refunded_amount, g.currency)}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>{t('donors.one.receipts')}</h2>
      {receipts.length === 0 ? (
        <p>{t('desk.one.receiptsEmpty')}</p>
      ) : (
        <ul>
          {receipts.map((r) => (
            <li key={r.id}>
              <Link to={`/admin/donations/${r.donation_id}`}>{r.number}</Link> · {money(r.amount, r.currency)} ·{' '}
              {when(r.issued_at)} ·{' '}
              {r.voided_at ? t('desk.one.receiptVoided', { reason: when(r.voided_at) }) : t('desk.one.receiptCurrent')}
            </li>
          ))}
        </ul>
      )}

      <h2>{t('donors.one.recurring')}</h2>
      {recurring.length === 0 ? (
        <p>{t('donors.one.recurringEmpty')}</p>
      ) : (
        <ul>
          {recurring.map((r) => (
            <li key={r.id}>
              {money(r.amount, r.currency)} · {t(`desk.recurring.${r.status}`)} ·{' '}
              {t('donors.one.since', { date: formatDate(r.created_at, locale) })}
              {r.canceled_at ? ` · ${t('donors.one.canceledOn', { date: formatDate(r.canceled_at, locale) })}` : ''}
            </li>
          ))}
        </ul>
      )}
      {canMerge ? (
        <DonorMerge
          email={donor.email}
          merged={merged}
          error={acted && 'error' in acted ? acted.error : undefined}
          errors={acted && 'errors' in acted ? acted.errors : undefined}
          values={acted?.values}
        />
      ) : null}
    </section>
  )
}
