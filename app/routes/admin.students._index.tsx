import type { LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { can, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { listStudentsInScope } from '~/modules/stations/students.server'
import { getDb } from '~/utils/db.server'
import { codeKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { gradeLabel } from '~/utils/words'

export const access = { loader: 'students.read' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const q = (new URL(request.url).searchParams.get('q') ?? '').slice(0, 40)
  return {
    q,
    students: await listStudentsInScope(getDb(), stationScope(staff, access.loader), { q }),
    canWrite: can(staff, 'students.write'),
  }
}

export default function Students() {
  const { q, students, canWrite } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('admin.students')}</h1>
      {canWrite ? (
        <p>
          <Link to="/admin/students/new">{t('admin.newStudent')}</Link> ·{' '}
          <Link to="/admin/students/import">{t('admin.importStudents')}</Link>
        </p>
      ) : null}
      <Form method="get" role="search" className="admin-filters">
        <div className="field">
          <label htmlFor="q">{t('students.searchCode')}</label>
          <input id="q" name="q" defaultValue={q} />
        </div>
        <button type="submit" className="button">
          {t('common.search')}
        </button>
      </Form>
      <p className="muted">{t('students.count', { count: students.length })}</p>
      <table>
        <caption className="muted">{t('students.listCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('students.code')}</th>
            <th scope="col">{t('students.station')}</th>
            <th scope="col">{t('students.grade')}</th>
            <th scope="col">{t('students.status')}</th>
          </tr>
        </thead>
        <tbody>
          {students.map((s) => (
            <tr key={s.id}>
              <td>
                <Link to={`/admin/students/${s.id}`}>{s.publicCode}</Link>
              </td>
              <td>{locale === 'en' ? s.stationNameEn : s.stationName}</td>
              <td>{gradeLabel(s.grade, locale)}</td>
              <td>{t(codeKey('status.', s.status))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
