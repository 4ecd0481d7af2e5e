import type { DB } from '~/utils/db.server'
import { scopeCondition } from './scope.server'

export type StationOption = {
  id: number
  name: string
  nameEn: string
  level: string
  path: string
  depth: number
  active: boolean
}

export async function getStation(db: DB, id: number) {
  return db.selectFrom('stations').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Stations within the scope, in tree order (for select boxes). */
export async function listStationsInScope(db: DB, scope: readonly string[]): Promise<StationOption[]> {
  const rows = await db
    .selectFrom('stations')
    .select(['id', 'name', 'name_en', 'level', 'path', 'active'])
    .where(scopeCondition('path', scope))
    .orderBy('path')
    .execute()
  const depthOf = (p: string) => p.split('/').filter(Boolean).length - 1
  // Tree order: sort by the numeric segments rather than the text of the path.
  const key = (p: string) =>
    p
      .split('/')
      .filter(Boolean)
      .map((n) => n.padStart(10, '0'))
      .join('/')
  return rows
    .map((r) => ({
      id: Number(r.id),
      name: r.name,
      nameEn: r.name_en,
      level: r.level,
      path: r.path,
      depth: depthOf(r.path),
      active: Number(r.active) === 1,
    }))
    .sort((a, b) => (key(a.path) < key(b.path) ? -1 : 1))
}
