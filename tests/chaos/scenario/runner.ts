// Runs one seed: a fresh copy of the template, 15–40 generated steps through the real
// entry points (startCheckout, receiveWebhook with signed events and the WeChat Pay and
// Alipay notification receivers with the fakes' signed notifications (deliver.ts), prepareBatch,
// approveBatch, recordPayout, rejectBatch), crashes and lost answers injected, and the
// invariants checked after every step. A failure names the seed, the step and the list.
import { approveBatch, prepareBatch, recordPayout, rejectBatch } from '~/modules/disbursements/batches.server'
import { startCheckout } from '~/modules/donations/checkout.server'
import { donationFormSchema } from '~/modules/donations/schema'
import { InsufficientFundsError, LedgerInputError } from '~/modules/ledger'
import type { DB } from '~/utils/db.server'
import { isRefusal } from '~/utils/refusal'
import { chinaDate } from '~/utils/i18n'
import { CrashError, CrashPlugin } from './crash'
import { BASE_URL, checkoutProvider, deliver } from './deliver'
import { donorPays, FEE_RATE_BPS } from './domestic'
import { checkInvariants, fingerprint, InvariantError } from './invariants'
import * as model from './model'
import { MATCH_POOL, open, type Cast, type Template } from './setup'
import { describeStep, newWorld, nextStep, rng, type Delivery, type Fault, type Step, type World } from './steps'
import { minimalPdf } from '../../support/proof-files'

const LIMITS = { min: 100, max: 100_000_000, currencies: ['CNY', 'HKD', 'USD'] }
const SECOND_APPROVAL_ABOVE = 80_000 // low, so that many batches need two approvers
const PDF = minimalPdf('scenario payout slip')
const CRASHED = 'crashed'

export class ScenarioFailure extends Error {
  constructor(
    readonly seed: number,
    readonly stepIndex: number,
    readonly steps: string[],
    readonly why: string,
    readonly dialect: string,
  ) {
    super(
      `scenario seed ${seed} failed at step ${stepIndex + 1} (${steps[stepIndex]}) on ${dialect}: ${why}\n` +
        `steps:\n${steps.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}\n` +
        `replay: SCENARIO_SEED=${seed} npm run test:chaos -- scenario   (or: npx tsx tests/chaos/scenario/replay.ts ${seed})`,
    )
  }
}

type Ctx = {
  db: DB
  url: string
  m: model.State
  w: World
  t: Template
  i: number
  restarts: number
  answers: Record<string, number>
}

async function restart(ctx: Ctx) {
  await ctx.db.destroy()
  ctx.db = open(ctx.url)
  ctx.restarts++
}

/** An answer as a string: the app's outcome, or the refusal it threw; crashes and anything else propagate. */
async function outcome(ctx: Ctx, p: Promise<string>): Promise<string> {
  const answer = await answerOf(p)
  ctx.answers[answer] = (ctx.answers[answer] ?? 0) + 1
  return answer
}

async function answerOf(p: Promise<string>): Promise<string> {
  try {
    return await p
  } catch (e) {
    if (e instanceof CrashError) return CRASHED
    // The ledger's refusals first: they are Refusals too, and the model names them by kind.
    if (e instanceof InsufficientFundsError) return 'insufficient'
    if (e instanceof LedgerInputError) return 'input'
    if (isRefusal(e)) return e.messageKey
    throw e
  }
}

function check(cond: boolean, why: string): asserts cond {
  if (!cond) throw new InvariantError(why)
}

type Plan = { expected: string; next: model.State }
const plan = (m: model.State, op: (s: model.State) => string): Plan => {
  const r = model.attempt(m, op)
  return 'refusal' in r ? { expected: r.refusal, next: m } : { expected: r.result, next: r.state }
}
/** Outcomes that must leave the database exactly as it was. */
const WRITES = new Set([
  'fulfilled',
  'already',
  'refunded',
  'dispute-open',
  'reversed',
  'dispute-won',
  'prepared',
  'approved',
  'awaitingSecond',
  'paid',
  'rejected',
])
const changesNothing = (p: Plan) => !WRITES.has(p.expected)

