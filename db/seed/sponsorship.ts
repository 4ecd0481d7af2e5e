import { fundOfSponsorship } from '../../app/modules/ledger/accounts'
import { give } from './give'
import type { ScholarshipSeed } from './scholarships'

export async function seedSponsorship({ trx, ago, user, students, programmes, inCounty, used }: ScholarshipSeed) {
  const zhenxiong = inCounty('530627')
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
}
