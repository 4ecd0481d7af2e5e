import { sql, type RawBuilder } from 'kysely'

// Station scoping: a grant on a station covers its whole subtree, and a subtree is
// the set of stations whose materialised path starts with the station's path
// (/1/2/7/ covers /1/2/7/31/). Paths hold only digits and slashes, so LIKE is exact.

/** True when the station path lies within one of the prefixes. */
export function pathInScope(scope: readonly string[], path: string): boolean {
  return scope.some((prefix) => path.startsWith(prefix))
}

/** A WHERE condition: `column` (a station path) lies within the scope. An empty scope matches nothing. */
export function scopeCondition(column: string, scope: readonly string[]): RawBuilder<boolean> {
  const prefixes = scope.filter((p) => /^\/(\d+\/)+$/.test(p))
  if (prefixes.length === 0) return sql<boolean>`1 = 0`
  return sql<boolean>`(${sql.join(
    prefixes.map((p) => sql`${sql.ref(column)} like ${p + '%'}`),
    sql` or `,
  )})`
}

/** Drop prefixes already covered by a shorter one. */
export function normaliseScope(scope: readonly string[]): string[] {
  const sorted = [...new Set(scope)].sort((a, b) => a.length - b.length)
  return sorted.filter((p, i) => !sorted.slice(0, i).some((q) => p.startsWith(q)))
}
