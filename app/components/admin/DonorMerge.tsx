import { Form } from '@remix-run/react'
import type { MessageKey } from '~/utils/i18n'
import { useT } from '~/utils/locale'
import { Field } from './Field'

// The merge form on /admin/donors/<id>: another donor's email, merged into this one.

type Props = {
  email: string
  merged: number | null
  error?: MessageKey
  errors?: Partial<Record<string, MessageKey>>
  values?: Record<string, string>
}

export function DonorMerge({ email, merged, error, errors, values }: Props) {
  const t = useT()
  const err = (name: string) => (errors?.[name] ? t(errors[name]!) : undefined)
  return (
    <section id="donor-merge" aria-labelledby="donor-merge-title">
      <h2 id="donor-merge-title">{t('donors.merge.title')}</h2>
      {merged !== null ? (
        <p role="status" className="notice">
          {t('donors.merge.done', { count: merged })}
        </p>
      ) : null}
      <p className="muted">{t('donors.merge.hint', { email })}</p>
      {error ? (
        <p role="alert" className="field-error">
          {t(error)}
        </p>
      ) : null}
      <Form method="post">
        <input type="hidden" name="intent" value="merge" />
        <Field
          name="mergeEmail"
          type="email"
          label={t('donors.merge.email')}
          defaultValue={values?.mergeEmail}
          maxLength={254}
          required
          error={err('mergeEmail')}
        />
        <div className="field">
          <label>
            <input
              type="checkbox"
              name="confirm"
              value="yes"
              required
              aria-invalid={errors?.confirm ? true : undefined}
              aria-describedby={errors?.confirm ? 'merge-confirm-error' : undefined}
            />{' '}
            {t('donors.merge.confirm')}
          </label>
          {errors?.confirm ? (
            <span id="merge-confirm-error" className="field-error" role="alert">
              {t(errors.confirm)}
            </span>
          ) : null}
        </div>
        <button type="submit" className="button">
          {t('donors.merge.submit')}
        </button>
      </Form>
    </section>
  )
}
