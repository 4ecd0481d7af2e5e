// Optional suites (PostgreSQL, Chromium) skip on a developer machine that lacks
// them, with one line saying how to enable them; under CI=true they must run.

export const inCI = process.env.CI === 'true' || process.env.CI === '1'

export function unavailable(suite: string, reason: string, howToEnable: string): string {
  const line = `${suite}: ${reason}. ${howToEnable}`
  if (inCI) throw new Error(`${line} (CI=true requires this suite to run)`)
  console.warn(`[skip] ${line}`)
  return line
}
