// The approval race (issue "Scale and chaos proof"): 1,000 prepared one-line award
// batches, a fund that covers exactly 10 of them, and every approval fired over HTTP
// at once through a balancer in front of several app processes of the same build.
// Exactly 10 may be approved; the other 990 are refused with the insufficient-funds
// message (never a 500) and leave nothing behind. Then each approved batch's payout is
// submitted twice at once: exactly one payout per batch. PostgreSQL with 3 apps, and
// the embedded default — one SQLite file shared by 2 apps — with a scaled count.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { getBalance, paidOf, payableOf, verifyLedger } from '~/modules/ledger'
import { createDatabase, type DB } from '~/utils/db.server'
import { chinaDate, translator } from '~/utils/i18n'
import { formatMoney } from '~/utils/money'
import { AWARD, setUpApprovalRace, TERM, type ApprovalRace, type Approver } from './support/approvals'
import { percentile } from '../bench/lib'
import { createPgDatabase } from '../support/pg-database'
import {
  CHAOS_SESSION_SECRET,
  deliver,
  prepareAppDatabase,
  startApp,
  startBalancer,
  type AppProcess,
  type Balancer,
} from './support/cluster'
import { scaled } from './support/scale'
import { minimalPdf } from '../support/proof-files'

// The TOTP secrets enrolled in the test process are sealed with this; the apps share it.
process.env.SESSION_SECRET = CHAOS_SESSION_SECRET

const FUNDED_AWARDS = 10
const PDF = minimalPdf('approval race payout slip')
const zh = translator('zh-CN')
const money = (n: number) => formatMoney(n, 'CNY', 'zh-CN')
// Every refusal happens with the fund empty: it only ever holds whole awards.
const INSUFFICIENT = zh('batches.error.insufficient', { available: money(0), requested: money(AWARD) })
const NOT_APPROVED = zh('batches.error.notApproved')

type Reply = { status: number; location: string | null; body: string; ms: number }
type Outcome = 'approved' | 'insufficient' | 'other'

const count = async (query: Promise<{ n: number | string | bigint }>) => Number((await query).n)

async function send(
  balancer: Balancer,
  approver: Approver,
  batchId: number,
  body: URLSearchParams | FormData,
): Promise<Reply> {
  const started = performance.now()
  const headers: Record<string, string> = { Origin: balancer.url, Cookie: approver.cookie, Accept: 'text/html' }
  const res = await fetch(`${balancer.url}/admin/batches/${batchId}`, {
    method: 'POST',
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(120_000),
  })
  const text = await res.text()
  return { status: res.status, location: res.headers.get('location'), body: text, ms: performance.now() - started }
}

function classify(batchId: number, r: Reply): Outcome {
  if ((r.status === 302 || r.status === 303) && r.location === `/admin/batches/${batchId}?done=approved`)
    return 'approved'
  if (r.status >= 400 && r.status < 500 && r.body.includes(INSUFFICIENT)) return 'insufficient'
  return 'other'
}

