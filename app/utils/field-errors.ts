import type { z } from 'zod'
import { isMessageKey, type MessageKey } from './i18n'

/**
 * The first problem of each field of a failed parse, as a message key to show beside it
 * (nested fields as `consent.photo`, problems of the whole form as `form`). A message that
 * is not one of ours (zod's own English) becomes `fallback`, which may depend on the field.
 */
export function fieldErrors(
  error: z.ZodError,
  fallback: MessageKey | ((field: string) => MessageKey) = 'form.required',
): Record<string, MessageKey> {
  const out: Record<string, MessageKey> = {}
  for (const issue of error.issues) {
    const field = issue.path.join('.') || 'form'
    if (out[field]) continue
    out[field] = isMessageKey(issue.message)
      ? issue.message
      : typeof fallback === 'function'
        ? fallback(field)
        : fallback
  }
  return out
}
