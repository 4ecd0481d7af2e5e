import { z } from 'zod'
import { fieldErrors } from '~/utils/field-errors'

// A progress update as staff write it: a title and plain text (no photos in this form).
export const UpdateInput = z.object({
  campaignId: z.coerce.number().int().positive('updates.error.campaign'),
  title: z.string().trim().min(1, 'updates.error.required').max(120, 'updates.error.titleLong'),
  body: z.string().trim().min(1, 'updates.error.required').max(5000, 'updates.error.bodyLong'),
})
export type UpdateInput = z.output<typeof UpdateInput>

export const UpdateId = z.coerce.number().int().positive('updates.error.notFound')

/** The first message per field; zod's own messages become the generic one. */
export const updateIssues = (error: z.ZodError) => fieldErrors(error, 'updates.error.invalid')
