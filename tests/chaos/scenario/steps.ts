// The step generator: from a seed, a deterministic sequence of steps over the money paths.
// It chooses with the scenario's own view of the outside world (what Stripe, WeChat Pay and
// Alipay know: which charges were paid, refunded, disputed, which events or notifications
// have not had a 2xx for) and of
// the batches staff made; the choice never depends on the database, so a seed replays.
import type { Refund, ScenarioEvent } from './model'

/** mulberry32: small, fast, good enough to pick steps. */
export function rng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!
  const chance = (p: number) => next() < p
  return { next, int, pick, chance }
}
export type Rng = ReturnType<typeof rng>

/** What happens to the process while a step runs. */
export type Fault = { kind: 'none' } | { kind: 'crash'; afterQueries: number } | { kind: 'lostAnswer' }
/** How Stripe delivers a new event: once, twice at once, beside a replay of an old one, or not yet. */
export type Delivery = 'single' | 'twice-concurrent' | 'with-replay' | 'defer'

export type Method = 'card' | 'wechatpay' | 'alipay'

export type Step =
  | {
      kind: 'donate'
      target: 'a' | 'b' | 'general'
      /** The card goes through the demo Stripe; WeChat Pay and Alipay (CNY only) through their fakes. */
      method: Method
      currency: 'CNY' | 'HKD'
      amount: number
      /** Which of three donor emails gives: a matching pool's daily cap is per donor. */
      donor: number
      delivery: Delivery
      fault: Fault
    }
  /** A WeChat Pay or Alipay notification for a donation that claims another amount was paid. */
  | { kind: 'wrong-amount'; donation: number; claims: number; delivery: Delivery; fault: Fault }
  | { kind: 'refund'; donation: number; amount: number; delivery: Delivery; fault: Fault }
  | { kind: 'dispute-open'; donation: number; delivery: Delivery; fault: Fault }
  | { kind: 'dispute-close'; donation: number; outcome: 'lost' | 'won'; delivery: Delivery; fault: Fault }
  | { kind: 'replay'; event: number; concurrent: boolean }
  | { kind: 'redeliver'; event: number; fault: Fault }
  | { kind: 'prepare'; term: string; campaign: number; lines: { student: number; amount: number }[]; fault: Fault }
  | { kind: 'approve'; batch: number; approver: 0 | 1; fault: Fault }
  | { kind: 'payout'; batch: number; fault: Fault }
  | { kind: 'reject'; batch: number }

// ---- the world outside the database, as the scenario keeps it ----

export type WDonation = {
  publicId: string
  target: 'a' | 'b' | 'general'
  method: Method
  currency: string
  amount: number
  refunds: Refund[]
  dispute: null | { id: string; amount: number; status: 'open' | 'lost' | 'won' }
}
export type WEvent = { event: ScenarioEvent; acked: boolean }
export type World = {
  seed: number
  clock: number // unix seconds, advanced per step: event times and staff "now" are reproducible
  donations: WDonation[]
  events: WEvent[]
  batches: { id: number; status: 'prepared' | 'approved' | 'paid' | 'rejected' }[]
  counter: number
}

export const newWorld = (seed: number): World => ({
  seed,
  clock: Date.UTC(2026, 2, 1) / 1000,
  donations: [],
  events: [],
  batches: [],
  counter: 0,
})

/** What Stripe still lets be refunded or disputed on a charge. */
export function stripeRemainder(d: WDonation): number {
  const refunded = d.refunds.reduce((n, r) => n + r.amount, 0)
  return d.amount - refunded - (d.dispute?.status === 'lost' ? d.dispute.amount : 0)
}

/**
 * `deep`: a payment event's step, whose transaction runs longer once a matching pool is in
 * play (a fulfilment ~28 queries, ~48 with its match; a refund ~40, ~58 giving a match
 * back): besides the usual crashes in the first 28 queries, some fall later, in the match
 * or its return.
 */
