// A donor's requests under PIPL (个人信息保护法 articles 45 and 47), by the donor id of the
// desk (the id of their first gift): everything we hold about them as one JSON document,
// and erasure of their personal data (name, email, message, addresses, portal account and
// sessions) from every table. The ledger keeps verifying: version-2 records commit to the
// display name, so only its disclosure (value and salt) is withdrawn (ledger/hash.server.ts).
// The audit row of an erasure names counts and ids, never the erased values.
// An official e-receipt request still waiting is erased like the rest; one whose 财政电子票据
// has been issued keeps its payer and address (frozen by its trigger): the official receipt is an
// accounting record the foundation must retain, which PIPL art. 47 leaves kept.
import { donorKey } from '../matching/match.server'
import { sql } from 'kysely'
import { recordAudit } from '~/modules/audit/audit.server'
import { withdrawDonorNames } from '~/modules/ledger'
import type { DB } from '~/utils/db.server'
import { ANONYMOUS_NAME } from './display-name'

/** What an erased donor's name becomes wherever a name must stay (receipts, donations). */
export const ERASED_NAME = '已删除'
/** The erased donor's address: unique per donor so their gifts still group, and undeliverable (RFC 2606). */
export const erasedEmail = (donorId: number) => `erased-${donorId}@erased.invalid`
const REDACTED = '[erased]'

type Who = { email: string; names: string[]; donations: { id: number; public_id: string }[] }

async function whoIs(db: DB, donorId: number): Promise<Who | undefined> {
  const first = await db.selectFrom('donations').select('donor_email').where('id', '=', donorId).executeTakeFirst()
  if (!first) return undefined
  const email = first.donor_email
  const donations = await db
    .selectFrom('donations')
    .select(['id', 'public_id', 'donor_name'])
    .where('donor_email', '=', email)
    .orderBy('id')
    .execute()
  const sponsors = await db.selectFrom('sponsorships').select('donor_name').where('donor_email', '=', email).execute()
  const names = [...new Set([...donations, ...sponsors].map((d) => d.donor_name.trim()).filter(Boolean))]
  return { email, names, donations: donations.map(({ id, public_id }) => ({ id, public_id })) }
}

/** Everything held about one donor, table by table (the donor's own data, our ids beside it). */
export async function exportDonor(db: DB, donorId: number) {
  const who = await whoIs(db, donorId)
  if (!who) return undefined
  const ids = who.donations.map((d) => d.id)
  const email = who.email
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'locale', 'created_at'])
    .where('email', '=', email)
    .executeTakeFirst()
  const refs = who.donations.map((d) => d.public_id)
  const [donations, receipts, recurring, sponsorships, mails, unsubscribes, updateMails, ledger, official] =
    await Promise.all([
      db.selectFrom('donations').selectAll().where('id', 'in', ids).orderBy('id').execute(),
      db.selectFrom('receipts').selectAll().where('donation_id', 'in', ids).orderBy('id').execute(),
      db.selectFrom('recurring_gifts').selectAll().where('donor_email', '=', email).orderBy('id').execute(),
      db.selectFrom('sponsorships').selectAll().where('donor_email', '=', email).orderBy('id').execute(),
      db
        .selectFrom('mail_outbox')
        .select(['id', 'to_address', 'template', 'locale', 'props', 'status', 'created_at', 'sent_at'])
        .where('to_address', '=', email)
        .orderBy('id')
        .execute(),
      db.selectFrom('update_unsubscribes').selectAll().where('email', '=', email).execute(),
      db
        .selectFrom('campaign_update_mails')
        .select(['update_id', 'email', 'created_at'])
        .where('email', '=', email)
        .execute(),
      db
        .selectFrom('ledger_donations as d')
        .leftJoin('ledger_disclosures as s', (j) => j.onRef('s.sequence', '=', 'd.sequence').on('s.key', '=', 'donor'))
        .select(['d.donation_ref', 'd.sequence', 'd.display_name', 's.value as disclosed_name'])
        .where('d.donation_ref', 'in', refs)
        .orderBy('d.sequence')
        .execute(),
      db.selectFrom('official_receipt_requests').selectAll().where('donation_id', 'in', ids).orderBy('id').execute(),
    ])
  return {
    officialReceiptRequests: official,
    exportedAt: new Date().toISOString(),
    donor: { id: donorId, email, names: who.names },
    donations,
    receipts,
    recurringGifts: recurring,
    sponsorships,
    portalAccount: user ?? null,
    mails: mails.map((m) => ({ ...m, props: JSON.parse(m.props) as unknown })),
    updateUnsubscribes: unsubscribes,
    updateMails,
    // The public ledger: what it publishes about these gifts (the name only while disclosed).
    ledger: ledger.map((l) => ({ donation: l.donation_ref, sequence: l.sequence, publishedName: l.disclosed_name })),
  }
}

export type ErasureResult = { donations: number; withdrawnNames: number; keptInLedger: number }

/** Replace every erased value inside a JSON text (audit before/after, mail props). */
function scrub(text: string | null, values: string[]): string | null {
  if (text === null) return null
  let out = text
  for (const v of values) out = out.split(JSON.stringify(v).slice(1, -1)).join(REDACTED)
  return out
}

/**
 * Erase one donor's personal data everywhere, in one transaction. Money rows, receipt
 * numbers and the ledger stay (the law requires keeping the books); what named the person
 * goes. A name inside a version-1 ledger record cannot be withdrawn: counted in keptInLedger.
 */
