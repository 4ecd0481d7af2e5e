import type { Transaction } from 'kysely'
import { createPoolIn, fundPoolIn } from '../../app/modules/matching/pools.server'
import { PoolInput } from '../../app/modules/matching/schema'
import { chinaDate } from '../../app/utils/i18n'
import type { Database } from '../schema'

// The demo's matching pool (配捐): a FAKE sponsor's 1:1 pool on the first campaign, opening
// 09:00 China time daily, funded by an offline gift, made and funded through the app's own
// module functions. Seeded before the gifts, so the gifts that qualify are matched as they are booked.
export const DEMO_SPONSOR = '星河示例科技有限公司（虚构）'

export async function seedMatching(trx: Transaction<Database>, { now }: { now: Date }): Promise<number> {
  const campaign = await trx.selectFrom('campaigns').select('id').orderBy('id').executeTakeFirstOrThrow()
  const staff = await trx
    .selectFrom('users')
    .select('id')
    .where('email', '=', 'finance@hope.demo')
    .executeTakeFirstOrThrow()
  const day = (offset: number) => chinaDate(new Date(now.getTime() + offset * 86_400_000))
  const input = PoolInput.parse({
    name: '99 公益日一起捐配捐',
    nameEn: 'Giving Day 1:1 match',
    sponsor: DEMO_SPONSOR,
    sponsorEn: 'Xinghe Example Tech Ltd. (fictitious)',
    rule: 'ratio',
    ratioGift: '1',
    ratioMatch: '1',
    minGift: '1',
    capPerGift: '200',
    capPerDonorDay: '500',
    capTotal: '20000',
    opensAt: '09:00',
    startsOn: day(-400),
    endsOn: day(120),
    campaignIds: [String(campaign.id)],
  })
  const poolId = await createPoolIn(trx, { id: staff.id }, input, now)
  await fundPoolIn(trx, { id: staff.id }, poolId, {
    reference: 'XINGHE-MATCH-2026-001',
    receivedOn: day(-400),
    amount: 10_000_00,
    donorName: DEMO_SPONSOR,
    donorEmail: 'sponsor@xinghe.example.test',
  })
  return poolId
}
