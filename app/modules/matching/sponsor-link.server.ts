// A sponsor pays its pool online: staff hand over /donate?pool=<id>&claim=<HMAC>, and the
// gift goes through the checkout every gift takes (card, Alipay or WeChat Pay) into
// fund:match:<id>. The claim keeps the public from paying into a pool whose money every
// trace credits to the named sponsor.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { getEnv } from '../../utils/env.server'
import { chinaDate, type Locale } from '../../utils/i18n'
import { keyedDigest, timingSafeEqualText } from '../auth/tokens.server'

const claimOf = (poolId: number) => keyedDigest(getEnv().SESSION_SECRET, 'match-pool-link', String(poolId))

/** The link staff send the sponsor (absolute, on this site). */
export function sponsorLink(poolId: number): string {
  return `${getEnv().BASE_URL}/donate?pool=${poolId}&claim=${claimOf(poolId)}`
}

export type FundablePool = { id: number; currency: string; sponsor: string; label: string }

/**
 * The pool a sponsor's link names, when the claim holds and the pool has not ended (a paused
 * pool still takes its sponsor's money); undefined otherwise.
 */
export async function poolForFunding(
  db: Kysely<Database>,
  poolId: number,
  claim: string | null | undefined,
  locale: Locale,
  now = new Date(),
): Promise<FundablePool | undefined> {
  if (!claim || !Number.isSafeInteger(poolId) || poolId <= 0 || !timingSafeEqualText(claimOf(poolId), claim))
    return undefined
  const p = await db
    .selectFrom('matching_pools')
    .select(['id', 'currency', 'name', 'name_en', 'sponsor', 'sponsor_en', 'ends_on'])
    .where('id', '=', poolId)
    .executeTakeFirst()
  if (!p || p.ends_on < chinaDate(now)) return undefined
  const en = locale === 'en'
  const name = (en && p.name_en) || p.name
  const sponsor = (en && p.sponsor_en) || p.sponsor
  return {
    id: p.id,
    currency: p.currency,
    sponsor: p.sponsor,
    label: en ? `Matching pool: ${name} (${sponsor})` : `配捐池充值：${name}（${sponsor}）`,
  }
}
