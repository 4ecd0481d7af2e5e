// For what must never happen: a broken precondition, postcondition or ledger rule is a bug,
// never a person's mistake. It throws a plain Error, which Remix answers with 500 and
// entry.server's handleError logs; a person's mistake is a Refusal (./refusal.ts) instead.

export class InvariantError extends Error {
  override readonly name = 'InvariantError'
}

export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (condition) return
  throw new InvariantError(typeof message === 'function' ? message() : message)
}

/** The value, asserted present: for lookups whose absence would be a bug. */
export function present<T>(value: T | null | undefined, what: string | (() => string)): T {
  invariant(value !== null && value !== undefined, what)
  return value
}
