import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { recordAudit } from '../audit/audit.server'
import { normaliseEmail } from '../auth/login.server'
import { generateToken, sha256Hex } from '../auth/tokens.server'
import { queueEmail } from '../mail/outbox.server'
import { pathInScope } from '../stations/scope.server'
import { getEnv } from '~/utils/env.server'
import { isLocale, type Locale } from '~/utils/i18n'
import { Refusal } from '~/utils/refusal'
import { photosOf, type PreparedPhoto, type UpdatePhoto } from './update-photos.server'
import type { UpdateInput } from './updates-schema'

// Progress updates (执行反馈). A member of staff writes one; a second member approves it
// (maker-checker, enforced here and by a CHECK in the schema); approval makes it public
// and queues one mail per donor of the campaign in the same transaction. "Donor" means
// a normalised email with a paid gift to the campaign; unsubscribed emails are skipped.

type Db = Kysely<Database>
export type UpdateActor = { id: number; scope: readonly string[]; ip?: string | null }

/** Gifts that count as "gave to this campaign". */
const PAID = ['paid', 'partially_refunded'] as const

/** A campaign with no station belongs to the whole foundation: only root-scoped staff reach it. */
export function campaignInScope(scope: readonly string[], path: string | null): boolean {
  if (path === null) return scope.some((p) => p.split('/').filter(Boolean).length === 1)
  return pathInScope(scope, path)
}

export type StaffCampaign = { id: number; title: string; titleEn: string; slug: string }

/** Non-draft campaigns the actor may write updates on. */
export async function campaignsForUpdates(db: Db, scope: readonly string[]): Promise<StaffCampaign[]> {
  const rows = await db
    .selectFrom('campaigns as c')
    .leftJoin('stations as s', 's.id', 'c.station_id')
    .select(['c.id', 'c.title', 'c.title_en', 'c.slug', 's.path'])
    .where('c.status', '!=', 'draft')
    .orderBy('c.id')
    .execute()
  return rows
    .filter((r) => campaignInScope(scope, r.path))
    .map((r) => ({ id: Number(r.id), title: r.title, titleEn: r.title_en, slug: r.slug }))
}

async function assertCampaign(db: Db, scope: readonly string[], campaignId: number): Promise<void> {
  const ok = (await campaignsForUpdates(db, scope)).some((c) => c.id === campaignId)
  if (!ok) throw new Refusal('updates.error.campaign', { status: 404, field: 'campaignId' })
}

/** A new pending update, with the photos already checked and stored by preparePhoto (./update-photos.server.ts). */
export async function createUpdate(
  db: Db,
  actor: UpdateActor,
  input: UpdateInput & { photos?: readonly PreparedPhoto[] },
  now = new Date(),
): Promise<number> {
  await assertCampaign(db, actor.scope, input.campaignId)
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('campaign_updates')
      .values({
        campaign_id: input.campaignId,
        title: input.title,
        body: input.body,
        author_id: actor.id,
        created_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const id = Number(row.id)
    for (const photo of input.photos ?? [])
      await trx
        .insertInto('campaign_update_photos')
        .values({ update_id: id, beneficiary_id: photo.beneficiaryId, file: photo.file, created_at: now.toISOString() })
        .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'update.create',
        entityType: 'campaign_update',
        entityId: id,
        after: input,
        ip: actor.ip,
      },
      now,
    )
    return id
  })
}

/** Approve a colleague's pending update: it goes public and its mails are queued. */
export async function approveUpdate(
  db: Db,
  actor: UpdateActor,
  updateId: number,
  now = new Date(),
): Promise<{ queued: number }> {
  const u = await db
    .selectFrom('campaign_updates')
    .select(['id', 'campaign_id', 'author_id', 'status'])
    .where('id', '=', updateId)
    .executeTakeFirst()
  if (!u || u.status !== 'pending') throw new Refusal('updates.error.notFound', { status: 404 })
  await assertCampaign(db, actor.scope, Number(u.campaign_id))
  if (Number(u.author_id) === actor.id) throw new Refusal('updates.error.ownUpdate', { status: 403 })
  return db.transaction().execute(async (trx) => {
    const changed = await trx
      .updateTable('campaign_updates')
      .set({ status: 'approved', approved_by: actor.id, approved_at: now.toISOString() })
      .where('id', '=', updateId)
      .where('status', '=', 'pending')
      .where('author_id', '!=', actor.id)
      .executeTakeFirst()
    // A concurrent approval won: nothing to do twice.
    if (Number(changed.numUpdatedRows) !== 1) throw new Refusal('updates.error.notFound', { status: 409 })
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'update.approve',
        entityType: 'campaign_update',
        entityId: updateId,
        ip: actor.ip,
      },
      now,
    )
    return { queued: await queueUpdateMails(trx, updateId, now) }
  })
}

