// Modules mode: every row written by the application's own code — students registered
// (with guardian consent) and activated through the beneficiaries module, each donation
// left pending as the checkout leaves it and paid by its demo checkout event through the
// webhook handler (ledger posting, receipt, receipt email), awards prepared and approved
// as batches under maker-checker. Works on both dialects; slow at scale by design.
import { approveBatch, prepareBatch } from '../../../app/modules/disbursements/batches.server'
import { changeStatus, registerBeneficiary } from '../../../app/modules/beneficiaries/registry.server'
import { isRefusal } from '../../../app/utils/refusal'
import { makeNationalId } from '../../../app/modules/beneficiaries/national-id'
import { newDonationPublicId, newTrackingCode } from '../../../app/modules/donations/ids.server'
import { handleWebhook } from '../../../app/modules/donations/webhook.server'
import { createDemoProvider, demoCheckoutEvent, demoFee } from '../../../app/modules/payments/demo.server'
import type { DB } from '../../../app/utils/db.server'
import { prng } from '../lib'
import { insertPendingDonations } from './pending'
import { AWARD_AMOUNT, PROGRAMME_SLUG, createBenchCampaign, studentStations, type Sizes } from './setup'

const BATCH_LINES = 200
const DAY = 86_400_000

async function staffId(db: DB, email: string): Promise<number> {
  const user = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
  if (!user) throw new Error(`no user ${email}: modules mode needs the demo staff (a demo-seeded database)`)
  return Number(user.id)
}

export async function modulesGenerate(
  db: DB,
  options: Sizes & { seed: number },
): Promise<{ campaignId: number; fund: string }> {
  const random = prng(options.seed)
  const amounts = Array.from({ length: options.donations }, () => 1000 + Math.floor(random() * 19000))
  const net = amounts.reduce((s, a) => s + a - demoFee(a), 0)
  if (options.awards * AWARD_AMOUNT > net)
    throw new Error(`the donations (net ${net}) cannot cover ${options.awards} awards of ${AWARD_AMOUNT}`)

  // One award per student per term (the batches' cap): more awards need more students.
  const programme = await db
    .selectFrom('programmes')
    .select('terms')
    .where('slug', '=', PROGRAMME_SLUG)
    .executeTakeFirst()
  const terms = programme ? (JSON.parse(programme.terms) as string[]).length : 0
  if (options.awards > options.students * terms) {
    throw new Error(
      `${options.awards} awards need at least ${Math.ceil(options.awards / Math.max(1, terms))} students in modules mode (one award per student per term); use --mode bulk`,
    )
  }
  const now = new Date()
  const campaign = await createBenchCampaign(db, { startsAt: now.toISOString(), now: now.toISOString() })
  const admin = { id: await staffId(db, 'admin@hope.demo'), scope: [campaign.rootPath], ip: '127.0.0.1' }
  const approvers = [await staffId(db, 'finance@hope.demo'), await staffId(db, 'finance2@hope.demo')].map((id) => ({
    id,
    scope: [campaign.rootPath],
    ip: '127.0.0.1',
    totpVerified: true,
  }))

  // Students: ID numbers from a counter past every existing student, so reruns do not collide.
  const stations = await studentStations(db)
  const students: number[] = []
  let serial =
    Number(
      (
        await db
          .selectFrom('beneficiaries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ) + 1000
  for (let i = 0; i < options.students; i++) {
    const station = stations[i % stations.length]!
    for (let attempt = 0; ; attempt++) {
      serial++
      const birthDate = new Date(Date.UTC(2012, 0, 1) + Math.floor(serial / 1000) * DAY).toISOString().slice(0, 10)
      try {
        const { id } = await registerBeneficiary(db, admin, {
          legalName: `生成学生${i}`,
          gender: i % 2 ? 'male' : 'female',
          birthDate,
          nationalId: makeNationalId(station.code.slice(0, 6), birthDate, serial),
          school: '生成学校',
          grade: '初中一年级',
          categories: ['dibao'],
          guardianName: '生成监护人',
          guardianPhone: '19999999999',
          stationId: station.id,
          consent: {
            guardianName: '生成监护人',
            relationship: 'mother',
            consentedOn: birthDate,
            publicStory: i % 10 !== 9,
            photo: false,
            firstNameToSponsor: false,
          },
        })
        await changeStatus(db, admin, { beneficiaryId: id, to: 'active', reason: 'generated' })
        students.push(id)
        break
      } catch (e) {
        // An ID number someone already has: take the next one (a few tries at most).
        if (!isRefusal(e) || e.field !== 'nationalId' || attempt >= 20) throw e
      }
    }
  }

  // Donations: pending as the checkout leaves them, then paid by their checkout events.
  const provider = createDemoProvider({ db, baseUrl: 'http://127.0.0.1:3000', webhookSecret: 'whsec_demo_generator' })
  const publicIds = amounts.map(() => newDonationPublicId())
  await insertPendingDonations(
    db,
    publicIds.map((publicId, i) => ({
      publicId,
      trackingCode: newTrackingCode(),
      amount: amounts[i]!,
      donorName: '生成捐赠人',
      donorEmail: `${publicId.toLowerCase()}@generated.test`,
      sessionId: `cs_demo_${publicId}`,
    })),
    { campaign, provider: 'demo', createdAt: now.toISOString(), chunk: 200 },
  )
  for (let i = 0; i < publicIds.length; i++) {
    const event = demoCheckoutEvent({
      publicId: publicIds[i]!,
      amount: amounts[i]!,
      currency: 'CNY',
      frequency: 'once',
      outcome: 'paid',
    })
    const result = await handleWebhook(db, provider, event)
    if (result.outcome !== 'fulfilled') throw new Error(`donation ${publicIds[i]}: webhook outcome ${result.outcome}`)
  }

  // Awards: term by term, each student at most once per term, in batches prepared by the
  // admin and approved by finance (a second finance user when the total needs two).
  for (let start = 0; start < options.awards;) {
    const term = campaign.terms[Math.floor(start / options.students)]!
    const end = Math.min(
      options.awards,
      start + BATCH_LINES,
      (Math.floor(start / options.students) + 1) * options.students,
    )
    const lines = Array.from({ length: end - start }, (_, k) => ({
      beneficiaryId: students[(start + k) % options.students]!,
      amount: AWARD_AMOUNT,
    }))
    const batchId = await prepareBatch(db, admin, {
      programmeId: campaign.programmeId,
      term,
      stationId: campaign.rootStationId,
      campaignId: campaign.id,
      lines,
    })
    let outcome = await approveBatch(db, approvers[0]!, { batchId })
    if (outcome === 'awaitingSecond') outcome = await approveBatch(db, approvers[1]!, { batchId })
    if (outcome !== 'approved') throw new Error(`batch ${batchId}: ${outcome}`)
    start = end
  }
  return { campaignId: campaign.id, fund: campaign.fund }
}
