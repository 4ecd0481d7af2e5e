import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { DeskTotals } from '~/components/admin/DeskTotals'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import type { DeskTotal } from '~/modules/donations/desk.server'
import {
  CloseMonth,
  closeDifferences,
  getClose,
  listCloses,
  prepareClose,
  type CloseDifference,
} from '~/modules/finance/close.server'
import { addMonths } from '~/utils/calendar-day'
import { getDb } from '~/utils/db.server'
import { formValues, notFound, refusalData, type RefusalBody } from '~/utils/http.server'
import { chinaDate, formatDateTime, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'

// The monthly close: prepare a China-time month (its expected count and totals), export it
// (which freezes it), and afterwards see what changed in that month since — never an edit.

export const access = { loader: 'donations.read', action: 'finance.close' } satisfies RouteAccess

type Close = {
  month: string
  count: number
  totals: DeskTotal[]
  preparedAt: string
  frozenAt: string | null
  sha256: string | null
}
type Page = {
  month: string
  suggested: string
  close: Close | null
  differences: CloseDifference | null
  months: { month: string; frozen: boolean }[]
  canClose: boolean
  error: MessageKey | null
}

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const db = getDb()
  const asked = new URL(request.url).searchParams.get('month')
  // The month just ended is the one usually closed.
  const suggested = addMonths(`${chinaDate().slice(0, 7)}-01`, -1).slice(0, 7)
  const months = (await listCloses(db)).map((c) => ({ month: c.month, frozen: c.frozen_at !== null }))
  const base = { suggested, months, canClose: hasRootScope(staff, 'finance.close'), differences: null, close: null }
  if (asked === null || asked === '') return data({ ...base, month: '', error: null } as Page)
  const parsed = CloseMonth.safeParse(asked)
  if (!parsed.success)
    return data({ ...base, month: asked, error: 'finance.close.error.month' } as Page, { status: 400 })
  const row = await getClose(db, parsed.data)
  if (!row) return data({ ...base, month: parsed.data, error: null } as Page)
  const close: Close = {
    month: row.month,
    count: row.expected_count,
    totals: JSON.parse(row.expected_totals) as DeskTotal[],
    preparedAt: row.prepared_at,
    frozenAt: row.frozen_at,
    sha256: row.file_sha256,
  }
  return data({ ...base, month: row.month, close, differences: await closeDifferences(db, row), error: null } as Page)
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (!hasRootScope(staff, access.action)) throw notFound()
  const values = formValues(await request.formData())
  const parsed = CloseMonth.safeParse(values.month)
  if (values.intent !== 'prepare' || !parsed.success)
    return data<RefusalBody>({ errors: { month: 'finance.close.error.month' } }, { status: 400 })
  try {
    await prepareClose(getDb(), { month: parsed.data, userId: staff.id, ip: clientIp(context) })
  } catch (error) {
    if (isRefusal(error)) return refusalData(error)
    throw error
  }
  return redirect(`/admin/finance/close?month=${parsed.data}`, 303)
}

export default function MonthlyClose() {
  // data() with a status is not unwrapped by the loader's type; Page holds only JSON values.
  const { month, suggested, close, differences, months, canClose, error } = useLoaderData() as Page
  const res = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const money = (amount: number, currency: string) => formatMoney(amount, currency, locale)
  const fieldError = (res && 'errors' in res ? res.errors?.month : undefined) ?? error
  return (
    <section>
      <p>
        <Link to="/admin/finance">{t('finance.back')}</Link>
      </p>
      <h1>{t('finance.close.title')}</h1>
      <p className="muted">{t('finance.close.intro')}</p>
      {canClose && !close?.frozenAt ? (
        <Form method="post" className="admin-filters" aria-label={t('finance.close.prepare')}>
          <input type="hidden" name="intent" value="prepare" />
          <div className="field">
            <label htmlFor="c-month">{t('finance.close.month')}</label>
            <input
              id="c-month"
              name="month"
              type="month"
              defaultValue={month || suggested}
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={fieldError ? 'c-month-error' : undefined}
            />
            {fieldError ? (
              <p className="field-error" id="c-month-error" role="alert">
                {t(fieldError)}
              </p>
            ) : null}
          </div>
          <button type="submit" className="button">
            {t(close ? 'finance.close.reprepare' : 'finance.close.prepare')}
          </button>
        </Form>
      ) : fieldError ? (
        <p className="field-error" role="alert">
          {t(fieldError)}
        </p>
      ) : null}
      {month && !close && !fieldError ? <p>{t('finance.close.notPrepared', { month })}</p> : null}
      {close ? (
        <section aria-labelledby="c-head">
          <h2 id="c-head">{t('finance.close.heading', { month: close.month })}</h2>
          <p>
            {close.frozenAt
              ? t('finance.close.frozenAt', { at: formatDateTime(close.frozenAt, locale) })
              : t('finance.close.preparedAt', { at: formatDateTime(close.preparedAt, locale) })}
          </p>
          <p>{t('finance.close.countLine', { count: close.count })}</p>
          <DeskTotals totals={close.totals} empty="finance.none" />
          {close.sha256 ? <p className="muted">{t('finance.close.sha', { sha: close.sha256 })}</p> : null}
          {close.frozenAt ? (
            <p>
              <a href={`/admin/finance/close.csv?month=${close.month}`} download>
                {t('finance.close.download')}
              </a>
            </p>
          ) : canClose ? (
            <form method="post" action="/admin/finance/close.csv">
              <input type="hidden" name="month" value={close.month} />
              <p className="muted">{t('finance.close.freezeHint')}</p>
              <button type="submit" className="button">
                {t('finance.close.export')}
              </button>
            </form>
          ) : null}
          {differences ? (
            <>
              <h3>{t('finance.close.differences')}</h3>
              {differences.added.length + differences.removed.length + differences.changed.length === 0 ? (
                <p>{t('finance.close.noDifferences')}</p>
              ) : (
                <>
                  <ul>
                    {differences.added.map((id) => (
                      <li key={`a-${id}`}>{t('finance.close.added', { id })}</li>
                    ))}
                    {differences.removed.map((id) => (
                      <li key={`r-${id}`}>{t('finance.close.removed', { id })}</li>
                    ))}
                    {differences.changed.map((c) => (
                      <li key={`c-${c.publicId}`}>
                        {t('finance.close.changed', {
                          id: c.publicId,
                          before: `${money(c.before.amount, c.before.currency)} / ${money(c.before.refunded, c.before.currency)}`,
                          now: `${money(c.now.amount, c.now.currency)} / ${money(c.now.refunded, c.now.currency)}`,
                        })}
                      </li>
                    ))}
                  </ul>
                  <p>{t('finance.close.totalsNow')}</p>
                  <DeskTotals totals={differences.totalsNow} empty="finance.none" />
                </>
              )}
            </>
          ) : null}
        </section>
      ) : null}
      <h2>{t('finance.close.list')}</h2>
      {months.length === 0 ? (
        <p>{t('finance.close.none')}</p>
      ) : (
        <ul>
          {months.map((m) => (
            <li key={m.month}>
              <Link to={`/admin/finance/close?month=${m.month}`}>{m.month}</Link>
              {' · '}
              {t(m.frozen ? 'finance.close.frozen' : 'finance.close.open')}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
