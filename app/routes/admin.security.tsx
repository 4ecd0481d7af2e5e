import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '~/components/admin/Field'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp, requireStaff, totpRequired } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { markTwoFactorVerified } from '~/modules/auth/session.server'
import { confirmEnrolment, getTotpStatus, pendingEnrolment, regenerateRecoveryCodes } from '~/modules/auth/totp.server'
import { getDb } from '~/utils/db.server'
import { useT } from '~/utils/locale'
import { refusalData } from '~/utils/http.server'
import { Refusal } from '~/utils/refusal'

export const access = { loader: 'self.security', action: 'self.security' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const db = getDb()
  const status = await getTotpStatus(db, staff.id)
  // Reading only: the pending secret is created by the "start" action, never by a GET.
  const enrolment = status.enabled ? null : await pendingEnrolment(db, staff, { create: false })
  return { status, enrolment, required: totpRequired(staff) }
}

const SecurityAction = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('start') }),
  z.object({ intent: z.literal('confirm'), code: z.string().trim() }),
  z.object({ intent: z.literal('recovery-codes') }),
])

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const parsed = SecurityAction.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return refusalData(new Refusal('form.required'), { codes: null })
  const db = getDb()
  const ip = clientIp(context)
  switch (parsed.data.intent) {
    case 'start':
      await pendingEnrolment(db, staff, { create: true })
      return redirect('/admin/security')
    case 'confirm': {
      const codes = await confirmEnrolment(db, staff.id, parsed.data.code)
      if (!codes) return refusalData(new Refusal('auth.codeInvalid'), { codes: null })
      await markTwoFactorVerified(db, staff.session.id)
      await recordAudit(db, {
        actorUserId: staff.id,
        action: 'auth.totp_enabled',
        entityType: 'user',
        entityId: staff.id,
        ip,
      })
      return { error: null, codes }
    }
    case 'recovery-codes': {
      if (!staff.totpEnabled || !staff.session.twoFactorVerified)
        return refusalData(new Refusal('security.needTotpSession', { status: 403 }), { codes: null })
      const codes = await regenerateRecoveryCodes(db, staff.id)
      await recordAudit(db, {
        actorUserId: staff.id,
        action: 'auth.recovery_codes_regenerated',
        entityType: 'user',
        entityId: staff.id,
        ip,
      })
      return { error: null, codes }
    }
  }
}

export default function Security() {
  const { status, enrolment, required } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  if (result?.codes) {
    return (
      <section>
        <h1>{t('security.recoveryTitle')}</h1>
        <p role="status">{t('security.recoveryBody')}</p>
        <ul className="recovery-codes" aria-label={t('security.recoveryTitle')}>
          {result.codes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <a href="/admin" className="button">
          {t('common.done')}
        </a>
      </section>
    )
  }
  return (
    <section>
      <h1>{t('admin.security')}</h1>
      {status.enabled ? (
        <>
          <p role="status">{t('security.enabled', { count: status.recoveryCodesLeft })}</p>
          <Form method="post">
            <input type="hidden" name="intent" value="recovery-codes" />
            <button type="submit" className="button">
              {t('security.newRecoveryCodes')}
            </button>
          </Form>
        </>
      ) : enrolment ? (
        <>
          <p>{t('security.scan')}</p>
          <img src={enrolment.qrDataUrl} alt={t('security.qrAlt')} width={220} height={220} />
          <p>
            {t('security.manualKey')} <code data-testid="totp-secret">{enrolment.secret}</code>
          </p>
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="confirm" />
            <Field
              name="code"
              label={t('auth.totpCode')}
              inputMode="numeric"
              autoComplete="one-time-code"
              required
              error={result?.error ? t(result.error) : undefined}
            />
            <button type="submit" className="button">
              {t('security.confirm')}
            </button>
          </Form>
        </>
      ) : (
        <>
          <p>{required ? t('security.requiredForRole') : t('security.optional')}</p>
          <Form method="post">
            <input type="hidden" name="intent" value="start" />
            <button type="submit" className="button">
              {t('security.start')}
            </button>
          </Form>
        </>
      )}
    </section>
  )
}
