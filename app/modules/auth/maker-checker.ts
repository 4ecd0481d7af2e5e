import type { MessageKey } from '~/utils/i18n'
import { Refusal } from '~/utils/refusal'

// Maker-checker, the one rule for every approval (award batches, large refunds): the
// checker passed TOTP in this session and is not the person who prepared the thing.
// Each module names its own words for the two refusals.

export type Actor = { id: number; scope: string[]; ip: string }
export type Approver = Actor & { totpVerified: boolean }

/** The approver a route hands to a module: TOTP counts only when enrolled and used at this sign-in. */
export function approverOf(
  staff: { id: number; totpEnabled: boolean; session: { twoFactorVerified: boolean } },
  scope: string[],
  ip: string,
): Approver {
  return { id: staff.id, scope, ip, totpVerified: staff.totpEnabled && staff.session.twoFactorVerified }
}

/** Throws the module's Refusal (403) unless this approver may check what `preparedBy` made. */
export function assertChecker(
  approver: Approver,
  preparedBy: number,
  words: { totp: MessageKey; own: MessageKey },
): void {
  if (!approver.totpVerified) throw new Refusal(words.totp, { status: 403 })
  if (preparedBy === approver.id) throw new Refusal(words.own, { status: 403 })
}
