import type { Generated } from 'kysely'

// Staff access and audit tables (app/modules/auth, app/modules/audit).

/** One Lucia session; id is the hex SHA-256 of the cookie token, never the token. */
export interface SessionsTable {
  id: string
  user_id: number
  expires_at: string
  absolute_expires_at: string
  two_factor_verified: Generated<number>
  ip: string | null
  user_agent: string | null
  created_at: string
}

/** Fixed-window counters shared by every app process. */
export interface RateLimitsTable {
  key: string
  window_start: string
  count: number
}

export interface LoginThrottlesTable {
  key: string
  failures: number
  last_failure_at: string
  blocked_until: string | null
}

export interface TotpCredentialsTable {
  user_id: number
  secret_encrypted: string
  enabled_at: string | null
  last_used_step: number | null
  created_at: string
}

export interface RecoveryCodesTable {
  id: Generated<number>
  user_id: number
  code_hash: string
  used_at: string | null
  created_at: string
}

export interface StaffInvitesTable {
  id: Generated<number>
  user_id: number
  token_hash: string
  created_by: number | null
  created_at: string
  expires_at: string
  used_at: string | null
}

/** One emailed password-reset link; only the token's SHA-256 is kept. */
export interface PasswordResetsTable {
  id: Generated<number>
  user_id: number
  token_hash: string
  created_by: number | null
  created_at: string
  expires_at: string
  used_at: string | null
  ip: string | null
}

/** Append-only: database triggers refuse UPDATE and DELETE. before/after are JSON text. */
export interface AuditLogTable {
  id: Generated<number>
  at: string
  actor_user_id: number | null
  action: string
  entity_type: string
  entity_id: string | null
  station_id: number | null
  before: string | null
  after: string | null
  ip: string | null
  /** Set once when erasure redacted personal data out of before/after (the only change a row may get). */
  redacted_at: string | null
}

export interface AuthTables {
  sessions: SessionsTable
  rate_limits: RateLimitsTable
  login_throttles: LoginThrottlesTable
  totp_credentials: TotpCredentialsTable
  recovery_codes: RecoveryCodesTable
  staff_invites: StaffInvitesTable
  password_resets: PasswordResetsTable
  audit_log: AuditLogTable
}
