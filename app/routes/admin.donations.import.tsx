import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '~/components/admin/Field'
import { requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { importStatement, type ImportReport } from '~/modules/donations/import.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import type { MessageKey } from '~/utils/i18n'
import { useT } from '~/utils/locale'

export const access = { loader: 'donations.record', action: 'donations.record' } satisfies RouteAccess
const MAX_BYTES = 2 * 1024 * 1024

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, { permission: access.loader })
  return null
}

const ImportForm = z.object({
  source: z
    .string()
    .trim()
    .regex(/^[\p{L}\p{N}-]{1,40}$/u, 'import.error.source'),
  dryRun: z.literal('on').optional(),
})

type Result = { errors: Partial<Record<string, MessageKey>>; report: ImportReport | null }

export async function action({ request }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BYTES + 64 * 1024) {
    return data<Result>({ errors: { file: 'import.error.file' }, report: null }, { status: 413 })
  }
  const form = await request.formData()
  const parsed = ImportForm.safeParse({ source: form.get('source'), dryRun: form.get('dryRun') ?? undefined })
  const file = form.get('file')
  const errors: Partial<Record<string, MessageKey>> = {}
  if (!parsed.success) errors.source = 'import.error.source'
  if (!file || typeof file === 'string' || file.size === 0 || file.size > MAX_BYTES) errors.file = 'import.error.file'
  if (Object.keys(errors).length || !parsed.success || !file || typeof file === 'string')
    return data<Result>({ errors, report: null }, { status: 400 })
  const report = await importStatement(getDb(), {
    csv: await file.text(),
    source: parsed.data.source,
    dryRun: parsed.data.dryRun === 'on',
    recordedBy: staff.id,
    currencies: getEnv().CURRENCIES,
  })
  return data<Result>({ errors: {}, report }, { status: report.headerError || report.errors ? 400 : 200 })
}

export default function ImportStatement() {
  const res = useActionData<typeof action>()
  const t = useT()
  const report = res?.report
  const err = (k: string) => (res?.errors?.[k] ? t(res.errors[k]) : undefined)
  return (
    <section>
      <h1>{t('import.title')}</h1>
      <p className="muted">{t('import.intro')}</p>
      <Form method="post" encType="multipart/form-data" className="form-narrow">
        <Field name="source" label={t('import.source')} error={err('source')} required maxLength={40} />
        <Field name="file" type="file" accept=".csv,text/csv" label={t('import.file')} error={err('file')} required />
        <label className="choice">
          <input type="checkbox" name="dryRun" value="on" defaultChecked />
          {t('import.dryRun')}
        </label>
        <p>
          <button type="submit" className="button">
            {t('import.submit')}
          </button>
        </p>
      </Form>
      {report ? (
        <div role="status">
          {report.headerError ? (
            <p className="error-summary">{t('import.error.header', { detail: report.headerError })}</p>
          ) : null}
          <p>
            {report.dryRun
              ? t('import.dryRunSummary', {
                  rows: report.rows.length,
                  new: report.rows.filter((r) => r.status === 'new').length,
                  duplicates: report.duplicates,
                  errors: report.errors,
                })
              : t('import.summary', {
                  rows: report.rows.length,
                  created: report.created,
                  duplicates: report.duplicates,
                  errors: report.errors,
                })}
          </p>
          {!report.dryRun && report.errors ? <p className="error-summary">{t('import.hasErrors')}</p> : null}
          <table>
            <thead>
              <tr>
                <th scope="col">{t('import.line')}</th>
                <th scope="col">{t('offline.reference')}</th>
                <th scope="col">{t('import.status')}</th>
                <th scope="col">{t('import.errors')}</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((r) => (
                <tr key={r.line}>
                  <td>{r.line}</td>
                  <td>{r.reference}</td>
                  <td>{t(`import.status.${r.status}`)}</td>
                  <td>
                    {Object.entries(r.errors)
                      .map(([field, key]) => `${field}: ${t(key)}`)
                      .join('；')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  )
}
