/**
 * Canonical objects and small helpers for the system-operation tests: every fixture is validated
 * against its schema before use, so the tests feed the operations what a real flow would.
 */
import assert from "node:assert/strict";
import { canonicalValidator } from "../../../nodes/lib/canonical/validator";
import type { ExceptionEvent, FreightCharge, InvoiceEvent, Order, Shipment, ShipmentStatusEvent } from "../../../nodes/lib/canonical/types";
import { EndpointClient, type EndpointAuth } from "../../../nodes/lib/http/endpoint-client";
import { compileMapping } from "../../../nodes/lib/mapping/mapper";
import { findProfile, profileSource } from "../../../nodes/lib/mapping/profiles";
import type { OutboxBatch } from "../../../nodes/lib/store";
import type { OperationContext } from "../../../nodes/lib/systems/operations";

const source = { system: "TEST", format: "FIXTURE" };

export function valid<T>(object: T): T {
  const result = canonicalValidator().validate(object);
  assert.ok(result.ok, `fixture is not canonical: ${JSON.stringify(result)}`);
  return object;
}

export const shipment = (over: Partial<Shipment> = {}): Shipment =>
  valid({
    schema: "shipment/1",
    id: "SHP-1",
    occurredAt: "2026-11-22T12:00:00Z",
    source,
    correlationId: "SO|1000001",
    idempotencyKey: "SHP-1|PLANNED",
    shipmentId: "SHP-1",
    status: "PLANNED",
    mode: "LTL",
    carrier: { scac: "ODFL", name: "Old Dominion", serviceLevel: { scheme: "SERVICE", code: "STD" } },
    references: [{ type: "BOL", value: "40123450000000017" }],
    stops: [
      { seq: 1, type: "PICKUP", location: { ids: [{ scheme: "WMS_SITE", value: "DC1" }], name: "DC1" }, plannedArrival: "2026-11-23T08:00:00+01:00" },
      { seq: 2, type: "DELIVERY", location: { ids: [{ scheme: "GLN", value: "4012345000009" }], address: { city: "Köln", country: "DE" } } },
    ],
    ...over,
  } as Shipment);

export const order = (over: Partial<Order> = {}): Order =>
  valid({
    schema: "order/1",
    id: "SO|1000001|RELEASED",
    occurredAt: "2026-11-22T09:00:00Z",
    source,
    correlationId: "SO|1000001",
    idempotencyKey: "SO|1000001|RELEASED",
    orderId: "1000001",
    orderType: "SALES",
    releasedAt: "2026-11-22T09:00:00Z",
    lines: [
      { lineNo: 10, sku: "SKU-10023", description: "Espresso beans 1 kg", quantity: { value: "24", uom: "H87" } },
      { lineNo: 20, sku: "SKU-10045", quantity: { value: "10", uom: "H87" } },
    ],
    status: "RELEASED",
    ...over,
  } as Order);

export const charge = (over: Partial<FreightCharge> = {}): FreightCharge =>
  valid({
    schema: "freight-charge/1",
    id: "CHG-1",
    occurredAt: "2026-11-22T15:00:00Z",
    source,
    correlationId: "SHIPMENT|SHP-1",
    idempotencyKey: "CHG-1|ACCRUED",
    chargeId: "CHG-1",
    stage: "ACCRUED",
    chargeType: "LINEHAUL",
    shipmentRefs: [{ type: "SHIPMENT", value: "SHP-1" }],
    carrier: { scac: "ODFL" },
    amount: { currency: "EUR", amountMinor: 81612 },
    accounting: { glAccount: "510000", costObject: "DC1", accrualKey: "ACR|SHP-1|ODFL" },
    ...over,
  } as FreightCharge);

export const invoice = (over: Partial<InvoiceEvent> = {}): InvoiceEvent =>
  valid({
    schema: "invoice-event/1",
    id: "INV-ODFL-778812",
    occurredAt: "2026-11-25T08:00:00Z",
    source,
    correlationId: "SHIPMENT|SHP-1",
    idempotencyKey: "ODFL|778812|ORIGINAL",
    invoiceId: "ODFL|778812",
    direction: "PAYABLE",
    invoiceNumber: "778812",
    carrier: { scac: "ODFL" },
    invoiceDate: "2026-11-25",
    currency: "EUR",
    totals: { net: { currency: "EUR", amountMinor: 84100 } },
    lines: [],
    shipmentRefs: [{ type: "SHIPMENT", value: "SHP-1" }],
    duplicateKey: "ODFL|778812",
    status: "APPROVED",
    ...over,
  } as InvoiceEvent);

export const exception = (over: Partial<ExceptionEvent> = {}): ExceptionEvent =>
  valid({
    schema: "exception-event/1",
    id: "EXC-1",
    occurredAt: "2026-11-23T10:00:00Z",
    source,
    correlationId: "SO|1000001",
    idempotencyKey: "EXC-1|OPEN",
    exceptionId: "EXC-1",
    type: "DELAY",
    severity: "WARN",
    detectedAt: "2026-11-23T10:00:05Z",
    subjectRefs: [{ type: "ORDER", value: "1000001" }, { type: "SHIPMENT", value: "SHP-1" }],
    cause: { scheme: "TEST", code: "WEATHER", text: "Snow on the A1" },
    impact: { newEta: "2026-11-24T16:00:00+01:00", delayMinutes: 1440 },
    status: "OPEN",
    ...over,
  } as ExceptionEvent);

export const statusEvent = (over: Partial<ShipmentStatusEvent> = {}): ShipmentStatusEvent =>
  valid({
    schema: "shipment-status-event/1",
    id: "SSE-1",
    occurredAt: "2026-11-23T14:05:00+01:00",
    source,
    correlationId: "SHIPMENT|SHP-1",
    idempotencyKey: "SSE-1",
    shipmentRefs: [{ type: "LOAD", value: "SHP-1" }],
    status: "DELIVERED",
    classifier: "ACTUAL",
    eventCode: { scheme: "X12-AT7", code: "D1", text: "Delivered" },
    signedBy: "MEYER",
    ...over,
  } as ShipmentStatusEvent);

/** Runs an outbound profile the way the egress node does. */
export async function mapOut(profileId: string, canonical: unknown, bindings: Record<string, unknown> = {}): Promise<unknown> {
  const profile = findProfile(profileId);
  assert.ok(profile, `profile ${profileId} is listed`);
  const body = await compileMapping(profileSource(profile), "json").map(canonical, { bindings });
  return body === undefined ? undefined : JSON.parse(JSON.stringify(body));
}

let nextRow = 1;
/** An outbox batch as the store would claim it: stable row ids make stable Idempotency-Keys. */
export function batchOf(bodies: Array<{ body: unknown; key: string; correlationId?: string }>): OutboxBatch {
  const first = nextRow;
  const rows = bodies.map((b) => ({ id: nextRow++, target: "node1", idempotencyKey: b.key, correlationId: b.correlationId ?? null, body: b.body, attempts: 0, createdAt: Date.now() }));
  return { batchKey: `node1:${first}@test0001`, storeInstance: "test0001", rows };
}

export function contextFor(baseUrl: string, login: OperationContext["login"] = null, bindings: Record<string, unknown> = {}, auth: EndpointAuth = { type: "none" }): OperationContext {
  return { client: new EndpointClient({ baseUrl, auth, timeoutMs: 3000, maxSockets: 2 }), login, bindings };
}
