import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData } from '@remix-run/react'
import { Field } from '~/components/admin/Field'
import { requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import type { StatementRow } from '~/modules/donations/import.server'
import type { OfflineConflict } from '~/modules/donations/offline.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { refusalData } from '~/utils/http.server'
import { codeKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'
import { confirm, MAX_BYTES, preview, type ImportAnswer } from './admin.donations.import.server'

// Importing a statement is two steps, both plain forms: upload shows a preview of every
// row (and the encoding the file was read in); only its confirm button writes.

export const access = { loader: 'donations.record', action: 'donations.record' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, { permission: access.loader })
  return null
}

export async function action({ request }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  // The confirming form carries the decoded text as base64: up to about 4/3 × 3/2 the file.
  if (Number(request.headers.get('content-length') ?? 0) > 2 * MAX_BYTES + 64 * 1024) {
    return data<ImportAnswer>(
      { errors: { file: 'import.error.file' }, report: null, encoding: null, confirm: null, committed: false },
      { status: 413 },
    )
  }
  const form = await request.formData()
  const env = getEnv()
  const ctx = { db: getDb(), staffId: staff.id, secret: env.SESSION_SECRET, currencies: env.CURRENCIES, form }
  try {
    const [answer, status] = form.get('intent') === 'confirm' ? await confirm(ctx) : await preview(ctx)
    return data<ImportAnswer>(answer, { status })
  } catch (error) {
    if (isRefusal(error)) return refusalData(error, { report: null })
    throw error
  }
}

export default function ImportStatement() {
  const res = useActionData<typeof action>()
  const t = useT()
  const report = res && 'report' in res ? res.report : null
  const answer = res && 'encoding' in res ? res : null
  const err = (k: string) => {
    const key = res?.errors?.[k]
    return key ? t(key) : undefined
  }
  return (
    <section>
      <h1>{t('import.title')}</h1>
      <p className="muted">{t('import.intro')}</p>
      {res && 'error' in res && res.error ? (
        <p className="error-summary" role="alert">
          {t(res.error)}
        </p>
      ) : null}
      <Form method="post" encType="multipart/form-data" className="form-narrow">
        <input type="hidden" name="intent" value="preview" />
        <Field name="source" label={t('import.source')} error={err('source')} required maxLength={40} />
        <Field name="file" type="file" accept=".csv,text/csv" label={t('import.file')} error={err('file')} required />
        <p>
          <button type="submit" className="button">
            {t('import.previewSubmit')}
          </button>
        </p>
      </Form>
      {report ? (
        <div role="status">
          {report.headerError ? (
            <p className="error-summary">{t(report.headerError.key, report.headerError.params)}</p>
          ) : null}
          {answer?.encoding ? (
            <p>{t('import.encodingDetected', { encoding: t(codeKey('import.encoding.', answer.encoding)) })}</p>
          ) : null}
          <p>
            {answer?.committed
              ? t('import.summary', {
                  rows: report.rows.length,
                  created: report.created,
                  duplicates: report.duplicates,
                  errors: report.errors,
                })
              : t('import.dryRunSummary', {
                  rows: report.rows.length,
                  new: report.rows.filter((r) => r.status === 'new').length,
                  duplicates: report.duplicates,
                  errors: report.errors,
                })}
          </p>
          {report.errors ? <p className="error-summary">{t('import.hasErrors')}</p> : null}
          {answer?.confirm ? (
            <Form method="post" encType="multipart/form-data">
              <input type="hidden" name="intent" value="confirm" />
              <input type="hidden" name="source" value={answer.confirm.source} />
              <input type="hidden" name="statement" value={answer.confirm.statement} />
              <input type="hidden" name="seal" value={answer.confirm.seal} />
              <button type="submit" className="button">
                {t('import.confirm', { new: report.rows.filter((r) => r.status === 'new').length })}
              </button>
            </Form>
          ) : null}
          {report.rows.length ? <PreviewTable rows={report.rows} /> : null}
        </div>
      ) : null}
    </section>
  )
}

function PreviewTable({ rows }: { rows: StatementRow[] }) {
  const t = useT()
  const locale = useLocale()
  const conflict = (c: OfflineConflict) => {
    const show = (v: string | number) => (typeof v === 'number' ? formatMoney(v, 'CNY', locale) : v)
    const column = { amount: 'amount', currency: 'currency', donorName: 'donor_name', donorEmail: 'donor_email' }[
      c.field
    ]
    return t('import.conflict', { column, recorded: show(c.recorded), entered: show(c.entered) })
  }
  return (
    <div className="table-scroll table-region" tabIndex={0} role="region" aria-label={t('import.previewTitle')}>
      <table>
        <caption>{t('import.previewTitle')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('import.line')}</th>
            <th scope="col">date</th>
            <th scope="col">reference</th>
            <th scope="col">amount</th>
            <th scope="col">donor_name</th>
            <th scope="col">donor_email</th>
            <th scope="col">campaign</th>
            <th scope="col">{t('import.status')}</th>
            <th scope="col">{t('import.errors')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.line}>
              <td>{r.line}</td>
              <td>{r.cells.date}</td>
              <td>{r.reference}</td>
              <td>
                {r.amount !== null ? formatMoney(r.amount, r.cells.currency.toUpperCase(), locale) : r.cells.amount}
              </td>
              <td>{r.cells.donor_name || t('import.anonymousDonor')}</td>
              <td>{r.cells.donor_email}</td>
              <td>{r.campaign ? (locale === 'en' ? r.campaign.titleEn : r.campaign.title) : r.cells.campaign}</td>
              <td>{t(codeKey('import.status.', r.status))}</td>
              <td>
                {[
                  ...Object.entries(r.errors).map(([column, key]) => `${column}：${t(key)}`),
                  ...r.conflicts.map(conflict),
                ].join('；')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
