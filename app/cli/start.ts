// npm start: check the environment, build when sources changed, migrate, seed an
// empty database with the demo, then serve. Each step stops with one clear line.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { prepareDatabase } from '../../db/prepare'
import { getEnv } from '../utils/env.server'
import { serve } from './server'

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

function buildIfNeeded() {
  const output = path.resolve('build/index.js')
  const built = fs.existsSync(output) ? fs.statSync(output).mtimeMs : 0
  const sources = Math.max(newestMtime('app'), fs.statSync('package.json').mtimeMs, fs.statSync('remix.config.js').mtimeMs)
  if (built > sources) return
  console.log('building the app (sources changed since the last build)…')
  const result = spawnSync(process.execPath, [path.resolve('node_modules/@remix-run/dev/dist/cli.js'), 'build'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (result.status !== 0) {
    console.error('build failed: see the messages above')
    process.exit(1)
  }
}

getEnv() // exits with a clear line on a bad variable, before anything is created
buildIfNeeded()
try {
  await prepareDatabase()
} catch (error) {
  console.error(`database: ${(error as Error).message}`)
  process.exit(1)
}
await serve()
