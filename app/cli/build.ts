// The production build: the Remix app (build/index.js) and the server in front of it
// (build/server.js, app/cli/server.ts bundled into plain JavaScript, so that the serving
// process loads no TypeScript loader: ~50 MB less resident). Made by `npm start` and by
// the tests and benches that spawn the real server, each skipping it when nothing it
// bundles has changed.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildSync } from 'esbuild'

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

const OUTPUT = 'build/index.js'
export const SERVER_OUTPUT = 'build/server.js'
// Written after each production build: `npm run dev` rewrites build/ in development mode
// without it, and that bundle must not be served as the production one.
const STAMP = 'build/.production'

/** True unless build/ holds a production build newer than everything it bundles. */
export function buildIsStale(): boolean {
  if (!fs.existsSync(OUTPUT) || !fs.existsSync(SERVER_OUTPUT) || !fs.existsSync(STAMP)) return true
  const stamped = fs.statSync(STAMP).mtimeMs
  if (fs.statSync(OUTPUT).mtimeMs > stamped) return true // rebuilt since, by `remix dev`
  const sources = Math.max(
    newestMtime('app'),
    newestMtime('emails'),
    ...['package.json', 'remix.config.js', 'tsconfig.json'].map((f) => fs.statSync(f).mtimeMs),
  )
  return stamped <= sources
}

/**
 * Run `remix build` with NODE_ENV=production. `inherit` shows its output as it goes;
 * `capture` keeps it quiet and puts it in the error when the build fails.
 */
export function buildApp(output: 'inherit' | 'capture'): void {
  fs.rmSync(STAMP, { force: true })
  const result = spawnSync(process.execPath, [path.resolve('node_modules/@remix-run/dev/dist/cli.js'), 'build'], {
    stdio: output === 'inherit' ? 'inherit' : 'pipe',
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (result.status !== 0) {
    throw new Error(
      output === 'inherit'
        ? 'remix build failed: see the messages above'
        : `remix build failed:\n${result.stdout}\n${result.stderr}`,
    )
  }
  buildServer()
  fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`)
}

/** app/cli/server.ts and the app modules it imports, as one ES module; packages stay imports. */
function buildServer(): void {
  const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8')) as Record<string, Record<string, string>>
  buildSync({
    entryPoints: ['app/cli/server.ts'],
    outfile: SERVER_OUTPUT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // The packages stay imports of node_modules (a name also covers its subpaths); the
    // app's own modules, `~/` included, are bundled.
    external: Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }),
  })
}

/** Build unless the existing build is newer than every source it bundles. */
export function ensureBuild(output: 'inherit' | 'capture'): void {
  if (buildIsStale()) buildApp(output)
}

// npm run build
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    buildApp('inherit')
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}
