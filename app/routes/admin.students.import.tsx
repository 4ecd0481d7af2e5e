import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { CSV_COLUMNS, importBeneficiaries, type ImportResult } from '~/modules/beneficiaries/import.server'
import { getDb } from '~/utils/db.server'
import type { MessageKey } from '~/utils/i18n'
import { useT } from '~/utils/locale'

export const access = { loader: 'students.write', action: 'students.write' } satisfies RouteAccess
const MAX_BYTES = 2 * 1024 * 1024

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, { permission: access.loader })
  return { columns: CSV_COLUMNS.join(',') }
}

type Result = { error?: MessageKey; result?: ImportResult }

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BYTES + 64 * 1024)
    return data<Result>({ error: 'students.import.tooMany' }, { status: 413 })
  const form = await request.formData()
  const file = form.get('file')
  const pasted = form.get('csv')
  const csv =
    file && typeof file !== 'string' && file.size > 0 ? await file.text() : typeof pasted === 'string' ? pasted : ''
  if (!csv.trim()) return data<Result>({ error: 'students.import.empty' }, { status: 400 })
  const result = await importBeneficiaries(
    getDb(),
    { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) },
    { csv, dryRun: form.get('dryRun') === 'on' },
  )
  return data<Result>({ result }, { status: result.errors.length && !result.valid ? 400 : 200 })
}

export default function ImportStudents() {
  const { columns } = useLoaderData<typeof loader>()
  const r = useActionData<typeof action>()
  const t = useT()
  return (
    <section>
      <h1>{t('students.import.title')}</h1>
      <p className="muted">{t('students.import.intro', { columns })}</p>
      {r?.error ? (
        <p className="error-summary" role="alert">
          {t(r.error)}
        </p>
      ) : null}
      <Form method="post" encType="multipart/form-data" className="form-narrow">
        <div className="field">
          <label htmlFor="file">{t('students.import.file')}</label>
          <input id="file" name="file" type="file" accept=".csv,text/csv" />
        </div>
        <div className="field">
          <label htmlFor="csv">{t('students.import.text')}</label>
          <textarea id="csv" name="csv" rows={6} />
        </div>
        <label className="choice">
          <input type="checkbox" name="dryRun" value="on" defaultChecked /> {t('students.import.dryRun')}
        </label>
        <button type="submit" className="button">
          {t('students.import.run')}
        </button>
      </Form>
      {r?.result ? (
        <div role="status">
          <p>
            {t('students.import.result', {
              total: r.result.total,
              valid: r.result.valid,
              created: r.result.created,
              skipped: r.result.skipped,
              errors: r.result.errors.length,
            })}
          </p>
          {r.result.dryRun ? <p className="muted">{t('students.import.dryRunNote')}</p> : null}
          {r.result.codes.length ? <p>{r.result.codes.join(', ')}</p> : null}
          {r.result.errors.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('students.import.row')}</th>
                  <th scope="col">{t('students.import.field')}</th>
                  <th scope="col">{t('students.import.problem')}</th>
                </tr>
              </thead>
              <tbody>
                {r.result.errors.map((e, i) => (
                  <tr key={i}>
                    <td>{e.row}</td>
                    <td>{e.field}</td>
                    <td>{t(e.messageKey, e.params)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </section>
  )
}