/** The page's alert (the error shown to the user) or else the end of its text, for failure messages. */
function gist(html: string): string {
  const at = html.indexOf('role="alert"')
  const text = (from: string) =>
    from
      .replace(/<script[\s\S]*?<\/script>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  return at >= 0 ? text(html.slice(html.indexOf('>', at) + 1)).slice(0, 200) : text(html).slice(-300)
}

type RaceOptions = { label: string; databaseUrl: string; apps: number; approvals: number; concurrency: number }

/** Seed, set up, start the apps, fire the approvals and the double payouts, and check everything. */
async function runRace(o: RaceOptions): Promise<void> {
  const t0 = performance.now()
  await prepareAppDatabase(o.databaseUrl)
  const { db } = createDatabase(o.databaseUrl, { poolSize: 8 })
  const balancer = await startBalancer()
  const apps: AppProcess[] = []
  const dump = () => apps.map((a) => `--- ${a.name}\n${a.output().slice(-3000)}`).join('\n')
  // The apps start while the test process prepares the batches (they only wait on GET /).
  const launches = Array.from({ length: o.apps }, (_, i) =>
    startApp({ databaseUrl: o.databaseUrl, name: `${o.label}-app${i + 1}`, baseUrl: balancer.url }).then(
      (a) => (apps.push(a), a),
    ),
  )
  for (const l of launches) l.catch(() => undefined) // awaited below; not an unhandled rejection meanwhile
  try {
    const race = await setUpApprovalRace(db, {
      batches: o.approvals,
      fundedAwards: FUNDED_AWARDS,
      prepareConcurrency: 8,
    })
    await Promise.all(launches)
    balancer.setBackends(apps)
    const ready = performance.now()
    const head = await db.selectFrom('ledger_head').select('sequence').executeTakeFirstOrThrow()
    const before = Number(head.sequence)
    expect(
      await count(
        db
          .selectFrom('award_batches')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('id', 'in', race.batchIds)
          .where('status', '=', 'prepared')
          .where('approvals_required', '=', 1)
          .executeTakeFirstOrThrow(),
      ),
    ).toBe(o.approvals)

    // Every approval is queued at once; `concurrency` (200) requests are in flight at any
    // moment (some 67 per app, each app with its pool of 10 connections), the next one
    // sent as soon as a reply comes back. The two finance users take turns; neither
    // prepared any batch.
    const replies = new Map<number, Reply>()
    const raceStarted = performance.now()
    await deliver(race.batchIds, o.concurrency, async (id) => {
      const r = await send(
        balancer,
        race.approvers[id % race.approvers.length]!,
        id,
        new URLSearchParams({ intent: 'approve' }),
      )
      replies.set(id, r)
      return r.status
    })
    const raceMs = performance.now() - raceStarted
    report(o, race, replies, raceMs, { setUpMs: ready - t0, balancer })

    const outcomes = new Map(
      race.batchIds.map((id) => [id, replies.has(id) ? classify(id, replies.get(id)!) : 'other']),
    )
    const others = race.batchIds
      .filter((id) => outcomes.get(id) === 'other')
      .map((id) => `#${id}: ${replies.get(id)?.status ?? 'no reply'} ${gist(replies.get(id)?.body ?? '')}`)
    expect(others, `unexpected replies:\n${others.slice(0, 5).join('\n')}\n${dump()}`).toEqual([])
    const approved = race.batchIds.filter((id) => outcomes.get(id) === 'approved')
    const refused = race.batchIds.filter((id) => outcomes.get(id) === 'insufficient')
    expect(approved).toHaveLength(FUNDED_AWARDS)
    expect(refused).toHaveLength(o.approvals - FUNDED_AWARDS)
    expect([...replies.values()].filter((r) => r.status >= 500)).toEqual([])

    await checkAfterApprovals(db, race, approved, refused, before)
    await doublePayouts(db, balancer, race, approved)
    expect(await verifyLedger(db)).toMatchObject({ ok: true })
    console.log(
      `[${o.label}] whole case ${((performance.now() - t0) / 1000).toFixed(1)} s; peak RSS ${apps.map((a) => `${a.name} ${a.peakRssMb() ?? '?'} MB`).join(', ')}`,
    )
  } finally {
    await Promise.allSettled(launches) // no app left running because the set-up failed first
    await Promise.all(apps.map((a) => a.stop()))
    await balancer.close()
    await db.destroy()
  }
}

function report(
  o: RaceOptions,
  race: ApprovalRace,
  replies: Map<number, Reply>,
  raceMs: number,
  extra: { setUpMs: number; balancer: Balancer },
) {
  const byStatus = new Map<number, number>()
  for (const r of replies.values()) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1)
  const ms = [...replies.values()].map((r) => r.ms)
  console.log(
    `[${o.label}] ${o.approvals} approvals, ${o.concurrency} in flight, ${o.apps} apps: ${(raceMs / 1000).toFixed(1)} s (${((o.approvals * 1000) / raceMs).toFixed(0)}/s); ` +
      `statuses ${JSON.stringify(Object.fromEntries(byStatus))}; latency p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, max ${percentile(ms, 100).toFixed(0)} ms; ` +
      `set-up ${(extra.setUpMs / 1000).toFixed(1)} s (preparing ${o.approvals} batches ${(race.prepareMs / 1000).toFixed(1)} s); balancer ${JSON.stringify(extra.balancer.stats)}`,
  )
}

/** The database after the race: 10 approved and posted, the rest untouched. */
async function checkAfterApprovals(
  db: DB,
  race: ApprovalRace,
  approved: number[],
  refused: number[],
  sequenceBefore: number,
) {
  const statuses = await db
    .selectFrom('award_batches')
    .select(['id', 'status'])
    .where('id', 'in', race.batchIds)
    .execute()
  const statusOf = new Map(statuses.map((s) => [Number(s.id), s.status]))
  expect(approved.filter((id) => statusOf.get(id) !== 'approved')).toEqual([])
  // Refused means nothing was written: still prepared, no approval row, no term cap, no award.
  expect(refused.filter((id) => statusOf.get(id) !== 'prepared')).toEqual([])
  const approvalRows = await db
    .selectFrom('batch_approvals')
    .select(['batch_id', 'user_id'])
    .where('batch_id', 'in', race.batchIds)
    .execute()
  expect(approvalRows.map((r) => Number(r.batch_id)).sort((a, b) => a - b)).toEqual([...approved].sort((a, b) => a - b))
  expect(approvalRows.every((r) => Number(r.user_id) !== race.preparerId)).toBe(true)
  const caps = await db
    .selectFrom('award_term_caps')
    .innerJoin('award_lines', 'award_lines.id', 'award_term_caps.line_id')
    .select('award_lines.batch_id')
    .where('award_term_caps.term', '=', TERM)
    .where('award_lines.batch_id', 'in', race.batchIds)
    .execute()
  expect(caps.map((c) => Number(c.batch_id)).sort((a, b) => a - b)).toEqual([...approved].sort((a, b) => a - b))

  // Exactly 10 awards were posted since the race began, all from this fund, each one award.
  const posted = await db
    .selectFrom('ledger_transactions')
    .select(['sequence', 'kind'])
    .where('sequence', '>', sequenceBefore)
    .execute()
  expect(posted.map((p) => p.kind)).toEqual(Array(FUNDED_AWARDS).fill('award'))
  const transfers = await db
    .selectFrom('ledger_transfers')
    .select(['from_account', 'amount'])
    .where('sequence', '>', sequenceBefore)
    .execute()
  expect(transfers).toEqual(Array(FUNDED_AWARDS).fill({ from_account: race.fund, amount: AWARD }))
  expect(await getBalance(db, race.fund, 'CNY')).toBe(0)
  const negative = await db
    .selectFrom('ledger_balances')
    .select(['account', 'balance'])
    .where('balance', '<', 0)
    .where((eb) => eb.or([eb('account', 'like', 'fund:%'), eb('account', 'like', 'payable:%')]))
    .execute()
  expect(negative).toEqual([])

  const audit = await db
    .selectFrom('audit_log')
    .select(['entity_id', 'action', 'actor_user_id'])
    .where('entity_type', '=', 'award_batch')
    .where('action', '=', 'batch.approved')
    .where('entity_id', 'in', race.batchIds.map(String))
    .execute()
  expect(audit.map((a) => Number(a.entity_id)).sort((a, b) => a - b)).toEqual([...approved].sort((a, b) => a - b))
  expect(audit.every((a) => race.approvers.some((p) => p.id === Number(a.actor_user_id)))).toBe(true)
}

