// Public geography: a student is shown only with the county their station lies in.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'

export type StationRow = { id: number; code: string; level: string; path: string }
export type County = { code: string; name: string; nameEn: string }

/** stationId → the code of the county on its path ('' when none). */
export function countyOfStations(stations: StationRow[]): (stationId: number) => string {
  const byId = new Map(stations.map((s) => [Number(s.id), s]))
  const cache = new Map<number, string>()
  return (stationId) => {
    let hit = cache.get(stationId)
    if (hit !== undefined) return hit
    const path = byId.get(Number(stationId))?.path ?? ''
    hit = ''
    for (const id of path.split('/').filter(Boolean)) {
      const s = byId.get(Number(id))
      if (s?.level === 'county') hit = s.code
    }
    cache.set(stationId, hit)
    return hit
  }
}

/** Every county station by code, with its public names. */
export async function listCounties(db: Kysely<Database>): Promise<Map<string, County>> {
  const rows = await db
    .selectFrom('stations')
    .select(['code', 'name', 'name_en'])
    .where('level', '=', 'county')
    .execute()
  return new Map(rows.map((r) => [r.code, { code: r.code, name: r.name, nameEn: r.name_en }]))
}