export async function eraseDonor(
  db: DB,
  input: { donorId: number; actorUserId: number; ip?: string | null; now?: Date },
): Promise<ErasureResult | undefined> {
  const at = (input.now ?? new Date()).toISOString()
  return db.transaction().execute(async (trx) => {
    const who = await whoIs(trx, input.donorId)
    if (!who) return undefined
    const { email, names } = who
    const ids = who.donations.map((d) => d.id)
    const placeholder = erasedEmail(input.donorId)
    // Values to redact out of free text: the email, and names long enough not to hit other words.
    const values = [email, ...names.filter((n) => [...n].length >= 2 && n !== ANONYMOUS_NAME)]

    await trx
      .updateTable('donations')
      .set({
        donor_name: ERASED_NAME,
        donor_email: placeholder,
        display_mode: 'anonymous',
        display_name: ANONYMOUS_NAME,
        message: null,
        client_key: null,
        donor_phone_key: null,
      })
      .where('id', 'in', ids)
      .execute()
    // A match's donor keys only served that day's cap: they now name the erased placeholder.
    await trx
      .updateTable('matching_matches')
      .set({ donor_key: donorKey(placeholder), phone_key: null })
      .where('donation_id', 'in', ids)
      .execute()
    await trx
      .updateTable('receipts')
      .set({ donor_name: ERASED_NAME })
      .where('donation_id', 'in', ids)
      .where('donor_name', '<>', ERASED_NAME)
      .execute()
    await trx
      .updateTable('recurring_gifts')
      .set({ donor_email: placeholder })
      .where('donor_email', '=', email)
      .execute()
    await trx
      .updateTable('sponsorships')
      .set({ donor_name: ERASED_NAME, donor_email: placeholder })
      .where('donor_email', '=', email)
      .execute()
    // Mail: the address and what the message would render (props) go; a queued one is never sent.
    await trx
      .updateTable('mail_outbox')
      .set({ to_address: placeholder, props: '{}', last_error: null })
      .where('to_address', '=', email)
      .execute()
    await trx
      .updateTable('mail_outbox')
      .set({ status: 'failed', lease_owner: null, lease_expires_at: null })
      .where('to_address', '=', placeholder)
      .where('status', 'in', ['queued', 'sending'])
      .execute()
    await trx.updateTable('campaign_update_mails').set({ email: placeholder }).where('email', '=', email).execute()
    await trx
      .updateTable('official_receipt_requests')
      .set({ payer_name: ERASED_NAME, requested_email: placeholder })
      .where('donation_id', 'in', ids)
      .where('attached_at', 'is', null)
      .execute()
    await trx.deleteFrom('update_unsubscribes').where('email', '=', email).execute()
    await trx.deleteFrom('portal_sign_in_tokens').where('email', '=', email).execute()
    // Sign-in limits are keyed by address (auth/donor.server.ts).
    await trx
      .deleteFrom('rate_limits')
      .where('key', 'in', [`portal:email:${email}`, `reset:email:${email}`, `login:account:${email}`])
      .execute()
    const user = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
    if (user) {
      await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute()
      await trx
        .updateTable('users')
        .set({ email: placeholder, display_name: ERASED_NAME, password_hash: null, active: 0 })
        .where('id', '=', user.id)
        .execute()
    }
    // Audit rows that quoted the person (a desk search by their email, say) are redacted,
    // each once (the audit trigger allows exactly one redaction per row).
    const quoted = values.map((v) => {
      const like = `%${JSON.stringify(v)
        .slice(1, -1)
        .replace(/[\\%_]/g, '\\$&')}%`
      return sql<boolean>`("before" like ${like} escape '\\' or "after" like ${like} escape '\\')`
    })
    const rows = await trx
      .selectFrom('audit_log')
      .select(['id', 'before', 'after'])
      .where('redacted_at', 'is', null)
      .where((eb) => eb.or(quoted))
      .execute()
    for (const r of rows)
      await trx
        .updateTable('audit_log')
        .set({ before: scrub(r.before, values), after: scrub(r.after, values), redacted_at: at })
        .where('id', '=', r.id)
        .execute()

    // The public ledger: withdraw the donor name of every version-2 record of these gifts.
    const ledger = await trx
      .selectFrom('ledger_donations as d')
      .innerJoin('ledger_transactions as x', 'x.sequence', 'd.sequence')
      .select(['d.sequence', 'x.version', 'd.display_name'])
      .where(
        'd.donation_ref',
        'in',
        who.donations.map((d) => d.public_id),
      )
      .execute()
    const withdrawnNames = await withdrawDonorNames(
      trx,
      ledger.filter((l) => l.version === 2).map((l) => l.sequence),
      at,
    )
    const keptInLedger = ledger.filter((l) => l.version === 1 && names.includes(l.display_name)).length

    const result = { donations: ids.length, withdrawnNames, keptInLedger }
    await recordAudit(
      trx,
      {
        actorUserId: input.actorUserId,
        action: 'donor.erase',
        entityType: 'donor',
        entityId: input.donorId,
        after: { ...result, donationIds: ids },
        ip: input.ip ?? null,
      },
      input.now,
    )
    return result
  })
}

/** What the request page shows: the donor's address and how much we hold. */
export async function donorHoldings(db: DB, donorId: number) {
  const who = await whoIs(db, donorId)
  if (!who) return undefined
  const ids = who.donations.map((d) => d.id)
  const [receipts, mails] = await Promise.all([
    db
      .selectFrom('receipts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('donation_id', 'in', ids)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('mail_outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('to_address', '=', who.email)
      .executeTakeFirstOrThrow(),
  ])
  return {
    email: who.email,
    erased: who.email === erasedEmail(donorId),
    gifts: ids.length,
    receipts: Number(receipts.n),
    mails: Number(mails.n),
  }
}
