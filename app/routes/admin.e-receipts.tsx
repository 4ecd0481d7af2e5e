import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { OfficialRequestCard } from '~/components/admin/OfficialRequestCard'
import { recordAudit } from '~/modules/audit/audit.server'
import { can, clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { QUEUE_VIEWS, type QueueView } from '~/modules/receipts/official-schema'
import { officialQueue, queueCounts } from '~/modules/receipts/official.server'
import { getDb } from '~/utils/db.server'
import { notFound, refusalData } from '~/utils/http.server'
import { chinaDate, pageTitle } from '~/utils/i18n'
import { useT } from '~/utils/locale'
import { isRefusal, Refusal } from '~/utils/refusal'
import { attach, reverse, type IntentArgs } from './admin.e-receipts.server'

// The official e-receipt (财政电子票据) queue: requests from the donor portal waiting for
// the bureau's receipt, attached ones a refund has overtaken (冲红), and all attached.
// Root-scoped staff who read donations see it (each view audited: it shows payers and
// emails); finance and admin attach and record reversals.

export const access = { loader: 'donations.read', action: 'donations.record' } satisfies RouteAccess

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, 'official.title') }]

const DONE = ['attached', 'reversed'] as const

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const url = new URL(request.url)
  const view: QueueView = QUEUE_VIEWS.find((v) => v === url.searchParams.get('view')) ?? 'pending'
  const db = getDb()
  const [rows, counts] = await Promise.all([officialQueue(db, view), queueCounts(db)])
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'official-receipts.read',
    entityType: 'official_receipt_requests',
    entityId: view,
    ip: clientIp(context),
  })
  return {
    view,
    rows,
    counts,
    canManage: can(staff, access.action) && hasRootScope(staff, access.action),
    done: DONE.find((d) => d === url.searchParams.get('done')) ?? null,
    today: chinaDate(),
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (!hasRootScope(staff, access.action)) throw notFound()
  const form = await request.formData()
  const args: IntentArgs = { db: getDb(), actor: { id: staff.id, ip: clientIp(context) }, form }
  try {
    switch (form.get('intent')) {
      case 'attach':
        return await attach(args)
      case 'reverse':
        return await reverse(args)
      default:
        return refusalData(new Refusal('receipts.desk.error.invalid'))
    }
  } catch (e) {
    if (isRefusal(e)) return refusalData(e)
    throw e
  }
}

export default function OfficialReceipts() {
  const { view, rows, counts, canManage, done, today } = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const t = useT()
  const failedRequest = acted && 'request' in acted ? acted.request : null
  return (
    <section>
      <h1>{t('official.title')}</h1>
      <p className="muted">{t('official.intro')}</p>
      <nav aria-label={t('official.title')} className="admin-nav">
        {QUEUE_VIEWS.map((v) => (
          <Link key={v} to={`/admin/e-receipts?view=${v}`} aria-current={v === view ? 'page' : undefined}>
            {t(`official.view.${v}`, { count: counts[v] })}
          </Link>
        ))}
      </nav>
      {done ? (
        <p role="status" className="notice">
          {t(done === 'attached' ? 'official.attached' : 'official.reversed')}
        </p>
      ) : null}
      {acted && 'error' in acted && acted.error ? (
        <p role="alert" className="field-error">
          {t(acted.error, acted.params)}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p>{t('official.empty')}</p>
      ) : (
        <ul className="official-queue">
          {rows.map((r) => (
            <OfficialRequestCard
              key={r.id}
              row={r}
              canManage={canManage}
              today={today}
              errors={acted && 'errors' in acted && failedRequest === r.id ? acted.errors : undefined}
              values={acted && 'values' in acted && failedRequest === r.id ? acted.values : undefined}
            />
          ))}
        </ul>
      )}
    </section>
  )
}
