import type { Generated } from 'kysely'

// Donor portal tables (app/modules/auth/donor.server.ts).

/** An emailed sign-in link; token_hash is the hex SHA-256 of the token, never the token. */
export interface PortalSignInTokensTable {
  id: Generated<number>
  token_hash: string
  email: string
  created_at: string
  expires_at: string
  used_at: string | null
  ip: string | null
}

export interface PortalTables {
  portal_sign_in_tokens: PortalSignInTokensTable
}
