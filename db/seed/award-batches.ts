import { cappedInTerm } from '../../app/modules/disbursements/batches.server'
import { fundOfCampaign } from '../../app/modules/ledger/accounts'
import { disclosuresOf, openRefs } from '../../app/modules/ledger/disclosures.server'
import { postAward, postPayout } from '../../app/modules/ledger/awards.server'
import { getBalance } from '../../app/modules/ledger/queries.server'
import { saveProof } from '../../app/modules/disbursements/uploads.server'
import { chinaDate } from '../../app/utils/i18n'
import { demoPdf } from './demo-pdf'
import type { ScholarshipSeed, Trx } from './scholarships'

// The demo's award batches: seedMoney's autumn awards given the batches the app would
// have written, a PAID 学子阳光 batch for spring 2027 in 镇雄 and one awaiting approval in 会泽.

export async function seedAwardBatches(seed: ScholarshipSeed) {
  const { trx, ago, user, programmes, campaigns, stationId, inCounty, used } = seed
  const zhenxiong = inCounty('530627')

  // seedMoney's 2026-autumn awards (ledger only) become the batches the app would have made,
  // with their award lines and term caps, so the one-award-per-term rule sees them.
  await recordSeededAwards(trx, {
    programmeId: programmes.get('sunshine-bursary')!,
    stationId: await stationId('530000'),
    preparedBy: user('caseworker.zhenxiong@hope.demo'),
    approvedBy: user('finance@hope.demo'),
    at: ago(120),
  })

  // A PAID 学子阳光 batch for spring 2027 in 镇雄.
  const bursary = programmes.get('sunshine-bursary')!
  const fund = fundOfCampaign(campaigns.get('sunshine-autumn-2026')!)
  const lines = zhenxiong.filter((s) => !used.has(s.id)).slice(0, 3)
  let affordable = Math.floor((await getBalance(trx, fund, 'CNY')) / 80000)
  const paidLines = lines.slice(0, Math.max(0, Math.min(lines.length, affordable)))
  if (paidLines.length) {
    const batch = await trx
      .insertInto('award_batches')
      .values({
        programme_id: bursary,
        term: '2027-spring',
        station_id: await stationId('530627'),
        fund,
        currency: 'CNY',
        total_amount: 80000 * paidLines.length,
        status: 'paid',
        approvals_required: 1,
        prepared_by: user('caseworker.zhenxiong@hope.demo'),
        prepared_at: ago(300),
        approved_at: ago(240),
        rejected_by: null,
        rejected_at: null,
        reject_reason: null,
        payout_reference: 'DEMO-BANK-20261122-001',
        payout_date: chinaDate(ago(180)), // the day it was paid: never before the award (ago(240))
        paid_by: user('finance@hope.demo'),
        paid_at: ago(180),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('batch_approvals')
      .values({ batch_id: batch.id, user_id: user('finance@hope.demo'), approved_at: ago(240) })
      .execute()
    await assertTermFree(
      trx,
      '2027-spring',
      paidLines.map((s) => s.id),
    )
    for (const s of paidLines) {
      const line = await trx
        .insertInto('award_lines')
        .values({ batch_id: batch.id, beneficiary_id: s.id, fund, amount: 80000 })
        .returning('id')
        .executeTakeFirstOrThrow()
      await trx
        .insertInto('award_term_caps')
        .values({ beneficiary_id: s.id, term: '2027-spring', line_id: line.id })
        .execute()
      const refs = { programme: 'sunshine-bursary', term: '2027-spring', batch: String(batch.id) }
      await postAward(trx, {
        idempotencyKey: `award-line:${line.id}`,
        fund,
        beneficiaryId: s.id,
        beneficiaryCode: s.public_code,
        amount: 80000,
        currency: 'CNY',
        occurredAt: ago(240),
        refs,
      })
      await postPayout(trx, {
        idempotencyKey: `payout-line:${line.id}`,
        beneficiaryId: s.id,
        amount: 80000,
        currency: 'CNY',
        occurredAt: ago(180),
        refs,
      })
      used.add(s.id)
    }
    await saveProof(
      trx,
      {
        entityType: 'award_batch',
        entityId: Number(batch.id),
        bytes: demoPdf('DEMO-BANK-20261122-001'),
        uploadedBy: user('finance@hope.demo'),
      },
      new Date(ago(180)),
    )
    affordable -= paidLines.length
  }
  // A batch awaiting approval in 会泽.
  const huize = inCounty('530326')
    .filter((s) => !used.has(s.id))
    .slice(0, 2)
  if (huize.length && affordable >= huize.length) {
    await assertTermFree(
      trx,
      '2027-spring',
      huize.map((s) => s.id),
    )
    const batch = await trx
      .insertInto('award_batches')
      .values({
        programme_id: bursary,
        term: '2027-spring',
        station_id: await stationId('530326'),
        fund,
        currency: 'CNY',
        total_amount: 80000 * huize.length,
        status: 'prepared',
        approvals_required: 1,
        prepared_by: user('caseworker.huize@hope.demo'),
        prepared_at: ago(30),
        approved_at: null,
        rejected_by: null,
        rejected_at: null,
        reject_reason: null,
        payout_reference: null,
        payout_date: null,
        paid_by: null,
        paid_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('award_lines')
      .values(huize.map((s) => ({ batch_id: batch.id, beneficiary_id: s.id, fund, amount: 80000 })))
      .execute()
    huize.forEach((s) => used.add(s.id))
  }
}

/** The app's one-award-per-term check (cappedInTerm), asked of the seed's own lines. */
async function assertTermFree(trx: Trx, term: string, ids: number[]) {
  const capped = await cappedInTerm(trx, term, ids)
  if (capped.size) throw new Error(`demo seed: students ${[...capped].join(', ')} already hold a ${term} award`)
}

/**
 * seedMoney posts a few 2026-autumn bursary awards straight to the ledger (it also runs where
 * there are no students' tables). Here they get what the app writes for an award: a batch, an
 * award line each and the term cap, a paid batch for those with a payout, an approved one else.
 */
async function recordSeededAwards(
  trx: Trx,
  o: { programmeId: number; stationId: number; preparedBy: number; approvedBy: number; at: string },
) {
  const term = '2026-autumn'
  const awards = await trx
    .selectFrom('ledger_transactions')
    .select(['sequence', 'idempotency_key', 'refs'])
    .where('kind', '=', 'award')
    .where('idempotency_key', 'like', 'seed:award:%')
    .orderBy('sequence')
    .execute()
  // Version-2 records commit to the student's code; its value is in the disclosures.
  const disclosed = await disclosuresOf(
    trx,
    awards.map((a) => a.sequence),
  )
  const paidKeys = new Set(
    (
      await trx
        .selectFrom('ledger_transactions')
        .select('idempotency_key')
        .where('idempotency_key', 'like', 'seed:payout:%')
        .execute()
    ).map((r) => r.idempotency_key.slice('seed:payout:'.length)),
  )
  const rows = []
  for (const a of awards) {
    const code = openRefs(JSON.parse(a.refs) as Record<string, string>, disclosed.get(a.sequence)).beneficiary!
    const student = await trx
      .selectFrom('beneficiaries')
      .select('id')
      .where('public_code', '=', code)
      .executeTakeFirstOrThrow()
    const transfer = await trx
      .selectFrom('ledger_transfers')
      .innerJoin('ledger_transactions', 'ledger_transactions.sequence', 'ledger_transfers.sequence')
      .select(['ledger_transfers.from_account', 'ledger_transfers.amount'])
      .where('ledger_transactions.idempotency_key', '=', a.idempotency_key)
      .executeTakeFirstOrThrow()
    rows.push({
      id: Number(student.id),
      fund: transfer.from_account,
      amount: Number(transfer.amount),
      paid: paidKeys.has(code),
    })
  }
  await assertTermFree(
    trx,
    term,
    rows.map((r) => r.id),
  )
  for (const paid of [true, false]) {
    const lines = rows.filter((r) => r.paid === paid)
    if (!lines.length) continue
    const batch = await trx
      .insertInto('award_batches')
      .values({
        programme_id: o.programmeId,
        term,
        station_id: o.stationId,
        fund: lines[0]!.fund,
        currency: 'CNY',
        total_amount: lines.reduce((n, l) => n + l.amount, 0),
        status: paid ? 'paid' : 'approved',
        approvals_required: 1,
        prepared_by: o.preparedBy,
        prepared_at: o.at,
        approved_at: o.at,
        rejected_by: null,
        rejected_at: null,
        reject_reason: null,
        payout_reference: paid ? 'DEMO-BANK-20261120-001' : null,
        payout_date: paid ? o.at.slice(0, 10) : null,
        paid_by: paid ? o.approvedBy : null,
        paid_at: paid ? o.at : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('batch_approvals')
      .values({ batch_id: batch.id, user_id: o.approvedBy, approved_at: o.at })
      .execute()
    for (const l of lines) {
      const line = await trx
        .insertInto('award_lines')
        .values({ batch_id: batch.id, beneficiary_id: l.id, fund: l.fund, amount: l.amount })
        .returning('id')
        .executeTakeFirstOrThrow()
      await trx.insertInto('award_term_caps').values({ beneficiary_id: l.id, term, line_id: line.id }).execute()
    }
  }
}
