// The process harness for the chaos suite and the cluster benches: app processes of the
// production build (the same entry `npm start` serves with), a loopback round-robin
// balancer in front of them, and the means to kill -9 and restart them. Everything
// binds 127.0.0.1; every wait has a deadline.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { ensureBuild } from '../../../app/cli/build'
import { createDatabase } from '../../../app/utils/db.server'
import { prepareDatabase } from '../../bench/generator/setup'
import { closedLoop, vmHwmMb } from '../../bench/lib'
import { freePort } from '../../support/postgres-cluster'

export const CHAOS_SESSION_SECRET = 'chaos-session-secret-chaos-session-secret-01'
const START_DEADLINE_MS = 90_000

/** Migrate and seed the demo into one database from the test process, before any app starts. */
export async function prepareAppDatabase(databaseUrl: string): Promise<void> {
  const { db } = createDatabase(databaseUrl, { poolSize: 2 })
  try {
    await prepareDatabase(db)
  } finally {
    await db.destroy()
  }
}

export type AppProcess = {
  name: string
  url: string
  readonly pid: number | undefined
  readonly alive: boolean
  /** kill -9 by default; resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** Start it again on the same port, database and environment. */
  restart(): Promise<void>
  /** Peak resident memory of the current OS process in MB (VmHWM), while it runs. */
  peakRssMb(): number | undefined
  /** The last ~20 kB of its stdout and stderr, for failure messages. */
  output(): string
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * One app process of the production build (node --import tsx app/cli/server.ts) on a free
 * loopback port. The database must already be prepared (prepareAppDatabase). Resolves when
 * it answers GET /.
 */
export async function startApp(options: {
  databaseUrl: string
  name?: string
  env?: Record<string, string | undefined>
  baseUrl?: string
  /** The entry to run instead of app/cli/server.ts (the cluster bench adds a bare route). */
  script?: string
}): Promise<AppProcess> {
  ensureBuild('capture')
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-chaos-uploads-'))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    BASE_URL: options.baseUrl ?? url,
    DATABASE_URL: options.databaseUrl,
    SESSION_SECRET: CHAOS_SESSION_SECRET,
    SEED_DEMO: 'never',
    UPLOAD_DIR: uploads,
    SMTP_URL: '',
    STRIPE_SECRET_KEY: '',
    STRIPE_WEBHOOK_SECRET: '',
    ...options.env,
  }
  let child: ChildProcess | undefined
  let log = ''
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000)
  }

  /** Resolves once it answers GET / below 500; on any failure it is killed and its uploads dir removed. */
  const launch = async () => {
    log = ''
    fs.mkdirSync(uploads, { recursive: true }) // a failed start before removed it
    let c: ChildProcess | undefined
    try {
      c = spawn(process.execPath, ['--import', 'tsx', options.script ?? 'app/cli/server.ts'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      child = c
      c.stdout!.on('data', keep)
      c.stderr!.on('data', keep)
      await serving(c)
    } catch (error) {
      if (c) {
        c.kill('SIGKILL')
        await Promise.race([exited(c), new Promise((r) => setTimeout(r, 5_000))])
      }
      fs.rmSync(uploads, { recursive: true, force: true })
      throw error
    }
  }
  const serving = async (c: ChildProcess) => {
    const deadline = Date.now() + START_DEADLINE_MS
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`app ${name} exited during start-up:\n${log}`)
      try {
        const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) })
        await res.arrayBuffer()
        if (res.status < 500) return
        throw new Error(`app ${name}: GET / answered ${res.status}:\n${log}`)
      } catch (error) {
        if ((error as Error).message.startsWith(`app ${name}`)) throw error
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error(`app ${name} did not serve within ${START_DEADLINE_MS / 1000} s:\n${log}`)
  }

  const name = options.name ?? `app@${port}`
  await launch()
  return {
    name,
    url,
    get pid() {
      return child?.pid
    },
    get alive() {
      return !!child && child.exitCode === null && child.signalCode === null
    },
    async kill(signal = 'SIGKILL') {
      if (!child) return
      child.kill(signal)
      await exited(child)
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited(child)
      }
      await launch()
    },
    peakRssMb: () => vmHwmMb(child?.pid),
    output: () => log,
    async stop() {
      const c = child
      if (c && c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM')
        const timer = setTimeout(() => c.kill('SIGKILL'), 5_000)
        await exited(c)
        clearTimeout(timer)
      }
      // Also when it was killed or crashed before: the directory outlives the process.
      fs.rmSync(uploads, { recursive: true, force: true })
    },
  }
}

export type Balancer = {
  url: string
  stats: { forwarded: number; failed: number; retriedRefused: number }
  setBackends(apps: AppProcess[]): void
  close(): Promise<void>
}

/**
 * A loopback round-robin proxy in front of the apps, standing in for a load balancer.
 * A refused connection (nothing was sent) moves on to the next backend, as nginx's
 * proxy_next_upstream does; a backend that dies mid-request gets the client a 502, and
 * the client (our Stripe stand-in) must deliver again — a POST is never retried here.
 */
export async function startBalancer(backends: AppProcess[] = []): Promise<Balancer> {
  let targets = backends
  let next = 0
  const stats = { forwarded: 0, failed: 0, retriedRefused: 0 }
  // An idle upstream socket must close on our side before the app's keep-alive timeout
  // (Node's 5 s) closes it on theirs: otherwise a request written onto a socket the app is
  // just closing fails with ECONNRESET and the client gets a 502 from a healthy backend.
  // (Node's agent ignores the server's Keep-Alive hint unless `timeout` is set.)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 })

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      // Each request starts at the next backend in turn and, when refused, tries the
      // ones after it — never the same dead one twice.
      const first = next++
      const attempt = (tries: number) => {
        if (!targets.length || tries >= targets.length) {
          stats.failed++
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('no backend answered')
          return
        }
        const target = new URL(targets[(first + tries) % targets.length]!.url)
        const upstream = http.request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, 'content-length': String(body.length) },
            agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(res)
            answer.on('error', () => res.destroy())
            answer.on('aborted', () => res.destroy())
            res.on('finish', () => stats.forwarded++)
          },
        )
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED') {
            stats.retriedRefused++
            attempt(tries + 1)
            return
          }
          stats.failed++
          if (!res.headersSent)
            res.writeHead(502, { 'content-type': 'text/plain' }).end(`backend failed: ${error.code ?? error.message}`)
          else res.destroy()
        })
        upstream.setTimeout(60_000, () => upstream.destroy(new Error('backend timeout')))
        upstream.end(body)
      }
      attempt(0)
    })
  })
  server.keepAliveTimeout = 5_000
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setBackends(apps) {
      targets = apps
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Send items with at most `concurrency` in flight; statuses in item order (0 for a network error). */
export async function deliver<T>(
  items: T[],
  concurrency: number,
  send: (item: T) => Promise<number>,
): Promise<number[]> {
  return (await closedLoop(items, concurrency, send, () => 0)).results
}
