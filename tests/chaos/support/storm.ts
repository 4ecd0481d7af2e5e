// A Stripe stand-in for the webhook storm: the events (one checkout completion per pending
// donation, plus a share of other kinds, plus WeChat Pay and Alipay notifications from
// storm-domestic.ts), their deliveries (each event 1–5 times, shuffled, signed at send time), sending with a concurrency that changes as it goes, Stripe-like
// re-delivery of whatever did not get a 2xx, and the checks of the database afterwards.
import { sql } from 'kysely'
import { expect } from 'vitest'
import type { DB } from '~/utils/db.server'
import { verifyLedger } from '~/modules/ledger'
import { firstCampaign, insertPendingDonations } from '../../bench/generator/pending'
import type { FakeStripe } from '../../support/fake-stripe'
import { sessionCompleted, sign } from '../../support/stripe-events'

export type StormDonation = {
  /** Stripe when absent. */
  provider?: 'wechatpay' | 'alipay'
  publicId: string
  email: string
  sessionId: string
  intentId: string
  chargeId: string
  amount: number
  fee: number
}
export type StormEvent = {
  id: string
  type: string
  donation: number
  body: object
  /** A WeChat Pay or Alipay notification, signed afresh at each delivery; Stripe's body otherwise. */
  wire?: () => { path: string; headers: Record<string, string>; body: string }
}
export type Attempt = { round: number; status: number; outcome?: string; detail?: string }
export type Delivery = { event: StormEvent; attempts: Attempt[] }
export type StormPlan = { tag: string; donations: StormDonation[]; events: StormEvent[]; deliveries: Delivery[] }

/** What a kill can cause: the balancer's 502, or 0 for a connection cut mid-answer. */
export const KILL_STATUSES = new Set([502, 0])
export const ok = (status: number) => status >= 200 && status < 300
const last = (d: Delivery) => d.attempts[d.attempts.length - 1]

export type Rand = () => number
export const randomInt = (rand: Rand, min: number, max: number) => min + Math.floor(rand() * (max - min + 1))

/** A seed from STORM_SEED, or a fresh one; the test prints it so a failing run can be replayed. */
export function stormSeed(): number {
  const fixed = process.env.STORM_SEED
  return fixed ? Number(fixed) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0
}

function shuffle<T>(items: T[], rand: Rand): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

/**
 * N checkout.session.completed events for N pending donations, plus, for about one in ten,
 * a later checkout.session.async_payment_succeeded for the same session (must not book
 * twice) and, for one in twenty, a payment_intent.succeeded the app ignores. Every event is
 * delivered 1–5 times, all deliveries shuffled together.
 */
export function planStorm(options: {
  tag: string
  events: number
  rand: Rand
  /** WeChat Pay / Alipay donations and their notifications, given their first donation index. */
  domestic?: { donations: StormDonation[]; events: (offset: number) => StormEvent[] }
}): StormPlan {
  const { tag, rand } = options
  const donations: StormDonation[] = Array.from({ length: options.events }, (_, i) => {
    const key = `${tag}${String(i).padStart(6, '0')}`
    const amount = randomInt(rand, 10, 5000) * 100 // ¥10 – ¥5,000 in fen
    return {
      publicId: `D-STORM-${key}`,
      email: `storm-${key.toLowerCase()}@storm.test`,
      sessionId: `cs_test_storm_${key}`,
      intentId: `pi_storm_${key}`,
      chargeId: `ch_storm_${key}`,
      amount,
      fee: Math.floor((amount * 34) / 1000) + 30, // 3.4 % + ¥0.30, integer fen
    }
  })
  const events: StormEvent[] = []
  donations.forEach((d, i) => {
    const base = { publicId: d.publicId, sessionId: d.sessionId, intentId: d.intentId, amount: d.amount }
    events.push({
      id: `evt_storm_${tag}_c${i}`,
      type: 'checkout.session.completed',
      donation: i,
      body: sessionCompleted({ ...base, eventId: `evt_storm_${tag}_c${i}` }),
    })
    const roll = rand()
    if (roll < 0.1) {
      const id = `evt_storm_${tag}_a${i}`
      events.push({
        id,
        type: 'checkout.session.async_payment_succeeded',
        donation: i,
        body: sessionCompleted({ ...base, type: 'checkout.session.async_payment_succeeded', eventId: id }),
      })
    } else if (roll < 0.15) {
      const id = `evt_storm_${tag}_p${i}`
      const body = {
        id,
        object: 'event',
        type: 'payment_intent.succeeded',
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: d.intentId,
            object: 'payment_intent',
            amount: d.amount,
            currency: 'cny',
            metadata: { donation_public_id: d.publicId },
          },
        },
      }
      events.push({ id, type: 'payment_intent.succeeded', donation: i, body })
    }
  })
  if (options.domestic) {
    events.push(...options.domestic.events(donations.length))
    donations.push(...options.domestic.donations)
  }
  const deliveries = shuffle(
    events.flatMap((event) =>
      Array.from({ length: randomInt(rand, 1, 5) }, () => ({ event, attempts: [] as Attempt[] })),
    ),
    rand,
  )
  return { tag, donations, events, deliveries }
}

