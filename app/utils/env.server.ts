import path from 'node:path'
import { z } from 'zod'

// The process environment, parsed once. A bad value stops startup with one
// line naming the variable; nothing else in the app reads process.env.

const databaseUrl = z
  .string()
  .trim()
  .refine(
    (v) => /^postgres(ql)?:\/\//.test(v) || /^(sqlite|file):/.test(v),
    'expected postgres://… or sqlite:<path> (default sqlite:data/hope-ledger.db)',
  )

const currencyList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Z]{3}$/, 'expected ISO 4217 codes such as CNY,HKD,USD')).min(1))

const intInRange = (min: number, max: number) =>
  z.coerce
    .number({ invalid_type_error: `expected a whole number from ${min} to ${max}` })
    .int(`expected a whole number from ${min} to ${max}`)
    .min(min, `expected a whole number from ${min} to ${max}`)
    .max(max, `expected a whole number from ${min} to ${max}`)

const WECHATPAY_REQUIRED = [
  'WECHATPAY_APPID',
  'WECHATPAY_API_V3_KEY',
  'WECHATPAY_MERCHANT_SERIAL',
  'WECHATPAY_MERCHANT_PRIVATE_KEY_PATH',
  'WECHATPAY_PLATFORM_SERIAL',
  'WECHATPAY_PLATFORM_PUBLIC_KEY_PATH',
] as const

