// Vitest globalSetup for e2e: build the app, start it with `npm start`'s own entry
// on a fresh SQLite file and a free loopback port, and stop it after the run.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { buildApp } from '../../app/cli/build'
import { freePort } from './postgres-cluster'
import { unavailable } from './requirements'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    chromiumPath: string
    e2eSkip: string
    e2eDatabaseUrl: string
  }
}

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

export default async function setup(project: TestProject) {
  const chromium = process.env.CHROMIUM_PATH ?? CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p))
  if (!chromium) {
    project.provide(
      'e2eSkip',
      unavailable(
        'Chromium suite',
        'no Chromium found',
        'Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH',
      ),
    )
    for (const k of ['baseUrl', 'chromiumPath', 'e2eDatabaseUrl'] as const) project.provide(k, '')
    return
  }
  buildApp('capture') // always afresh: the suite must test the sources as they are

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-e2e-'))
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const databaseUrl = `sqlite:${path.join(dir, 'e2e.db')}`
  const server = spawn(process.execPath, ['app/cli/start.mjs'], {
    env: {
      ...process.env,
      // 'test': production build and headers, but demo checkout and demo seed allowed.
      NODE_ENV: 'test',
      SESSION_SECRET: 'e2e-session-secret-e2e-session-secret-0123',
      SEED_DEMO: 'auto',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: baseUrl,
      UPLOAD_DIR: path.join(dir, 'uploads'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  server.stdout.on('data', (d) => (output += d))
  server.stderr.on('data', (d) => (output += d))
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      clearInterval(poll)
      clearTimeout(timer)
      server.kill('SIGKILL')
      reject(new Error(`${why}:\n${output.slice(0, 4000)}`))
    }
    const timer = setTimeout(() => fail('server did not start in 120 s'), 120_000)
    server.on('exit', (code) => fail(`server exited with ${code}`))
    const poll = setInterval(async () => {
      try {
        const res = await fetch(baseUrl + '/')
        if (res.status >= 500) fail(`GET / answered ${res.status}`)
        else if (res.ok) {
          clearInterval(poll)
          clearTimeout(timer)
          resolve()
        }
      } catch {
        /* not yet listening */
      }
    }, 300)
  })
  project.provide('baseUrl', baseUrl)
  project.provide('chromiumPath', chromium)
  project.provide('e2eSkip', '')
  project.provide('e2eDatabaseUrl', databaseUrl)
  return async () => {
    server.removeAllListeners('exit')
    server.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
