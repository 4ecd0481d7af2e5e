import { data, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { reconcilePayouts, type PayoutReconciliation } from '~/modules/donations/reconcile.server'
import { getPaymentProvider } from '~/modules/payments/index.server'
import { addDays, calendarDay } from '~/utils/calendar-day'
import { getDb } from '~/utils/db.server'
import { notFound } from '~/utils/http.server'
import { chinaDate, chinaDayStart, codeKey, formatDateTime, isMessageKey, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// Reconciliation as a page: the Stripe payouts created in a range of China days and the
// balance transactions each settled, against our Stripe gifts and their refunds and
// disputes in the same range (reconcilePayouts, beside `npm run payments:reconcile`).
// Every item on one side only, or with other amounts, is flagged.

export const access = { loader: 'donations.read' } satisfies RouteAccess

const MAX_DAYS = 92
const Range = z
  .object({
    from: calendarDay('finance.reconcile.error.date'),
    to: calendarDay('finance.reconcile.error.date'),
  })
  .strict('finance.reconcile.error.date')
  .refine((r) => r.from <= r.to && addDays(r.from, MAX_DAYS) > r.to, {
    path: ['to'],
    message: 'finance.reconcile.error.range',
  })

type Page = {
  from: string
  to: string
  error: MessageKey | null
  result: PayoutReconciliation | null
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const params = new URL(request.url).searchParams
  const today = chinaDate()
  const raw = { from: params.get('from') || addDays(today, -29), to: params.get('to') || today }
  const parsed = Range.safeParse(raw)
  if (!parsed.success) {
    const message = parsed.error.issues[0]!.message
    const error = isMessageKey(message) ? message : 'finance.reconcile.error.date'
    return data({ ...raw, error, result: null } as Page, { status: 400 })
  }
  const { from, to } = parsed.data
  const db = getDb()
  let result: PayoutReconciliation
  try {
    result = await reconcilePayouts(db, getPaymentProvider(db), {
      from: chinaDayStart(from),
      to: chinaDayStart(addDays(to, 1)),
    })
  } catch (error) {
    console.error(`reconciliation failed: ${(error as Error).message}`)
    return data({ from, to, error: 'finance.reconcile.error.failed', result: null } as Page, { status: 502 })
  }
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'finance.reconcile',
    entityType: 'finance',
    after: { from, to, flagged: result.available ? result.flagged : null },
    ip: clientIp(context),
  })
  return data({ from, to, error: null, result } as Page)
}

export default function Reconcile() {
  // data() with a status is not unwrapped by the loader's type; Page holds only JSON values.
  const { from, to, error, result } = useLoaderData() as Page
  const t = useT()
  const locale = useLocale()
  const money = (amount: number, currency: string) => formatMoney(amount, currency, locale)
  return (
    <section>
      <p>
        <Link to="/admin/finance">{t('finance.back')}</Link>
      </p>
      <h1>{t('finance.reconcile.title')}</h1>
      <p className="muted">{t('finance.reconcile.intro')}</p>
      <Form method="get" className="admin-filters" aria-label={t('finance.reconcile.title')}>
        <div className="field">
          <label htmlFor="r-from">{t('finance.reconcile.from')}</label>
          <input id="r-from" name="from" type="date" defaultValue={from} />
        </div>
        <div className="field">
          <label htmlFor="r-to">{t('finance.reconcile.to')}</label>
          <input
            id="r-to"
            name="to"
            type="date"
            defaultValue={to}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'r-error' : undefined}
          />
        </div>
        <button type="submit" className="button">
          {t('finance.reconcile.submit')}
        </button>
      </Form>
      {error ? (
        <p className="field-error" id="r-error" role="alert">
          {t(error)}
        </p>
      ) : null}
      {result && !result.available ? <p>{t('finance.reconcile.unavailable')}</p> : null}
      {result?.available ? (
        <>
          <p role="status">
            {result.flagged === 0
              ? t('finance.reconcile.clean')
              : t('finance.reconcile.flagged', { count: result.flagged })}
          </p>
          {result.payouts.length === 0 ? <p>{t('finance.reconcile.noPayouts')}</p> : null}
          {result.payouts.map((p) => (
            <section key={p.id} aria-labelledby={`po-${p.id}`}>
              <h2 id={`po-${p.id}`}>
                {t('finance.reconcile.payout', {
                  id: p.id,
                  amount: money(p.amount, p.currency),
                  created: formatDateTime(p.created, locale),
                  arrival: formatDateTime(p.arrivalDate, locale),
                })}
              </h2>
              <div className="table-scroll table-region" tabIndex={0} role="region" aria-label={p.id}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('finance.reconcile.col.type')}</th>
                      <th scope="col">{t('finance.reconcile.col.source')}</th>
                      <th scope="col">{t('finance.reconcile.col.amount')}</th>
                      <th scope="col">{t('finance.reconcile.col.fee')}</th>
                      <th scope="col">{t('finance.reconcile.col.ours')}</th>
                      <th scope="col">{t('finance.reconcile.col.check')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.items.map(({ item, ours, flag }) => (
                      <tr key={item.id}>
                        <td>{t(itemType(item.type))}</td>
                        <td>{item.source ?? '—'}</td>
                        <td className="num">{money(item.amount, item.currency)}</td>
                        <td className="num">{money(item.fee, item.currency)}</td>
                        <td>
                          {ours ? (
                            <Link to={`/admin/donations/${ours.donationId}`}>
                              {t(codeKey('finance.kind.', ours.kind))} {ours.publicId}
                            </Link>
                          ) : (
                            '—'
                          )}
                        </td>
                        <td>{flag ? <strong>{t(codeKey('finance.flag.', flag))}</strong> : t('finance.flag.ok')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          ))}
          <h2>{t('finance.reconcile.notInPayout')}</h2>
          {result.notInPayout.length === 0 ? (
            <p>{t('finance.none')}</p>
          ) : (
            <ul>
              {result.notInPayout.map((u) => (
                <li key={`${u.kind}-${u.ref ?? u.publicId}`}>
                  <strong>{t('finance.flag.notInPayout')}</strong>
                  {' · '}
                  <Link to={`/admin/donations/${u.donationId}`}>
                    {t(codeKey('finance.kind.', u.kind))} {u.publicId}
                  </Link>
                  {' · '}
                  {money(u.amount, u.currency)}
                  {' · '}
                  {formatDateTime(u.at, locale)}
                </li>
              ))}
            </ul>
          )}
          <p className="muted">{t('finance.reconcile.edges')}</p>
        </>
      ) : null}
    </section>
  )
}

const KNOWN_TYPES = ['charge', 'payment', 'refund', 'payment_refund', 'adjustment', 'stripe_fee', 'payout']

/** Stripe's balance transaction types we name; any other is "other". */
function itemType(type: string): MessageKey {
  return codeKey('finance.itemType.', KNOWN_TYPES.includes(type) ? type : 'other')
}
