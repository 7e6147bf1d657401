/**
 * Lifecycle and drift: seeded inconsistencies across ERP, WMS, TMS and finance raise the right
 * ExceptionEvents (valid canonical objects); consistent shipments raise nothing. Also the
 * lsync-drift node on a store's event log.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import driftNode, { rulesOf } from "../../../nodes/lsync-drift/lsync-drift";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import { canonicalValidator } from "../../../nodes/lib/canonical/validator";
import { exceptionEventOf, findDrift, type DriftRules } from "../../../nodes/lib/events/drift";
import { subjectsOf } from "../../../nodes/lib/events/lifecycle";
import { canonicalEntry } from "../../../nodes/lib/events/record";
import type { EventLogEntry, NewEventLogEntry } from "../../../nodes/lib/store";
import { collect, getNode, helper, tempDir, waitFor } from "../nodes/_helper";

const T0 = Date.parse("2025-03-04T08:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();

/** Canonical objects of one shipment as the profiles would map them (only the fields the lifecycle reads). */
const seed = {
  order: (so: string, at: number) => ({ schema: "order/1", orderId: so, status: "RELEASED", occurredAt: iso(at), correlationId: `ORDER|${so}`, source: { system: "SAP_S4", format: "ODATA" } }),
  shipment: (so: string, ship: string, bol: string, at: number) => ({
    schema: "shipment/1", shipmentId: ship, status: "RELEASED", occurredAt: iso(at), correlationId: `ORDER|${so}`, orderRefs: [{ orderId: so }],
    references: [{ type: "BOL", value: bol }], source: { system: "SAP_S4", format: "SAP_OUTBOUND_DELIVERY" },
  }),
  movement: (bol: string, type: string, at: number) => ({ schema: "inventory-movement/1", type, occurredAt: iso(at), correlationId: `BOL|${bol}`, sourceDocs: [{ type: "BOL", value: bol }], source: { system: "WMS_DC1", format: "SCANNER_JSON_V1" } }),
  status: (bol: string, pro: string, status: string, at: number) => ({
    schema: "shipment-status-event/1", status, occurredAt: iso(at), correlationId: `PRO|${pro}`, shipmentRefs: [{ type: "BOL", value: bol }, { type: "PRO", value: pro }], source: { system: "ODFL", format: "X12_214" },
  }),
  charge: (pro: string, at: number) => ({ schema: "freight-charge/1", stage: "ACCRUED", occurredAt: iso(at), correlationId: `PRO|${pro}`, shipmentRefs: [{ type: "PRO", value: pro }], source: { system: "TMS", format: "ACCRUAL" } }),
  invoice: (pro: string, at: number) => ({ schema: "invoice-event/1", invoiceNumber: `INV-${pro}`, status: "RECEIVED", occurredAt: iso(at), correlationId: `INV|${pro}`, shipmentRefs: [{ type: "PRO", value: pro }], source: { system: "ODFL", format: "X12_210" } }),
};

let nextId = 1;
function entries(objects: unknown[]): EventLogEntry[] {
  return objects.map((o) => {
    const e = canonicalEntry(o, "map", "mapped", Date.parse((o as { occurredAt: string }).occurredAt));
    return { ...e, id: nextId++, correlationId: e.correlationId ?? null, nodeId: e.nodeId ?? null, system: e.system ?? null, status: e.status ?? null, durationMs: null, detail: o };
  });
}

/** A shipment every system agrees on: released, picked, loaded, shipped, picked up, delivered, accrued, invoiced. */
function consistent(n: number): unknown[] {
  const [so, ship, bol, pro] = [`SO-${n}`, `80${n}`, `BOL-${n}`, `PRO-${n}`];
  return [
    seed.order(so, T0),
    seed.shipment(so, ship, bol, T0 + 10 * MIN),
    seed.movement(bol, "PICK", T0 + 20 * MIN),
    seed.movement(bol, "LOAD", T0 + 40 * MIN),
    seed.status(bol, pro, "PICKED_UP", T0 + 50 * MIN),
    seed.status(bol, pro, "DELIVERED", T0 + 6 * HOUR),
    seed.charge(pro, T0 + 7 * HOUR),
    seed.invoice(pro, T0 + 30 * HOUR),
  ];
}

const RULES: DriftRules = { dispatchedWhileAllocatedMinutes: 30, deliveredNotBillableHours: 24, invoicedBeforeDelivered: true };
const NOW = T0 + 48 * HOUR;

