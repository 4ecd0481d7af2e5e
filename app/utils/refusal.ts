import type { MessageKey } from './i18n'

// The one type for "no" said to a person: a localised message key with its values, the
// HTTP status the answer carries, and (for forms) the field that caused it. Business
// modules throw it; routes turn it into an answer with `refusalData` (app/utils/http.server.ts).
// Anything that is not a Refusal is a bug and answers 500.

export type RefusalParams = Record<string, string | number>

export class Refusal extends Error {
  override readonly name = 'Refusal'
  constructor(
    readonly messageKey: MessageKey,
    readonly options: {
      params?: RefusalParams
      status?: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429
      field?: string
    } = {},
  ) {
    super(`${messageKey}${options.params ? ` ${JSON.stringify(options.params)}` : ''}`)
  }
  get params(): RefusalParams {
    return this.options.params ?? {}
  }
  get status(): number {
    return this.options.status ?? 400
  }
  get field(): string | undefined {
    return this.options.field
  }
}

export function isRefusal(error: unknown): error is Refusal {
  return error instanceof Refusal
}
