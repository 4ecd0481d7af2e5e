// Vitest globalSetup for the postgres project: a throwaway PostgreSQL cluster on
// 127.0.0.1 and a free port, started here and stopped after the run.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { unavailable } from './requirements'

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string
    pgSkip: string
  }
}

export function findPostgresBin(): string | undefined {
  if (process.env.PG_BIN && fs.existsSync(path.join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN
  const base = '/usr/lib/postgresql'
  if (!fs.existsSync(base)) return undefined
  const versions = fs.readdirSync(base).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const bin = path.join(base, v, 'bin')
    if (fs.existsSync(path.join(bin, 'initdb'))) return bin
  }
  return undefined
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })
}

/** Start a cluster; returns its URL and a stop function. Runs as postgres when we are root. */
export async function startCluster(): Promise<{ url: string; stop: () => void }> {
  const bin = findPostgresBin()
  if (!bin) throw new Error('PostgreSQL binaries not found')
  const asRoot = process.getuid?.() === 0
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-pg-'))
  fs.chmodSync(dir, 0o777)
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(path.join(bin, cmd), args, { stdio: 'pipe' })
  const data = path.join(dir, 'data')
  const port = await freePort()
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-w',
    '-t',
    '60',
    'start',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400`,
  ])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

export default async function setup(project: TestProject) {
  if (!findPostgresBin()) {
    project.provide(
      'pgSkip',
      unavailable(
        'PostgreSQL suite',
        'no PostgreSQL binaries (initdb, pg_ctl) found',
        'Install postgresql (Debian: apt-get install postgresql) or set PG_BIN',
      ),
    )
    project.provide('pgUrl', '')
    return
  }
  const cluster = await startCluster()
  project.provide('pgUrl', cluster.url)
  project.provide('pgSkip', '')
  return () => cluster.stop()
}
