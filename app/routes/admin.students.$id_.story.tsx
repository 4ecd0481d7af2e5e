import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { IdParam } from '~/modules/auth/schema'
import { currentConsent } from '~/modules/beneficiaries/consent.server'
import { saveStory, storyOf, STORY_MAX, STORY_MIN } from '~/modules/beneficiaries/story.server'
import { getStudentInScope } from '~/modules/stations/students.server'
import { getDb } from '~/utils/db.server'
import { formValues, notFound, refusalData } from '~/utils/http.server'
import { useT } from '~/utils/locale'
import { isRefusal, Refusal } from '~/utils/refusal'

// A student's public story, written by staff and checked before it is saved (story.server.ts).
export const access = { loader: 'students.read', action: 'students.write' } satisfies RouteAccess

export async function loader({ request, params }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const student = await getStudentInScope(db, stationScope(staff, access.loader), id.data)
  if (!student) throw notFound()
  return {
    id: id.data,
    code: student.public_code,
    story: await storyOf(db, id.data),
    shown: Boolean((await currentConsent(db, id.data))?.publicStory),
    canWrite: can(staff, 'students.write', student.station_path),
  }
}

const StoryForm = z.object({
  story: z
    .string()
    .max(STORY_MAX * 4)
    .default(''),
})

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const scope = stationScope(staff, access.action)
  const values = formValues(await request.formData(), STORY_MAX * 4)
  const parsed = StoryForm.safeParse(values)
  if (!parsed.success) return refusalData(new Refusal('story.error.length', { field: 'story' }), { values })
  try {
    const r = await saveStory(
      getDb(),
      { id: staff.id, scope, ip: clientIp(context) },
      { beneficiaryId: id.data, story: parsed.data.story },
    )
    if (r === 'notFound') throw notFound()
    return redirect(`/admin/students/${id.data}/story?done=${r}`)
  } catch (e) {
    if (isRefusal(e)) return refusalData(e, { values })
    throw e
  }
}

export default function StudentStory() {
  const { id, code, story, shown, canWrite } = useLoaderData<typeof loader>()
  const r = useActionData<typeof action>()
  const [search] = useSearchParams()
  const done = search.get('done')
  const t = useT()
  const error = r?.errors?.story ?? r?.error
  const limits = { min: STORY_MIN, max: STORY_MAX }
  return (
    <section>
      <p>
        <Link to={`/admin/students/${id}`}>← {code}</Link>
      </p>
      <h1>{t('story.title', { code })}</h1>
      <p className="muted">{t('story.intro')}</p>
      {done === 'saved' || done === 'removed' ? <p role="status">{t(`story.${done}`)}</p> : null}
      {!shown ? <p className="muted">{t('story.notShown')}</p> : null}
      {canWrite ? (
        <Form method="post" className="form-narrow" noValidate>
          <div className="field">
            <label htmlFor="story">{t('story.label', limits)}</label>
            <textarea
              id="story"
              name="story"
              rows={5}
              maxLength={STORY_MAX}
              defaultValue={r?.values?.story ?? story}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? 'story-error' : undefined}
            />
            {error ? (
              <span id="story-error" className="field-error" role="alert">
                {t(error, limits)}
              </span>
            ) : null}
          </div>
          <button type="submit" className="button">
            {t('story.save')}
          </button>
        </Form>
      ) : (
        <p>{story || '—'}</p>
      )}
    </section>
  )
}
