import type { MessageKey } from '~/utils/i18n'
import { useT } from '~/utils/locale'
import { Field } from './Field'

/**
 * The new password and its confirmation, as every form that sets one asks for them
 * (invitation, reset by mail, change of one's own), with the rule shown as a hint.
 */
export function NewPasswordFields({ errors }: { errors?: Partial<Record<string, MessageKey>> }) {
  const t = useT()
  const err = (k: string) => {
    const key = errors?.[k]
    return key ? t(key) : undefined
  }
  return (
    <>
      <Field
        name="password"
        type="password"
        label={t('auth.newPassword')}
        hint={t('auth.passwordRule')}
        autoComplete="new-password"
        required
        error={err('password')}
      />
      <Field
        name="confirm"
        type="password"
        label={t('auth.confirmPassword')}
        autoComplete="new-password"
        required
        error={err('confirm')}
      />
    </>
  )
}
