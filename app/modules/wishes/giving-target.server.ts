import type { DB } from '~/utils/db.server'
import type { Locale, MessageKey } from '~/utils/i18n'
import { sponsorshipForCheckout } from '../sponsorships/start.server'
import { poolForFunding } from '../matching/sponsor-link.server'
import { currentHolder, wishForCheckout } from './wishes.server'

// What the donate page needs for ?wish=<id>&claim=<token>, ?sponsorship=<id> or a sponsor's
// ?pool=<id>&claim=<HMAC> (app/modules/matching/sponsor-link.server.ts): a fixed
// target for the form, default values (the wish's price), or a notice when the claim
// is not (or no longer) this donor's.

export type GivingTarget = {
  target: { designation: 'wish' | 'sponsorship' | 'pool'; targetId: number; label: string; claim?: string } | null
  values?: Record<string, string>
  notice?: MessageKey
}

const yuan = (minor: number) => (minor / 100).toFixed(2)

export async function givingTarget(db: DB, search: URLSearchParams, locale: Locale): Promise<GivingTarget | null> {
  const wishId = Number(search.get('wish'))
  if (Number.isSafeInteger(wishId) && wishId > 0) {
    const wish = await wishForCheckout(db, wishId)
    const holder = await currentHolder(db, wishId)
    if (!wish || !holder || holder !== search.get('claim')) return { target: null, notice: 'wishes.notYours' }
    const label =
      locale === 'en' ? `Micro-wish: ${wish.item} (${wish.publicCode})` : `微心愿：${wish.item}（${wish.publicCode}）`
    return {
      target: { designation: 'wish', targetId: wish.id, label },
      values: {
        amountChoice: 'custom',
        customAmount: yuan(wish.remaining),
        currency: wish.currency,
        frequency: 'once',
      },
    }
  }
  const sponsorshipId = Number(search.get('sponsorship'))
  if (Number.isSafeInteger(sponsorshipId) && sponsorshipId > 0) {
    const s = await sponsorshipForCheckout(db, sponsorshipId, search.get('claim'))
    if (!s) return { target: null, notice: 'sponsor.error.unavailable' }
    const label =
      locale === 'en' ? `Hope Star 1+1 sponsorship: ${s.publicCode}` : `希望之星 1+1 结对资助：${s.publicCode}`
    return {
      target: { designation: 'sponsorship', targetId: s.id, label },
      values: {
        ...(s.frequency === 'monthly'
          ? { amountChoice: 'custom', customAmount: '125.00', frequency: 'monthly' }
          : { amountChoice: 'custom', customAmount: '1500.00', frequency: 'once' }),
        // What the sponsor typed on /sponsor, carried by the start's claim.
        ...(s.donor ? { name: s.donor.name, email: s.donor.email } : {}),
      },
    }
  }
  const poolId = Number(search.get('pool'))
  if (search.has('pool')) {
    const claim = search.get('claim')
    const pool = await poolForFunding(db, poolId, claim, locale)
    if (!pool) return { target: null, notice: 'matching.linkInvalid' }
    return {
      target: { designation: 'pool', targetId: pool.id, label: pool.label, claim: claim ?? '' },
      values: { currency: pool.currency, frequency: 'once', name: pool.sponsor, displayMode: 'full' },
    }
  }
  return null
}
