import { describe, expect, it } from 'vitest'
import {
  awaitsPayment,
  canMove,
  DONATION_TRANSITIONS,
  INITIAL_DONATION_STATUS,
  isBooked,
} from '~/modules/donations/lifecycle.server'
import type { DonationStatus } from '../../db/tables/giving'

const ALL: DonationStatus[] = ['pending', 'paid', 'failed', 'canceled', 'refunded', 'partially_refunded', 'disputed']

// The moves the webhook and the offline desk make today, written out by hand: the table
// must allow exactly these, so a new move is a deliberate edit in two places.
const EXPECTED: [DonationStatus, DonationStatus][] = [
  ['pending', 'paid'],
  ['pending', 'failed'],
  ['pending', 'canceled'],
  ['failed', 'paid'],
  ['paid', 'partially_refunded'],
  ['paid', 'refunded'],
  ['paid', 'disputed'],
  ['partially_refunded', 'partially_refunded'],
  ['partially_refunded', 'refunded'],
  ['partially_refunded', 'disputed'],
  ['refunded', 'refunded'],
  ['refunded', 'disputed'],
  ['disputed', 'disputed'],
  ['disputed', 'paid'],
  ['disputed', 'partially_refunded'],
  ['disputed', 'refunded'],
]

describe('the donation status table', () => {
  it('has a row for every status and names only known statuses', () => {
    expect(Object.keys(DONATION_TRANSITIONS).sort()).toEqual([...ALL].sort())
    for (const to of Object.values(DONATION_TRANSITIONS).flat()) expect(ALL).toContain(to)
  })

  it('allows exactly the expected moves', () => {
    const allowed = ALL.flatMap((from) => ALL.filter((to) => canMove(from, to)).map((to) => [from, to]))
    expect(allowed.sort()).toEqual([...EXPECTED].sort())
  })

  it('refuses moves that would rewrite history', () => {
    expect(canMove('paid', 'pending')).toBe(false)
    expect(canMove('refunded', 'paid')).toBe(false)
    expect(canMove('canceled', 'paid')).toBe(false)
    expect(canMove('paid', 'failed')).toBe(false)
    expect(canMove('refunded', 'partially_refunded')).toBe(false)
    expect(canMove('pending', 'refunded')).toBe(false)
    expect(canMove('pending', 'pending')).toBe(false)
    for (const to of ALL) expect(canMove('canceled', to)).toBe(false)
  })

  it('starts every donation pending; only an unpaid gift awaits payment and only a booked one reverses', () => {
    expect(INITIAL_DONATION_STATUS).toBe('pending')
    expect(ALL.filter(awaitsPayment).sort()).toEqual(['failed', 'pending'])
    expect(ALL.filter(isBooked).sort()).toEqual(['disputed', 'paid', 'partially_refunded', 'refunded'])
  })
})
