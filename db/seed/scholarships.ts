import type { Transaction } from 'kysely'
import { publicDisplayName } from '../../app/modules/donations/display-name'
import { fulfilDonation } from '../../app/modules/donations/fulfil.server'
import { newDonationPublicId, newTrackingCode } from '../../app/modules/donations/ids.server'
import { fundOfCampaign, fundOfSponsorship, fundOfWish } from '../../app/modules/ledger/accounts'
import { demoPdf } from './demo-pdf'
import { disclosuresOf, openRefs } from '../../app/modules/ledger/disclosures.server'
import { cappedInTerm } from '../../app/modules/disbursements/batches.server'
import { postAward, postPayout } from '../../app/modules/ledger/awards.server'
import { getBalance } from '../../app/modules/ledger/queries.server'
import { saveProof } from '../../app/modules/disbursements/uploads.server'
import { chinaDate } from '../../app/utils/i18n'
import { demoFee } from '../../app/modules/payments/demo.server'
import type { Database } from '../schema'

// Demo students and scholarships: a consent record for every seeded child (required
// under 14; one in ten declines a public story), status histories, a PAID award batch
// of 学子阳光 (prepared by the 镇雄 caseworker, approved by finance, paid with a proof),
// a batch awaiting approval, an active 1+1 sponsorship with letters, and micro-wishes
// (open, one held by an expired claim, one fulfilled). Money moves only through the
// ledger's own commands and the real fulfilment path.

type Trx = Transaction<Database>
const RELATIONSHIPS = ['母亲', '父亲', '祖母', '祖父', '姑姑']

