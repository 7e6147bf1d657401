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
import { exceptionEventOf, findDrift, INVOICE_WAITS_FOR_DELIVERY_MS, type DriftRules } from "../../../nodes/lib/events/drift";
import { LifecycleIndex, subjectsOf } from "../../../nodes/lib/events/lifecycle";
import { callQueuedEntry, canonicalEntry } from "../../../nodes/lib/events/record";
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
  /** The TMS's actual shipment (tms-actual-shipment profile): the load as dispatched, its reference the order. */
  actual: (load: string, so: string, at: number) => ({
    schema: "shipment/1", status: "SHIPPED", occurredAt: iso(at), correlationId: `LOAD|${load}`, references: [{ type: "LOAD", value: load }, { type: "BOL", value: so }], source: { system: "TMS", format: "TMS_ACTUAL_SHIPMENT" },
  }),
  charge: (pro: string, at: number) => ({ schema: "freight-charge/1", stage: "ACCRUED", occurredAt: iso(at), correlationId: `PRO|${pro}`, shipmentRefs: [{ type: "PRO", value: pro }], source: { system: "TMS", format: "ACCRUAL" } }),
  invoice: (pro: string, at: number) => ({ schema: "invoice-event/1", invoiceNumber: `INV-${pro}`, status: "RECEIVED", occurredAt: iso(at), correlationId: `INV|${pro}`, shipmentRefs: [{ type: "PRO", value: pro }], source: { system: "ODFL", format: "X12_210" } }),
  /** The product telling a system about the order (a queued call whose operation names the state it leaves the system in). */
  told: (so: string, system: "wms" | "finance", state: string, at: number) => ({ told: { system, state, so }, occurredAt: iso(at) }),
};

type Seeded = ReturnType<(typeof seed)[keyof typeof seed]>;

/** The log entry a seeded object makes, logged at its business time unless `loggedAt` says when. */
function entryOf(o: Seeded, loggedAt?: number): NewEventLogEntry {
  const at = loggedAt ?? Date.parse(o.occurredAt);
  if ("told" in o) {
    const { system, state, so } = o.told;
    return callQueuedEntry({ system, operation: "told", nodeId: `${system}-egress`, lifecycleState: state }, { schema: "order/1", orderId: so }, `${system}|${so}`, `ORDER|${so}`, at);
  }
  return canonicalEntry(o, "map", "mapped", at);
}

let nextId = 1;
function entries(objects: Seeded[], loggedAt?: number): EventLogEntry[] {
  return objects.map((o) => {
    const e = entryOf(o, loggedAt);
    return { ...e, id: nextId++, correlationId: e.correlationId ?? null, nodeId: e.nodeId ?? null, system: e.system ?? null, status: e.status ?? null, durationMs: null, detail: e.detail ?? null };
  });
}

/**
 * A shipment every system agrees on: released, allocated in the WMS, picked, loaded, picked up,
 * delivered, billable, accrued, invoiced by the carrier.
 */
function consistent(n: number): Seeded[] {
  const [so, ship, bol, pro] = [`SO-${n}`, `80${n}`, `BOL-${n}`, `PRO-${n}`];
  return [
    seed.order(so, T0),
    seed.told(so, "wms", "ALLOCATED", T0 + MIN),
    seed.shipment(so, ship, bol, T0 + 10 * MIN),
    seed.movement(bol, "PICK", T0 + 20 * MIN),
    seed.movement(bol, "LOAD", T0 + 40 * MIN),
    seed.status(bol, pro, "PICKED_UP", T0 + 50 * MIN),
    seed.status(bol, pro, "DELIVERED", T0 + 6 * HOUR),
    seed.told(so, "finance", "BILLABLE", T0 + 6 * HOUR + 5 * MIN),
    seed.charge(pro, T0 + 7 * HOUR),
    seed.invoice(pro, T0 + 30 * HOUR),
  ];
}

const RULES: DriftRules = { dispatchedWhileAllocatedMinutes: 30, deliveredNotBillableHours: 24, invoicedBeforeDelivered: true };
const NOW = T0 + 48 * HOUR;

