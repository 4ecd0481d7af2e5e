import { hashPassword } from '~/modules/auth/password.server'
import type { DB } from '~/utils/db.server'

// A staff account of a browser test's own: the staff suite enrols TOTP for the demo admin on
// the shared e2e server, so a later file cannot sign in as that admin with a password alone.
export async function createStaffAccount(
  db: DB,
  account: {
    email: string
    password: string
    displayName: string
    role: 'admin' | 'finance' | 'caseworker' | 'auditor'
    stationCode: string
  },
): Promise<void> {
  const at = new Date().toISOString()
  const station = await db
    .selectFrom('stations')
    .select('id')
    .where('code', '=', account.stationCode)
    .executeTakeFirstOrThrow()
  const user = await db
    .insertInto('users')
    .values({
      email: account.email,
      display_name: account.displayName,
      password_hash: await hashPassword(account.password),
      created_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('role_grants')
    .values({ user_id: user.id, role: account.role, station_id: station.id, created_at: at })
    .execute()
}