/** The pending donations the checkout would have left, inserted in bulk (provider 'stripe'). */
export async function insertStormDonations(db: DB, donations: StormDonation[]): Promise<void> {
  await insertPendingDonations(
    db,
    donations
      .filter((d) => !d.provider)
      .map((d) => ({
        publicId: d.publicId,
        trackingCode: `T${d.publicId}`,
        amount: d.amount,
        donorName: '风暴测试',
        donorEmail: d.email,
        sessionId: d.sessionId,
      })),
    { campaign: await firstCampaign(db), provider: 'stripe', createdAt: new Date().toISOString() },
  )
}

/** The intents the webhook handler looks up (fee and net from the balance transaction). */
export function registerIntents(fake: FakeStripe, donations: StormDonation[]): void {
  for (const d of donations.filter((x) => !x.provider))
    fake.intents.set(d.intentId, {
      id: d.intentId,
      amount: d.amount,
      currency: 'cny',
      fee: d.fee,
      chargeId: d.chargeId,
    })
}

async function post(url: string, delivery: Delivery, secret: string, round: number): Promise<Attempt> {
  // Stripe signs each delivery afresh, so a late re-delivery is inside the 300 s tolerance.
  const stripe = () => {
    const { payload, signature } = sign(delivery.event.body, secret)
    return {
      path: '/webhooks/stripe',
      body: payload,
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    }
  }
  const wire = delivery.event.wire?.() ?? stripe()
  try {
    const res = await fetch(`${url}${wire.path}`, {
      method: 'POST',
      body: wire.body,
      headers: wire.headers,
      signal: AbortSignal.timeout(60_000),
    })
    const text = await res.text()
    // WeChat Pay's 204 and Alipay's "success" do not say whether the notification was new.
    if (ok(res.status) && delivery.event.wire) return { round, status: res.status, outcome: text || 'acknowledged' }
    if (ok(res.status))
      return { round, status: res.status, outcome: (JSON.parse(text) as { outcome?: string }).outcome }
    return { round, status: res.status, detail: text.slice(0, 300) }
  } catch (error) {
    return { round, status: 0, detail: (error as Error).message }
  }
}

export type SendOptions = {
  url: () => string
  secret: string
  round: number
  rand: Rand
  concurrency: [min: number, max: number]
  /** Called once when this many deliveries have been started, with the number then in flight. */
  at?: { sent: number; run: (inFlight: number) => void }
}

/** Send deliveries; the in-flight limit is redrawn every 25 answers, so the load comes in waves. */
export async function sendDeliveries(deliveries: Delivery[], options: SendOptions): Promise<void> {
  const draw = () => randomInt(options.rand, options.concurrency[0], options.concurrency[1])
  let limit = draw()
  let cursor = 0
  let inFlight = 0
  let answered = 0
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inFlight < limit && cursor < deliveries.length) {
        const delivery = deliveries[cursor++]!
        inFlight++
        void post(options.url(), delivery, options.secret, options.round).then((attempt) => {
          delivery.attempts.push(attempt)
          inFlight--
          if (++answered % 25 === 0) limit = draw()
          pump()
        })
        if (options.at && cursor === options.at.sent) options.at.run(inFlight)
      }
      if (inFlight === 0 && cursor >= deliveries.length) resolve()
    }
    pump()
  })
}

export const unanswered = (deliveries: Delivery[]) => deliveries.filter((d) => !ok(last(d)?.status ?? 0))

