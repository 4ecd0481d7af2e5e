import { z } from 'zod'
import type { DB } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import { normaliseEmail } from '../auth/login.server'
import { invalidateUserSessions } from '../auth/session.server'
import { donorIdOf } from './desk-donors.server'

// Merging two donor records that are the same person. A donor is the set of donations
// sharing one (normalised) email, so merging moves the other address's records onto the
// kept one. What changes:
//  - donations.donor_email, recurring_gifts.donor_email and sponsorships.donor_email of the
//    merged address become the kept address: the donor page, the portal (which reads by
//    email), statements and future mails (receipt resends, refund notices, sponsor mail)
//    all follow the kept address;
//  - a progress-update opt-out of the merged address carries over to the kept one (the
//    person said no once; merging must not sign them up again);
//  - the merged address's portal access ends: its unused sign-in links are spent and, if
//    it is a donor-only account, its sessions are signed out. Its users row stays (it
//    owns nothing now; it can sign in again only if a new gift arrives under that address,
//    which makes a new donor record).
// What does not change: the donors' names on each donation, every receipt (a receipt is a
// snapshot of name, amount and purpose, with no email, so each stays valid under its own
// number and verification code), the ledger (it holds no email), official e-receipt
// requests (they keep the address they were asked from, as history), the outbox
// (mails already addressed stay as sent), and the provider's customer records (Stripe).
// Audited with both addresses and the ids of every row moved, which is what an undo needs.

export type Actor = { id: number; ip?: string | null }

export const MergeDonorForm = z.object({
  mergeEmail: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, 'official.error.tooLong')
    .regex(/^[^\s@]+@[^\s@]+$/, 'auth.emailInvalid'),
  confirm: z.literal('yes', { message: 'donors.merge.error.confirm' }),
})

export async function mergeDonors(
  db: DB,
  actor: Actor,
  input: { keepEmail: string; mergeEmail: string; now?: Date },
): Promise<{ donorId: number; donations: number[] }> {
  const keep = normaliseEmail(input.keepEmail)
  const merge = normaliseEmail(input.mergeEmail)
  if (keep === merge) throw new Refusal('donors.merge.error.same', { field: 'mergeEmail' })
  const at = (input.now ?? new Date()).toISOString()
  return db.transaction().execute(async (trx) => {
    const donations = await trx.selectFrom('donations').select('id').where('donor_email', '=', merge).execute()
    if (donations.length === 0) throw new Refusal('donors.merge.error.unknown', { field: 'mergeEmail', status: 404 })
    const kept = await trx.selectFrom('donations').select('id').where('donor_email', '=', keep).limit(1).execute()
    if (kept.length === 0) throw new Refusal('official.error.noGift', { status: 404 })

    const recurring = await trx.selectFrom('recurring_gifts').select('id').where('donor_email', '=', merge).execute()
    const sponsorships = await trx.selectFrom('sponsorships').select('id').where('donor_email', '=', merge).execute()
    await trx.updateTable('donations').set({ donor_email: keep }).where('donor_email', '=', merge).execute()
    await trx.updateTable('recurring_gifts').set({ donor_email: keep }).where('donor_email', '=', merge).execute()
    await trx.updateTable('sponsorships').set({ donor_email: keep }).where('donor_email', '=', merge).execute()

    const optOut = await trx
      .selectFrom('update_unsubscribes')
      .select(['via'])
      .where('email', '=', merge)
      .executeTakeFirst()
    if (optOut)
      await trx
        .insertInto('update_unsubscribes')
        .values({ email: keep, unsubscribed_at: at, via: optOut.via })
        .onConflict((oc) => oc.column('email').doNothing())
        .execute()

    await trx
      .updateTable('portal_sign_in_tokens')
      .set({ used_at: at })
      .where('email', '=', merge)
      .where('used_at', 'is', null)
      .execute()
    const user = await trx.selectFrom('users').select('id').where('email', '=', merge).executeTakeFirst()
    let signedOut = false
    if (user) {
      const grants = await trx.selectFrom('role_grants').select('role').where('user_id', '=', user.id).execute()
      if (grants.every((g) => g.role === 'donor')) {
        await invalidateUserSessions(trx, user.id)
        signedOut = true
      }
    }

    const donorId = await donorIdOf(trx, keep)
    const ids = donations.map((d) => d.id)
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'donor.merge',
      entityType: 'donor',
      entityId: donorId,
      before: {
        donor_email: merge,
        donations: ids,
        recurring_gifts: recurring.map((r) => r.id),
        sponsorships: sponsorships.map((s) => s.id),
        update_opt_out: Boolean(optOut),
      },
      after: { donor_email: keep, portal_signed_out: signedOut },
      ip: actor.ip,
    })
    return { donorId, donations: ids }
  })
}
