// How big the chaos runs are. `npm test` (and CI) runs the small bounded version;
// `npm run chaos` sets CHAOS_SCALE=full for the long run by hand.
export const FULL = process.env.CHAOS_SCALE === 'full'

/** The CI figure, or the full-run figure under CHAOS_SCALE=full; an env override wins. */
export function scaled(name: string, ci: number, full: number): number {
  const override = process.env[name]
  if (override !== undefined && override !== '') {
    const n = Number(override)
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${override}: expected a whole number`)
    return n
  }
  return FULL ? full : ci
}
