/**
 * The event log without Node-RED: business keys of every canonical object, the batching writer
 * (snapshots, batches, retention, a failing store), the trace over a store, and money masking.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { businessKeysOf, keyTypeOfReference } from "../../../nodes/lib/events/business-keys";
import { EventLogWriter, eventLogSettings, snapshotDetail, MAX_DETAIL_CHARS } from "../../../nodes/lib/events/event-log";
import { callOutcomeEntry, canonicalEntry } from "../../../nodes/lib/events/record";
import { buildTrace, traceKey } from "../../../nodes/lib/events/trace";
import { mayReadFinance } from "../../../nodes/lib/masking";
import { SqliteStore, type BusinessKey, type EventLogFilter, type EventLogStore, type NewEventLogEntry, type OutboxRow } from "../../../nodes/lib/store";
import { tempDir } from "../nodes/_helper";

const dir = tempDir("lsync-event-log-");
let n = 0;
const stores: SqliteStore[] = [];
function freshStore(): SqliteStore {
  const store = new SqliteStore({ path: join(dir.path, `log-${++n}.db`) });
  stores.push(store);
  return store;
}
after(async () => {
  for (const s of stores) await s.close();
  dir.remove();
});

const source = { system: "SAP_S4", format: "ODATA" };
const shipment = {
  schema: "shipment/1",
  id: "s1",
  source,
  correlationId: "C-80001",
  idempotencyKey: "K-s1",
  shipmentId: "80001",
  status: "SHIPPED",
  references: [
    { type: "BOL", value: "BOL-555" },
    { type: "PRO", value: " PRO-777 " },
    { type: "WORK_ORDER", value: "WO-1" },
  ],
  orderRefs: [{ orderId: "SO-42" }, { orderId: "SO-42", lineNo: 2 }],
  handlingUnits: [{ sscc: "340123450000000017", trackingNumber: "1Z999" }],
};
const invoice = {
  schema: "invoice-event/1",
  id: "i1",
  source,
  correlationId: "C-80001",
  idempotencyKey: "K-i1",
  invoiceId: "i1",
  direction: "PAYABLE",
  invoiceNumber: "INV-9",
  invoiceDate: "2025-03-10",
  currency: "USD",
  totals: { net: { currency: "USD", amountMinor: 81612, amount: "816.12" } },
  lines: [
    {
      schema: "freight-charge/1",
      chargeType: "LINEHAUL",
      basis: { rate: "2.10" },
      amount: { currency: "USD", amountMinor: 81612 },
      shipmentRefs: [{ type: "PRO", value: "PRO-777" }],
    },
  ],
  shipmentRefs: [{ type: "BOL", value: "BOL-555" }],
  duplicateKey: "D",
  status: "RECEIVED",
};

describe("businessKeysOf", () => {
  it("takes a shipment's id, references, orders, SSCCs and tracking numbers, trimmed and without duplicates", () => {
    assert.deepEqual(businessKeysOf(shipment), [
      { type: "shipment", value: "80001" },
      { type: "bol", value: "BOL-555" },
      { type: "pro", value: "PRO-777" },
      { type: "order", value: "SO-42" },
      { type: "sscc", value: "340123450000000017" },
      { type: "tracking", value: "1Z999" },
    ]);
  });

  it("takes every canonical object's keys from its own fields", () => {
    assert.deepEqual(businessKeysOf({ schema: "order/1", orderId: "SO-42", references: [{ type: "PO", value: "PO-1" }, { type: "DELIVERY", value: "8000123" }] }), [
      { type: "order", value: "SO-42" },
      { type: "po", value: "PO-1" },
      { type: "delivery", value: "8000123" },
    ]);
    assert.deepEqual(businessKeysOf(invoice), [
      { type: "invoice", value: "INV-9" },
      { type: "bol", value: "BOL-555" },
      { type: "pro", value: "PRO-777" },
    ]);
    assert.deepEqual(businessKeysOf({ schema: "shipment-status-event/1", shipmentRefs: [{ type: "PRO", value: "PRO-777" }, { type: "LOAD", value: "LD-1" }] }), [
      { type: "pro", value: "PRO-777" },
      { type: "load", value: "LD-1" },
    ]);
    assert.deepEqual(
      businessKeysOf({ schema: "inventory-movement/1", handlingUnit: { sscc: "340123450000000017", parentSscc: "340123450000000024" }, sourceDocs: [{ type: "SO", value: "SO-42" }] }),
      [
        { type: "sscc", value: "340123450000000017" },
        { type: "sscc", value: "340123450000000024" },
        { type: "order", value: "SO-42" },
      ],
    );
    assert.deepEqual(businessKeysOf({ schema: "freight-charge/1", shipmentRefs: [{ type: "BOL", value: "B1" }], invoiceRef: { type: "INVOICE", value: "INV-1" } }), [
      { type: "bol", value: "B1" },
      { type: "invoice", value: "INV-1" },
    ]);
    assert.deepEqual(businessKeysOf({ schema: "exception-event/1", subjectRefs: [{ type: "SHIPMENT_ID", value: "80001" }] }), [{ type: "shipment", value: "80001" }]);
  });

  it("gives nothing for non-objects, unknown schemas and odd fields, without throwing", () => {
    assert.deepEqual(businessKeysOf(null), []);
    assert.deepEqual(businessKeysOf("SO-1"), []);
    assert.deepEqual(businessKeysOf({ schema: "unknown/1", orderId: "x" }), []);
    assert.deepEqual(businessKeysOf({ schema: "shipment/1", shipmentId: 42, references: [null, { type: 1 }], handlingUnits: [null] }), []);
    assert.equal(keyTypeOfReference("netsuite_id"), null);
    assert.equal(keyTypeOfReference("bol"), "bol");
  });
});

describe("event-log entries", () => {
  it("a canonical object becomes an entry named by schema and status, exceptions by their type", () => {
    const entry = canonicalEntry(shipment, "map-1", "mapped", 1000);
    assert.equal(entry.name, "shipment/1 SHIPPED");
    assert.equal(entry.kind, "event");
    assert.equal(entry.correlationId, "C-80001");
    assert.equal(entry.system, "SAP_S4");
    assert.equal(entry.nodeId, "map-1");
    assert.equal(entry.keys.length, 6);
    const exception = canonicalEntry({ schema: "exception-event/1", type: "DELAY", status: "OPEN", subjectRefs: [] }, "drift", "raised");
    assert.equal(exception.kind, "exception");
    assert.equal(exception.name, "exception-event/1 DELAY");
  });

  it("one delivery attempt is one entry, whatever its batch size, with its rows' correlation ids as keys", () => {
    const row = (id: number, correlationId: string | null): OutboxRow => ({ id, target: "t", idempotencyKey: `K${id}`, correlationId, body: {}, attempts: 2, createdAt: 0 });
    const call = { system: "tms", operation: "Load execution update", nodeId: "tms-1" };
    const sent = callOutcomeEntry(call, "t:1@x", [{ row: row(1, "C1"), result: "sent" }, { row: row(2, "C1"), result: "sent" }, { row: row(3, "C2"), result: "sent" }], 12.5);
    assert.equal(sent.status, "sent");
    assert.equal(sent.correlationId, null, "two threads: no single correlation id");
    assert.deepEqual(sent.keys, [{ type: "correlation", value: "C1" }, { type: "correlation", value: "C2" }]);
    assert.deepEqual(sent.detail, { batchKey: "t:1@x", rows: 3, attempt: 3 });
    const retry = callOutcomeEntry(call, "t:1@x", [{ row: row(1, "C1"), result: "retry", error: "HTTP 503", retryAfterMs: null }], 5);
    assert.equal(retry.status, "retry");
    assert.equal(retry.correlationId, "C1");
    assert.equal((retry.detail as { error: string }).error, "HTTP 503");
    assert.equal(callOutcomeEntry(call, "k", [{ row: row(1, "C1"), result: "retry", error: "open", retryAfterMs: null, notSent: true }], 0).status, "not sent");
    assert.equal(callOutcomeEntry(call, "k", [{ row: row(1, "C1"), result: "dead", error: "HTTP 400" }, { row: row(2, "C1"), result: "sent" }], 0).status, "partly dead");
  });
});

/** A store that records what it was asked to append, and can fail. */
class FakeLog implements EventLogStore {
  batches: NewEventLogEntry[][] = [];
  fail = 0;
  purgedBefore: number[] = [];
  async appendEvents(entries: NewEventLogEntry[]): Promise<void> {
    if (this.fail > 0) {
      this.fail--;
      throw new Error("database is locked");
    }
    this.batches.push(entries);
  }
  async findEvents(_filter?: EventLogFilter) {
    return [];
  }
  async purgeEvents(before: number): Promise<number> {
    this.purgedBefore.push(before);
    return 0;
  }
}

