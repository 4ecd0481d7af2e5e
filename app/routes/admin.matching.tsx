import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { Field } from '~/components/admin/Field'
import { clientIp, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { PoolForm } from '~/components/admin/pool-form'
import { campaignsForPools, listPools, poolMatches } from '~/modules/matching/pools.server'
// clock() renders on the client too: from the isomorphic schema, never a .server module.
import { clock } from '~/modules/matching/schema'
import { sponsorLink } from '~/modules/matching/sponsor-link.server'
import { getDb } from '~/utils/db.server'
import { chinaDate, formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'
import { matchingAction, type Result } from './admin.matching.server'

// Matching pools (配捐): their rules, balances (the ledger's) and the sponsor's money in.
export const access = { loader: 'matching.manage', action: 'matching.manage' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, { permission: access.loader })
  const db = getDb()
  const campaigns = await campaignsForPools(db)
  const pools = await listPools(db)
  const recent = await Promise.all(pools.map((p) => poolMatches(db, p.id, 10)))
  return {
    pools: pools.map((p, i) => ({ ...p, recent: recent[i] ?? [], link: sponsorLink(p.id) })),
    campaigns,
    today: chinaDate(),
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const form = await request.formData()
  try {
    const r = await matchingAction(getDb(), { id: staff.id, ip: clientIp(context) }, form)
    if (r.done) return redirect(`/admin/matching?done=${r.done}`)
    return data<Result>(r, { status: 400 })
  } catch (e) {
    if (isRefusal(e)) return data<Result>({ errors: { [e.field ?? 'form']: e.messageKey } }, { status: e.status })
    throw e
  }
}

export default function AdminMatching() {
  const { pools, campaigns, today } = useLoaderData<typeof loader>()
  const r = useActionData<Result>()
  const [params] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  const err = (f: string) => (r?.errors[f] ? t(r.errors[f]) : undefined)
  const yuan = (n: number) => formatMoney(n, 'CNY', locale)
  return (
    <section>
      <h1>{t('matching.title')}</h1>
      <p className="muted">{t('matching.intro')}</p>
      {params.get('done') === 'saved' ? <p role="status">{t('matching.saved')}</p> : null}
      {params.get('done') === 'funded' ? <p role="status">{t('matching.funded')}</p> : null}
      {err('form') ? (
        <p className="error-summary" role="alert">
          {err('form')}
        </p>
      ) : null}
      {pools.length === 0 ? <p>{t('matching.none')}</p> : null}
      <ul className="update-list">
        {pools.map((p) => (
          <li key={p.id} className="card" data-pool={p.id}>
            <h2>{(locale === 'en' && p.name_en) || p.name}</h2>
            <p>
              {(locale === 'en' && p.sponsor_en) || p.sponsor} · {t(`matching.status.${p.status}`)}
            </p>
            <p>
              {p.rule === 'random'
                ? t('matching.randomText', { min: yuan(p.random_min ?? 0), max: yuan(p.random_max ?? 0) })
                : t('matching.ratioText', { gift: p.ratio_gift, match: p.ratio_match })}{' '}
              · {t('matching.campaignMin', { amount: yuan(p.min_gift) })}
            </p>
            <p>
              {t('matching.dates', {
                from: formatDate(`${p.starts_on}T12:00:00+08:00`, locale),
                to: formatDate(`${p.ends_on}T12:00:00+08:00`, locale),
              })}
              {p.opens_minute !== null || p.closes_minute !== null
                ? ` · ${t('matching.hours', { opens: clock(p.opens_minute ?? 0), closes: clock(p.closes_minute ?? 1440) })}`
                : ''}
            </p>
            <p className="status">
              {t('matching.balance', { amount: yuan(p.balance) })} ·{' '}
              {t('matching.matched', { count: p.matches, amount: yuan(p.matched) })}
            </p>
            {p.recent.length ? (
              <details>
                <summary>{t('matching.recent')}</summary>
                <ul>
                  {p.recent.map((m) => (
                    <li key={m.public_id}>
                      {t('matching.gift')} {m.public_id} · {yuan(Number(m.amount))} · {formatDate(m.created_at, locale)}
                      {Number(m.returned) > 0
                        ? ` · ${t('matching.returned', { amount: yuan(Number(m.returned)) })}`
                        : ''}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
            <details open={r?.poolId === p.id}>
              <summary>{t('matching.edit')}</summary>
              <PoolForm
                intent="update"
                pool={p}
                campaigns={campaigns}
                today={today}
                err={r?.poolId === p.id ? err : () => undefined}
              />
            </details>
            <div className="field">
              <label htmlFor={`f-link-${p.id}`}>{t('matching.sponsorLink')}</label>
              <input id={`f-link-${p.id}`} readOnly value={p.link} aria-describedby={`f-link-hint-${p.id}`} />
              <p className="muted" id={`f-link-hint-${p.id}`}>
                {t('matching.sponsorLinkHint')}
              </p>
            </div>
            <Form method="post" className="inline-form" noValidate>
              <input type="hidden" name="intent" value="fund" />
              <input type="hidden" name="poolId" value={p.id} />
              <p className="muted">{t('matching.fundHint')}</p>
              <Field name="reference" id={`f-ref-${p.id}`} label={t('offline.reference')} required maxLength={80} />
              <Field
                name="receivedOn"
                id={`f-on-${p.id}`}
                label={t('offline.receivedOn')}
                type="date"
                defaultValue={today}
                required
              />
              <Field name="amount" id={`f-amount-${p.id}`} label={t('offline.amount')} inputMode="decimal" required />
              <Field name="donorEmail" id={`f-email-${p.id}`} label={t('offline.donorEmail')} type="email" required />
              <button type="submit" className="button">
                {t('matching.fund')}
              </button>
            </Form>
          </li>
        ))}
      </ul>
      <PoolForm
        heading={t('matching.new')}
        intent="create"
        campaigns={campaigns}
        today={today}
        err={r?.poolId ? () => undefined : err}
      />
    </section>
  )
}