export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    DATABASE_URL: databaseUrl.default('sqlite:data/hope-ledger.db'),
    DATABASE_POOL_SIZE: intInRange(1, 200).default(10),
    // Group commit of webhook fulfilments (app/modules/ledger/group-commit.server.ts).
    FULFIL_BATCH_MAX: intInRange(1, 1000).default(64),
    FULFIL_BATCH_WAIT_MS: intInRange(0, 1000).default(4),
    PORT: intInRange(1, 65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    BASE_URL: z.string().url('expected an absolute URL such as https://hope.example.org').optional(),
    SESSION_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
    DEFAULT_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as CNY')
      .default('CNY'),
    CURRENCIES: currencyList.default('CNY,HKD,USD'),
    DONATION_MIN: intInRange(1, 1_000_000_00).default(100),
    DONATION_MAX: intInRange(1, 1_000_000_000_00).default(1_000_000_00),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_/, 'expected a Stripe secret key (sk_test_… or sk_live_…)')
      .optional(),
    STRIPE_PUBLISHABLE_KEY: z
      .string()
      .regex(/^pk_(test|live)_/, 'expected pk_test_… or pk_live_…')
      .optional(),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_/, 'expected whsec_…')
      .optional(),
    // For tests and Stripe-compatible mocks such as stripe-mock; unset means api.stripe.com.
    // The secret key is sent there and its answers are booked, hence the rules below.
    STRIPE_API_URL: z
      .string()
      .regex(/^https?:\/\/[^/]+\/?$/, 'expected http(s)://host:port such as http://127.0.0.1:12111')
      .optional(),
    // Alipay direct (支付宝): app id, our RSA2 application private key and Alipay's public key
    // (PEM files), the seller (商户 PID) notifications must name, and the fee rate booked
    // (Alipay's notification reports none). Unset app id: a demo Alipay, never in production.
    ALIPAY_APP_ID: z
      .string()
      .regex(/^\d{16}$/, 'expected the 16-digit Alipay app id')
      .optional(),
    ALIPAY_APP_PRIVATE_KEY_PATH: z.string().optional(),
    ALIPAY_PUBLIC_KEY_PATH: z.string().optional(),
    ALIPAY_SELLER_ID: z
      .string()
      .regex(/^2088\d{12}$/, 'expected the 16-digit seller id (PID) starting 2088')
      .optional(),
    // For tests and local fakes only, like STRIPE_API_URL; unset means openapi.alipay.com.
    ALIPAY_GATEWAY: z
      .string()
      .regex(/^https?:\/\/[^/]+\/[^?#]*$/, 'expected http(s)://host:port/path such as http://127.0.0.1:9090/gateway.do')
      .optional(),
    ALIPAY_FEE_RATE_BPS: intInRange(0, 10_000).default(60),
    // WeChat Pay API v3 direct (微信支付): merchant id, app id, APIv3 key, our merchant
    // certificate's serial and private key (PEM file), the platform certificate or WeChat
    // Pay public key (PEM file) and its serial or PUB_KEY_ID_…, the fee rate booked (the
    // notification reports none). Unset merchant id: a demo WeChat Pay, never in production.
    WECHATPAY_MCHID: z
      .string()
      .regex(/^\d{8,12}$/, 'expected the numeric merchant id (商户号)')
      .optional(),
    WECHATPAY_APPID: z
      .string()
      .regex(/^wx[0-9a-f]{16}$/, 'expected an app id such as wx1234567890abcdef')
      .optional(),
    WECHATPAY_API_V3_KEY: z.string().length(32, 'expected the 32-character APIv3 key').optional(),
    WECHATPAY_MERCHANT_SERIAL: z
      .string()
      .regex(/^[0-9A-Fa-f]{8,64}$/, 'expected the hexadecimal serial of the merchant API certificate')
      .optional(),
    WECHATPAY_MERCHANT_PRIVATE_KEY_PATH: z.string().optional(),
    WECHATPAY_PLATFORM_SERIAL: z
      .string()
      .regex(/^[0-9A-Za-z_]{8,64}$/)
      .optional(),
    WECHATPAY_PLATFORM_PUBLIC_KEY_PATH: z.string().optional(),
    WECHATPAY_NOTIFY_URL: z.string().url().optional(),
    WECHATPAY_FEE_RATE_BPS: intInRange(0, 10_000).default(60),
    // 公众号 AppSecret: with it, WeChat's own browser gets the donor's openid by OAuth
    // (snsapi_base, silent) and pays by JSAPI; without it, the Native QR code.
    WECHATPAY_APP_SECRET: z
      .string()
      .regex(/^[0-9A-Za-z]{32}$/, 'expected the 32-character AppSecret of the 公众号')
      .optional(),
    // For tests and local fakes only: where the OAuth page and the code exchange live
    // (unset: open.weixin.qq.com and api.weixin.qq.com).
    WECHAT_OAUTH_URL: z
      .string()
      .regex(/^https?:\/\/[^/]+\/?$/, 'expected http(s)://host:port')
      .optional(),
    WECHAT_API_URL: z
      .string()
      .regex(/^https?:\/\/[^/]+\/?$/, 'expected http(s)://host:port')
      .optional(),
    // For tests and local fakes only; unset means api.mch.weixin.qq.com.
    WECHATPAY_API_URL: z
      .string()
      .regex(/^https?:\/\/[^/]+\/?$/, 'expected http(s)://host:port such as http://127.0.0.1:9091')
      .optional(),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'expected smtp://user:pass@host:port or smtps://…')
      .optional(),
    MAIL_FROM: z.string().default('希望账本 Hope Ledger <no-reply@hope-ledger.local>'),
    UPLOAD_DIR: z.string().default('data/uploads'),
    // Award batches whose total (minor units) exceeds this need a second approver.
    SECOND_APPROVAL_ABOVE: intInRange(0, Number.MAX_SAFE_INTEGER).default(5_000_000),
    // A staff refund above this (minor units of the gift's currency) is prepared by one person and approved by another.
    REFUND_SECOND_APPROVAL_ABOVE: intInRange(0, Number.MAX_SAFE_INTEGER).default(100_000),
    SEED_DEMO: z.enum(['auto', 'never']).default('auto'),
    // Who may tell us the client's address (X-Forwarded-For): a hop count such as 1, or
    // addresses/subnets such as loopback,10.0.0.0/8. Unset: the socket's own address, so a
    // client cannot choose its own address for the sign-in limits.
    TRUST_PROXY: z
      .string()
      .trim()
      .regex(
        /^(\d{1,2}|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/,
        'expected a hop count such as 1, or addresses such as loopback,10.0.0.0/8',
      )
      .transform((v): number | string => (/^\d+$/.test(v) ? Number(v) : v))
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.SESSION_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'required when NODE_ENV=production' })
    }
    if (env.NODE_ENV === 'production' && !env.BASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['BASE_URL'], message: 'required when NODE_ENV=production' })
    }
    if (env.STRIPE_API_URL && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_API_URL'],
        message: 'is for tests and mocks only: unset it when NODE_ENV=production',
      })
    }
    if (env.STRIPE_API_URL && /^(sk|rk)_live_/.test(env.STRIPE_SECRET_KEY ?? '')) {
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_API_URL'],
        message: 'must not be set with a live key (sk_live_…): the key would be sent there',
      })
    }
    if (env.ALIPAY_GATEWAY && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['ALIPAY_GATEWAY'],
        message: 'is for tests and fakes only: unset it when NODE_ENV=production',
      })
    }
    if (env.ALIPAY_APP_ID) {
      for (const name of ['ALIPAY_APP_PRIVATE_KEY_PATH', 'ALIPAY_PUBLIC_KEY_PATH', 'ALIPAY_SELLER_ID'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required with ALIPAY_APP_ID' })
      }
    }
    for (const name of ['WECHAT_OAUTH_URL', 'WECHAT_API_URL'] as const)
      if (env[name] && env.NODE_ENV === 'production')
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is for tests and fakes only: unset it when NODE_ENV=production',
        })
    if (env.WECHATPAY_API_URL && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['WECHATPAY_API_URL'],
        message: 'is for tests and fakes only: unset it when NODE_ENV=production',
      })
    }
    if (env.WECHATPAY_MCHID) {
      for (const name of WECHATPAY_REQUIRED)
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required with WECHATPAY_MCHID' })
    }
    if (env.DONATION_MIN > env.DONATION_MAX) {
      ctx.addIssue({ code: 'custom', path: ['DONATION_MIN'], message: 'must not exceed DONATION_MAX' })
    }
    if (!env.CURRENCIES.includes(env.DEFAULT_CURRENCY)) {
      ctx.addIssue({ code: 'custom', path: ['DEFAULT_CURRENCY'], message: 'must be one of CURRENCIES' })
    }
  })

