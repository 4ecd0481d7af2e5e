// The invariants, checked after EVERY step: the ledger verifies itself (verifyLedger), and
// the database agrees with the model — balances, donations, reversals, lots, matches,
// receipts and their emails, processed events, batches, awards and payouts — plus
// cross-checks the app does not make itself (no trace beyond its lot, no payout beyond its
// award, no pool matching beyond its funding or its caps).
import { sql } from 'kysely'
import { verifyLedger } from '~/modules/ledger'
import type { DB } from '~/utils/db.server'
import { balance, chinaDay, donorKeyOf, type State } from './model'

export class InvariantError extends Error {}

function fail(message: string): never {
  throw new InvariantError(message)
}

function sameSet(what: string, actual: Iterable<string>, expected: Iterable<string>) {
  const a = [...actual].sort()
  const e = [...expected].sort()
  if (a.length !== e.length || a.some((x, i) => x !== e[i])) {
    const extra = a.filter((x) => !e.includes(x))
    const missing = e.filter((x) => !a.includes(x))
    fail(`${what}: database has extra [${extra.join('; ')}], lacks [${missing.join('; ')}]`)
  }
}

const count = <T>(xs: T[], p: (x: T) => boolean) => xs.reduce((n, x) => n + (p(x) ? 1 : 0), 0)

