/** Canonical test objects for the rating tests (not a test file itself). */
import type { Shipment } from "../../../nodes/lib/canonical/types";

/** A canonical shipment as the tms-actual-shipment profile makes it. */
export function shipmentOf(over: Partial<Shipment> & { zone?: string; kg?: string } = {}): Shipment {
  const { zone = "Z3", kg = "412.5", ...rest } = over;
  return {
    schema: "shipment/1",
    id: "TMS|ACTUAL|LD-1",
    occurredAt: "2026-11-30T10:00:00Z",
    source: { system: "TMS", format: "TMS_ACTUAL_SHIPMENT" },
    correlationId: "LOAD|LD-1",
    idempotencyKey: "TMS|ACTUAL|LD-1",
    shipmentId: "LD-1",
    status: "SHIPPED",
    carrier: { scac: "DHLF" },
    references: [{ type: "BOL", value: "BOL-1" }, { type: "PRO", value: "PRO-1", issuer: { scheme: "SCAC", value: "DHLF" } }],
    stops: [
      { seq: 1, type: "PICKUP", location: { ids: [{ scheme: "WMS_SITE", value: "DC1" }] } },
      { seq: 2, type: "DELIVERY", location: { ids: [{ scheme: "RATING_ZONE", value: zone }] } },
    ],
    totals: { weight: { value: kg, unit: "KGM", qualifier: "GROSS" } },
    accessorials: ["LIFTGATE"],
    shippedAt: "2026-11-30T10:00:00Z",
    ...rest,
  };
}