/** Each approved batch's payout submitted twice at once (a double click, two tabs): one wins. */
async function doublePayouts(db: DB, balancer: Balancer, race: ApprovalRace, approved: number[]) {
  const today = chinaDate()
  const form = (id: number) => {
    const f = new FormData()
    f.set('intent', 'payout')
    f.set('reference', `RACE-BANK-${id}`)
    f.set('date', today)
    f.set('proof', new File([PDF], 'slip.pdf', { type: 'application/pdf' }))
    return f
  }
  const before = Number((await db.selectFrom('ledger_head').select('sequence').executeTakeFirstOrThrow()).sequence)
  const submissions = approved.flatMap((id) => [id, id])
  const replies = await Promise.all(
    submissions.map((id, i) => send(balancer, race.approvers[i % race.approvers.length]!, id, form(id))),
  )
  const paid = replies.filter(
    (r, i) => (r.status === 302 || r.status === 303) && r.location === `/admin/batches/${submissions[i]}`,
  )
  const second = replies.filter((r) => r.status === 400 && r.body.includes(NOT_APPROVED))
  console.log(
    `payouts: ${replies.length} submissions, ${paid.length} paid, ${second.length} refused as already paid; statuses ${replies.map((r) => r.status).join(' ')}`,
  )
  expect(paid).toHaveLength(approved.length)
  expect(second).toHaveLength(approved.length)

  const payouts = await db.selectFrom('ledger_transactions').select('kind').where('sequence', '>', before).execute()
  expect(payouts.map((p) => p.kind)).toEqual(Array(approved.length).fill('payout'))
  const batches = await db
    .selectFrom('award_batches')
    .select(['id', 'status', 'payout_reference'])
    .where('id', 'in', approved)
    .execute()
  expect(batches.every((b) => b.status === 'paid' && b.payout_reference === `RACE-BANK-${b.id}`)).toBe(true)
  const proofs = await db
    .selectFrom('proof_files')
    .select('entity_id')
    .where('entity_type', '=', 'award_batch')
    .where('entity_id', 'in', approved)
    .execute()
  expect(proofs).toHaveLength(approved.length)
  // Each awarded student was paid exactly one award and owes nothing more.
  const lines = await db.selectFrom('award_lines').select('beneficiary_id').where('batch_id', 'in', approved).execute()
  for (const l of lines) {
    expect(await getBalance(db, paidOf(l.beneficiary_id), 'CNY')).toBe(AWARD)
    expect(await getBalance(db, payableOf(l.beneficiary_id), 'CNY')).toBe(0)
  }
}

const pgSkip = inject('pgSkip')
const pgDatabases: { drop: () => Promise<void> }[] = []
const sqliteDirs: string[] = []
afterAll(async () => {
  for (const d of pgDatabases) await d.drop()
  for (const dir of sqliteDirs) fs.rmSync(dir, { recursive: true, force: true })
})

describe('approval race', () => {
  it.skipIf(pgSkip)(
    'PostgreSQL, 3 apps: 1,000 approvals against a fund for 10 → exactly 10 approved, the rest refused, nothing half-written',
    async () => {
      const database = await createPgDatabase(inject('pgUrl'), 'approvals')
      pgDatabases.push(database)
      await runRace({
        label: 'pg',
        databaseUrl: database.url,
        apps: 3,
        approvals: scaled('RACE_APPROVALS', 1000, 1000),
        concurrency: 200,
      })
    },
  )

  it('SQLite, 2 apps on one file: the same race, scaled', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-approval-race-'))
    sqliteDirs.push(dir)
    await runRace({
      label: 'sqlite',
      databaseUrl: `sqlite:${path.join(dir, 'race.db')}`,
      apps: 2,
      approvals: scaled('RACE_APPROVALS_SQLITE', 200, 1000),
      concurrency: 200,
    })
  })
})