async function give(
  trx: Trx,
  input: {
    fund: string
    designation: 'sponsorship' | 'wish'
    targetId: number
    amount: number
    name: string
    email: string
    paidAt: string
    frequency?: 'once' | 'monthly'
  },
) {
  const row = await trx
    .insertInto('donations')
    .values({
      public_id: newDonationPublicId(),
      tracking_code: newTrackingCode(),
      status: 'pending',
      frequency: input.frequency ?? 'once',
      designation: input.designation,
      campaign_id: null,
      target_id: input.targetId,
      fund: input.fund,
      amount: input.amount,
      currency: 'CNY',
      cover_fee: 0,
      fee_amount: null,
      donor_name: input.name,
      donor_email: input.email,
      display_mode: 'family',
      display_name: publicDisplayName(input.name, 'family'),
      message: null,
      locale: 'zh-CN',
      provider: 'demo',
      checkout_idempotency_key: null,
      provider_session_id: null,
      provider_invoice_id: null,
      provider_payment_intent_id: null,
      provider_charge_id: null,
      recurring_gift_id: null,
      source_ref: null,
      client_key: null,
      recorded_by: null,
      created_at: input.paidAt,
      paid_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  const fee = demoFee(input.amount)
  await fulfilDonation(trx, row, {
    paymentIntentId: `pi_demo_${row.public_id}`,
    chargeId: `ch_demo_${row.public_id}`,
    amount: input.amount,
    currency: 'CNY',
    fee,
    net: input.amount - fee,
    paidAt: input.paidAt,
  })
}

export async function seedScholarships(trx: Trx, { now }: { now: Date }) {
  const at = now.toISOString()
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString()
  const users = new Map(
    (await trx.selectFrom('users').select(['id', 'email']).execute()).map((u) => [u.email, Number(u.id)]),
  )
  const user = (email: string) => users.get(email)!
  const students = await trx
    .selectFrom('beneficiaries')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .select([
      'beneficiaries.id',
      'beneficiaries.public_code',
      'beneficiaries.guardian_name',
      'beneficiaries.categories',
      'beneficiaries.created_at',
      'stations.code as station_code',
      'stations.id as station_id',
    ])
    .orderBy('beneficiaries.id')
    .execute()

  // Consents and status histories for every child.
  await trx
    .insertInto('beneficiary_consents')
    .values(
      students.map((s, i) => ({
        beneficiary_id: s.id,
        guardian_name: s.guardian_name,
        relationship: RELATIONSHIPS[i % RELATIONSHIPS.length]!,
        consented_on: ago(60 * 24 * 90).slice(0, 10),
        public_story: i % 10 === 9 ? 0 : 1,
        photo: i % 3 === 0 ? 1 : 0,
        first_name_to_sponsor: i % 2 === 0 ? 1 : 0,
        recorded_by: null,
        recorded_at: ago(60 * 24 * 90),
        withdrawn_at: null,
        withdrawn_by: null,
      })),
    )
    .execute()
  await trx
    .insertInto('beneficiary_status_history')
    .values(
      students.flatMap((s) => [
        {
          beneficiary_id: s.id,
          from_status: null,
          to_status: 'new' as const,
          reason: 'registered',
          changed_by: null,
          changed_at: ago(60 * 24 * 95),
        },
        {
          beneficiary_id: s.id,
          from_status: 'new' as const,
          to_status: 'active' as const,
          reason: 'verified at home visit',
          changed_by: null,
          changed_at: ago(60 * 24 * 90),
        },
      ]),
    )
    .execute()

  const programmes = new Map(
    (await trx.selectFrom('programmes').select(['id', 'slug']).execute()).map((p) => [p.slug, Number(p.id)]),
  )
  const campaigns = new Map(
    (await trx.selectFrom('campaigns').select(['id', 'slug']).execute()).map((c) => [c.slug, Number(c.id)]),
  )
  const stationId = async (code: string) =>
    Number((await trx.selectFrom('stations').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id)
  const inCounty = (county: string) => students.filter((s) => s.station_code.startsWith(county))
  const zhenxiong = inCounty('530627')
  const used = new Set(students.slice(0, 3).map((s) => s.id)) // seedMoney's autumn awards

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

  // An active 1+1 sponsorship, funded, with one approved letter each way and one waiting.
  const sponsored = zhenxiong.find((s, i) => !used.has(s.id) && students.indexOf(s) % 10 !== 9 && i >= 0)!
  used.add(sponsored.id)
  const sponsorship = await trx
    .insertInto('sponsorships')
    .values({
      beneficiary_id: sponsored.id,
      programme_id: programmes.get('hope-star-1-plus-1')!,
      school_year: '2026-2027',
      frequency: 'once',
      status: 'active',
      donor_name: '林晓雯',
      donor_email: 'demo-sponsor@example.test',
      locale: 'zh-CN',
      access_token: 's_demo_sponsorship_hope_star_2026',
      pause_reason: null,
      created_at: ago(60 * 24 * 20),
      activated_at: ago(60 * 24 * 20),
      paused_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await give(trx, {
    fund: fundOfSponsorship(sponsorship.id),
    designation: 'sponsorship',
    targetId: sponsorship.id,
    amount: 300000,
    name: '林晓雯',
    email: 'demo-sponsor@example.test',
    paidAt: ago(60 * 24 * 20),
  })
  const letter = (
    direction: 'to_student' | 'to_sponsor',
    body: string,
    status: 'approved' | 'pending',
    minutes: number,
  ) => ({
    sponsorship_id: sponsorship.id,
    direction,
    body,
    status,
    submitted_at: ago(minutes),
    submitted_by: direction === 'to_sponsor' ? user('caseworker.zhenxiong@hope.demo') : null,
    moderated_by: status === 'approved' ? user('admin@hope.demo') : null,
    moderated_at: status === 'approved' ? ago(minutes - 60) : null,
    reject_reason: null,
  })
  await trx
    .insertInto('sponsorship_letters')
    .values([
      letter('to_student', '你好！希望你在新学期里好好学习，天天开心。', 'approved', 60 * 24 * 15),
      letter('to_sponsor', '谢谢您的帮助！我这学期数学考了第一名，我会继续努力。', 'approved', 60 * 24 * 7),
      letter('to_student', '冬天到了，记得多穿衣服。期待你的回信。', 'pending', 60 * 2),
    ])
    .execute()

  // Micro-wishes: open ones, one whose claim has expired, one fulfilled through the ledger.
  const wishStudents = students.filter((s, i) => !used.has(s.id) && i % 10 !== 9).slice(0, 5)
  const wishes = [
    { item: '一件冬季棉衣', story: '山里的冬天很冷，想要一件厚厚的棉衣，上学路上不再发抖。', price: 15000 },
    { item: '一个新书包', story: '旧书包的背带断了好几次，想要一个结实的书包装课本。', price: 9900 },
    { item: '一套绘画工具', story: '喜欢画画，想画出家乡的山和云。', price: 6800 },
    { item: '一双保暖棉鞋', story: '每天走很远的山路上学，想要一双暖和的鞋子。', price: 8800 },
    { item: '一本新华字典', story: '想有一本自己的字典，认识更多的字。', price: 3500 },
  ]
  for (const [i, s] of wishStudents.entries()) {
    const w = wishes[i]!
    const row = await trx
      .insertInto('wishes')
      .values({
        beneficiary_id: s.id,
        station_id: s.station_id,
        item: w.item,
        story: w.story,
        price: w.price,
        currency: 'CNY',
        status: 'open',
        hold_token: null,
        held_until: null,
        created_by: null,
        created_at: ago(60 * 24 * 10),
        fulfilled_by: null,
        fulfilled_at: null,
        proof_file_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const id = Number(row.id)
    if (i === 1) {
      // Claimed long ago and never paid: the hold has expired, so the wish is open again.
      const token = `w_demo_expired_${id}`
      await trx
        .updateTable('wishes')
        .set({ hold_token: token, held_until: ago(60 * 24 * 2 - 30) })
        .where('id', '=', id)
        .execute()
      await trx
        .insertInto('wish_claims')
        .values({ wish_id: id, token, claimed_at: ago(60 * 24 * 2), expires_at: ago(60 * 24 * 2 - 30) })
        .execute()
    }
    if (i === 0) {
      const token = `w_demo_fulfilled_${id}`
      await trx
        .insertInto('wish_claims')
        .values({ wish_id: id, token, claimed_at: ago(60 * 24 * 5), expires_at: ago(60 * 24 * 5 - 30) })
        .execute()
      await give(trx, {
        fund: fundOfWish(id),
        designation: 'wish',
        targetId: id,
        amount: w.price,
        name: '黄美玲',
        email: 'demo-wish-donor@example.test',
        paidAt: ago(60 * 24 * 5 - 10),
      })
      const balance = await getBalance(trx, fundOfWish(id), 'CNY')
      const refs = { programme: 'micro-wish', wish: String(id) }
      await postAward(trx, {
        idempotencyKey: `wish-award:${id}`,
        fund: fundOfWish(id),
        beneficiaryId: s.id,
        beneficiaryCode: s.public_code,
        amount: balance,
        currency: 'CNY',
        occurredAt: ago(60 * 24 * 2),
        refs,
      })
      await postPayout(trx, {
        idempotencyKey: `wish-payout:${id}`,
        beneficiaryId: s.id,
        amount: balance,
        currency: 'CNY',
        occurredAt: ago(60 * 24 * 2),
        refs,
      })
      const proof = await saveProof(
        trx,
        {
          entityType: 'wish',
          entityId: id,
          bytes: demoPdf(`wish ${id}`),
          uploadedBy: user('caseworker.zhenxiong@hope.demo'),
        },
        new Date(ago(60 * 24 * 2)),
      )
      await trx
        .updateTable('wishes')
        .set({
          status: 'fulfilled',
          fulfilled_by: user('caseworker.zhenxiong@hope.demo'),
          fulfilled_at: ago(60 * 24 * 2),
          proof_file_id: proof.id,
        })
        .where('id', '=', id)
        .execute()
    }
  }
  return { at }
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
