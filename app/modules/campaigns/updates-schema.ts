import { z } from 'zod'

// A progress update as staff write it: a title and plain text (no photos in this form).
export const UpdateInput = z.object({
  campaignId: z.coerce.number().int().positive('updates.error.campaign'),
  title: z.string().trim().min(1, 'updates.error.required').max(120, 'updates.error.titleLong'),
  body: z.string().trim().min(1, 'updates.error.required').max(5000, 'updates.error.bodyLong'),
})
export type UpdateInput = z.output<typeof UpdateInput>

export const UpdateId = z.coerce.number().int().positive('updates.error.notFound')

/** The first message per field; the schema's messages are all updates.* keys. */
export function updateIssues(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {}
  for (const i of error.issues) {
    const field = i.path.join('.') || 'form'
    if (!out[field]) out[field] = i.message.startsWith('updates.') ? i.message : 'updates.error.invalid'
  }
  return out
}
