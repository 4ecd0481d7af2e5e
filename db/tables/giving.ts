// Giving tables (app/modules/donations, app/modules/payments).
export interface GivingTables {}
