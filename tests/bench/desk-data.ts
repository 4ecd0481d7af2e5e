// The donation desk bench's database: the transparency benches' (the demo, plus a campaign
// with 1,000,000 paid gifts, each with its receipt, and 100,000 awards), migrated to the
// latest schema, and its donors made many: the generator gives every gift one donor, while
// a desk searches among ~200,000 (about five gifts each).
import fs from 'node:fs'
import { sql } from 'kysely'
import { createDatabase } from '../../app/utils/db.server'
import { migrateToLatest } from '../../db/migrator'
import { timed } from './lib'
import { dataset } from './transparency.bench'

export const DONORS = 200_003
/** Names this version of the spread in the data's meta file (change it to spread again). */
const SPREAD = `${DONORS}-integer`

export type DeskData = { file: string; campaignId: number; receipts: string[]; first: string; last: string }

export async function deskDataset(): Promise<DeskData> {
  // The transparency benches' database (1,000,000 paid gifts with receipts and 100,000
  // awards): every page, public or staff, is measured on the same data.
  const { file } = await dataset()
  const meta = `${file}.desk.json`
  const { db } = createDatabase(`sqlite:${file}`)
  try {
    const migrated = await timed(() => migrateToLatest(db))
    console.log(`migrated to the latest schema in ${migrated.seconds.toFixed(1)} s`)
    const campaign = await db
      .selectFrom('campaigns')
      .select('id')
      .where('slug', '=', 'bench-million')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    const campaignId = Number(campaign.id)
    const cached = fs.existsSync(meta) ? (JSON.parse(fs.readFileSync(meta, 'utf8')) as { spread?: string }) : {}
    if (cached.spread !== SPREAD) {
      // Literal, not bound: better-sqlite3 binds a JS number as REAL, and id % 200003.0 writes "12345.0".
      const donors = sql.lit(DONORS)
      const spread = await timed(() =>
        sql`update donations set donor_email = 'donor' || (id % ${donors}) || '@example.test',
              donor_name = '捐赠人' || (id % ${donors})
            where campaign_id = ${campaignId}`.execute(db),
      )
      console.log(`spread the gifts over ${DONORS} donors in ${spread.seconds.toFixed(1)} s`)
      fs.writeFileSync(meta, JSON.stringify({ spread: SPREAD }))
    }
    // Receipt numbers to look up, spread over the whole range.
    const receipts = await sql<{ number: string }>`select number from receipts where id % 2477 = 0 order by id`
      .execute(db)
      .then((r) => r.rows.map((x) => x.number))
    const span = await db
      .selectFrom('donations')
      .select((eb) => [eb.fn.min('paid_at').as('first'), eb.fn.max('paid_at').as('last')])
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow()
    return { file, campaignId, receipts, first: String(span.first), last: String(span.last) }
  } finally {
    await db.destroy()
  }
}
