import { data, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { reconcileTradeBill, type BillReconciliation } from '~/modules/donations/bill-reconcile.server'
import { getAlipayProvider } from '~/modules/payments/alipay-config.server'
import { getWechatpayProvider } from '~/modules/payments/wechatpay-config.server'
import { addDays, calendarDay } from '~/utils/calendar-day'
import { getDb } from '~/utils/db.server'
import { notFound } from '~/utils/http.server'
import { chinaDate, codeKey, isMessageKey, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// WeChat Pay's and Alipay's daily trade bills against our gifts and refunds of that China
// day (reconcileTradeBill, beside `npm run payments:reconcile -- --provider … --date …`):
// every line on one side only, or with another amount, is flagged.

export const access = { loader: 'donations.read' } satisfies RouteAccess

const Query = z
  .object({
    provider: z.enum(['wechatpay', 'alipay'], { message: 'finance.bills.error.provider' }),
    date: calendarDay('finance.reconcile.error.date'),
  })
  .strict('finance.reconcile.error.date')

type Page = {
  provider: string
  date: string
  error: MessageKey | null
  /** null: not asked; false: the demo keeps no bill. */
  result: BillReconciliation | false | null
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const params = new URL(request.url).searchParams
  const raw = { provider: params.get('provider') || 'wechatpay', date: params.get('date') || addDays(chinaDate(), -1) }
  const parsed = Query.safeParse(raw)
  if (!parsed.success) {
    const message = parsed.error.issues[0]!.message
    const error = isMessageKey(message) ? message : 'finance.reconcile.error.date'
    return data({ ...raw, error, result: null } as Page, { status: 400 })
  }
  const { provider, date } = parsed.data
  const bills = provider === 'alipay' ? getAlipayProvider() : getWechatpayProvider()
  if (bills.demo) return data({ provider, date, error: null, result: false } as Page)
  const db = getDb()
  let result: BillReconciliation
  try {
    result = await reconcileTradeBill(db, bills, date)
  } catch (error) {
    console.error(`bill reconciliation failed: ${(error as Error).message}`)
    return data({ provider, date, error: 'finance.bills.error.failed', result: null } as Page, { status: 502 })
  }
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'finance.reconcile',
    entityType: 'finance',
    after: { provider, date, flagged: result.flags.length },
    ip: clientIp(context),
  })
  return data({ provider, date, error: null, result } as Page)
}

export default function Bills() {
  const { provider, date, error, result } = useLoaderData() as Page
  const t = useT()
  const locale = useLocale()
  const money = (fen: number | null) => (fen === null ? '—' : formatMoney(fen, 'CNY', locale))
  return (
    <section>
      <p>
        <Link to="/admin/finance">{t('finance.back')}</Link>
      </p>
      <h1>{t('finance.bills.title')}</h1>
      <p className="muted">{t('finance.bills.intro')}</p>
      <Form method="get" className="admin-filters" aria-label={t('finance.bills.title')}>
        <div className="field">
          <label htmlFor="b-provider">{t('finance.bills.provider')}</label>
          <select id="b-provider" name="provider" defaultValue={provider}>
            <option value="wechatpay">{t('finance.bills.provider.wechatpay')}</option>
            <option value="alipay">{t('finance.bills.provider.alipay')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="b-date">{t('finance.bills.date')}</label>
          <input
            id="b-date"
            name="date"
            type="date"
            defaultValue={date}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'b-error' : undefined}
          />
        </div>
        <button type="submit" className="button">
          {t('finance.reconcile.submit')}
        </button>
      </Form>
      {error ? (
        <p className="field-error" id="b-error" role="alert">
          {t(error)}
        </p>
      ) : null}
      {result === false ? <p>{t('finance.bills.demo')}</p> : null}
      {result ? (
        <>
          <p role="status">
            {t('finance.bills.summary', { bill: result.billLines, ours: result.ourLines, matched: result.matched })}{' '}
            {result.flags.length === 0
              ? t('finance.reconcile.clean')
              : t('finance.reconcile.flagged', { count: result.flags.length })}
          </p>
          {result.flags.length ? (
            <div className="table-scroll table-region" tabIndex={0} role="region" aria-label={t('finance.bills.title')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('finance.reconcile.col.check')}</th>
                    <th scope="col">{t('finance.reconcile.col.type')}</th>
                    <th scope="col">{t('finance.bills.col.order')}</th>
                    <th scope="col">{t('finance.bills.col.ref')}</th>
                    <th scope="col">{t('finance.bills.col.bill')}</th>
                    <th scope="col">{t('finance.bills.col.ours')}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.flags.map((f, i) => (
                    <tr key={`${f.issue}-${f.outTradeNo}-${f.ref ?? i}`}>
                      <td>
                        <strong>{t(codeKey('finance.bills.issue.', f.issue))}</strong>
                      </td>
                      <td>{t(f.kind === 'refund' ? 'finance.kind.refund' : 'finance.kind.donation')}</td>
                      <td>{f.outTradeNo}</td>
                      <td>{f.ref ?? '—'}</td>
                      <td className="num">{money(f.billAmount)}</td>
                      <td className="num">{money(f.ourAmount)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  )
}
