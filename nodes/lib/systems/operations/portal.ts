import { sendWhole } from "./send";
import type { Operation } from "./types";

export const portalCustomerAlert: Operation = {
  id: "customer-alert",
  system: "PORTAL",
  title: "Customer service alert",
  profile: "portal-customer-alert",
  // The portal takes one alert per call; its alertId (the exception's key) makes a repeat harmless.
  maxBatch: 1,
  defaultBatch: 1,
  send: (client, batch) => sendWhole(client, batch, "/api/v1/alerts", (rows) => rows[0]!.body),
};

/** Every portal operation, the editor's default first. */
export const PORTAL_OPERATIONS: Operation[] = [portalCustomerAlert];