/**
 * One action under a fault. A crash must leave nothing; after the restart the action is
 * done again (Stripe redelivers, staff click again). A lost answer commits, restarts, and
 * the action is done again — which must then change nothing more.
 */
async function act(ctx: Ctx, fault: Fault, planNow: () => Plan, call: (db: DB) => Promise<string>): Promise<string> {
  let p = planNow()
  let before = fault.kind === 'crash' || changesNothing(p) ? await fingerprint(ctx.db) : null
  let got: string
  if (fault.kind === 'crash') {
    got = await outcome(ctx, call(ctx.db.withPlugin(new CrashPlugin(fault.afterQueries))))
    if (got === CRASHED) {
      await restart(ctx)
      check((await fingerprint(ctx.db)) === before, 'a crash mid-step left rows behind')
      await checkInvariants(ctx.db, ctx.m)
      p = planNow()
      before = changesNothing(p) ? before : null
      got = await outcome(ctx, call(ctx.db))
    }
  } else got = await outcome(ctx, call(ctx.db))
  check(got === p.expected, `answer ${got}, the model expects ${p.expected}`)
  if (before !== null && changesNothing(p))
    check((await fingerprint(ctx.db)) === before, `answer ${got} yet the database changed`)
  ctx.m = p.next
  if (fault.kind === 'lostAnswer') {
    await restart(ctx)
    const again = planNow()
    const snapshot = await fingerprint(ctx.db)
    const second = await outcome(ctx, call(ctx.db))
    check(
      second === again.expected,
      `after the lost answer, the retry answered ${second}; the model expects ${again.expected}`,
    )
    if (changesNothing(again))
      check((await fingerprint(ctx.db)) === snapshot, `the retry after a lost answer (${second}) changed the database`)
    ctx.m = again.next
    got = second
  }
  return got
}

// ---- deliveries (deliver.ts) ----

/** Refused: the provider is not answered 2xx and delivers again. */
const failed = (answer: string) => answer === 'insufficient' || answer === 'input' || answer === 'amount-mismatch'

/** Send an event the way the step says; Stripe keeps it unacknowledged until a 2xx. */
async function send(ctx: Ctx, index: number, delivery: Delivery, fault: Fault) {
  const we = ctx.w.events[index]!
  if (delivery === 'defer') return
  const other = delivery === 'with-replay' ? ctx.w.events.find((x) => x.acked && x !== we) : undefined
  if (delivery === 'twice-concurrent' || other) {
    const p = plan(ctx.m, (s) => model.applyEvent(s, we.event))
    const before = await fingerprint(ctx.db)
    const answers = await Promise.all([
      outcome(ctx, deliver(ctx.w, ctx.db, we.event)),
      outcome(ctx, deliver(ctx.w, ctx.db, other ? other.event : we.event)),
    ])
    const want = other
      ? [p.expected, 'duplicate']
      : failed(p.expected)
        ? [p.expected, p.expected]
        : [p.expected, 'duplicate'].sort()
    const got = other ? answers : [...answers].sort()
    check(
      JSON.stringify(got) === JSON.stringify(want),
      `concurrent deliveries answered ${got.join(' + ')}, the model expects ${want.join(' + ')}`,
    )
    if (changesNothing(p))
      check((await fingerprint(ctx.db)) === before, 'concurrent duplicate deliveries changed the database')
    ctx.m = p.next
    if (!failed(p.expected)) we.acked = true
    return
  }
  const answer = await act(
    ctx,
    fault,
    () => plan(ctx.m, (s) => model.applyEvent(s, we.event)),
    (db) => deliver(ctx.w, db, we.event),
  )
  if (!failed(answer)) we.acked = true
}