describe("lifecycle", () => {
  it("joins one shipment's entries across systems by shared keys and gives each system's latest state", () => {
    const subjects = subjectsOf(entries(consistent(1)));
    assert.equal(subjects.length, 1, "order, calls, delivery, scans, 214s, charge and invoice are one shipment");
    const s = subjects[0]!;
    assert.equal(s.id, "801");
    assert.equal(s.kind, "shipment");
    assert.deepEqual(Object.fromEntries(Object.entries(s.state).map(([k, m]) => [k, m!.state])), { erp: "RELEASED", wms: "LOADED", tms: "DELIVERED", finance: "INVOICED" });
    assert.deepEqual(s.milestones.map((m) => `${m.system} ${m.state}`), [
      "erp RELEASED", "wms ALLOCATED", "erp RELEASED", "wms PICKED", "wms LOADED", "tms PICKED_UP", "tms DELIVERED", "finance BILLABLE", "finance ACCRUED", "finance INVOICED",
    ]);
  });

  it("keeps orders that share their customer's PO number apart", () => {
    const withPo = (so: string) => ({ ...seed.order(so, T0), references: [{ type: "PO", value: "PO-17100001" }] });
    const subjects = subjectsOf(entries([withPo("SO-21"), withPo("SO-22"), seed.told("SO-21", "wms", "ALLOCATED", T0 + MIN)]));
    assert.deepEqual(subjects.map((s) => s.id).sort(), ["SO-21", "SO-22"]);
  });

  it("built up check by check, the index holds the subjects one read of the same entries gives; it forgets what left the window", () => {
    const all = entries([...consistent(1), ...consistent(2), seed.order("SO-3", T0 + 40 * HOUR)]);
    const index = new LifecycleIndex();
    // Interleaved reads: the second half joins subjects begun in the first.
    index.add(all.filter((_, i) => i % 2 === 0));
    index.add(all.filter((_, i) => i % 2 === 1));
    const byId = (list: ReturnType<typeof subjectsOf>) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(byId(index.subjects()).map((s) => [s.id, s.milestones.map((m) => m.entryId)]), byId(subjectsOf(all)).map((s) => [s.id, s.milestones.map((m) => m.entryId)]));
    assert.equal(index.prune(T0 + 39 * HOUR), 2, "the two shipments last seen at 30 h");
    assert.deepEqual(index.subjects().map((s) => s.id), ["SO-3"]);
    index.add(entries([seed.told("SO-1", "wms", "ALLOCATED", T0 + 41 * HOUR)]));
    assert.deepEqual(index.subjects().map((s) => s.id).sort(), ["SO-1", "SO-3"], "a key seen again after pruning starts a new subject");
  });

  it("takes a state from a call only when it was queued with one (an outcome or a plain call is no milestone)", () => {
    const queued = entries([seed.order("SO-1", T0), seed.told("SO-1", "wms", "ALLOCATED", T0 + MIN)]);
    const plain = { ...queued[1]!, id: nextId++, detail: { idempotencyKey: "wms|SO-1" } };
    const sent = { ...queued[1]!, id: nextId++, status: "sent" };
    const [subject] = subjectsOf([queued[0]!, plain, sent]);
    assert.deepEqual(subject!.milestones.map((m) => m.state), ["RELEASED"]);
    assert.deepEqual(subjectsOf(queued)[0]!.milestones.map((m) => m.state), ["RELEASED", "ALLOCATED"]);
  });
});

