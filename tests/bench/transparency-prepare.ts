// npx tsx tests/bench/transparency-prepare.ts — build (or reuse) the 1,000,000-donation bench database only.
import { dataset } from './transparency.bench'

const data = await dataset()
console.log(`ready: ${data.file} (head ${data.head})`)