export type Env = z.infer<typeof EnvSchema> & { BASE_URL: string; SESSION_SECRET: string }

export class EnvError extends Error {}

/** Parse an environment; throws EnvError with one line per bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''))
  const result = EnvSchema.safeParse(cleaned)
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'environment')
      return `Invalid environment variable ${name}=${JSON.stringify(source[name] ?? '')}: ${i.message}`
    })
    throw new EnvError(lines.join('\n'))
  }
  const env = result.data
  return {
    ...env,
    BASE_URL: (env.BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
    // Development only: production requires a real secret (checked above).
    SESSION_SECRET: env.SESSION_SECRET ?? 'development-only-session-secret-not-for-production',
  }
}

let cached: Env | undefined

/** The app's environment. Outside tests, a bad value exits with one clear line. */
export function getEnv(): Env {
  if (cached) return cached
  try {
    cached = parseEnv(process.env)
  } catch (error) {
    if (error instanceof EnvError && process.env.NODE_ENV !== 'test' && !process.env.VITEST) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
  return cached
}

/** Resolve a DATABASE_URL to what the driver needs. */
export function describeDatabase(
  url: string,
): { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string } {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', url }
  const file = url.replace(/^(sqlite|file):(\/\/)?/, '')
  return { dialect: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) }
}

/** Values safe to send to the browser: nothing secret goes here. */
export function getPublicEnv() {
  const env = getEnv()
  return {
    BASE_URL: env.BASE_URL,
    DEFAULT_CURRENCY: env.DEFAULT_CURRENCY,
    CURRENCIES: env.CURRENCIES,
    DEMO_PAYMENTS: !env.STRIPE_SECRET_KEY,
  }
}
