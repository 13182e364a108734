// The API's constants without its schemas: the portal imports these without bundling TypeBox.

export const API_PREFIX = "/api/v1";

/** Sent by clients with every change so that a retry after a lost answer does not act twice. */
export const IDEMPOTENCY_HEADER = "idempotency-key";
