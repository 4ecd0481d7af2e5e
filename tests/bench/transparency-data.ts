// The transparency benches' database: the demo (stations, programmes, campaigns, 60
// students, its gifts) plus, through the generator's bulk mode (generator/bulk.ts), 10,000
// more pseudonymous students with guardian consent, a bench campaign with 1,000,000
// donations and 100,000 awards interleaved (one after every ten donations). Checked by
// verifyLedger afterwards (transparency.bench.ts).
import fs from 'node:fs'
import { createDatabase } from '../../app/utils/db.server'
import { bulkGenerate, type BulkOptions } from './generator/bulk'
import { prepareDatabase } from './generator/setup'

export type BuiltData = { donations: number; awards: number; head: number; fund: string; trackingCodes: string[] }

/** The bench's data on top of the demo (also loaded into PostgreSQL by transparency-pg.bench.ts). */
export function transparencyShape(donations: number, awardEvery = 10): BulkOptions {
  return {
    donations,
    students: 10_000,
    awards: Math.floor(donations / awardEvery),
    seed: 8_000_000,
    tag: 'B',
    receipts: true,
    campaign: { slug: 'bench-million', title: '百万捐赠压测项目', titleEn: 'Bench: a million gifts' },
  }
}

export async function buildTransparencyData(file: string, donations: number, awardEvery = 10): Promise<BuiltData> {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  const { db } = createDatabase(`sqlite:${file}`)
  await prepareDatabase(db, new Date('2025-01-01T00:00:00Z'))
  await db.destroy()
  const built = await bulkGenerate(`sqlite:${file}`, transparencyShape(donations, awardEvery))
  return {
    donations: built.donations,
    awards: built.awards,
    head: built.head,
    fund: built.fund,
    trackingCodes: built.trackingCodes,
  }
}