function fault(r: Rng, deep = false): Fault {
  const x = r.next()
  if (x < 0.12) return { kind: 'crash', afterQueries: r.int(1, 28) }
  if (x < 0.18) return { kind: 'lostAnswer' }
  if (deep && x < 0.24) return { kind: 'crash', afterQueries: r.int(29, 60) }
  return { kind: 'none' }
}

function delivery(r: Rng): { delivery: Delivery; fault: Fault } {
  const x = r.next()
  if (x < 0.12) return { delivery: 'twice-concurrent', fault: { kind: 'none' } }
  if (x < 0.22) return { delivery: 'with-replay', fault: { kind: 'none' } }
  if (x < 0.32) return { delivery: 'defer', fault: { kind: 'none' } }
  return { delivery: 'single', fault: fault(r, true) }
}

const AMOUNTS = [1_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000]
const DONORS = 3

export function nextStep(r: Rng, w: World, students: number): Step {
  // Refunds and disputes are Stripe events: WeChat Pay and Alipay gifts have neither here.
  const refundable = w.donations
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => d.method === 'card' && stripeRemainder(d) > 0 && d.dispute?.status !== 'open')
  const domestic = w.donations.map((d, i) => ({ d, i })).filter(({ d }) => d.method !== 'card')
  // Card gifts in CNY to campaign "a": the ones its matching pool may have matched.
  const matchable = refundable.filter(({ d }) => d.target === 'a' && d.currency === 'CNY')
  const undisputed = refundable.filter(({ d }) => !d.dispute)
  const openDisputes = w.donations.map((d, i) => ({ d, i })).filter(({ d }) => d.dispute?.status === 'open')
  const unacked = w.events.map((e, i) => ({ e, i })).filter(({ e }) => !e.acked)
  const options: [number, () => Step][] = [
    [
      w.donations.length < 3 ? 80 : 30,
      () => {
        const method = r.pick(['card', 'card', 'card', 'wechatpay', 'alipay'] as const)
        return {
          kind: 'donate',
          target: r.pick(['a', 'a', 'a', 'b', 'general', 'general'] as const),
          method,
          currency: method === 'card' && r.chance(0.2) ? 'HKD' : 'CNY',
          amount: r.chance(0.6) ? r.pick(AMOUNTS) : r.int(100, 300_000),
          donor: r.int(1, DONORS),
          ...delivery(r),
        }
      },
    ],
    [
      domestic.length ? 4 : 0,
      () => {
        const { d, i } = r.pick(domestic)
        // One fen off either way (gifts are 100 fen at least), or twice the gift.
        const claims = r.chance(0.5) ? d.amount + r.pick([-1, 1]) : d.amount * 2
        return { kind: 'wrong-amount', donation: i, claims, ...delivery(r) }
      },
    ],
    [
      // More often, and mostly to a gift the pool may have matched, so that matches come back.
      matchable.length ? 14 : refundable.length ? 10 : 0,
      () => {
        const { d, i } = r.pick(matchable.length && r.chance(0.7) ? matchable : refundable)
        const rest = stripeRemainder(d)
        return {
          kind: 'refund',
          donation: i,
          amount: rest === 1 || r.chance(0.4) ? rest : r.int(1, rest - 1),
          ...delivery(r),
        }
      },
    ],
    [
      undisputed.length ? 4 : 0,
      () => {
        // Half on a gift the pool may have matched: a lost dispute gives the match back too.
        const mine = undisputed.filter(({ d }) => d.target === 'a' && d.currency === 'CNY')
        return {
          kind: 'dispute-open',
          donation: r.pick(mine.length && r.chance(0.5) ? mine : undisputed).i,
          ...delivery(r),
        }
      },
    ],
    [
      openDisputes.length ? 6 : 0,
      () => ({
        kind: 'dispute-close',
        donation: r.pick(openDisputes).i,
        outcome: r.chance(0.5) ? 'lost' : 'won',
        ...delivery(r),
      }),
    ],
    [
      w.events.length ? 8 : 0,
      () => ({ kind: 'replay', event: r.int(0, w.events.length - 1), concurrent: r.chance(0.4) }),
    ],
    [unacked.length ? 8 : 0, () => ({ kind: 'redeliver', event: r.pick(unacked).i, fault: fault(r, true) })],
    [
      w.donations.length < 4 ? 2 : 12,
      () => {
        const n = r.int(1, 3)
        const pool = Array.from({ length: students }, (_, i) => i)
        const lines = Array.from({ length: n }, () => {
          const student = pool.splice(r.int(0, pool.length - 1), 1)[0]!
          // Now and then one line above the programme's award, which must be refused whole.
          return {
            student,
            amount: r.chance(0.04) ? 100_001 : r.chance(0.7) ? r.int(5, 60) * 1_000 : r.int(60, 100) * 1_000,
          }
        })
        return {
          kind: 'prepare',
          term: r.pick(['2027-spring', '2027-autumn']),
          campaign: r.chance(0.75) ? 0 : 1,
          lines,
          fault: fault(r),
        }
      },
    ],
    [
      w.batches.length ? 12 : 0,
      () => {
        const prepared = w.batches.map((b, i) => ({ b, i })).filter(({ b }) => b.status === 'prepared')
        const batch = prepared.length && r.chance(0.85) ? r.pick(prepared).i : r.int(0, w.batches.length - 1)
        return { kind: 'approve', batch, approver: r.chance(0.5) ? 0 : 1, fault: fault(r) }
      },
    ],
    [
      w.batches.length ? 8 : 0,
      () => {
        const approved = w.batches.map((b, i) => ({ b, i })).filter(({ b }) => b.status === 'approved')
        const batch = approved.length && r.chance(0.85) ? r.pick(approved).i : r.int(0, w.batches.length - 1)
        return { kind: 'payout', batch, fault: fault(r) }
      },
    ],
    [
      w.batches.some((b) => b.status === 'prepared') ? 2 : 0,
      () => ({ kind: 'reject', batch: w.batches.findIndex((b) => b.status === 'prepared') }),
    ],
  ]
  const total = options.reduce((n, [weight]) => n + weight, 0)
  let x = r.next() * total
  for (const [weight, make] of options) {
    if ((x -= weight) < 0) return make()
  }
  return options[0]![1]()
}