/** Stripe's retries: every delivery without a 2xx again, with a growing pause, until none is left or the bounds are hit. */
export async function redeliver(
  deliveries: Delivery[],
  options: Omit<SendOptions, 'round' | 'at'> & {
    firstRound: number
    maxRounds: number
    deadline: number
    log: (line: string) => void
  },
): Promise<number> {
  let round = options.firstRound
  for (; round < options.firstRound + options.maxRounds && Date.now() < options.deadline; round++) {
    const pending = unanswered(deliveries)
    if (!pending.length) return round - 1
    await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** (round - options.firstRound))))
    await sendDeliveries(pending, { ...options, round })
    options.log(`round ${round}: re-delivered ${pending.length}, ${unanswered(pending).length} still without a 2xx`)
  }
  return round - 1
}

/** Counts by status class of the attempts of one round. */
export function statusCounts(deliveries: Delivery[], round: number) {
  const counts = { sent: 0, ok: 0, s502: 0, network: 0, other: 0 }
  for (const d of deliveries) {
    for (const a of d.attempts) {
      if (a.round !== round) continue
      counts.sent++
      if (ok(a.status)) counts.ok++
      else if (a.status === 502) counts.s502++
      else if (a.status === 0) counts.network++
      else counts.other++
    }
  }
  return counts
}