describe("drift rules", () => {
  it("stay silent on consistent shipments", () => {
    const all = entries([...consistent(1), ...consistent(2), ...consistent(3)]);
    assert.equal(subjectsOf(all).length, 3);
    assert.deepEqual(findDrift(subjectsOf(all), RULES, NOW), []);
  });

  it("dispatched in the TMS while the WMS still holds it allocated fires only after the threshold", () => {
    const stuck = [seed.order("SO-9", T0), seed.told("SO-9", "wms", "ALLOCATED", T0 + MIN), seed.shipment("SO-9", "809", "BOL-9", T0), seed.status("BOL-9", "PRO-9", "PICKED_UP", T0 + 10 * MIN)];
    const subjects = subjectsOf(entries(stuck));
    const rules = { ...RULES, deliveredNotBillableHours: null };
    assert.deepEqual(findDrift(subjects, rules, T0 + 39 * MIN), [], "29 minutes: within tolerance");
    const found = findDrift(subjects, rules, T0 + 41 * MIN);
    assert.deepEqual(found.map((f) => [f.rule, f.subject.id, f.since]), [["DISPATCHED_WHILE_ALLOCATED", "809", T0 + 10 * MIN]]);
    assert.match(found[0]!.actual, /WMS still allocated/);
    assert.deepEqual(findDrift(subjects, { ...RULES, dispatchedWhileAllocatedMinutes: null }, NOW), [], "rule off");
  });

  it("the TMS's actual shipment (the load dispatched) is the TMS's dispatch, joined to the order by its reference", () => {
    const stuck = [seed.order("SO-12", T0), seed.told("SO-12", "wms", "ALLOCATED", T0 + MIN), seed.actual("SO-SO-12", "SO-12", T0 + 10 * MIN)];
    const [subject] = subjectsOf(entries(stuck));
    assert.equal(subject!.state.tms?.state, "SHIPPED");
    assert.deepEqual(findDrift([subject!], RULES, T0 + 41 * MIN).map((f) => f.rule), ["DISPATCHED_WHILE_ALLOCATED"]);
  });

  it("dispatched is no drift once the WMS reported the pick, nor for goods the WMS was never told of", () => {
    const picked = [seed.order("SO-8", T0), seed.told("SO-8", "wms", "ALLOCATED", T0 + MIN), seed.shipment("SO-8", "808", "BOL-8", T0), seed.movement("BOL-8", "PICK", T0 + 5 * MIN), seed.status("BOL-8", "PRO-8", "PICKED_UP", T0 + 10 * MIN)];
    const notTheWms = [seed.shipment("SO-7", "807", "BOL-7", T0), seed.status("BOL-7", "PRO-7", "PICKED_UP", T0 + 10 * MIN)];
    assert.deepEqual(findDrift(subjectsOf(entries([...picked, ...notTheWms])), { ...RULES, deliveredNotBillableHours: null }, NOW), []);
  });

  it("times a disagreement from when the product learned of it, not from the business times reported", () => {
    // A month replayed today, or an EDI batch three days late: old business times, logged now.
    const loggedAt = NOW;
    const stuck = [seed.order("SO-9", T0), seed.told("SO-9", "wms", "ALLOCATED", T0 + MIN), seed.shipment("SO-9", "809", "BOL-9", T0), seed.status("BOL-9", "PRO-9", "PICKED_UP", T0 + 10 * MIN)];
    const subjects = subjectsOf(entries(stuck, loggedAt));
    const rules = { ...RULES, deliveredNotBillableHours: null };
    assert.deepEqual(findDrift(subjects, rules, loggedAt + 29 * MIN), [], "learned 29 minutes ago");
    const [finding] = findDrift(subjects, rules, loggedAt + 31 * MIN);
    assert.equal(finding?.rule, "DISPATCHED_WHILE_ALLOCATED");
    assert.equal(finding.since, T0 + 10 * MIN, "the exception still says when the TMS reported it");
  });

  it("delivered but not billing-eligible fires after N hours; an accrual or the carrier's invoice does not make it billable", () => {
    const unbilled = consistent(4).filter((o) => !("told" in o && o.told.state === "BILLABLE"));
    const subjects = subjectsOf(entries(unbilled));
    const delivered = T0 + 6 * HOUR;
    assert.deepEqual(findDrift(subjects, RULES, delivered + 23 * HOUR), []);
    assert.deepEqual(findDrift(subjects, RULES, delivered + 25 * HOUR).map((f) => f.rule), ["DELIVERED_NOT_BILLABLE"]);
    const billedToCustomer = [...unbilled, { ...seed.invoice("PRO-4", T0 + 8 * HOUR), direction: "RECEIVABLE", invoiceNumber: "90000004" }];
    assert.deepEqual(findDrift(subjectsOf(entries(billedToCustomer)), RULES, delivered + 25 * HOUR), [], "a customer invoice is billed");
  });

  it("delivered with no customer order behind it (a carrier's load alone) is not billing drift", () => {
    const load = [seed.status("BOL-3", "PRO-3", "PICKED_UP", T0), seed.status("BOL-3", "PRO-3", "DELIVERED", T0 + HOUR), seed.charge("PRO-3", T0 + HOUR)];
    assert.deepEqual(findDrift(subjectsOf(entries(load)), RULES, NOW), []);
  });

  it("invoiced before delivered: a delivery on a later day, or none 15 minutes after the invoice came in", () => {
    const day = 24 * HOUR;
    const early = [seed.shipment("SO-5", "805", "BOL-5", T0), seed.status("BOL-5", "PRO-5", "PICKED_UP", T0 + HOUR), seed.invoice("PRO-5", T0 + 2 * HOUR), seed.status("BOL-5", "PRO-5", "DELIVERED", T0 + day), seed.charge("PRO-5", T0 + 5 * HOUR)];
    const never = [seed.shipment("SO-6", "806", "BOL-6", T0), seed.status("BOL-6", "PRO-6", "PICKED_UP", T0 + HOUR), seed.invoice("PRO-6", T0 + 2 * HOUR)];
    // Invoices carry a date: dated the morning of a delivery made that afternoon is not early.
    const sameDay = [seed.shipment("SO-4", "804", "BOL-4", T0), seed.status("BOL-4", "PRO-4", "PICKED_UP", T0 + HOUR), seed.invoice("PRO-4", Date.parse("2025-03-04T00:00:00Z")), seed.status("BOL-4", "PRO-4", "DELIVERED", T0 + 6 * HOUR)];
    const subjects = subjectsOf(entries([...early, ...never, ...sameDay, ...consistent(7)]));
    const invoiceSeen = T0 + 2 * HOUR;
    assert.deepEqual(findDrift(subjects, RULES, invoiceSeen + INVOICE_WAITS_FOR_DELIVERY_MS - MIN).map((f) => f.subject.id), ["805"], "the missing delivery may still be on its way");
    const found = findDrift(subjects, RULES, invoiceSeen + INVOICE_WAITS_FOR_DELIVERY_MS + MIN);
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
    const stuck = [seed.shipment("SO-9", "809", "BOL-9", T0), seed.told("SO-9", "wms", "ALLOCATED", T0 + MIN), seed.status("BOL-9", "PRO-9", "PICKED_UP", T0 + 10 * MIN)];
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
      seed.told("SO-9", "wms", "ALLOCATED", T0 + 5 * MIN),
      seed.status("BOL-9", "PRO-9", "PICKED_UP", T0 + 10 * MIN),
    ].map((o) => entryOf(o));
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

    // The WMS reports the pick after all: the next check closes the exception, once.
    await store.appendEvents([entryOf(seed.movement("BOL-9", "PICK", T0 + 20 * MIN), Date.now())]);
    getNode("drift").receive({ payload: "check" });
    await waitFor("the resolution", () => out.length === 2);
    const resolved = out[1]!.payload as { status: string; exceptionId: string; idempotencyKey: string };
    assert.equal(out[1]!.topic, "drift/DISPATCHED_WHILE_ALLOCATED/resolved");
    assert.equal(resolved.status, "RESOLVED");
    assert.equal(resolved.exceptionId, "DRIFT|DISPATCHED_WHILE_ALLOCATED|809", "closes the exception raised");
    assert.notEqual(resolved.idempotencyKey, (out[0]!.payload as { idempotencyKey: string }).idempotencyKey, "a dedupe node lets the resolution through");
    const verdict = canonicalValidator().validate(resolved);
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    getNode("drift").receive({ payload: "again" });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(out.length, 2, "closed once");
  });
});
