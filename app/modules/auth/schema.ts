import { z } from 'zod'
import { safeRedirect } from '~/utils/safe-redirect'
import { STAFF_ROLES } from './permissions'

// Form schemas shared by routes (client-safe: nothing server-only here).
// Messages are catalogue keys, translated where they are shown.

// Where to go after signing in: a path on this site, or /admin (see app/utils/safe-redirect.ts).
export const redirectTarget = z.unknown().transform((v) => safeRedirect(v, '/admin'))

export const LoginForm = z.object({
  email: z.string().trim().min(1, 'form.required').max(254, 'auth.emailInvalid'),
  password: z.string().min(1, 'form.required').max(1024, 'auth.passwordLength'),
  redirectTo: redirectTarget,
})

export const CodeForm = z.object({
  code: z.string().trim().min(6, 'auth.codeInvalid').max(40, 'auth.codeInvalid'),
  redirectTo: redirectTarget,
})

export const PasswordForm = z
  .object({
    password: z.string().min(8, 'auth.passwordLength').max(128, 'auth.passwordLength'),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'auth.passwordMismatch' })

export const InviteForm = z.object({
  email: z.string().trim().email('auth.emailInvalid').max(254, 'auth.emailInvalid'),
  displayName: z.string().trim().min(1, 'form.required').max(100, 'form.required'),
  role: z.enum(STAFF_ROLES, { errorMap: () => ({ message: 'form.required' }) }),
  stationId: z.coerce.number().int().positive('form.required'),
})

export const GrantForm = z.object({
  role: z.enum(STAFF_ROLES, { errorMap: () => ({ message: 'form.required' }) }),
  stationId: z.coerce.number().int().positive('form.required'),
})

export const IdParam = z.coerce.number().int().positive()

export { fieldErrors } from '~/utils/field-errors'