export function describeStep(s: Step): string {
  const f =
    'fault' in s && s.fault.kind !== 'none'
      ? ` [${s.fault.kind === 'crash' ? `crash after ${s.fault.afterQueries} queries` : 'answer lost'}]`
      : ''
  const d = 'delivery' in s && s.delivery !== 'single' ? ` (${s.delivery})` : ''
  switch (s.kind) {
    case 'donate':
      return `donate ${s.amount} ${s.currency} to ${s.target}${s.method === 'card' ? '' : ` by ${s.method}`} as donor${s.donor}${d}${f}`
    case 'wrong-amount':
      return `notification for donation #${s.donation} claims ${s.claims} paid${d}${f}`
    case 'refund':
      return `refund ${s.amount} of donation #${s.donation}${d}${f}`
    case 'dispute-open':
      return `dispute opened on donation #${s.donation}${d}${f}`
    case 'dispute-close':
      return `dispute on donation #${s.donation} closed ${s.outcome}${d}${f}`
    case 'replay':
      return `replay event #${s.event}${s.concurrent ? ' twice at once' : ''}`
    case 'redeliver':
      return `Stripe redelivers event #${s.event}${f}`
    case 'prepare':
      return `prepare ${s.term} from campaign ${'ab'[s.campaign]}: ${s.lines.map((l) => `student ${l.student} ${l.amount}`).join(', ')}${f}`
    case 'approve':
      return `finance${s.approver + 1} approves batch #${s.batch}${f}`
    case 'payout':
      return `payout of batch #${s.batch}${f}`
    case 'reject':
      return `reject batch #${s.batch}`
  }
}