/**
 * Queue the update's mail to every donor not yet mailed and not unsubscribed. Safe to
 * call again (a retry after a crash): the (update, email) key and the outbox dedupe key
 * both stop a second mail. Returns how many were queued by this call.
 */
export async function queueUpdateMails(trx: Db, updateId: number, now = new Date()): Promise<number> {
  // Claim and mail in one transaction: a crash between them must not leave a claim without its mail.
  if (!trx.isTransaction) return trx.transaction().execute((t) => queueUpdateMails(t, updateId, now))
  const u = await trx
    .selectFrom('campaign_updates as u')
    .innerJoin('campaigns as c', 'c.id', 'u.campaign_id')
    .select(['u.id', 'u.title', 'u.body', 'u.status', 'c.id as campaign_id', 'c.slug', 'c.title as ct', 'c.title_en'])
    .where('u.id', '=', updateId)
    .executeTakeFirstOrThrow()
  if (u.status !== 'approved') return 0
  const gifts = await trx
    .selectFrom('donations')
    .select(['donor_email', 'donor_name', 'locale', 'id'])
    .where('campaign_id', '=', Number(u.campaign_id))
    .where('status', 'in', PAID)
    .orderBy('id', 'desc')
    .execute()
  const out = new Set((await trx.selectFrom('update_unsubscribes').select('email').execute()).map((r) => r.email))
  const donors = new Map<string, { name: string; locale: Locale }>()
  for (const g of gifts) {
    const email = normaliseEmail(g.donor_email)
    // Newest gift first: its name and language are the donor's current ones.
    if (!email || out.has(email) || donors.has(email)) continue
    donors.set(email, { name: g.donor_name, locale: isLocale(g.locale) ? g.locale : 'zh-CN' })
  }
  const base = getEnv().BASE_URL
  let queued = 0
  for (const [email, donor] of donors) {
    const token = generateToken()
    const claimed = await trx
      .insertInto('campaign_update_mails')
      .values({ update_id: updateId, email, token_hash: sha256Hex(token), created_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['update_id', 'email']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!claimed) continue
    const mail = await queueEmail(trx, {
      to: email,
      template: 'campaign-update',
      locale: donor.locale,
      dedupeKey: `campaign-update:${updateId}:${email}`,
      now: now.toISOString(),
      props: {
        donorName: donor.name,
        campaignTitle: donor.locale === 'en' ? u.title_en : u.ct,
        title: u.title,
        body: u.body,
        campaignUrl: new URL(`/campaigns/${u.slug}`, base).toString(),
        unsubscribeUrl: new URL(`/updates/unsubscribe/${token}`, base).toString(),
      },
    })
    await trx.updateTable('campaign_update_mails').set({ outbox_id: mail.id }).where('id', '=', claimed.id).execute()
    if (mail.created) queued++
  }
  return queued
}

export type UpdateView = {
  id: number
  campaign: { id: number; slug: string; title: string; titleEn: string }
  title: string
  body: string
  status: 'pending' | 'approved'
  authorId: number
  authorName: string
  createdAt: string
  approvedAt: string | null
  /** Only photos whose child's consent covers photos right now. */
  photos: UpdatePhoto[]
}

function updatesQuery(db: Db) {
  return db
    .selectFrom('campaign_updates as u')
    .innerJoin('campaigns as c', 'c.id', 'u.campaign_id')
    .innerJoin('users as a', 'a.id', 'u.author_id')
    .select([
      'u.id',
      'u.title',
      'u.body',
      'u.status',
      'u.author_id',
      'a.display_name',
      'u.created_at',
      'u.approved_at',
      'c.id as campaign_id',
      'c.slug',
      'c.title as campaign_title',
      'c.title_en',
    ])
}

type UpdateRow = Awaited<ReturnType<ReturnType<typeof updatesQuery>['execute']>>[number]

/** Rows as views, each with the photos that may be shown now. */
async function toViews(db: Db, rows: UpdateRow[]): Promise<UpdateView[]> {
  const photos = await photosOf(
    db,
    rows.map((r) => Number(r.id)),
  )
  return rows.map((r) => ({ ...toView(r), photos: photos.get(Number(r.id)) ?? [] }))
}

const toView = (r: UpdateRow): Omit<UpdateView, 'photos'> => ({
  id: Number(r.id),
  campaign: { id: Number(r.campaign_id), slug: r.slug, title: r.campaign_title, titleEn: r.title_en },
  title: r.title,
  body: r.body,
  status: r.status,
  authorId: Number(r.author_id),
  authorName: r.display_name,
  createdAt: r.created_at,
  approvedAt: r.approved_at,
})

/** Staff view: every update on campaigns in scope, pending first, newest first. */
export async function listUpdatesForStaff(db: Db, scope: readonly string[]): Promise<UpdateView[]> {
  const ids = (await campaignsForUpdates(db, scope)).map((c) => c.id)
  if (ids.length === 0) return []
  const rows = await updatesQuery(db).where('u.campaign_id', 'in', ids).orderBy('u.id', 'desc').limit(200).execute()
  return (await toViews(db, rows)).sort((a, b) => Number(a.status === 'approved') - Number(b.status === 'approved'))
}

/** The staff home's list: colleagues' updates waiting for this person's review. */
export async function updatesToReview(db: Db, userId: number, scope: readonly string[]) {
  return (await listUpdatesForStaff(db, scope))
    .filter((u) => u.status === 'pending' && u.authorId !== userId)
    .slice(0, 20)
    .map((u) => ({
      id: u.id,
      href: '/admin/updates',
      label: `${u.campaign.title} · ${u.title}`,
      labelEn: `${u.campaign.titleEn} · ${u.title}`,
      detail: u.authorName,
      at: u.createdAt,
    }))
}

/** Public: the approved updates of one campaign, newest first. Pending ones never leave staff pages. */
export async function publicUpdates(db: Db, campaignId: number): Promise<UpdateView[]> {
  const rows = await updatesQuery(db)
    .where('u.campaign_id', '=', campaignId)
    .where('u.status', '=', 'approved')
    .orderBy('u.approved_at', 'desc')
    .limit(50)
    .execute()
  return toViews(db, rows)
}

/** The donor portal: approved updates of every campaign the email has a paid gift to. */
export async function donorUpdates(db: Db, email: string): Promise<UpdateView[]> {
  const norm = normaliseEmail(email)
  const campaigns = await db
    .selectFrom('donations')
    .select('campaign_id')
    .distinct()
    .where('campaign_id', 'is not', null)
    .where('status', 'in', PAID)
    .where((eb) => eb(eb.fn('lower', ['donor_email']), '=', norm))
    .execute()
  const ids = campaigns.map((c) => Number(c.campaign_id))
  if (ids.length === 0) return []
  const rows = await updatesQuery(db)
    .where('u.campaign_id', 'in', ids)
    .where('u.status', '=', 'approved')
    .orderBy('u.approved_at', 'desc')
    .limit(50)
    .execute()
  return toViews(db, rows)
}

export async function isUnsubscribed(db: Db, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('update_unsubscribes')
    .select('email')
    .where('email', '=', normaliseEmail(email))
    .executeTakeFirst()
  return Boolean(row)
}

/** Whether a token from a mail is real (for the confirmation page; changes nothing). */
export async function unsubscribeTokenValid(db: Db, token: string): Promise<boolean> {
  if (!/^[a-z2-7]{16,64}$/.test(token)) return false
  const row = await db
    .selectFrom('campaign_update_mails')
    .select('id')
    .where('token_hash', '=', sha256Hex(token))
    .executeTakeFirst()
  return Boolean(row)
}

/** The one-click unsubscribe (a POST from the confirmation page). False for an unknown token. */
export async function unsubscribeByToken(db: Db, token: string, now = new Date()): Promise<boolean> {
  if (!/^[a-z2-7]{16,64}$/.test(token)) return false
  const row = await db
    .selectFrom('campaign_update_mails')
    .select(['email', 'update_id'])
    .where('token_hash', '=', sha256Hex(token))
    .executeTakeFirst()
  if (!row) return false
  await setUpdateMails(db, row.email, false, 'link', now)
  return true
}

/** The donor portal's setting, and what the link does: no row = subscribed. */
export async function setUpdateMails(
  db: Db,
  email: string,
  subscribed: boolean,
  via: 'link' | 'portal',
  now = new Date(),
): Promise<void> {
  const norm = normaliseEmail(email)
  await db.transaction().execute(async (trx) => {
    const before = await isUnsubscribed(trx, norm)
    if (before === !subscribed) return
    if (subscribed) await trx.deleteFrom('update_unsubscribes').where('email', '=', norm).execute()
    else
      await trx
        .insertInto('update_unsubscribes')
        .values({ email: norm, unsubscribed_at: now.toISOString(), via })
        .onConflict((oc) => oc.column('email').doNothing())
        .execute()
    // The audit names no email: the row's key is enough for a subpoena, not for a browse.
    await recordAudit(
      trx,
      {
        actorUserId: null,
        action: subscribed ? 'update.resubscribe' : 'update.unsubscribe',
        entityType: 'update_subscription',
        entityId: sha256Hex(norm).slice(0, 16),
        after: { via },
      },
      now,
    )
  })
}