function emit(ctx: Ctx, event: model.ScenarioEvent): number {
  ctx.w.events.push({ event, acked: false })
  return ctx.w.events.length - 1
}

const nextId = (ctx: Ctx, prefix: string) => `${prefix}_s${ctx.w.seed}_${++ctx.w.counter}`

// ---- the steps ----

async function runStep(ctx: Ctx, step: Step) {
  const { t, w } = ctx
  const cast = t.cast
  const finance = (n: 0 | 1) => ({ id: cast.financeIds[n], scope: cast.scope, ip: '203.0.113.10', totpVerified: true })
  const now = new Date(w.clock * 1000)
  switch (step.kind) {
    case 'donate': {
      const designation = step.target === 'general' ? 'general' : 'campaign'
      const campaign = step.target === 'general' ? undefined : cast.campaigns[step.target === 'a' ? 0 : 1]!.slug
      const email = `donor${step.donor}@scenario.test`
      const form = donationFormSchema(LIMITS).parse({
        amountChoice: String(step.amount),
        currency: step.currency,
        frequency: 'once',
        designation,
        campaign,
        displayMode: 'family',
        name: '情景捐赠人',
        email,
        ...(step.method === 'card' ? {} : { method: step.method }),
      })
      const domestic = step.method === 'card' ? null : step.method
      const { publicId, url } = await startCheckout(ctx.db, checkoutProvider(ctx.db, step.method), form, {
        locale: 'zh-CN',
        clientIp: null,
        baseUrl: BASE_URL,
        now,
      })
      const fund =
        step.target === 'general' ? 'fund:general' : `fund:campaign:${cast.campaigns[step.target === 'a' ? 0 : 1]!.id}`
      model.addPending(ctx.m, {
        publicId,
        fund,
        currency: step.currency,
        amount: step.amount,
        donor: email,
        ...(domestic ? { feeBps: FEE_RATE_BPS } : {}),
      })
      w.donations.push({
        publicId,
        target: step.target,
        method: step.method,
        currency: step.currency,
        amount: step.amount,
        refunds: [],
        dispute: null,
      })
      // The donor pays now (at Stripe, or in the fake wallet or cashier); the event or
      // notification reaches us as the delivery says.
      if (domestic) await donorPays(domestic, publicId, url, now)
      const index = emit(ctx, {
        id: domestic ? nextId(ctx, domestic === 'wechatpay' ? 'EV-wx' : 'notify-ali') : `evt_demo_paid_${publicId}`,
        type: 'checkout.session.completed',
        publicId,
        created: w.clock,
        ...(domestic ? { provider: domestic } : {}),
      })
      return send(ctx, index, step.delivery, step.fault)
    }
    case 'wrong-amount': {
      const d = w.donations[step.donation]!
      const index = emit(ctx, {
        id: nextId(ctx, d.method === 'wechatpay' ? 'EV-wx-bad' : 'notify-ali-bad'),
        type: 'checkout.session.completed',
        publicId: d.publicId,
        created: w.clock,
        provider: d.method === 'wechatpay' ? 'wechatpay' : 'alipay',
        claims: step.claims,
      })
      return send(ctx, index, step.delivery, step.fault)
    }
    case 'refund': {
      const d = w.donations[step.donation]!
      d.refunds.push({ id: nextId(ctx, 're'), amount: step.amount, created: w.clock })
      // Stripe's charge.refunded lists every refund of the charge so far.
      const index = emit(ctx, {
        id: nextId(ctx, 'evt'),
        type: 'charge.refunded',
        publicId: d.publicId,
        created: w.clock,
        refunds: d.refunds.map((r) => ({ ...r })),
      })
      return send(ctx, index, step.delivery, step.fault)
    }
    case 'dispute-open': {
      const d = w.donations[step.donation]!
      const rest = d.amount - d.refunds.reduce((n, r) => n + r.amount, 0)
      d.dispute = { id: nextId(ctx, 'dp'), amount: rest, status: 'open' }
      const index = emit(ctx, {
        id: nextId(ctx, 'evt'),
        type: 'charge.dispute.created',
        publicId: d.publicId,
        created: w.clock,
        disputeId: d.dispute.id,
        amount: rest,
        status: 'needs_response',
      })
      return send(ctx, index, step.delivery, step.fault)
    }
    case 'dispute-close': {
      const d = w.donations[step.donation]!
      const dispute = d.dispute!
      dispute.status = step.outcome
      const index = emit(ctx, {
        id: nextId(ctx, 'evt'),
        type: 'charge.dispute.closed',
        publicId: d.publicId,
        created: w.clock,
        disputeId: dispute.id,
        amount: dispute.amount,
        status: step.outcome,
      })
      return send(ctx, index, step.delivery, step.fault)
    }
    case 'replay':
      return send(ctx, step.event, step.concurrent ? 'twice-concurrent' : 'single', { kind: 'none' })
    case 'redeliver':
      return send(ctx, step.event, 'single', step.fault)
    case 'prepare': {
      const fund = `fund:campaign:${cast.campaigns[step.campaign]!.id}`
      const lines = step.lines.map((l) => ({ beneficiaryId: cast.students[l.student]!, amount: l.amount }))
      const total = lines.reduce((n, l) => n + l.amount, 0)
      let id = 0
      const answer = await act(
        ctx,
        step.fault,
        () => {
          const refusal = model.prepareRefusal(ctx.m, { term: step.term, fund, lines, awardAmount: cast.awardAmount })
          if (refusal) return { expected: refusal, next: ctx.m }
          const next = structuredClone(ctx.m)
          next.batches.push({
            id: -1,
            term: step.term,
            fund,
            lines,
            required: total > SECOND_APPROVAL_ABOVE ? 2 : 1,
            approvals: [],
            status: 'prepared',
          })
          return { expected: 'prepared', next }
        },
        async (db) => {
          const input = {
            programmeId: cast.programmeId,
            term: step.term,
            stationId: cast.stationId,
            campaignId: cast.campaigns[step.campaign]!.id,
            lines,
          }
          id = await prepareBatch(db, { id: cast.caseworkerId, scope: cast.scope, ip: '203.0.113.9' }, input, now, {
            secondApprovalAbove: SECOND_APPROVAL_ABOVE,
          })
          return 'prepared'
        },
      )
      const pending = ctx.m.batches.find((b) => b.id === -1)
      if (pending) {
        check(id > 0, `prepare answered ${answer} but no batch id was returned`)
        pending.id = id
        w.batches.push({ id, status: 'prepared' })
      }
      return
    }
    case 'approve': {
      const batch = w.batches[step.batch]!
      const approver = cast.financeIds[step.approver]
      await act(
        ctx,
        step.fault,
        () => plan(ctx.m, (s) => model.approve(s, batch.id, approver)),
        (db) => approveBatch(db, finance(step.approver), { batchId: batch.id }, now),
      )
      break
    }
    case 'payout': {
      const batch = w.batches[step.batch]!
      const input = {
        batchId: batch.id,
        reference: `BANK-${w.seed}-${ctx.i}`,
        date: chinaDate(now),
        proof: PDF,
      }
      await act(
        ctx,
        step.fault,
        () => plan(ctx.m, (s) => model.payout(s, batch.id)),
        (db) => recordPayout(db, finance(0), input, now),
      )
      break
    }
    case 'reject': {
      const batch = w.batches[step.batch]!
      await act(
        ctx,
        { kind: 'none' },
        () => plan(ctx.m, (s) => model.reject(s, batch.id)),
        (db) => rejectBatch(db, finance(1), { batchId: batch.id, reason: '材料不全' }, now),
      )
      break
    }
  }
  // Batch statuses as staff now see them, for the generator's next choice.
  for (const b of w.batches) b.status = ctx.m.batches.find((x) => x.id === b.id)!.status
}

