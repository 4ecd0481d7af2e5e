import type { AddressInfo } from 'node:net'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { EnvError, parseEnv } from '~/utils/env.server'

// TRUST_PROXY decides whose word the client address (every rate limit's key) is: unset, the
// socket's; behind a configured proxy, X-Forwarded-For as that proxy reports it.
async function clientAddress(trust: number | string | false, forwarded?: string): Promise<string> {
  const app = express()
  app.set('trust proxy', trust)
  app.get('/', (req, res) => {
    res.send(req.ip)
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  try {
    const { port } = server.address() as AddressInfo
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      headers: forwarded ? { 'X-Forwarded-For': forwarded } : {},
    })
    return await res.text()
  } finally {
    server.close()
  }
}

describe('TRUST_PROXY', () => {
  it('parses a hop count or a list of addresses, and refuses anything else', () => {
    expect(parseEnv({}).TRUST_PROXY).toBeUndefined()
    expect(parseEnv({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1)
    expect(parseEnv({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8')
    expect(() => parseEnv({ TRUST_PROXY: 'yes please!' })).toThrowError(EnvError)
    expect(() => parseEnv({ TRUST_PROXY: 'yes please!' })).toThrowError(/TRUST_PROXY/)
  })

  it('unset, a client cannot pick its own address; behind the configured proxy each client is itself', async () => {
    const unset = parseEnv({}).TRUST_PROXY ?? false
    expect(await clientAddress(unset, '198.51.100.7')).toBe('127.0.0.1')
    const proxied = parseEnv({ TRUST_PROXY: 'loopback' }).TRUST_PROXY!
    expect(await clientAddress(proxied, '198.51.100.7')).toBe('198.51.100.7')
    expect(await clientAddress(proxied, '198.51.100.8')).toBe('198.51.100.8')
    // A client that forges a header in front of the proxy's own entry still gets the proxy's word.
    expect(await clientAddress(parseEnv({ TRUST_PROXY: '1' }).TRUST_PROXY!, '6.6.6.6, 198.51.100.9')).toBe(
      '198.51.100.9',
    )
  })
})
