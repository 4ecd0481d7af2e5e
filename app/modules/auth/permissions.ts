// The one place that says which role may do what. Isomorphic (no server imports)
// so that pages can hide what a user may not do; the server decides with the same table.

export const PERMISSIONS = [
  'admin.access', // any staff page at all (dashboard, own account)
  'self.sessions', // list and sign out one's own sessions
  'self.security', // TOTP enrolment and recovery codes
  'students.read', // a student's personal data (every read is audited)
  'students.write',
  'staff.read',
  'staff.manage', // invite, grant and revoke roles, deactivate
  'audit.read',
  'disbursements.prepare',
  'disbursements.approve', // also needs TOTP: see assertCanApprove
  'ledger.read',
  'donations.record', // offline gifts and statement imports
  'donor.portal',
  'disbursements.read', // award batches, programmes, sponsorships and wishes (no personal data)
  'programmes.manage', // create programmes and set their terms, awards and eligibility
  'wishes.manage', // post micro-wishes and mark them fulfilled
  'letters.moderate', // sponsor ↔ student letters, reassigning paused sponsorships
  'donations.read', // donation records with donor details
  'donations.refund', // give a gift back (above REFUND_SECOND_APPROVAL_ABOVE: a second person approves with TOTP)
  'outbox.read', // the mail outbox (messages hold donors' and staff's addresses)
  'outbox.manage', // put a failed message back in the queue
  'campaigns.manage', // create, edit, publish and close campaigns (drafts included)
  'stations.manage', // add, rename and deactivate stations within one's subtree
  'organisation.manage', // the foundation's name, registration, contact and receipt wording (root station only)
  'updates.write', // write progress updates to donors and approve a colleague's (never one's own)
  'finance.close', // prepare a month's close and freeze it by exporting (root station only)
  'donors.privacy', // a donor's PIPL requests: export everything held about them, erase it (admin only)
  'matching.manage', // matching pools (配捐): create and edit their rules, record a sponsor's money
] as const
export type Permission = (typeof PERMISSIONS)[number]

export const ROLES = ['admin', 'finance', 'caseworker', 'auditor', 'donor'] as const
export type KnownRole = (typeof ROLES)[number]
export const STAFF_ROLES = ['admin', 'finance', 'caseworker', 'auditor'] as const satisfies readonly KnownRole[]

const SELF: Permission[] = ['admin.access', 'self.sessions', 'self.security']

export const ROLE_PERMISSIONS: Readonly<Record<KnownRole, readonly Permission[]>> = {
  admin: [
    ...SELF,
    'students.read',
    'students.write',
    'staff.read',
    'staff.manage',
    'audit.read',
    'disbursements.prepare',
    'disbursements.approve',
    'ledger.read',
    'donations.record',
    'disbursements.read',
    'programmes.manage',
    'wishes.manage',
    'letters.moderate',
    'donations.read',
    'donations.refund',
    'outbox.read',
    'outbox.manage',
    'campaigns.manage',
    'stations.manage',
    'organisation.manage',
    'updates.write',
    'finance.close',
    'donors.privacy',
    'matching.manage',
  ],
  finance: [
    ...SELF,
    'students.read',
    'disbursements.approve',
    'ledger.read',
    'donations.record',
    'disbursements.read',
    'donations.read',
    'donations.refund',
    'finance.close',
    'matching.manage',
  ],
  caseworker: [
    ...SELF,
    'students.read',
    'students.write',
    'disbursements.prepare',
    'disbursements.read',
    'wishes.manage',
    'letters.moderate',
    'updates.write',
  ],
  // Reads everything, including the audit log; changes nothing but their own account security.
  auditor: [
    ...SELF,
    'students.read',
    'staff.read',
    'audit.read',
    'ledger.read',
    'disbursements.read',
    'donations.read',
    'outbox.read',
  ],
  donor: ['donor.portal'],
}

/** Roles whose holders must have TOTP before they approve anything. */
export const TOTP_REQUIRED_ROLES: readonly KnownRole[] = ['admin', 'finance']

/** What a role may do. An unknown role (or anything not a string) gets nothing. */
export function permissionsOf(role: unknown): ReadonlySet<Permission> {
  if (typeof role !== 'string' || !Object.prototype.hasOwnProperty.call(ROLE_PERMISSIONS, role)) return new Set()
  return new Set(ROLE_PERMISSIONS[role as KnownRole])
}

export function roleHas(role: unknown, permission: Permission): boolean {
  return permissionsOf(role).has(permission)
}

/** A route's rule: which permission its loader and its action need. */
export type RouteAccess = { loader?: Permission; action?: Permission }
