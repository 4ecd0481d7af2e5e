// Forms of the beneficiary registry, shared by browser and server (imports nothing server-only).
// Error messages are message keys (students.error.*).
import { z } from 'zod'
import { fieldErrors } from '~/utils/field-errors'
import { isValidNationalId } from './national-id'

export const CATEGORIES = ['dibao', 'tekun', 'disability', 'left_behind', 'orphan', 'other'] as const
export type Category = (typeof CATEGORIES)[number]
export const STATUSES = ['new', 'active', 'graduated', 'exited'] as const
export type Status = (typeof STATUSES)[number]

/** Under this age a guardian-consent record is required before registration. */
export const CONSENT_AGE = 14

const date = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'students.error.date')
const flag = z.union([z.string(), z.boolean(), z.undefined()]).transform(
  (v) =>
    v === true ||
    ['on', 'true', '1', 'yes', 'y', '是'].includes(
      String(v ?? '')
        .trim()
        .toLowerCase(),
    ),
)

export const ConsentInput = z.object({
  guardianName: z.string().trim().min(1, 'students.error.required').max(80),
  relationship: z.string().trim().min(1, 'students.error.required').max(40),
  consentedOn: date,
  publicStory: flag,
  photo: flag,
  firstNameToSponsor: flag,
})
export type ConsentInput = z.output<typeof ConsentInput>

export const RegisterInput = z.object({
  legalName: z.string().trim().min(1, 'students.error.required').max(80),
  gender: z.enum(['female', 'male', 'other'], { errorMap: () => ({ message: 'students.error.gender' }) }),
  birthDate: date,
  nationalId: z
    .string()
    .trim()
    .transform((v) => v.toUpperCase())
    .refine(isValidNationalId, 'students.error.nationalId'),
  school: z.string().trim().min(1, 'students.error.required').max(120),
  grade: z.string().trim().min(1, 'students.error.required').max(40),
  categories: z.array(z.enum(CATEGORIES, { errorMap: () => ({ message: 'students.error.category' }) })).max(6),
  guardianName: z.string().trim().min(1, 'students.error.required').max(80),
  guardianPhone: z
    .string()
    .trim()
    .regex(/^[0-9+\- ]{5,20}$/, 'students.error.phone'),
  stationId: z.coerce.number().int().positive('students.error.station'),
  /** Present when the guardian consented (required under CONSENT_AGE). */
  consent: ConsentInput.nullable(),
})
export type RegisterInput = z.output<typeof RegisterInput>

/** Whole years between a birth date and a day (both YYYY-MM-DD). */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number]
  const [y, m, d] = on.split('-').map(Number) as [number, number, number]
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0)
}

/** Flatten a flat form (consent fields prefixed consent*) into RegisterInput's shape. */
export function registerFormValues(form: Record<string, unknown>, categories: string[]) {
  const consentGiven = ['on', 'true', '1'].includes(String(form.consentGiven ?? ''))
  return {
    legalName: form.legalName,
    gender: form.gender,
    birthDate: form.birthDate,
    nationalId: form.nationalId,
    school: form.school,
    grade: form.grade,
    categories,
    guardianName: form.guardianName,
    guardianPhone: form.guardianPhone,
    stationId: form.stationId,
    consent: consentGiven
      ? {
          guardianName: form.consentGuardianName || form.guardianName,
          relationship: form.consentRelationship,
          consentedOn: form.consentedOn,
          publicStory: form.consentPublicStory,
          photo: form.consentPhoto,
          firstNameToSponsor: form.consentFirstName,
        }
      : null,
  }
}

/** Field → message key, first problem per field (nested consent fields as consent.x). */
export const issuesByField = (error: z.ZodError) => fieldErrors(error, 'students.error.invalid')
