import { sql, type Transaction } from 'kysely'
import { createTeam } from '../../app/modules/teams/teams.server'
import type { Database } from '../schema'
import { bookDemoGift } from './gifts'

// Demo team pages (一起捐) on the campaign with the most gifts, started by demo donors
// through the module (as the portal does) and given to through the fulfilment path.

const TEAMS = [
  {
    title: '昆明三中高二（3）班一起捐',
    goal: '3000',
    message: '同学们，一人一份心意，帮山里的学弟学妹读完这个学期。',
    station: true,
  },
  { title: '我们家的年终心意', goal: '1000', message: '今年的年夜饭省一道菜，捐给需要的孩子。', station: false },
  { title: '跑步群一起捐', goal: '5000', message: '每跑一公里捐一元，跑友们冲！', station: false },
] as const

const SUPPORTERS = [
  ['周雨桐', 'family', 10000],
  ['Grace Lee', 'full', 20000],
  ['何家豪', 'anonymous', 5000],
  ['赵敏', 'family', 30000],
  ['孙立', 'full', 10000],
  ['马晓', 'family', 50000],
] as const

export async function seedTeams(trx: Transaction<Database>, { now }: { now: Date }) {
  const busiest = await trx
    .selectFrom('donations')
    .innerJoin('campaigns', 'campaigns.id', 'donations.campaign_id')
    .select(['campaigns.id', 'campaigns.slug', sql<number>`count(*)`.as('n')])
    .where('donations.status', '=', 'paid')
    .where('campaigns.status', '=', 'active')
    .groupBy(['campaigns.id', 'campaigns.slug'])
    .orderBy('n', 'desc')
    .orderBy('campaigns.id')
    .executeTakeFirst()
  if (!busiest) return
  const station = await trx
    .selectFrom('stations')
    .select('id')
    .where('level', '=', 'county')
    .orderBy('id')
    .executeTakeFirst()
  const at = now.toISOString()
  for (const [i, team] of TEAMS.entries()) {
    const email = `demo-team-owner-${i + 1}@example.test`
    const name = ['林晓雯', '陈志强', 'Daniel Wong'][i]!
    const user = await trx
      .insertInto('users')
      .values({ email, display_name: name, password_hash: null, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('role_grants')
      .values({ user_id: user.id, role: 'donor', station_id: null, created_at: at })
      .execute()
    const code = await createTeam(
      trx,
      { id: Number(user.id), displayName: name },
      {
        campaign: busiest.slug,
        title: team.title,
        goal: Number(team.goal) * 100,
        message: team.message,
        station: team.station && station ? Number(station.id) : null,
        displayMode: i === 2 ? 'full' : 'family',
      },
      now,
    )
    const { id: teamId } = await trx
      .selectFrom('team_pages')
      .select('id')
      .where('code', '=', code)
      .executeTakeFirstOrThrow()
    // Team gifts are the newest of the seed, so earlier gifts' FIFO tracing is unchanged.
    for (const [j, [supporter, mode, amount]] of SUPPORTERS.slice(i, i + 4 - i).entries()) {
      await bookDemoGift(trx, {
        campaignId: Number(busiest.id),
        name: supporter,
        email: `demo-team-gift-${i + 1}-${j + 1}@example.test`,
        mode,
        amount,
        paidAt: new Date(now.getTime() - (3 - i) * 3_600_000 + j * 60_000).toISOString(),
        locale: 'zh-CN',
        teamId: Number(teamId),
      })
    }
  }
}
