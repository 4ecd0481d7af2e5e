import crypto from 'node:crypto'
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { DonationRefunds } from '~/components/admin/DonationRefunds'
import { ReceiptDesk } from '~/components/admin/ReceiptDesk'
import { recordAudit } from '~/modules/audit/audit.server'
import { can, clientIp, Forbidden, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import { approverOf } from '~/modules/auth/maker-checker'
import { refundPanelOf } from '~/modules/donations/refund-queries.server'
import { formValues, notFound, refusalData } from '~/utils/http.server'
import { isRefusal, Refusal } from '~/utils/refusal'
import { z } from 'zod'
import { RECEIPT_INTENTS, receiptIntents, REFUND_INTENTS, refundIntents } from './admin.donations.$id.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { IdParam } from '~/modules/auth/schema'
import { getDeskDonation, type TimelineEntry } from '~/modules/donations/desk-detail.server'
import { donorIdOf } from '~/modules/donations/desk-donors.server'
import { purposeTitle } from '~/modules/receipts/queries.server'
import { getDb } from '~/utils/db.server'
import { codeKey, formatDateTime, resolveLocale, type MessageKey, type Translate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// One donation: what happened to it, its ledger transactions, where its money went and its
// receipts. Root-scoped holders of donations.read only (404 otherwise); each view is audited.

export const access = { loader: 'donations.read', action: 'donations.record' } satisfies RouteAccess

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const found = await getDeskDonation(db, id.data)
  if (!found) throw notFound()
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'donation.read',
    entityType: 'donation',
    entityId: found.donation.id,
    ip: clientIp(context),
  })
  const donorId = await donorIdOf(db, found.donation.donor_email)
  const refund = {
    panel: await refundPanelOf(db, found.donation),
    canRefund: can(staff, 'donations.refund'),
    userId: staff.id,
    totpReady: staff.totpEnabled && staff.session.twoFactorVerified,
    done: new URL(request.url).searchParams.get('refund'),
  }
  const current = found.receipts.filter((r) => !r.voided_at).at(-1)
  const receiptDesk =
    can(staff, access.action) && hasRootScope(staff, access.action)
      ? {
          current: current?.number ?? null,
          formKey: crypto.randomUUID(),
          done: RECEIPT_DONE.find((v) => v === new URL(request.url).searchParams.get('receipt')) ?? null,
        }
      : null
  return { ...found, purpose: purposeTitle(found.donation, resolveLocale(request)), donorId, refund, receiptDesk }
}

const RECEIPT_DONE = ['resent', 'corrected'] as const
// Refunds and receipt corrections are both the finance office's (admin and finance).
const INTENTS = [...REFUND_INTENTS, ...RECEIPT_INTENTS] as const

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (!hasRootScope(staff, access.action)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const found = await getDeskDonation(db, id.data)
  if (!found) throw notFound()
  const form = await request.formData()
  const intent = z.enum(INTENTS).safeParse(form.get('intent'))
  if (!intent.success) return refusalData(new Refusal('receipts.desk.error.invalid'))
  const name = intent.data
  // Receipts need donations.record; giving money back needs donations.refund as well.
  const isRefund = (REFUND_INTENTS as readonly string[]).includes(name)
  if (isRefund && !can(staff, 'donations.refund')) throw new Forbidden('missing permission: donations.refund')
  const actor = approverOf(staff, [], clientIp(context))
  try {
    return name === 'receiptResend' || name === 'receiptCorrect'
      ? await receiptIntents[name]({ db, actor, donation: found.donation, form })
      : await refundIntents[name]({ db, actor, donation: found.donation, form })
  } catch (e) {
    if (isRefusal(e)) return refusalData(e, { values: formValues(form, 500) })
    throw e
  }
}

function timelineText(e: TimelineEntry, t: Translate, money: (n: number) => string): string {
  const amount = e.amount === undefined ? '' : money(e.amount)
  switch (e.kind) {
    case 'mail': {
      const word = TEMPLATE_WORDS[e.template ?? '']
      return t('desk.tl.mail', {
        template: word ? t(word) : '—',
        status: t(codeKey('desk.mail.status.', e.mailStatus ?? '')),
      })
    }
    case 'ledger':
      return t('desk.tl.ledger', { kind: t(codeKey('tp.kind.', e.ref ?? '')) })
    default:
      return t(`desk.tl.${e.kind}`, { amount, ref: e.ref ?? '' })
  }
}

const TEMPLATE_WORDS: Record<string, MessageKey> = {
  'donation-receipt': 'desk.mail.template.donation-receipt',
  'monthly-gift-receipt': 'desk.mail.template.monthly-gift-receipt',
  'refund-notice': 'desk.mail.template.refund-notice',
  'gift-reached-student': 'desk.mail.template.gift-reached-student',
}