/** How often each answer came (app outcomes, refusals, 'crashed'): what the seeds exercised. */
export type SeedReport = {
  seed: number
  steps: number
  restarts: number
  answers: Record<string, number>
  /** What the matching pool did (matchingStats). */
  matching: Record<string, number>
}

/** The books before the first step, as setup.ts made them: the matching pool and its sponsor's gift. */
export function initialModel(cast: Cast): model.State {
  const s = model.emptyState()
  const p = MATCH_POOL
  model.addPool(
    s,
    {
      id: cast.pool.id,
      fund: `fund:match:${cast.pool.id}`,
      campaignFunds: [`fund:campaign:${cast.campaigns[p.campaign]!.id}`],
      currency: p.currency,
      startsOn: p.startsOn,
      endsOn: p.endsOn,
      minGift: p.minGift,
      ratioGift: p.ratioGift,
      ratioMatch: p.ratioMatch,
      capPerGift: p.capPerGift,
      capPerDonorDay: p.capPerDonorDay,
      capTotal: p.capTotal,
    },
    { publicId: cast.pool.sponsorGift, amount: p.funding.amount, receivedOn: p.funding.receivedOn },
  )
  return s
}

/** A seed's matches as its final (verified) model holds them: matched, given back, cut, pools dry. */
function matchingStats(m: model.State): Record<string, number> {
  const matches = Object.values(m.matches)
  const out: Record<string, number> = {
    'matched gifts': matches.length,
    'match returns': m.matchReturns,
    'match returns after a lost dispute': m.matchReturnsOnDispute,
    'seeds with a match': matches.length ? 1 : 0,
    'seeds with a match return': m.matchReturns ? 1 : 0,
    'matches given back in part (the rest awarded)': matches.filter((x) => x.returned > 0 && x.returned < x.amount)
      .length,
    'matches all awarded before a reversal': Object.entries(m.matches).filter(
      ([id, x]) => x.returned === 0 && Object.keys(m.donations[id]!.reversals).length > 0,
    ).length,
    'qualifying gifts unmatched': m.unmatched,
    'gifts cut by a dry pool': m.dry,
    'seeds with a pool dry': m.dry > 0 ? 1 : 0,
  }
  for (const x of matches) if (x.cut) out[`cut by ${x.cut}`] = (out[`cut by ${x.cut}`] ?? 0) + 1
  return out
}