describe("lifecycle", () => {
  it("joins one shipment's entries across systems by shared keys and gives each system's latest state", () => {
    const subjects = subjectsOf(entries(consistent(1)));
    assert.equal(subjects.length, 1, "order, delivery, scans, 214s, charge and invoice are one shipment");
    const s = subjects[0]!;
    assert.equal(s.id, "801");
    assert.equal(s.kind, "shipment");
    assert.deepEqual(Object.fromEntries(Object.entries(s.state).map(([k, m]) => [k, m!.state])), { erp: "RELEASED", wms: "LOADED", tms: "DELIVERED", finance: "INVOICED" });
    assert.deepEqual(s.milestones.map((m) => m.system), ["erp", "erp", "wms", "wms", "tms", "tms", "finance", "finance"]);
  });
});

describe("drift rules", () => {
  it("stay silent on consistent shipments", () => {
    const all = entries([...consistent(1), ...consistent(2), ...consistent(3)]);
    assert.equal(subjectsOf(all).length, 3);
    assert.deepEqual(findDrift(subjectsOf(all), RULES, NOW), []);
  });

  it("dispatched in the TMS while the WMS still shows it allocated fires only after the threshold", () => {
    const stuck = [seed.order("SO-9", T0), seed.shipment("SO-9", "809", "BOL-9", T0), seed.movement("BOL-9", "PICK", T0 + 5 * MIN), seed.status("BOL-9", "PRO-9", "PICKED_UP", T0 + 10 * MIN)];
    const subjects = subjectsOf(entries(stuck));
    assert.deepEqual(findDrift(subjects, { ...RULES, deliveredNotBillableHours: null }, T0 + 39 * MIN), [], "29 minutes: within tolerance");
    const found = findDrift(subjects, { ...RULES, deliveredNotBillableHours: null }, T0 + 41 * MIN);
    assert.deepEqual(found.map((f) => [f.rule, f.subject.id, f.since]), [["DISPATCHED_WHILE_ALLOCATED", "809", T0 + 10 * MIN]]);
    assert.match(found[0]!.actual, /WMS still PICKED/);
    assert.deepEqual(findDrift(subjects, { ...RULES, dispatchedWhileAllocatedMinutes: null }, NOW), [], "rule off");
  });

  it("delivered but not billing-eligible fires after N hours without a finance record", () => {
    const unbilled = consistent(4).filter((o) => !["freight-charge/1", "invoice-event/1"].includes((o as { schema: string }).schema));
    const subjects = subjectsOf(entries(unbilled));
    const delivered = T0 + 6 * HOUR;
    assert.deepEqual(findDrift(subjects, RULES, delivered + 23 * HOUR), []);
    assert.deepEqual(findDrift(subjects, RULES, delivered + 25 * HOUR).map((f) => f.rule), ["DELIVERED_NOT_BILLABLE"]);
  });

  it("invoiced before delivered fires at once, whether delivery came later or never", () => {
    const early = [seed.shipment("SO-5", "805", "BOL-5", T0), seed.status("BOL-5", "PRO-5", "PICKED_UP", T0 + HOUR), seed.movement("BOL-5", "SHIP", T0 + 30 * MIN), seed.invoice("PRO-5", T0 + 2 * HOUR), seed.status("BOL-5", "PRO-5", "DELIVERED", T0 + 5 * HOUR), seed.charge("PRO-5", T0 + 5 * HOUR)];
    const never = [seed.shipment("SO-6", "806", "BOL-6", T0), seed.status("BOL-6", "PRO-6", "PICKED_UP", T0 + HOUR), seed.movement("BOL-6", "SHIP", T0 + 30 * MIN), seed.invoice("PRO-6", T0 + 2 * HOUR)];
    const found = findDrift(subjectsOf(entries([...early, ...never, ...consistent(7)])), RULES, T0 + 3 * HOUR);
    assert.deepEqual(found.map((f) => [f.rule, f.subject.id]).sort(), [["INVOICED_BEFORE_DELIVERED", "805"], ["INVOICED_BEFORE_DELIVERED", "806"]]);
  });

  it("a customer's invoice before delivery (billed when shipped) is not drift; the carrier's is", () => {
    const billed = { ...seed.invoice("PRO-7", T0 + 2 * HOUR), direction: "RECEIVABLE", invoiceNumber: "90000007" };
    const shipped = [seed.shipment("SO-7", "807", "BOL-7", T0), seed.status("BOL-7", "PRO-7", "PICKED_UP", T0 + HOUR), seed.movement("BOL-7", "SHIP", T0 + 30 * MIN), billed];
    const subjects = subjectsOf(entries(shipped));
    assert.equal(subjects.find((s) => s.id === "807")?.state.finance?.state, "BILLED");
    assert.deepEqual(findDrift(subjects, RULES, T0 + 3 * HOUR), []);
    const carrier = { ...billed, direction: "PAYABLE" };
    assert.deepEqual(findDrift(subjectsOf(entries([...shipped.slice(0, 3), carrier])), RULES, T0 + 3 * HOUR).map((f) => f.rule), ["INVOICED_BEFORE_DELIVERED"]);
  });

  it("a finding becomes a valid canonical ExceptionEvent with a stable idempotency key", () => {
    const stuck = [seed.shipment("SO-9", "809", "BOL-9", T0), seed.movement("BOL-9", "PICK", T0 + 5 * MIN), seed.status("BOL-9", "PRO-9", "PICKED_UP", T0 + 10 * MIN)];
    const [finding] = findDrift(subjectsOf(entries(stuck)), RULES, NOW);
    const event = exceptionEventOf(finding!, NOW);
    const verdict = canonicalValidator().validate(event);
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.equal(event.idempotencyKey, "DRIFT|DISPATCHED_WHILE_ALLOCATED|809");
    assert.equal(exceptionEventOf(finding!, NOW + HOUR).idempotencyKey, event.idempotencyKey);
    assert.deepEqual(event.subjectRefs.map((r) => `${r.type}:${r.value}`).sort(), ["BOL:BOL-9", "PRO:PRO-9", "SHIPMENT_ID:809", "SO:SO-9"]);
    assert.equal(event.occurredAt, iso(T0 + 10 * MIN));
  });

  it("rulesOf: empty thresholds turn rules off; a bad one names the field", () => {
    assert.deepEqual(rulesOf({ dispatchedWhileAllocatedMinutes: "", deliveredNotBillableHours: "12", invoicedBeforeDelivered: false }), {
      dispatchedWhileAllocatedMinutes: null,
      deliveredNotBillableHours: 12,
      invoicedBeforeDelivered: false,
    });
    assert.throws(() => rulesOf({ dispatchedWhileAllocatedMinutes: "-3", deliveredNotBillableHours: "", invoicedBeforeDelivered: true }), /dispatchedWhileAllocatedMinutes must be a number ≥ 0/);
  });
});

