// Receipts and outbox tables (app/modules/receipts, app/modules/mail).
export interface MailTables {}
