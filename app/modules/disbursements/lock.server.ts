import type { DB } from '~/utils/db.server'
import { dialectOf } from '~/utils/db.server'

/** The batch row with its station path and programme slug, locked for the transaction on PostgreSQL. */
export async function lockBatch(trx: DB, id: number) {
  let q = trx
    .selectFrom('award_batches')
    .innerJoin('stations', 'stations.id', 'award_batches.station_id')
    .innerJoin('programmes', 'programmes.id', 'award_batches.programme_id')
    .selectAll('award_batches')
    .select(['stations.path as station_path', 'programmes.slug as programme_slug'])
    .where('award_batches.id', '=', id)
  // The batch row only: FOR UPDATE over the join would also lock the station and the
  // programme, and a posting that holds the ledger head and then refers to that station
  // (an audit row's foreign key) would deadlock with an approval waiting for the head.
  if (dialectOf(trx) === 'postgres') q = q.forUpdate('award_batches')
  return q.executeTakeFirst()
}
