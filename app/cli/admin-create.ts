// npm run admin:create -- --email <email> [--name <name>] [--station <root station name>] [--another]
// Creates an admin (the first one of a production database) and prints a one-time link,
// valid 24 hours, on which that person sets their password. No secret goes on the command line.
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { migrateToLatest } from '../../db/migrator'
import { createAdmin } from '../modules/auth/first-admin.server'
import { createDatabase } from '../utils/db.server'
import { getEnv } from '../utils/env.server'
import { formatDateTime, translator } from '../utils/i18n'
import { isRefusal } from '../utils/refusal'

const USAGE =
  'usage: npm run admin:create -- --email <email> [--name <name>] [--station <root station name>] [--another]'

export async function main(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  let values: { email?: string; name?: string; station?: string; another?: boolean; help?: boolean }
  try {
    values = parseArgs({
      args: argv,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        station: { type: 'string' },
        another: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (error) {
    log(`${(error as Error).message}\n${USAGE}`)
    return 2
  }
  if (values.help || !values.email) {
    log(USAGE)
    return values.help ? 0 : 2
  }
  const env = getEnv()
  const { db } = createDatabase(env.DATABASE_URL, { poolSize: 2 })
  const zh = translator('zh-CN')
  const en = translator('en')
  try {
    await migrateToLatest(db)
    const made = await createAdmin(db, {
      email: values.email,
      displayName: values.name,
      stationName: values.station,
      another: values.another,
      baseUrl: env.BASE_URL,
    })
    const params = {
      email: values.email.trim().toLowerCase(),
      station: made.stationName,
      until: `${formatDateTime(made.expiresAt, 'zh-CN')}（北京时间）`,
    }
    log(zh(made.stationCreated ? 'adminCreate.stationCreated' : 'adminCreate.stationFound', params))
    log(en(made.stationCreated ? 'adminCreate.stationCreated' : 'adminCreate.stationFound', params))
    log(zh('adminCreate.done', params))
    log(en('adminCreate.done', { ...params, until: `${formatDateTime(made.expiresAt, 'en')} (China time)` }))
    log('')
    log(made.link)
    return 0
  } catch (error) {
    if (isRefusal(error)) {
      log(`${zh(error.messageKey, error.params)}\n${en(error.messageKey, error.params)}`)
      return 1
    }
    throw error
  } finally {
    await db.destroy()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error((error as Error).message)
      process.exit(2)
    },
  )
}