const entry = (i: number, detail?: unknown): NewEventLogEntry => ({ at: i, kind: "event", name: `e${i}`, keys: [], detail });

describe("EventLogWriter", () => {
  it("writes in batches of maxBatch, off the recording call, and snapshots the detail when recorded", async () => {
    const log = new FakeLog();
    const writer = new EventLogWriter(log, { retentionDays: 0, flushMs: 60_000, maxBatch: 4, maxBuffered: 100 });
    const detail = { status: "PICKED" };
    writer.record(entry(1, detail));
    detail.status = "CHANGED LATER";
    for (let i = 2; i <= 10; i++) writer.record(entry(i));
    assert.equal(log.batches.length, 0, "recording does not write");
    await writer.flush();
    assert.deepEqual(log.batches.map((b) => b.length), [4, 4, 2]);
    assert.equal(log.batches[0]![0]!.detailJson, '{"status":"PICKED"}');
    assert.equal(log.batches[0]![1]!.detailJson, null);
    assert.equal(writer.written, 10);
    await writer.stop();
  });

  it("flushes by itself after flushMs", async () => {
    const log = new FakeLog();
    const writer = new EventLogWriter(log, { retentionDays: 0, flushMs: 20, maxBatch: 100, maxBuffered: 100 });
    writer.record(entry(1));
    writer.record(entry(2));
    const until = Date.now() + 5000;
    while (log.batches.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(log.batches.map((b) => b.map((e) => e.name)), [["e1", "e2"]]);
    await writer.stop();
  });

  it("keeps entries a failing store refused, and writes them (in order) once it works", async () => {
    const log = new FakeLog();
    const errors: string[] = [];
    const writer = new EventLogWriter(log, { retentionDays: 0, flushMs: 60_000, maxBatch: 2, maxBuffered: 100 }, (err) => errors.push(err.message));
    for (let i = 1; i <= 3; i++) writer.record(entry(i));
    log.fail = 1;
    await writer.flush();
    assert.deepEqual(errors, ["database is locked"]);
    assert.equal(writer.pending(), 3);
    await writer.stop();
    assert.deepEqual(log.batches.flat().map((e) => e.name), ["e1", "e2", "e3"]);
  });

  it("drops the oldest entries beyond maxBuffered, counts them and says so once", async () => {
    const log = new FakeLog();
    const errors: string[] = [];
    const writer = new EventLogWriter(log, { retentionDays: 0, flushMs: 60_000, maxBatch: 1000, maxBuffered: 100 }, (err) => errors.push(err.message));
    for (let i = 1; i <= 150; i++) writer.record(entry(i));
    assert.equal(writer.dropped, 50);
    assert.equal(errors.length, 1);
    await writer.stop();
    assert.equal(log.batches.flat()[0]!.name, "e51");
  });

  it("purges older than the retention, and never with retention 0", async () => {
    const log = new FakeLog();
    const writer = new EventLogWriter(log, { retentionDays: 2, flushMs: 100, maxBatch: 10, maxBuffered: 100 });
    await writer.purge(10 * 86_400_000);
    assert.deepEqual(log.purgedBefore, [8 * 86_400_000]);
    const forever = new EventLogWriter(log, { retentionDays: 0, flushMs: 100, maxBatch: 10, maxBuffered: 100 });
    assert.equal(await forever.purge(), 0);
    assert.equal(log.purgedBefore.length, 1);
  });

  it("settings: defaults for missing or out-of-range values; enabled unless false", () => {
    assert.deepEqual(eventLogSettings(undefined), { enabled: true, retentionDays: 30, flushMs: 500, maxBatch: 500, maxBuffered: 100_000 });
    const s = eventLogSettings({ enabled: false, retentionDays: 7, flushMs: 5, maxBatch: "250" });
    assert.equal(s.enabled, false);
    assert.equal(s.retentionDays, 7);
    assert.equal(s.flushMs, 500, "5 ms is below the 10 ms minimum");
    assert.equal(s.maxBatch, 250);
    assert.equal(eventLogSettings({ retentionDays: -1 }).retentionDays, 30);
  });

  it("a detail too large keeps its top-level scalars only", () => {
    const big = { schema: "shipment/1", shipmentId: "80001", lines: new Array(2000).fill({ sku: "SKU-1" }) };
    const json = snapshotDetail(big)!;
    assert.ok(json.length < MAX_DETAIL_CHARS);
    assert.deepEqual(JSON.parse(json), { truncated: true, schema: "shipment/1", shipmentId: "80001" });
  });
});

describe("trace", () => {
  it("follows the key to its threads and lists their entries in time order, calls by correlation key included", async () => {
    const store = freshStore();
    await store.appendEvents([
      canonicalEntry({ schema: "order/1", orderId: "SO-42", status: "RELEASED", correlationId: "C-80001" }, "map-erp", "mapped", 1000),
      canonicalEntry(shipment, "map-sap", "mapped", 2000),
      callOutcomeEntry({ system: "tms", operation: "Create shipment", nodeId: "tms-1" }, "b1", [
        { row: { id: 1, target: "tms-1", idempotencyKey: "K1", correlationId: "C-80001", body: {}, attempts: 0, createdAt: 0 }, result: "retry", error: "HTTP 503", retryAfterMs: null },
      ], 30, 3000),
      callOutcomeEntry({ system: "tms", operation: "Create shipment", nodeId: "tms-1" }, "b1", [
        { row: { id: 1, target: "tms-1", idempotencyKey: "K1", correlationId: "C-80001", body: {}, attempts: 1, createdAt: 0 }, result: "sent" },
        { row: { id: 2, target: "tms-1", idempotencyKey: "K2", correlationId: "C-OTHER", body: {}, attempts: 1, createdAt: 0 }, result: "sent" },
      ], 20, 4000),
      canonicalEntry(invoice, "map-210", "mapped", 5000),
      canonicalEntry({ schema: "order/1", orderId: "SO-99", status: "RELEASED", correlationId: "C-OTHER" }, "map-erp", "mapped", 1500),
    ]);
    const trace = await buildTrace(store, "PRO-777", { showMoney: false });
    assert.deepEqual(trace.correlationIds, ["C-80001"]);
    assert.deepEqual(
      trace.entries.map((e) => [e.name, e.status, e.nodeId]),
      [
        ["order/1 RELEASED", "mapped", "map-erp"],
        ["shipment/1 SHIPPED", "mapped", "map-sap"],
        ["tms Create shipment", "retry", "tms-1"],
        ["tms Create shipment", "sent", "tms-1"],
        ["invoice-event/1 RECEIVED", "mapped", "map-210"],
      ],
    );
    assert.equal(trace.entries[0]!.time, "1970-01-01T00:00:01.000Z");
    assert.equal(trace.masked, true);
    const masked = trace.entries[4]!.detail as typeof invoice;
    assert.deepEqual(JSON.parse(JSON.stringify(masked.totals.net)), { currency: "USD", amountMinor: "***", amount: "***" });
    assert.equal(JSON.stringify(masked).includes("81612"), false, "no amount left anywhere");
    const open = await buildTrace(store, "PRO-777", { showMoney: true });
    assert.equal((open.entries[4]!.detail as typeof invoice).totals.net.amountMinor, 81612);
    assert.equal(open.masked, false);

    const byCorrelation = await buildTrace(store, "C-OTHER", { showMoney: true });
    assert.deepEqual(byCorrelation.entries.map((e) => e.name), ["order/1 RELEASED", "tms Create shipment"]);
    assert.equal((await buildTrace(store, "nothing-like-it", { showMoney: true })).entries.length, 0);
    assert.equal((await buildTrace(store, "PRO-777", { showMoney: true, limit: 2 })).truncated, true);
  });

  it("follows the loads and BOLs named on the way to their own threads, one step only, never a shared PO", async () => {
    const store = freshStore();
    const step = (at: number, name: string, thread: string, keys: Array<[BusinessKey["type"], string]>): NewEventLogEntry => ({
      at, kind: "event", name, correlationId: thread, nodeId: `n-${at}`, system: "x", status: "mapped", keys: keys.map(([type, value]) => ({ type, value })),
    });
    await store.appendEvents([
      step(1, "order 1 released", "SO|1", [["order", "1"], ["order", "PO-C"]]),
      step(2, "order 2 released", "SO|2", [["order", "2"], ["order", "PO-C"]]),
      // The warehouse works on the load: its scans and execution updates are on the load's thread.
      step(3, "pick on L1", "LOAD|L1", [["load", "L1"], ["sscc", "S1"]]),
      { ...step(4, "tms execution update", "LOAD|L1", []), kind: "call", keys: [{ type: "correlation", value: "LOAD|L1" }] },
      step(5, "pick on L2", "LOAD|L2", [["load", "L2"]]),
      // The load's thread names a BOL whose own thread is a step further: not followed.
      step(6, "L1 dispatched", "LOAD|L1", [["load", "L1"], ["bol", "B9"]]),
      step(7, "elsewhere on B9", "X|9", [["bol", "B9"]]),
      // The delivery milestone is on the order's thread and names the load.
      step(8, "order 1 delivered", "SO|1", [["order", "1"], ["load", "L1"]]),
    ]);
    // The order's thread names L1 (the delivery milestone): L1's thread is one step on, B9's a second (not followed).
    const byOrder = await buildTrace(store, "1", { showMoney: true });
    assert.deepEqual(byOrder.entries.map((e) => e.name), ["order 1 released", "pick on L1", "tms execution update", "L1 dispatched", "order 1 delivered"]);
    assert.deepEqual(byOrder.correlationIds, ["SO|1", "LOAD|L1"]);
    // The load's own threads name B9 (its dispatch): B9's thread is one step on from the load.
    const byLoad = await buildTrace(store, "L1", { showMoney: true });
    assert.deepEqual(byLoad.entries.map((e) => e.name), ["order 1 released", "pick on L1", "tms execution update", "L1 dispatched", "elsewhere on B9", "order 1 delivered"]);
    const bySscc = await buildTrace(store, "S1", { showMoney: true });
    // The SSCC's own thread (the load's) names L1 and B9: the order's thread and B9's are one step on.
    assert.deepEqual(bySscc.entries.map((e) => e.name), ["order 1 released", "pick on L1", "tms execution update", "L1 dispatched", "elsewhere on B9", "order 1 delivered"]);
  });

  it("traceKey names the rule a bad key breaks", () => {
    assert.equal(traceKey("  PRO-777 "), "PRO-777");
    assert.throws(() => traceKey(""), /key is required/);
    assert.throws(() => traceKey(["a", "b"]), /key is required/);
    assert.throws(() => traceKey("x".repeat(201)), /at most 200 characters/);
  });
});

describe("masking", () => {
  it("finance needs '*' or lsync-finance.read once adminAuth is on; a plain read scope is not enough", () => {
    assert.equal(mayReadFinance(undefined, false), true);
    assert.equal(mayReadFinance("*", true), true);
    assert.equal(mayReadFinance(["read", "lsync-finance.read"], true), true);
    assert.equal(mayReadFinance("read", true), false);
    assert.equal(mayReadFinance(["lsync-trace.read"], true), false);
    assert.equal(mayReadFinance(undefined, true), false);
  });
});
