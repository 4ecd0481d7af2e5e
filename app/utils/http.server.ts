import { data } from '@remix-run/node'
import type { MessageKey } from './i18n'
import type { Refusal, RefusalParams } from './refusal'

// Small answers every route gives the same way.

/** A 404 in plain text; for a record that does not exist or is outside the caller's scope. */
export const notFound = (headers: Record<string, string> = {}) =>
  new Response('Not Found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers } })

/**
 * A file to save (`attachment`, or `inline` to show in the browser) named `filename`;
 * private and never cached unless `cache` says otherwise. `headers` adds to these.
 */
export function download(
  body: BodyInit,
  o: { type: string; filename: string; inline?: boolean; cache?: string; headers?: Record<string, string> },
) {
  return new Response(body, {
    headers: {
      'Content-Type': o.type,
      'Content-Disposition': `${o.inline ? 'inline' : 'attachment'}; filename="${o.filename}"`,
      'Cache-Control': o.cache ?? 'private, no-store',
      ...o.headers,
    },
  })
}

/**
 * Longest value kept from a form field for validating and echoing back. Above every
 * field's own zod maximum, so an over-long value is refused by its schema, not cut short.
 */
export const FORM_VALUE_MAX = 2000

/** The form's text fields (files left out), each cut to `maxLength`, to parse and echo back. */
export function formValues(formData: FormData, maxLength = FORM_VALUE_MAX): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [k, v] of formData.entries()) if (typeof v === 'string') values[k] = v.slice(0, maxLength)
  return values
}

/** What a refused action answers: the message on its field (`errors`) or for the form (`error`). */
export type RefusalBody = {
  error?: MessageKey
  errors?: Partial<Record<string, MessageKey>>
  params?: RefusalParams
}

/**
 * The answer to a Refusal, with the status it carries: `{ errors: { [field]: key } }` when
 * it names a field, else `{ error: key }`; its values in `params`, and `extra` (such as
 * the form's values to show again) alongside.
 */
export function refusalData<Extra extends object = object>(refusal: Refusal, extra?: Extra) {
  const body: RefusalBody = refusal.field
    ? { errors: { [refusal.field]: refusal.messageKey }, params: refusal.params }
    : { error: refusal.messageKey, params: refusal.params }
  return data({ ...body, ...(extra as Extra) }, { status: refusal.status })
}
