// Staff access and audit tables (app/modules/auth, app/modules/audit).
export interface AuthTables {}
