import { describe, expect, it } from 'vitest'
import { describeDatabase, EnvError, parseEnv } from '~/utils/env.server'

describe('environment', () => {
  it('defaults to a SQLite file under data/', () => {
    const env = parseEnv({})
    expect(env.DATABASE_URL).toBe('sqlite:data/hope-ledger.db')
    expect(describeDatabase(env.DATABASE_URL)).toMatchObject({ dialect: 'sqlite' })
    expect(env.BASE_URL).toBe('http://localhost:3000')
    expect(env.DEFAULT_CURRENCY).toBe('CNY')
  })

  it('names the variable and what is expected in one line per problem', () => {
    expect(() => parseEnv({ DATABASE_URL: 'ftp://x' })).toThrowError(EnvError)
    expect(() => parseEnv({ DATABASE_URL: 'ftp://x' })).toThrowError(
      /^Invalid environment variable DATABASE_URL="ftp:\/\/x": expected postgres:\/\//,
    )
    expect(() => parseEnv({ PORT: 'abc' })).toThrowError(/PORT/)
    expect(() => parseEnv({ STRIPE_SECRET_KEY: 'nope' })).toThrowError(/STRIPE_SECRET_KEY/)
  })

  it('requires a session secret and base URL in production', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrowError(
      /SESSION_SECRET[\s\S]*BASE_URL|BASE_URL[\s\S]*SESSION_SECRET/,
    )
  })

  it('keeps STRIPE_API_URL (a mock) away from production and live keys', () => {
    expect(parseEnv({ STRIPE_API_URL: 'http://127.0.0.1:12111', STRIPE_SECRET_KEY: 'sk_test_x' }).STRIPE_API_URL).toBe(
      'http://127.0.0.1:12111',
    )
    expect(() => parseEnv({ STRIPE_API_URL: 'ftp://127.0.0.1:12111' })).toThrowError(
      /STRIPE_API_URL.*http\(s\):\/\/host:port/,
    )
    expect(() => parseEnv({ STRIPE_API_URL: 'https://mock.example/v1/path' })).toThrowError(/STRIPE_API_URL/)
    expect(() => parseEnv({ STRIPE_API_URL: 'http://127.0.0.1:12111', STRIPE_SECRET_KEY: 'sk_live_x' })).toThrowError(
      /STRIPE_API_URL.*live key/,
    )
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), BASE_URL: 'https://hope.example.org' }
    expect(parseEnv(production).STRIPE_API_URL).toBeUndefined()
    expect(() => parseEnv({ ...production, STRIPE_API_URL: 'https://stripe-mock.example:12111' })).toThrowError(
      /STRIPE_API_URL.*tests and mocks only/,
    )
  })

  it('recognises PostgreSQL URLs', () => {
    expect(describeDatabase('postgres://u@127.0.0.1:5432/db')).toEqual({
      dialect: 'postgres',
      url: 'postgres://u@127.0.0.1:5432/db',
    })
  })
})
