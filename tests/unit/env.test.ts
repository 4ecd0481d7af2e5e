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
    expect(() => parseEnv({ DATABASE_URL: 'ftp://x' })).toThrowError(/^Invalid environment variable DATABASE_URL="ftp:\/\/x": expected postgres:\/\//)
    expect(() => parseEnv({ PORT: 'abc' })).toThrowError(/PORT/)
    expect(() => parseEnv({ STRIPE_SECRET_KEY: 'nope' })).toThrowError(/STRIPE_SECRET_KEY/)
  })

  it('requires a session secret and base URL in production', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrowError(/SESSION_SECRET[\s\S]*BASE_URL|BASE_URL[\s\S]*SESSION_SECRET/)
  })

  it('recognises PostgreSQL URLs', () => {
    expect(describeDatabase('postgres://u@127.0.0.1:5432/db')).toEqual({ dialect: 'postgres', url: 'postgres://u@127.0.0.1:5432/db' })
  })
})
