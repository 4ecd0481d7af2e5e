// Whether a campaign takes new gifts: published (not a draft, not closed) and its end date,
// a whole China calendar day (ends_at is that day's last millisecond, UTC), not yet past.
// A checkout begun before the end still books when its webhook arrives: fulfilment never asks.

export type GiftWindow = { status: string; ends_at: string | null }

export function campaignEnded(c: { ends_at: string | null }, now: Date = new Date()): boolean {
  return c.ends_at !== null && now.getTime() > Date.parse(c.ends_at)
}

export function takesGifts(c: GiftWindow, now: Date = new Date()): boolean {
  return c.status === 'active' && !campaignEnded(c, now)
}