export async function checkInvariants(db: DB, m: State): Promise<void> {
  const verified = await verifyLedger(db)
  if (!verified.ok) fail(`verifyLedger: ${verified.firstError?.message}`)

  // Balances: none negative where money is owed, books net to zero, every one as the model says.
  const balances = await db.selectFrom('ledger_balances').select(['account', 'currency', 'balance']).execute()
  const net = new Map<string, number>()
  for (const b of balances) {
    if ((b.account.startsWith('fund:') || b.account.startsWith('payable:')) && b.balance < 0)
      fail(`${b.account} ${b.currency} is negative: ${b.balance}`)
    net.set(b.currency, (net.get(b.currency) ?? 0) + b.balance)
  }
  for (const [currency, total] of net) if (total !== 0) fail(`books do not net to zero in ${currency}: ${total}`)
  sameSet(
    'balances',
    balances.filter((b) => b.balance !== 0).map((b) => `${b.account} ${b.currency} ${b.balance}`),
    Object.entries(m.balances)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k} ${v}`),
  )

  // Donations: status and amounts as the model expects.
  const donations = await db
    .selectFrom('donations')
    .select(['public_id', 'status', 'amount', 'fee_amount', 'refunded_amount'])
    .execute()
  sameSet(
    'donations',
    donations.map((d) => d.public_id),
    Object.keys(m.donations),
  )
  for (const d of donations) {
    const e = m.donations[d.public_id]!
    const got = `${d.status} amount ${d.amount} fee ${d.fee_amount ?? '-'} refunded ${d.refunded_amount}`
    const want = `${e.status} amount ${e.amount} fee ${e.status === 'pending' ? '-' : e.fee} refunded ${e.refunded}`
    if (got !== want) fail(`donation ${d.public_id} is ${got}, expected ${want}`)
  }

  // Exactly one ledger donation per fulfilled gift; one refund/dispute transaction per reversal.
  const txs = await db
    .selectFrom('ledger_transactions')
    .select(['sequence', 'idempotency_key', 'kind', 'donation_ref'])
    .execute()
  for (const [publicId, d] of Object.entries(m.donations)) {
    const mine = txs.filter((t) => t.donation_ref === publicId)
    const want = {
      donation: d.status === 'pending' ? 0 : 1,
      refund: count(Object.values(d.reversals), (r) => r.kind === 'refund'),
      dispute: count(Object.values(d.reversals), (r) => r.kind === 'dispute'),
    }
    for (const kind of ['donation', 'refund', 'dispute'] as const) {
      const n = count(mine, (t) => t.kind === kind)
      if (n !== want[kind]) fail(`donation ${publicId} has ${n} ledger ${kind} transactions, expected ${want[kind]}`)
    }
  }
  const reversals = await db
    .selectFrom('donation_reversals as r')
    .innerJoin('donations as d', 'd.id', 'r.donation_id')
    .select(['d.public_id', 'd.amount as gross', 'r.kind', 'r.provider_ref', 'r.amount'])
    .execute()
  sameSet(
    'reversals',
    reversals.map((r) => `${r.public_id} ${r.kind} ${r.provider_ref} ${r.amount}`),
    Object.entries(m.donations).flatMap(([id, d]) =>
      Object.entries(d.reversals).map(([ref, r]) => `${id} ${r.kind} ${ref} ${r.amount}`),
    ),
  )
  const returned = new Map<string, { gross: number; sum: number }>()
  for (const r of reversals) {
    const x = returned.get(r.public_id) ?? { gross: r.gross, sum: 0 }
    x.sum += r.amount
    returned.set(r.public_id, x)
  }
  for (const [id, x] of returned) if (x.sum > x.gross) fail(`donation ${id}: ${x.sum} returned of ${x.gross} paid`)

  // Lots: each donation's remainder as the model's FIFO gives it, in its fund, with its
  // origin's paid time (a match's lots keep the sponsor's gift); no trace beyond its lot.
  const lots = await db
    .selectFrom('ledger_lots as l')
    .innerJoin('ledger_donations as ld', 'ld.id', 'l.donation_id')
    .innerJoin('ledger_lot_balances as b', 'b.lot_id', 'l.id')
    .select(['l.id', 'l.sequence', 'ld.donation_ref', 'l.fund', 'l.paid_at', 'l.amount', 'b.remaining'])
    .execute()
  sameSet(
    'lots',
    lots.map((l) => `${l.donation_ref} ${l.fund} ${l.paid_at} ${l.amount} ${l.remaining}`),
    m.lots.map((l) => `${l.donation} ${l.fund} ${l.paidAt} ${l.amount} ${l.remaining}`),
  )
  const traces = await db
    .selectFrom('ledger_traces')
    .select(['id', 'sequence', 'kind', 'lot_id', 'amount', 'parent_id'])
    .execute()
  const drawn = new Map<number, number>()
  const paidOut = new Map<number, number>()
  for (const t of traces) {
    if (t.kind === 'payout') paidOut.set(Number(t.parent_id), (paidOut.get(Number(t.parent_id)) ?? 0) + t.amount)
    else drawn.set(t.lot_id, (drawn.get(t.lot_id) ?? 0) + t.amount)
  }
  for (const l of lots)
    if ((drawn.get(l.id) ?? 0) !== l.amount - l.remaining)
      fail(
        `lot ${l.id} of ${l.donation_ref}: traces draw ${drawn.get(l.id) ?? 0}, lot shows ${l.amount - l.remaining} drawn`,
      )
  const unpaid = new Map(
    (await db.selectFrom('ledger_trace_balances').select(['trace_id', 'unpaid']).execute()).map((r) => [
      r.trace_id,
      r.unpaid,
    ]),
  )
  for (const t of traces) {
    if (t.kind !== 'award') continue
    const out = paidOut.get(t.id) ?? 0
    if (out > t.amount || unpaid.get(t.id) !== t.amount - out)
      fail(`award trace ${t.id} of ${t.amount}: ${out} paid out, ${unpaid.get(t.id)} unpaid`)
  }

  await checkMatches(db, m, { balances, txs, lots, traces })

  // Receipts: one chain per fulfilled gift, its valid receipt for what was kept, one email per receipt.
  const receipts = await db
    .selectFrom('receipts as r')
    .innerJoin('donations as d', 'd.id', 'r.donation_id')
    .select(['d.public_id', 'r.id', 'r.amount', 'r.voided_at'])
    .execute()
  for (const [publicId, d] of Object.entries(m.donations)) {
    const mine = receipts.filter((r) => r.public_id === publicId)
    const valid = mine.filter((r) => !r.voided_at)
    const got = `${mine.length} receipts, valid ${valid.map((r) => r.amount).join(',') || 'none'}`
    const want = `${d.receipts} receipts, valid ${d.receiptAmount ?? 'none'}`
    if (got !== want) fail(`donation ${publicId} has ${got}, expected ${want}`)
  }
  const mail = await db.selectFrom('mail_outbox').select(['dedupe_key', 'template']).execute()
  sameSet(
    'receipt emails',
    mail.filter((x) => x.dedupe_key.startsWith('receipt:')).map((x) => x.dedupe_key),
    receipts.map((r) => `receipt:${r.id}`),
  )
  sameSet(
    'refund notices',
    mail.filter((x) => x.template === 'refund-notice').map((x) => x.dedupe_key),
    Object.values(m.donations).flatMap((d) =>
      Object.entries(d.reversals)
        .filter(([, r]) => r.kind === 'refund')
        .map(([ref]) => `refund-notice:refund:${ref}`),
    ),
  )

  // Events: every acknowledged event recorded once and processed; nothing half-claimed.
  const events = await db.selectFrom('payment_events').select(['event_id', 'processed_at']).execute()
  for (const e of events) if (!e.processed_at) fail(`event ${e.event_id} is recorded but not processed`)
  sameSet(
    'processed events',
    events.map((e) => e.event_id),
    m.processedEvents,
  )

  // Batches: status and approvals; each approved line's award posted once, each paid line's payout once.
  const batches = await db
    .selectFrom('award_batches as b')
    .select((eb) => [
      'b.id',
      'b.status',
      eb
        .selectFrom('batch_approvals as a')
        .select(sql<number>`count(*)`.as('n'))
        .whereRef('a.batch_id', '=', 'b.id')
        .as('approvals'),
    ])
    .execute()
  sameSet(
    'batches',
    batches.map((b) => `${b.id} ${b.status} approvals ${Number(b.approvals)}`),
    m.batches.map((b) => `${b.id} ${b.status} approvals ${b.approvals.length}`),
  )
  const lines = await db.selectFrom('award_lines').select(['id', 'batch_id', 'beneficiary_id', 'amount']).execute()
  sameSet(
    'award lines',
    lines.map((l) => `${l.batch_id} ${l.beneficiary_id} ${l.amount}`),
    m.batches.flatMap((b) => b.lines.map((l) => `${b.id} ${l.beneficiaryId} ${l.amount}`)),
  )
  const keys = new Map<string, number>()
  for (const t of txs) keys.set(t.idempotency_key, (keys.get(t.idempotency_key) ?? 0) + 1)
  const status = new Map(m.batches.map((b) => [b.id, b.status]))
  for (const l of lines) {
    const s = status.get(Number(l.batch_id))
    const awards = keys.get(`award-line:${l.id}`) ?? 0
    const payouts = keys.get(`payout-line:${l.id}`) ?? 0
    if (awards !== (s === 'approved' || s === 'paid' ? 1 : 0) || payouts !== (s === 'paid' ? 1 : 0))
      fail(`line ${l.id} of ${s} batch ${l.batch_id}: ${awards} awards, ${payouts} payouts posted`)
  }
  const caps = await db.selectFrom('award_term_caps').select(['beneficiary_id', 'term']).execute()
  sameSet(
    'term caps',
    caps.map((c) => `${c.beneficiary_id} ${c.term}`),
    m.caps,
  )
  const proofs = await db
    .selectFrom('proof_files')
    .select('entity_id')
    .where('entity_type', '=', 'award_batch')
    .execute()
  sameSet(
    'payout proofs',
    proofs.map((p) => String(p.entity_id)),
    m.batches.filter((b) => b.status === 'paid').map((b) => String(b.id)),
  )

  // The model's own books stay sane too (a model bug must not hide a database one).
  for (const k of Object.keys(m.balances)) {
    const [account, currency] = k.split(' ') as [string, string]
    if ((account.startsWith('fund:') || account.startsWith('payable:')) && balance(m, account, currency) < 0)
      fail(`model: ${k} went negative`)
  }
}

type Rows = {
  balances: { account: string; currency: string; balance: number }[]
  txs: { sequence: number; kind: string }[]
  lots: { id: number; sequence: number; amount: number; remaining: number }[]
  traces: { sequence: number; kind: string; lot_id: number; amount: number }[]
}

/**
 * Matches (配捐): each gift's match as the model made it (pool, amount, returned, the limit
 * that cut it, the donor's key and China day), one match transaction per match and one
 * match_return per return; and from the database alone, per pool: what it has matched
 * (less what came back) within its funding, its balance exactly the funding less that,
 * each cap held, each match within its rule and minimum, its lots adding up to it and
 * what went back to the pool adding up to returned.
 */
async function checkMatches(db: DB, m: State, { balances, txs, lots, traces }: Rows) {
  const rows = await db
    .selectFrom('matching_matches as mm')
    .innerJoin('donations as d', 'd.id', 'mm.donation_id')
    .innerJoin('ledger_transactions as t', 't.sequence', 'mm.sequence')
    .select([
      'd.public_id',
      'd.amount as gift',
      'd.currency as giftCurrency',
      'd.campaign_id as giftCampaign',
      'd.paid_at',
      'mm.pool_id',
      'mm.campaign_id',
      'mm.donor_key',
      'mm.china_day',
      'mm.amount',
      'mm.returned',
      'mm.currency',
      'mm.sequence',
      't.kind',
      't.refs',
    ])
    .execute()
  const cutOf = (refs: string) => (JSON.parse(refs) as Record<string, string>).cut ?? ''
  sameSet(
    'matches',
    rows.map(
      (r) =>
        `${r.public_id} pool ${r.pool_id} ${r.amount} returned ${r.returned} cut ${cutOf(r.refs) || '-'} donor ${r.donor_key} day ${r.china_day}`,
    ),
    Object.entries(m.matches).map(
      ([id, x]) =>
        `${id} pool ${x.pool} ${x.amount} returned ${x.returned} cut ${x.cut || '-'} donor ${donorKeyOf(x.donor)} day ${x.day}`,
    ),
  )
  const kinds = (k: string) => count(txs, (t) => t.kind === k)
  if (kinds('match') !== rows.length) fail(`${kinds('match')} match transactions for ${rows.length} matches`)
  if (kinds('match_return') !== m.matchReturns)
    fail(`${kinds('match_return')} match_return transactions, the model gave back ${m.matchReturns} times`)

  const pools = await db.selectFrom('matching_pools').selectAll().execute()
  const links = await db.selectFrom('matching_pool_campaigns').selectAll().execute()
  const funded = await db
    .selectFrom('ledger_donations')
    .select(['fund', 'currency', (eb) => eb.fn.sum<number>('gross').as('n')])
    .where('fund', 'like', 'fund:match:%')
    .groupBy(['fund', 'currency'])
    .execute()
  const returnedBy = new Map<number, number>() // lot id → what a match_return took of it
  const returnSeqs = new Set(txs.filter((t) => t.kind === 'match_return').map((t) => t.sequence))
  for (const t of traces)
    if (t.kind === 'transfer' && returnSeqs.has(t.sequence))
      returnedBy.set(t.lot_id, (returnedBy.get(t.lot_id) ?? 0) + t.amount)
  for (const p of pools) {
    const fund = `fund:match:${p.id}`
    const mine = rows.filter((r) => r.pool_id === p.id)
    const standing = mine.reduce((n, r) => n + r.amount - r.returned, 0)
    const total = Number(funded.find((f) => f.fund === fund && f.currency === p.currency)?.n ?? 0)
    const left = balances.find((b) => b.account === fund && b.currency === p.currency)?.balance ?? 0
    if (standing > total) fail(`pool ${p.id} matched ${standing} (less returns) of ${total} funded`)
    if (left !== total - standing) fail(`pool ${p.id} holds ${left}: funded ${total}, ${standing} matched less returns`)
    if (p.cap_total !== null && standing > p.cap_total)
      fail(`pool ${p.id}: ${standing} matched over its cap ${p.cap_total}`)
    const days = new Map<string, number>()
    for (const r of mine) {
      const day = `${r.donor_key} ${r.china_day}`
      days.set(day, (days.get(day) ?? 0) + r.amount - r.returned)
    }
    for (const [k, n] of days)
      if (p.cap_per_donor_day !== null && n > p.cap_per_donor_day)
        fail(`pool ${p.id}: donor day ${k} matched ${n}, over its cap ${p.cap_per_donor_day}`)
    for (const r of mine) {
      const what = `match of ${r.public_id} (${r.amount}, ${r.returned} returned) by pool ${p.id}`
      const raw = Math.floor((r.gift * p.ratio_match) / p.ratio_gift)
      if (p.rule === 'ratio' && r.amount > raw) fail(`${what}: more than the rule's ${raw} for a gift of ${r.gift}`)
      if (r.amount <= 0 || (p.cap_per_gift !== null && r.amount > p.cap_per_gift))
        fail(`${what}: outside (0, cap ${p.cap_per_gift}]`)
      if (r.gift < p.min_gift) fail(`${what}: the gift of ${r.gift} is below the minimum ${p.min_gift}`)
      if (r.returned < 0 || r.returned > r.amount) fail(`${what}: returned out of range`)
      if (r.kind !== 'match') fail(`${what}: its transaction ${r.sequence} is a ${r.kind}`)
      if (r.currency !== p.currency || r.giftCurrency !== p.currency)
        fail(`${what}: currency ${r.currency}/${r.giftCurrency}`)
      if (
        r.campaign_id !== r.giftCampaign ||
        !links.some((l) => l.pool_id === p.id && l.campaign_id === r.giftCampaign)
      )
        fail(`${what}: campaign ${r.campaign_id} is not the gift's or not the pool's`)
      if (!r.paid_at || r.china_day !== chinaDay(r.paid_at)) fail(`${what}: day ${r.china_day}, paid ${r.paid_at}`)
      const own = lots.filter((l) => l.sequence === r.sequence)
      const opened = own.reduce((n, l) => n + l.amount, 0)
      const back = own.reduce((n, l) => n + (returnedBy.get(l.id) ?? 0), 0)
      if (opened !== r.amount || back !== r.returned)
        fail(`${what}: its lots open ${opened}, ${back} of them went back to the pool`)
    }
  }
}

