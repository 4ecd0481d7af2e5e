// The first half of `npm start` (app/cli/start.mjs), in a process of its own: check the
// environment, build when sources changed, migrate, seed an empty database with the demo.
// Each step stops with one clear line.
import { prepareDatabase } from '../../db/prepare'
import { getEnv } from '../utils/env.server'
import { buildApp, buildIsStale } from './build'

getEnv() // exits with a clear line on a bad variable, before anything is created
if (buildIsStale()) {
  console.log('building the app (no production build yet, or the sources changed since)…')
  try {
    buildApp('inherit')
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}
try {
  await prepareDatabase()
} catch (error) {
  console.error(`database: ${(error as Error).message}`)
  process.exit(1)
}
