// The real Remix build served in this process on 127.0.0.1 (production mode), plus a trivial
// page for a same-run baseline (/__bench/trivial: root layout, one-line loader), server-side
// time per request, a bounded-concurrency GET load, and this process's resident memory
// while it serves. Shared by the transparency benches (SQLite and PostgreSQL).
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import express from 'express'
import { ensureBuild } from '../../app/cli/build'
import { setDb, type DB } from '../../app/utils/db.server'
import { closedLoop, percentile, rethrow, vmHwmMb } from './lib'

export type Load = { perSecond: number; p50: number; p95: number; serverP95: number; failures: number }
export type PageServer = {
  base: string
  /** GET each path; `headers` (such as a staff session's Cookie) go with every request. */
  load(paths: string[], concurrency: number, headers?: Record<string, string>): Promise<Load>
  /** Peak RSS sampled while serving, and the process's VmHWM (which also carries anything done before). */
  memory(): { serverPeakRssMb: number; processVmHwmMb: number | undefined }
  close(): Promise<void>
}

/** The environment a page bench serves in (production React and Remix, as served), with the build made. */
export function productionPages() {
  Object.assign(process.env, {
    NODE_ENV: 'production',
    SESSION_SECRET: 'bench-session-secret-bench-session-secret-0',
    BASE_URL: 'http://127.0.0.1:3999',
  })
  ensureBuild('inherit')
}

export async function startPageServer(db: DB): Promise<PageServer> {
  // React picks its build when first loaded: loaded here, after the bench set NODE_ENV, so
  // the pages and the trivial one render with production React, as `npm start` in production.
  if (process.env.NODE_ENV !== 'production') throw new Error('page benches run with NODE_ENV=production')
  const { createElement } = await import('react')
  setDb(db) // the build's getDb() reads the same process-wide instance
  const real = (await import(pathToFileURL(path.resolve('build/index.js')).href)) as ServerBuild
  const template = real.assets.routes['routes/transparency']!
  const build: ServerBuild = {
    ...real,
    assets: {
      ...real.assets,
      routes: {
        ...real.assets.routes,
        'routes/__bench_trivial': { ...template, id: 'routes/__bench_trivial', path: '__bench/trivial' },
      },
    },
    routes: {
      ...real.routes,
      'routes/__bench_trivial': {
        id: 'routes/__bench_trivial',
        parentId: 'root',
        path: '__bench/trivial',
        index: undefined,
        caseSensitive: undefined,
        module: { loader: async () => ({ ok: 1 }), default: () => createElement('p', null, 'ok') } as any,
      },
    },
  }
  const serverTimes: number[] = []
  const app = express()
  app.use((_req, res, next) => {
    const t0 = process.hrtime.bigint()
    res.on('finish', () => serverTimes.push(Number(process.hrtime.bigint() - t0) / 1e6))
    next()
  })
  app.all('*', createRequestHandler({ build, mode: 'production' }))
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  // Longer than any pause between passes (the trace bench's direct lookups): a keep-alive
  // socket the server closes as the client reuses it is an ECONNRESET, not a page.
  server.keepAliveTimeout = 120_000
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  // Sampled, because VmHWM would also carry a data build done earlier in this process.
  let peakRss = 0
  const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss))
  const sampler = setInterval(sampleRss, 20)
  sampler.unref()

  return {
    base,
    async load(paths, concurrency, headers) {
      serverTimes.length = 0
      const { results, latencies, seconds } = await closedLoop(
        paths,
        concurrency,
        async (p) => {
          const res = await fetch(base + p, headers ? { headers } : undefined)
          await res.arrayBuffer()
          return res.status
        },
        rethrow,
      )
      const failures = results.filter((status) => status !== 200).length
      return {
        perSecond: paths.length / seconds,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        serverP95: percentile(serverTimes, 95),
        failures,
      }
    },
    memory: () => ({ serverPeakRssMb: Math.round((sampleRss(), peakRss) / 2 ** 20), processVmHwmMb: vmHwmMb() }),
    close: async () => {
      clearInterval(sampler)
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