/** How many of the storm's donations are paid now. */
export async function paidCount(db: DB, plan: StormPlan): Promise<number> {
  const row = await db
    .selectFrom('donations')
    .select(sql<number>`count(*)`.as('n'))
    .where('public_id', 'like', `D-STORM-${plan.tag}%`)
    .where('status', '=', 'paid')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Table sizes the storm changes, read before it so the checks count only what it added. */
export async function tableCounts(db: DB) {
  const count = async (
    table: 'ledger_transactions' | 'receipts' | 'payment_events' | 'mail_outbox' | 'matching_matches',
    where?: [string, string],
  ) => {
    let q = db.selectFrom(table).select(sql<number>`count(*)`.as('n'))
    if (where) q = q.where(sql.ref(where[0]), '=', where[1])
    return Number((await q.executeTakeFirstOrThrow()).n)
  }
  return {
    ledgerTransactions: await count('ledger_transactions'),
    ledgerDonations: await count('ledger_transactions', ['kind', 'donation']),
    // The demo seed's matching pool (配捐) may match storm gifts inside its opening hours:
    // each match is one `match` transaction and one matching_matches row, nothing more.
    ledgerMatches: await count('ledger_transactions', ['kind', 'match']),
    matchRows: await count('matching_matches'),
    receipts: await count('receipts'),
    paymentEvents: await count('payment_events'),
    receiptMails: await count('mail_outbox', ['template', 'donation-receipt']),
  }
}

/**
 * The storm's end state: every donation paid once, booked once, receipted and mailed once,
 * every event recorded once, the ledger verified, no live process answered anything but a
 * 2xx (a kill shows as a 502 from the balancer), and every delivery in the end got a 2xx.
 */
export async function checkAfterStorm(
  db: DB,
  plan: StormPlan,
  before: Awaited<ReturnType<typeof tableCounts>>,
  options: { killRound: number },
): Promise<void> {
  const n = plan.donations.length
  const ids = plan.donations.map((d) => d.publicId)
  const grossTotal = plan.donations.reduce((s, d) => s + d.amount, 0)
  const feeTotal = plan.donations.reduce((s, d) => s + d.fee, 0)
  const like = `D-STORM-${plan.tag}%`

  // Answers: a live process never answers a well-formed, signed event with anything but a 2xx;
  // a 502 or a cut connection is allowed only in the round the kill happened in.
  const excused = (a: Attempt) => a.round === options.killRound && KILL_STATUSES.has(a.status)
  const bad = plan.deliveries.flatMap((d) =>
    d.attempts
      .filter((a) => !ok(a.status) && !excused(a))
      .map((a) => `${d.event.id} round ${a.round}: ${a.status} ${a.detail ?? ''}`),
  )
  expect(bad, "answers other than 2xx, bar the kill round's 502s (a 500 = a live process failed)").toEqual([])
  expect(
    unanswered(plan.deliveries).map((d) => d.event.id),
    'deliveries still without a 2xx',
  ).toEqual([])
  const fulfilledAnswers = new Map<number, number>()
  for (const d of plan.deliveries)
    for (const a of d.attempts)
      if (a.outcome === 'fulfilled')
        fulfilledAnswers.set(d.event.donation, (fulfilledAnswers.get(d.event.donation) ?? 0) + 1)
  expect(
    [...fulfilledAnswers].filter(([, c]) => c > 1).map(([i]) => ids[i]),
    'donations answered "fulfilled" more than once',
  ).toEqual([])

  const donations = await db
    .selectFrom('donations')
    .select([
      'status',
      sql<number>`count(*)`.as('n'),
      sql<number>`sum(amount)`.as('gross'),
      sql<number>`sum(fee_amount)`.as('fee'),
    ])
    .where('public_id', 'like', like)
    .groupBy('status')
    .execute()
  expect(
    donations.map((r) => ({ status: r.status, n: Number(r.n), gross: Number(r.gross), fee: Number(r.fee) })),
  ).toEqual([{ status: 'paid', n, gross: grossTotal, fee: feeTotal }])

  const ledger = await db
    .selectFrom('ledger_transactions')
    .select([sql<number>`count(*)`.as('n'), sql<number>`count(distinct donation_ref)`.as('refs')])
    .where('kind', '=', 'donation')
    .where('donation_ref', 'like', like)
    .executeTakeFirstOrThrow()
  expect({ n: Number(ledger.n), refs: Number(ledger.refs) }, 'ledger donation transactions of the storm').toEqual({
    n,
    refs: n,
  })
  const booked = await db
    .selectFrom('ledger_donations')
    .select([sql<number>`count(*)`.as('n'), sql<number>`sum(gross)`.as('gross'), sql<number>`sum(fee)`.as('fee')])
    .where('donation_ref', 'like', like)
    .executeTakeFirstOrThrow()
  expect(
    { n: Number(booked.n), gross: Number(booked.gross), fee: Number(booked.fee) },
    'ledger_donations of the storm',
  ).toEqual({ n, gross: grossTotal, fee: feeTotal })

  const receipts = await db
    .selectFrom('receipts as r')
    .innerJoin('donations as d', 'd.id', 'r.donation_id')
    .select([sql<number>`count(*)`.as('n'), sql<number>`count(distinct r.donation_id)`.as('donations')])
    .where('d.public_id', 'like', like)
    .executeTakeFirstOrThrow()
  expect({ n: Number(receipts.n), donations: Number(receipts.donations) }, 'receipts of the storm').toEqual({
    n,
    donations: n,
  })
  const mails = await db
    .selectFrom('mail_outbox')
    .select([sql<number>`count(*)`.as('n'), sql<number>`count(distinct to_address)`.as('to')])
    .where('template', '=', 'donation-receipt')
    .where('to_address', 'like', `storm-${plan.tag.toLowerCase()}%@storm.test`)
    .executeTakeFirstOrThrow()
  expect({ n: Number(mails.n), to: Number(mails.to) }, 'receipt emails of the storm').toEqual({ n, to: n })

  const events = await db
    .selectFrom('payment_events')
    .select(['event_id', 'processed_at'])
    .where('event_id', 'like', `evt_storm_${plan.tag}_%`)
    .execute()
  expect(events.length, 'payment_events rows = distinct event ids').toBe(plan.events.length)
  expect(new Set(events.map((e) => e.event_id))).toEqual(new Set(plan.events.map((e) => e.id)))
  expect(
    events.filter((e) => !e.processed_at).map((e) => e.event_id),
    'events recorded but never processed',
  ).toEqual([])

  // Nothing else was written: the storm added exactly its own rows.
  const after = await tableCounts(db)
  const matches = after.ledgerMatches - before.ledgerMatches
  expect(after.matchRows - before.matchRows, 'one matching_matches row per match transaction').toBe(matches)
  expect(matches, 'at most one match per gift').toBeLessThanOrEqual(n)
  expect({
    ledgerTransactions: after.ledgerTransactions - before.ledgerTransactions - matches,
    ledgerDonations: after.ledgerDonations - before.ledgerDonations,
    receipts: after.receipts - before.receipts,
    paymentEvents: after.paymentEvents - before.paymentEvents,
    receiptMails: after.receiptMails - before.receiptMails,
  }).toEqual({
    ledgerTransactions: n,
    ledgerDonations: n,
    receipts: n,
    paymentEvents: plan.events.length,
    receiptMails: n,
  })

  const negative = await db
    .selectFrom('ledger_balances')
    .select(['account', 'currency', 'balance'])
    .where((eb) => eb.or([eb('account', 'like', 'fund:%'), eb('account', 'like', 'payable:%')]))
    .where('balance', '<', 0)
    .execute()
  expect(negative, 'negative fund or payable balances').toEqual([])
  const verified = await verifyLedger(db)
  expect(verified.firstError, 'verifyLedger').toBeUndefined()
  expect(verified.ok).toBe(true)
}