/** Row counts and statuses: a refused, duplicate or crashed step must leave them as they were. */
export async function fingerprint(db: DB): Promise<string> {
  const tables = [
    'donations',
    'payment_events',
    'donation_reversals',
    'ledger_transactions',
    'ledger_traces',
    'receipts',
    'mail_outbox',
    'award_batches',
    'award_lines',
    'batch_approvals',
    'award_term_caps',
    'proof_files',
    'audit_log',
    'matching_matches',
  ] as const
  const counts = await db
    .selectNoFrom((eb) =>
      tables.map((t) =>
        eb
          .selectFrom(t)
          .select(sql<number>`count(*)`.as('n'))
          .as(t),
      ),
    )
    .executeTakeFirstOrThrow()
  const statuses = await db
    .selectFrom('donations')
    .select(['public_id', 'status', 'refunded_amount'])
    .orderBy('public_id')
    .execute()
  const batches = await db.selectFrom('award_batches').select(['id', 'status']).orderBy('id').execute()
  const matches = await db.selectFrom('matching_matches').select(['id', 'returned']).orderBy('id').execute()
  const head = await db.selectFrom('ledger_head').select(['sequence', 'hash']).executeTakeFirst()
  return JSON.stringify({
    counts: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])),
    statuses,
    batches,
    matches,
    head,
  })
}