export default function Donation() {
  const {
    donation: d,
    timeline,
    transactions,
    trace,
    receipts,
    recurring,
    purpose,
    donorId,
    refundRequests,
    refund,
    receiptDesk,
  } = useLoaderData<typeof loader>()
  const answer = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const money = (n: number) => formatMoney(n, d.currency, locale)
  const when = (iso: string | null) => (iso ? formatDateTime(iso, locale) : '—')
  return (
    <section>
      <p>
        <Link to="/admin/donations">{t('desk.one.back')}</Link>
      </p>
      <h1>{t('desk.one.title', { id: d.public_id })}</h1>
      <h2>{t('desk.one.facts')}</h2>
      <dl className="facts">
        <dt>{t('desk.one.donor')}</dt>
        <dd>
          {d.donor_name} · {d.donor_email} · <Link to={`/admin/donors/${donorId}`}>{t('desk.one.donorLink')}</Link>
        </dd>
        <dt>{t('desk.col.amount')}</dt>
        <dd>
          {money(d.amount)}
          {d.fee_amount !== null ? ` · ${t('desk.col.fee')} ${money(d.fee_amount)}` : ''}
          {d.refunded_amount > 0 ? ` · ${t('desk.col.refunded')} ${money(d.refunded_amount)}` : ''}
        </dd>
        <dt>{t('desk.col.status')}</dt>
        <dd>{t(`desk.status.${d.status}`)}</dd>
        <dt>{t('desk.col.purpose')}</dt>
        <dd>
          {purpose}
          {recurring
            ? ` · ${t('desk.one.monthly', { status: t(`desk.recurring.${recurring.status}`) })}`
            : d.frequency === 'monthly'
              ? ` · ${t('desk.frequency.monthly')}`
              : ''}
        </dd>
        <dt>{t('desk.col.method')}</dt>
        <dd>
          {t(`desk.method.${d.provider}`)}
          {d.recorded_by_name ? ` · ${t('desk.one.recordedBy')} ${d.recorded_by_name}` : ''}
        </dd>
        <dt>{t('desk.col.paidAt')}</dt>
        <dd>{when(d.paid_at)}</dd>
        {d.refs.length ? (
          <>
            <dt>{t('desk.col.refs')}</dt>
            <dd>
              {d.refs.map((r) => (
                <code key={r}>{r} </code>
              ))}
            </dd>
          </>
        ) : null}
        {d.message ? (
          <>
            <dt>{t('desk.one.message')}</dt>
            <dd>{d.message}</dd>
          </>
        ) : null}
      </dl>

      <h2>{t('desk.one.timeline')}</h2>
      <ol className="timeline">
        {timeline.map((e, i) => (
          <li key={i}>
            <time dateTime={e.at}>{when(e.at)}</time> {timelineText(e, t, money)}
            {e.mailId ? (
              <>
                {' '}
                <Link to={`/admin/outbox/${e.mailId}`}>#{e.mailId}</Link>
              </>
            ) : null}
          </li>
        ))}
      </ol>

      <DonationRefunds currency={d.currency} requests={refundRequests} answer={answer} {...refund} />

      <h2>{t('desk.one.ledger')}</h2>
      {transactions.length === 0 ? (
        <p>{t('desk.one.ledgerEmpty')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('desk.one.sequence', { sequence: '' }).trim()}</th>
                <th scope="col">{t('desk.one.kind')}</th>
                <th scope="col">{t('desk.one.when')}</th>
              </tr>
            </thead>
            <tbody>
              {transactions.map((x) => (
                <tr key={x.sequence}>
                  <td>
                    <Link to={`/ledger/${x.sequence}`}>{t('desk.one.sequence', { sequence: x.sequence })}</Link>
                  </td>
                  <td>{t(codeKey('tp.kind.', x.kind))}</td>
                  <td>{when(x.occurred_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>{t('desk.one.shares')}</h2>
      {!trace || trace.shares.length === 0 ? (
        <p>{t('desk.one.sharesEmpty')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('desk.one.student')}</th>
                <th scope="col">{t('desk.one.awarded')}</th>
                <th scope="col">{t('desk.one.paidOut')}</th>
                <th scope="col">{t('desk.one.when')}</th>
              </tr>
            </thead>
            <tbody>
              {trace.shares.map((s) => (
                <tr key={`${s.awardSequence}-${s.beneficiaryCode}`}>
                  <td>{s.beneficiaryCode}</td>
                  <td className="num">
                    <Link to={`/ledger/${s.awardSequence}`}>{money(s.amount)}</Link>
                  </td>
                  <td className="num">{money(s.paid)}</td>
                  <td>{when(s.awardedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {trace && trace.held > 0 ? <p>{t('desk.one.held', { amount: money(trace.held) })}</p> : null}

      <h2>{t('desk.one.receipts')}</h2>
      {receipts.length === 0 ? (
        <p>{t('desk.one.receiptsEmpty')}</p>
      ) : (
        <ul>
          {receipts.map((r) => {
            const replaces = receipts.find((o) => o.id === r.replaces_receipt_id)
            return (
              <li key={r.id}>
                {r.number} · {money(r.amount)} · {when(r.issued_at)} ·{' '}
                {r.voided_at
                  ? t('desk.one.receiptVoided', {
                      reason: r.void_reason === 'refunded' ? t('desk.status.refunded') : (r.void_reason ?? '—'),
                    })
                  : t('desk.one.receiptCurrent')}
                {replaces ? ` · ${t('desk.one.receiptReplaces', { number: replaces.number })}` : ''}
                {r.official_number ? ` · ${t('desk.one.official', { number: r.official_number })}` : ''}
              </li>
            )
          })}
        </ul>
      )}
      {receiptDesk ? (
        <ReceiptDesk
          {...receiptDesk}
          donorName={d.donor_name}
          donorEmail={d.donor_email}
          error={answer && 'error' in answer ? answer.error : undefined}
          errors={answer && 'errors' in answer ? answer.errors : undefined}
          values={answer && 'values' in answer ? answer.values : undefined}
        />
      ) : null}
    </section>
  )
}
