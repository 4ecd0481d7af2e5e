import type { DB } from '~/utils/db.server'
import { translator } from '~/utils/i18n'
import { queueEmail } from '../mail/outbox.server'

// The invitation mail: queued through the outbox in the same transaction that issues the
// link, keyed by the invite row so each link is mailed once (a re-send issues a new link).

export async function queueInvitationMail(
  trx: DB,
  input: { inviteId: number; userId: number; actorId: number | null; link: string; expiresAt: string },
): Promise<void> {
  const user = await trx
    .selectFrom('users')
    .select(['email', 'locale'])
    .where('id', '=', input.userId)
    .executeTakeFirstOrThrow()
  const grant = await trx
    .selectFrom('role_grants')
    .innerJoin('stations', 'stations.id', 'role_grants.station_id')
    .select(['role_grants.role', 'stations.name', 'stations.name_en'])
    .where('role_grants.user_id', '=', input.userId)
    .orderBy('role_grants.id')
    .executeTakeFirst()
  const inviter =
    input.actorId === null
      ? undefined
      : await trx.selectFrom('users').select('display_name').where('id', '=', input.actorId).executeTakeFirst()
  const locale = user.locale === 'en' ? 'en' : 'zh-CN'
  const t = translator(locale)
  await queueEmail(trx, {
    to: user.email,
    template: 'staff-invitation',
    locale,
    dedupeKey: `staff-invite:${input.inviteId}`,
    props: {
      inviterName: inviter?.display_name ?? t('invite.mail.someone'),
      role: grant ? t(`role.${grant.role}`) : '',
      stationName: grant ? (locale === 'en' ? grant.name_en : grant.name) : '',
      url: input.link,
      expiresAt: input.expiresAt,
    },
  })
}