describe("lsync-drift node", () => {
  const dir = tempDir("lsync-drift-node-");
  before(() => helper.startServer());
  after(async () => {
    await helper.stopServer();
    dir.remove();
  });
  afterEach(() => helper.unload());

  it("raises an ExceptionEvent per seeded drift once, and none for consistent shipments", async () => {
    await helper.load([storeNode, driftNode], [
      { id: "tab", type: "tab", label: "t" },
      { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, "drift.db"), durability: "process" },
      { id: "drift", type: "lsync-drift", z: "tab", store: "store", intervalSeconds: 0, lookbackHours: 24 * 365 * 100, dispatchedWhileAllocatedMinutes: 30, deliveredNotBillableHours: 24, invoicedBeforeDelivered: true, wires: [["out"]] },
      { id: "out", type: "helper", z: "tab" },
    ]);
    const store = getNode<StoreNode>("store").store;
    const seeded: NewEventLogEntry[] = [
      ...consistent(1),
      seed.shipment("SO-9", "809", "BOL-9", T0),
      seed.movement("BOL-9", "PICK", T0 + 5 * MIN),
      seed.status("BOL-9", "PRO-9", "PICKED_UP", T0 + 10 * MIN),
    ].map((o) => canonicalEntry(o, "map", "mapped", Date.parse((o as { occurredAt: string }).occurredAt)));
    await store.appendEvents(seeded);
    const out = collect("out");
    getNode("drift").receive({ payload: "check" });
    await waitFor("one exception", () => out.length === 1);
    assert.equal(out[0]!.topic, "drift/DISPATCHED_WHILE_ALLOCATED");
    assert.equal((out[0]!.payload as { idempotencyKey: string }).idempotencyKey, "DRIFT|DISPATCHED_WHILE_ALLOCATED|809");
    getNode("drift").receive({ payload: "again" });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(out.length, 1, "the same drift is raised once");
    await waitFor("the exception in the event log", async () => (await store.findEvents({ key: "PRO-9" })).some((e) => e.kind === "exception" && e.nodeId === "drift"), 3000);
  });
});