export async function runScenario(
  t: Template,
  seed: number,
  options: { trace?: (line: string) => void } = {},
): Promise<SeedReport> {
  const r = rng(seed)
  const length = r.int(15, 40)
  const copy = await t.copy(`s${seed}`)
  const ctx: Ctx = {
    db: open(copy.url),
    url: copy.url,
    m: initialModel(t.cast),
    w: newWorld(seed),
    t,
    i: 0,
    restarts: 0,
    answers: {},
  }
  const log: string[] = []
  try {
    for (; ctx.i < length; ctx.i++) {
      ctx.w.clock += 3600
      const step = nextStep(r, ctx.w, t.cast.students.length)
      log.push(describeStep(step))
      options.trace?.(`${ctx.i + 1}. ${log[ctx.i]}`)
      try {
        await runStep(ctx, step)
        await checkInvariants(ctx.db, ctx.m)
      } catch (e) {
        const why = e instanceof InvariantError ? e.message : ((e as Error).stack ?? String(e))
        throw new ScenarioFailure(seed, ctx.i, log, why, t.dialect)
      }
    }
    return { seed, steps: length, restarts: ctx.restarts, answers: ctx.answers, matching: matchingStats(ctx.m) }
  } finally {
    try {
      await ctx.db.destroy()
    } finally {
      await copy.drop()
    }
  }
}
