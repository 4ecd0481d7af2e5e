// The production Remix build (build/index.js): made by `npm start` and by the tests and
// benches that spawn the real server, each skipping it when nothing it bundles has changed.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

/** True when build/index.js is missing or older than app/, package.json or remix.config.js. */
export function buildIsStale(): boolean {
  const output = path.resolve('build/index.js')
  if (!fs.existsSync(output)) return true
  const sources = Math.max(newestMtime('app'), fs.statSync('package.json').mtimeMs, fs.statSync('remix.config.js').mtimeMs)
  return fs.statSync(output).mtimeMs <= sources
}

/**
 * Run `remix build` with NODE_ENV=production. `inherit` shows its output as it goes;
 * `capture` keeps it quiet and puts it in the error when the build fails.
 */
export function buildApp(output: 'inherit' | 'capture'): void {
  const result = spawnSync(process.execPath, [path.resolve('node_modules/@remix-run/dev/dist/cli.js'), 'build'], {
    stdio: output === 'inherit' ? 'inherit' : 'pipe',
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (result.status !== 0) {
    throw new Error(output === 'inherit' ? 'remix build failed: see the messages above' : `remix build failed:\n${result.stdout}\n${result.stderr}`)
  }
}

/** Build unless the existing build is newer than every source it bundles. */
export function ensureBuild(output: 'inherit' | 'capture'): void {
  if (buildIsStale()) buildApp(output)
}
