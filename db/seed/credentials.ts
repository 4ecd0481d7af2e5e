import type { SeedResult } from './demo'

export function printDemoCredentials(result: SeedResult) {
  console.log(`\nDemo staff accounts (password for all: ${result.password})`)
  for (const s of result.staff) console.log(`  ${s.role.padEnd(10)} ${s.email.padEnd(34)} ${s.name}`)
  console.log('')
}
