import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { DisclosureCalendar } from '~/components/disclosure-calendar'
import { disclosureCalendars } from '~/modules/transparency/calendar.server'
import { publishReport, reportSchedule } from '~/modules/transparency/reports.server'
import { getDb } from '~/utils/db.server'
import { formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { refusalData } from '~/utils/http.server'
import { Refusal } from '~/utils/refusal'

// Reading the schedule needs ledger.read; publishing a report (a public financial
// statement) is a sign-off, so it needs the approver's permission.
export const access = { loader: 'ledger.read', action: 'disbursements.approve' } satisfies RouteAccess

const Publish = z.object({
  intent: z.literal('publish'),
  campaignId: z.coerce.number().int().positive(),
  note: z.string().max(2000).optional(),
  // Publishing is irreversible (a public statement, numbered for good): the form asks for
  // this box, and the server insists on it, so a form without JavaScript is as safe.
  confirm: z.string().optional(),
})

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const db = getDb()
  const rows = await reportSchedule(db, stationScope(staff, access.loader))
  const publishable = new Set(stationScope(staff, access.action).length ? rows.map((r) => r.campaign.id) : [])
  return {
    rows,
    canPublish: [...publishable],
    calendars: await disclosureCalendars(db, stationScope(staff, access.loader)),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const parsed = Publish.safeParse(Object.fromEntries(await request.formData()))
  // What the form showed again after a refusal: which row's form, and its note.
  const kept = {
    campaignId: parsed.success ? parsed.data.campaignId : null,
    note: parsed.success ? (parsed.data.note ?? '') : '',
  }
  if (!parsed.success) return refusalData(new Refusal('admin.reports.invalid'), kept)
  if (parsed.data.confirm !== 'yes')
    return refusalData(new Refusal('admin.reports.confirmRequired', { field: 'confirm' }), kept)
  const db = getDb()
  const inScope = await reportSchedule(db, stationScope(staff, access.action))
  const row = inScope.find((r) => r.campaign.id === parsed.data.campaignId)
  if (!row || row.status === 'complete') return refusalData(new Refusal('admin.reports.invalid'), kept)
  const report = await publishReport(db, { campaignId: row.campaign.id, userId: staff.id, note: parsed.data.note })
  return redirect(`/admin/reports?published=${report.campaign.slug}/${report.number}`)
}

export default function AdminReports() {
  const { rows, canPublish, calendars } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [params] = useSearchParams()
  const published = params.get('published')
  // The row whose publish form was sent without its confirmation, to show the error there.
  const failed = result?.errors?.confirm ? result.campaignId : undefined
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('admin.reports.title')}</h1>
      <p className="muted">{t('admin.reports.intro')}</p>
      {published ? (
        <p role="status">
          {t('admin.reports.published.ok')} <Link to={`/reports/${published}`}>{published}</Link>
        </p>
      ) : null}
      {result?.error ? (
        <p role="alert" className="field-error">
          {t(result.error)}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p>{t('admin.reports.none')}</p>
      ) : (
        <table className="report-schedule">
          <thead>
            <tr>
              <th scope="col">{t('admin.reports.campaign')}</th>
              <th scope="col">{t('admin.reports.published')}</th>
              <th scope="col">{t('admin.reports.next')}</th>
              <th scope="col">{t('admin.reports.dueAt')}</th>
              <th scope="col">{t('admin.reports.status')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('admin.reports.publish')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.campaign.id} data-status={r.status}>
                <th scope="row">
                  <Link to={`/reports?campaign=${r.campaign.slug}`}>
                    {locale === 'en' ? r.campaign.titleEn : r.campaign.title}
                  </Link>
                </th>
                <td>{r.published}</td>
                <td>{r.next ? t(r.next.final ? 'admin.reports.final' : 'admin.reports.periodic') : '—'}</td>
                <td>{r.next ? formatDate(r.next.dueAt, locale) : '—'}</td>
                <td>
                  <span className={`status status-${r.status}`}>{t(`admin.reports.status.${r.status}`)}</span>
                </td>
                <td>
                  {r.status !== 'complete' && canPublish.includes(r.campaign.id) ? (
                    <Form method="post" className="publish-form">
                      <input type="hidden" name="intent" value="publish" />
                      <input type="hidden" name="campaignId" value={r.campaign.id} />
                      <label htmlFor={`note-${r.campaign.id}`}>{t('admin.reports.noteLabel')}</label>
                      <input
                        id={`note-${r.campaign.id}`}
                        name="note"
                        maxLength={2000}
                        defaultValue={failed === r.campaign.id ? result?.note : undefined}
                      />
                      <label>
                        <input
                          type="checkbox"
                          name="confirm"
                          value="yes"
                          required
                          aria-invalid={failed === r.campaign.id ? true : undefined}
                          aria-describedby={failed === r.campaign.id ? `confirm-${r.campaign.id}-error` : undefined}
                        />{' '}
                        {t('admin.reports.confirm')}
                      </label>
                      {failed === r.campaign.id && result?.errors?.confirm ? (
                        <span id={`confirm-${r.campaign.id}-error`} className="field-error" role="alert">
                          {t(result.errors.confirm)}
                        </span>
                      ) : null}
                      <button type="submit" className="button">
                        {t('admin.reports.publish')}
                      </button>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 id="calendar">{t('calendar.title')}</h2>
      <p className="muted">{t('calendar.intro')}</p>
      <DisclosureCalendar calendars={calendars} />
    </section>
  )
}
