import { sendEach } from "./send";
import type { CommandOperation } from "./types";

/** One alert per call; alertId (the exception's idempotencyKey) makes the portal show it once. */
export const portalAlert: CommandOperation = {
  id: "customer-alert",
  system: "PORTAL",
  title: "Customer service alert",
  profile: "portal-alert",
  maxBatch: 1,
  defaultBatch: 1,
  send(ctx, batch) {
    return sendEach(ctx, batch, (row) => ({ path: "/api/v1/alerts", body: row.body }));
  },
};

export const PORTAL_OPERATIONS: CommandOperation[] = [portalAlert];
