// Refusals of the receipts module: the caller's transaction rolls back.
export class ReceiptError extends Error {}
