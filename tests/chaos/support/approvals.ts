// Data set-up for the approval race (tests/chaos/approval-race.test.ts): a scholarship
// programme whose campaign fund holds exactly `fundedAwards` awards, `batches` award
// batches of one line each (one fresh, active, eligible student per batch) prepared by
// the Zhenxiong caseworker through prepareBatch, and TOTP-verified sessions of the two
// demo finance users (neither prepared anything). Runs in the test process against a
// database that prepareAppDatabase migrated and seeded with the demo.
import { generateHOTP } from '@oslojs/otp'
import { confirmEnrolment, decodeSecret, pendingEnrolment, totpStep } from '~/modules/auth/totp.server'
import { createSession } from '~/modules/auth/session.server'
import { makeNationalId } from '~/modules/beneficiaries/national-id'
import { prepareBatch, type Actor } from '~/modules/disbursements/batches.server'
import { getBalance } from '~/modules/ledger'
import type { DB } from '~/utils/db.server'
import { fundedProgramme, stationIdOf, stationPath, userIdOf } from '../../integration/scholarship.fixtures'
import { deliver } from './cluster'

/** fundedProgramme's award per term (¥1,000) and a term it offers. */
export const AWARD = 100_000
export const TERM = '2027-spring'
const PREPARER = 'caseworker.zhenxiong@hope.demo'
export const APPROVER_EMAILS = ['finance@hope.demo', 'finance2@hope.demo']

export type Approver = { id: number; email: string; cookie: string }
export type ApprovalRace = {
  fund: string
  batchIds: number[]
  preparerId: number
  approvers: Approver[]
  /** How long preparing the batches took (ms). */
  prepareMs: number
}

/**
 * `n` new active students at one place of Zhenxiong (530627101), eligible for every
 * category the test programme takes, inserted a few hundred rows per statement.
 * National ids are unique by (birth day, sequence) and distinct from the demo's
 * (up to 12 × 28 × 400 students).
 */
async function insertStudents(db: DB, n: number): Promise<number[]> {
  const station = await db.selectFrom('stations').select('id').where('code', '=', '530627101').executeTakeFirstOrThrow()
  const at = new Date().toISOString()
  const ids: number[] = []
  for (let start = 0; start < n; start += 250) {
    const rows = Array.from({ length: Math.min(250, n - start) }, (_, k) => {
      const i = start + k
      const day = Math.floor(i / 400)
      const birth = `2013-${String(1 + Math.floor(day / 28)).padStart(2, '0')}-${String(1 + (day % 28)).padStart(2, '0')}`
      return {
        public_code: `HP-530627-R${String(i + 1).padStart(5, '0')}`,
        station_id: station.id,
        legal_name: `竞速测试${i + 1}`,
        gender: (i % 2 ? 'male' : 'female') as 'male' | 'female',
        birth_date: birth,
        national_id: makeNationalId('530627', birth, 500 + (i % 400)),
        school: '演示假设第1初级中学',
        grade: '初中一年级',
        categories: JSON.stringify(['dibao']),
        guardian_name: `监护人${i + 1}`,
        guardian_phone: '19900008888',
        status: 'active' as const,
        next_verification_on: null,
        created_at: at,
      }
    })
    const inserted = await db.insertInto('beneficiaries').values(rows).returning('id').execute()
    ids.push(...inserted.map((r) => Number(r.id)))
  }
  return ids
}

/** Enrol TOTP for a user through the real enrolment (a valid first code), then a session that passed it. */
async function verifiedApprover(db: DB, email: string): Promise<Approver> {
  const id = await userIdOf(db, email)
  const enrolment = await pendingEnrolment(db, { id, email }, { create: true })
  if (enrolment) {
    const codes = await confirmEnrolment(db, id, generateHOTP(decodeSecret(enrolment.secret), BigInt(totpStep()), 6))
    if (!codes) throw new Error(`TOTP enrolment of ${email} was refused`)
  }
  const { token } = await createSession(db, {
    userId: id,
    twoFactorVerified: true,
    ip: '127.0.0.1',
    userAgent: 'approval-race',
  })
  return { id, email, cookie: `hl_session=${token}` }
}

export async function setUpApprovalRace(
  db: DB,
  options: { batches: number; fundedAwards: number; prepareConcurrency: number },
): Promise<ApprovalRace> {
  // The fund is paid in first (one donation, no fee) and the batches are prepared after:
  // that is the order it happens in. prepareBatch's fund check compares ONE batch's total
  // with the balance now; a one-line batch needs one award and the fund holds ten, so
  // every preparation passes honestly. Prepared batches reserve nothing — by design the
  // money is taken (and checked again, under the ledger lock) only when the last approval
  // posts the awards. So 1,000 prepared batches against a fund for 10 is a real state,
  // and the approval path is the one that must hold the line.
  const p = await fundedProgramme(db, options.fundedAwards * AWARD)
  if ((await getBalance(db, p.fund, 'CNY')) !== options.fundedAwards * AWARD)
    throw new Error('the fund does not hold what was paid in')
  const students = await insertStudents(db, options.batches)
  const preparer: Actor = {
    id: await userIdOf(db, PREPARER),
    scope: [await stationPath(db, '530627')],
    ip: '127.0.0.1',
  }
  const stationId = await stationIdOf(db, '530627')

  const started = performance.now()
  const batchIds = new Array<number>(students.length).fill(0)
  const failures: string[] = []
  await deliver(
    students.map((beneficiaryId, i) => ({ beneficiaryId, i })),
    options.prepareConcurrency,
    async ({ beneficiaryId, i }) => {
      try {
        batchIds[i] = await prepareBatch(db, preparer, {
          programmeId: p.programmeId,
          term: TERM,
          stationId,
          campaignId: p.campaignId,
          lines: [{ beneficiaryId, amount: AWARD }],
        })
      } catch (error) {
        failures.push(String(error))
      }
      return 0
    },
  )
  if (failures.length) throw new Error(`${failures.length} preparations failed, e.g. ${failures[0]}`)
  const prepareMs = performance.now() - started

  const approvers = []
  for (const email of APPROVER_EMAILS) approvers.push(await verifiedApprover(db, email))
  return { fund: p.fund, batchIds, preparerId: preparer.id, approvers, prepareMs }
}
