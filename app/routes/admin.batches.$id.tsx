import { type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '~/components/admin/Field'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { IdParam } from '~/modules/auth/schema'
import { getBatch } from '~/modules/disbursements/batches.server'
import { MAX_PROOF_BYTES } from '~/modules/disbursements/uploads.server'
import { getDb } from '~/utils/db.server'
import { notFound, refusalData } from '~/utils/http.server'
import { chinaDate, formatDateTime } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { gradeLabel, termLabel } from '~/utils/words'
import { formatMoney, formatMoneyParams } from '~/utils/money'
import { isRefusal, Refusal } from '~/utils/refusal'
import { approve, payout, reject, type IntentArgs } from './admin.batches.$id.server'

// One batch: its lines, approvals, and the approver's actions (approve, reject, record
// the payout with a proof). Approving and paying need TOTP; the preparer never approves.
export const access = { loader: 'disbursements.read', action: 'disbursements.approve' } satisfies RouteAccess

export async function loader({ request, params }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const batch = await getBatch(getDb(), stationScope(staff, access.loader), id.data)
  if (!batch) throw notFound()
  const done = new URL(request.url).searchParams.get('done')
  return {
    batch,
    canApprove: can(staff, 'disbursements.approve', batch.station_path) && batch.prepared_by !== staff.id,
    totpReady: staff.totpEnabled && staff.session.twoFactorVerified,
    done: done === 'approved' || done === 'awaitingSecond' ? done : null,
    today: chinaDate(),
  }
}

const Intent = z.enum(['approve', 'reject', 'payout'])

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const scope = stationScope(staff, access.action)
  // Out of the approver's subtree is the same as not existing.
  if (!(await getBatch(db, scope, id.data))) throw notFound()
  // Refuse an oversized upload before reading it.
  if (Number(request.headers.get('content-length') ?? 0) > MAX_PROOF_BYTES + 64 * 1024)
    return refusalData(new Refusal('upload.error.tooLarge', { status: 413 }))
  const form = await request.formData()
  const intent = Intent.safeParse(form.get('intent'))
  if (!intent.success) return refusalData(new Refusal('students.error.invalid'))
  const args: IntentArgs = {
    db,
    actor: {
      id: staff.id,
      scope,
      ip: clientIp(context),
      totpVerified: staff.totpEnabled && staff.session.twoFactorVerified,
    },
    batchId: id.data,
    form,
  }
  try {
    switch (intent.data) {
      case 'approve':
        return await approve(args)
      case 'reject':
        return await reject(args)
      case 'payout':
        return await payout(args)
    }
  } catch (e) {
    if (isRefusal(e)) return refusalData(e)
    throw e
  }
}

export default function BatchDetail() {
  const { batch, canApprove, totpReady, done, today } = useLoaderData<typeof loader>()
  const r = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const money = (n: number) => formatMoney(n, batch.currency, locale)
  const params = r?.params && formatMoneyParams(r.params, ['available', 'requested'], batch.currency, locale)
  return (
    <section>
      <p>
        <Link to="/admin/batches">← {t('batches.title')}</Link>
      </p>
      <h1>{t('batches.detail', { id: batch.id })}</h1>
      {r?.error ? (
        <p className="error-summary" role="alert">
          {t(r.error, params)}
        </p>
      ) : null}
      {done ? (
        <p role="status">{t(done === 'approved' ? 'batches.approvedNotice' : 'batches.awaitingSecond')}</p>
      ) : null}
      <dl>
        <div>
          <dt>{t('batches.programme')}</dt>
          <dd>{locale === 'en' ? batch.programme_name_en : batch.programme_name}</dd>
        </div>
        <div>
          <dt>{t('batches.term')}</dt>
          <dd>{termLabel(batch.term, locale)}</dd>
        </div>
        <div>
          <dt>{t('batches.station')}</dt>
          <dd>{locale === 'en' ? batch.station_name_en : batch.station_name}</dd>
        </div>
        <div>
          <dt>{t('batches.preparedBy')}</dt>
          <dd>
            {batch.preparer_name} · {formatDateTime(batch.prepared_at, locale)}
          </dd>
        </div>
        <div>
          <dt>{t('batches.total')}</dt>
          <dd>{money(batch.total_amount)}</dd>
        </div>
        <div>
          <dt>{t('batches.status')}</dt>
          <dd data-testid="batch-status">{t(`batches.status.${batch.status}`)}</dd>
        </div>
        <div>
          <dt>{t('batches.approvals')}</dt>
          <dd>
            {t('batches.approvalsNeeded', { required: batch.approvals_required, count: batch.approvals.length })}
            {batch.approvals.map((a) => ` · ${a.name}`).join('')}
          </dd>
        </div>
      </dl>
      {batch.reject_reason ? <p>{t('batches.rejectedBecause', { reason: batch.reject_reason })}</p> : null}
      {batch.payout_reference ? (
        <p>{t('batches.paidWith', { reference: batch.payout_reference, date: batch.payout_date ?? '' })}</p>
      ) : null}
      {batch.proofs.map((p) => (
        <p key={p.id}>
          <a href={`/admin/proofs/${p.id}`}>{t('batches.proofLink', { id: p.id })}</a>
        </p>
      ))}
      <table>
        <thead>
          <tr>
            <th scope="col">{t('batches.student')}</th>
            <th scope="col">{t('students.grade')}</th>
            <th scope="col">{t('batches.fund')}</th>
            <th scope="col">{t('batches.amount')}</th>
          </tr>
        </thead>
        <tbody>
          {batch.lines.map((l) => (
            <tr key={l.id}>
              <td>{l.publicCode}</td>
              <td>{gradeLabel(l.grade, locale)}</td>
              <td>{l.fund}</td>
              <td>{money(l.amount)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canApprove && !totpReady && batch.status !== 'paid' && batch.status !== 'rejected' ? (
        <p className="muted">{t('batches.totpNotice')}</p>
      ) : null}
      {canApprove && batch.status === 'prepared' ? (
        <>
          <Form method="post">
            <input type="hidden" name="intent" value="approve" />
            <button type="submit" className="button">
              {t('batches.approve')}
            </button>
          </Form>
          <Form method="post" className="form-narrow">
            <input type="hidden" name="intent" value="reject" />
            <Field name="reason" label={t('batches.rejectReason')} required maxLength={500} />
            <button type="submit" className="button">
              {t('batches.reject')}
            </button>
          </Form>
        </>
      ) : null}
      {canApprove && batch.status === 'approved' ? (
        <Form method="post" encType="multipart/form-data" className="form-narrow">
          <h2>{t('batches.payout')}</h2>
          <input type="hidden" name="intent" value="payout" />
          <Field
            name="reference"
            label={t('batches.payoutReference')}
            error={r?.errors?.reference ? t(r.errors.reference, params) : undefined}
            required
            maxLength={100}
          />
          <Field name="date" type="date" label={t('batches.payoutDate')} required max={today} defaultValue={today} />
          <Field
            name="proof"
            type="file"
            label={t('batches.payoutProof')}
            required
            accept="application/pdf,image/jpeg,image/png"
          />
          <button type="submit" className="button">
            {t('batches.payout')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}
