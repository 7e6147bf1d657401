/**
 * KPIs from the event log: seeded entries with known timestamps go through a SQLite store (the
 * product's recording functions build them), are read back by loadEvents, and each KPI is compared
 * with the figure worked out by hand below from the same seeds. Then the Prometheus text of the
 * /metrics route: it parses, one sample per series, and the route needs lsync-metrics.read.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import { computeKpis, durationStat, kpiEntry, loadEvents, percentile } from "../../../nodes/lib/events/kpis";
import { stateCounts } from "../../../nodes/lib/events/dashboard";
import { prometheusText } from "../../../nodes/lib/events/metrics";
import { registerEventLogStore } from "../../../nodes/lib/events/event-log";
import { callOutcomeEntry, canonicalEntry, duplicateEntry } from "../../../nodes/lib/events/record";
import type { RowOutcome } from "../../../nodes/lib/outbox/dispatcher";
import type { NodeAPI } from "../../../nodes/lib/red";
import { SqliteStore, type EventLogEntry, type NewEventLogEntry, type OutboxRow } from "../../../nodes/lib/store";
import tracePlugin, { METRICS_READ, metricsWindow } from "../../../nodes/lsync-trace/lsync-trace";
import { tempDir } from "../nodes/_helper";

/** supertest (no bundled types), as test/unit/nodes/replay.test.ts uses it. */
interface Reply {
  status: number;
  text: string;
  headers: Record<string, string>;
}
interface Call extends PromiseLike<Reply> {
  set(header: string, value: string): Call;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const supertest = require("supertest") as (app: express.Express) => { get(path: string): Call };

const dir = tempDir("lsync-kpis-");
let n = 0;
const stores: SqliteStore[] = [];
function freshStore(): SqliteStore {
  const store = new SqliteStore({ path: join(dir.path, `kpi-${++n}.db`) });
  stores.push(store);
  return store;
}
after(async () => {
  for (const s of stores) await s.close();
  dir.remove();
});

const T = Date.UTC(2025, 2, 21, 12, 0, 0);
const S = 1000;
const H = 3600 * S;
const iso = (ms: number) => new Date(ms).toISOString();
const usd = (amountMinor: number) => ({ currency: "USD", amountMinor });
const site = (id: string) => ({ ids: [{ scheme: "WMS_SITE", value: id }] });

/** A canonical object logged as mapped (at its recordedAt) and, unless `invalid`, valid. */
function logged(object: Record<string, unknown>, options: { invalid?: boolean } = {}): NewEventLogEntry[] {
  const at = Date.parse(object.recordedAt as string);
  return [canonicalEntry(object, "map", "mapped", at), canonicalEntry(object, "validate", options.invalid ? "invalid" : "valid", at)];
}

let ids = 0;
function canonical(schema: string, sourceSystem: string, occurredAt: number, recordedAt: number, correlationId: string, fields: Record<string, unknown>) {
  return { schema, id: `obj-${++ids}`, occurredAt: iso(occurredAt), recordedAt: iso(recordedAt), source: { system: sourceSystem, format: "TEST" }, correlationId, ...fields };
}

const row = (id: number, correlationId: string): OutboxRow => ({ id, correlationId, attempts: 0, idempotencyKey: `k${id}` }) as unknown as OutboxRow;
const tmsCall = { system: "tms", operation: "Load execution update", nodeId: "tms" };

/**
 * Three shipments through two warehouses:
 *  SHP-1 (DC1): released T, shipped T+2h, delivered T+26h (Shipment.deliveredAt), accrued 1000.00 at
 *    T+27h, invoiced 1100.00 received T+50h (EXCEPTION), one ExceptionEvent.
 *  SHP-2 (DC2): released T+1h, shipped T+5h, delivered T+30h (214 only), accrued 500.00 at T+31h,
 *    invoiced 450.00 received T+40h (APPROVED).
 *  SHP-3 (DC1): released T+2h, shipped T+3h; not delivered, nothing billed.
 * Plus: an invalid order (left out), an ESTIMATED 214 (no latency), two duplicates dropped from the
 * scanner, calls to the TMS (C1 retry then sent, C2 dead, C3 sent), dead letters parked/replayed/discarded.
 */
function seed(): NewEventLogEntry[] {
  const e: NewEventLogEntry[] = [];
  // SHP-1
  e.push(...logged(canonical("order/1", "SAP_S4", T, T + 60 * S, "C1", { orderId: "ORD-1", status: "RELEASED", releasedAt: iso(T) })));
  e.push(...logged(canonical("inventory-movement/1", "SCANNER", T + 600 * S, T + 605 * S, "C1", { movementId: "m1", type: "PICK", site: site("DC1"), sourceDocs: [{ type: "ORDER", value: "ORD-1" }] })));
  e.push(
    ...logged(
      canonical("shipment/1", "WMS_DC1", T + 2 * H, T + 2 * H + 120 * S, "C1", {
        shipmentId: "SHP-1",
        status: "SHIPPED",
        orderRefs: [{ orderId: "ORD-1" }],
        references: [{ type: "BOL", value: "BOL-1" }],
        shippedAt: iso(T + 2 * H),
        deliveredAt: iso(T + 26 * H),
      }),
    ),
  );
  e.push(...logged(canonical("shipment-status-event/1", "CARRIER_ABCD", T + 26 * H, T + 27 * H, "C1", { status: "DELIVERED", classifier: "ACTUAL", shipmentRefs: [{ type: "BOL", value: "BOL-1" }] })));
  e.push(...logged(canonical("freight-charge/1", "SAP_S4", T + 27 * H, T + 27 * H, "C1", { chargeId: "a1", stage: "ACCRUED", chargeType: "LINEHAUL", amount: usd(100000), shipmentRefs: [{ type: "BOL", value: "BOL-1" }] })));
  e.push(
    ...logged(
      canonical("invoice-event/1", "CARRIER_ABCD", T + 50 * H, T + 50 * H, "C1", {
        invoiceId: "i1",
        invoiceNumber: "INV-1",
        receivedAt: iso(T + 50 * H),
        status: "EXCEPTION",
        totals: { net: usd(110000) },
        shipmentRefs: [{ type: "BOL", value: "BOL-1" }],
        lines: [],
      }),
    ),
  );
  e.push(canonicalEntry(canonical("exception-event/1", "LSYNC", T + 50 * H, T + 50 * H, "C1", { type: "INVOICE_VARIANCE", status: "OPEN", subjectRefs: [{ type: "SHIPMENT", value: "SHP-1" }] }), "drift", "raised", T + 50 * H));
  // SHP-2
  e.push(...logged(canonical("order/1", "SAP_S4", T + 1 * H, T + 1 * H + 30 * S, "C2", { orderId: "ORD-2", status: "RELEASED", releasedAt: iso(T + 1 * H) })));
  e.push(...logged(canonical("inventory-movement/1", "SCANNER", T + 2 * H, T + 2 * H + 15 * S, "C2", { movementId: "m2", type: "PICK", site: site("DC2"), sourceDocs: [{ type: "ORDER", value: "ORD-2" }] })));
  e.push(
    ...logged(
      canonical("shipment/1", "WMS_DC2", T + 5 * H, T + 5 * H + 60 * S, "C2", {
        shipmentId: "SHP-2",
        status: "SHIPPED",
        orderRefs: [{ orderId: "ORD-2" }],
        references: [{ type: "BOL", value: "BOL-2" }],
        shippedAt: iso(T + 5 * H),
      }),
    ),
  );
  e.push(...logged(canonical("shipment-status-event/1", "CARRIER_ABCD", T + 29 * H, T + 29 * H, "C2", { status: "DELIVERED", classifier: "ESTIMATED", shipmentRefs: [{ type: "BOL", value: "BOL-2" }] })));
  e.push(...logged(canonical("shipment-status-event/1", "CARRIER_ABCD", T + 30 * H, T + 30 * H + 1800 * S, "C2", { status: "DELIVERED", classifier: "ACTUAL", shipmentRefs: [{ type: "BOL", value: "BOL-2" }] })));
  e.push(...logged(canonical("freight-charge/1", "SAP_S4", T + 31 * H, T + 31 * H, "C2", { chargeId: "a2", stage: "ACCRUED", chargeType: "LINEHAUL", amount: usd(50000), shipmentRefs: [{ type: "BOL", value: "BOL-2" }] })));
  e.push(
    ...logged(
      canonical("invoice-event/1", "CARRIER_ABCD", T + 40 * H, T + 40 * H, "C2", {
        invoiceId: "i2",
        invoiceNumber: "INV-2",
        receivedAt: iso(T + 40 * H),
        status: "APPROVED",
        totals: { net: usd(45000) },
        shipmentRefs: [{ type: "BOL", value: "BOL-2" }],
        lines: [],
      }),
    ),
  );
  // SHP-3
  e.push(...logged(canonical("order/1", "SAP_S4", T + 2 * H, T + 2 * H + 90 * S, "C3", { orderId: "ORD-3", status: "RELEASED", releasedAt: iso(T + 2 * H) })));
  e.push(...logged(canonical("inventory-movement/1", "SCANNER", T + 2 * H + 600 * S, T + 2 * H + 610 * S, "C3", { movementId: "m3", type: "PICK", site: site("DC1"), sourceDocs: [{ type: "ORDER", value: "ORD-3" }] })));
  e.push(
    ...logged(
      canonical("shipment/1", "WMS_DC1", T + 3 * H, T + 3 * H + 60 * S, "C3", { shipmentId: "SHP-3", status: "SHIPPED", orderRefs: [{ orderId: "ORD-3" }], shippedAt: iso(T + 3 * H) }),
    ),
  );
  // An order the validate node rejected: in no KPI (it would add 1 h to order-to-ship at DC9).
  e.push(...logged(canonical("order/1", "SAP_S4", T, T + 10 * S, "C9", { orderId: "ORD-9", status: "RELEASED", releasedAt: iso(T) }), { invalid: true }));
  // Two scans dropped as duplicates by the dedupe node.
  const scan = canonical("inventory-movement/1", "SCANNER", T + 600 * S, T + 605 * S, "C1", { movementId: "m1", type: "PICK", site: site("DC1") });
  e.push(canonicalEntry(scan, "map", "mapped", T + 700 * S), duplicateEntry(scan, "SCAN|m1", "dedupe", "C1"));
  e.push(canonicalEntry(scan, "map", "mapped", T + 800 * S), duplicateEntry(scan, "SCAN|m1", "dedupe", "C1"));
  // Calls: C1 retried then sent, C2 dead, C3 sent; queued entries are no verdict.
  e.push({ at: T + 700 * S, kind: "call", name: "tms Load execution update", correlationId: "C1", nodeId: "tms", system: "tms", status: "queued", keys: [] });
  e.push(callOutcomeEntry(tmsCall, "b1", [{ row: row(1, "C1"), result: "retry", error: "503" } as unknown as RowOutcome], 20, T + 701 * S));
  e.push(callOutcomeEntry(tmsCall, "b1", [{ row: row(1, "C1"), result: "sent" } as unknown as RowOutcome], 20, T + 760 * S));
  e.push(callOutcomeEntry(tmsCall, "b2", [{ row: row(2, "C2"), result: "dead", error: "unknown load" } as unknown as RowOutcome], 20, T + 2 * H + 60 * S));
  e.push(callOutcomeEntry(tmsCall, "b3", [{ row: row(3, "C3"), result: "sent" } as unknown as RowOutcome], 20, T + 2 * H + 700 * S));
  // Dead letters: one parked, one replayed and one discarded by hand.
  e.push({ at: T + 2 * H + 61 * S, kind: "dead-letter", name: "dead letter 1", nodeId: "tms", status: "parked", keys: [] });
  e.push({ at: T + 3 * H, kind: "dead-letter", name: "dead letter 1 replayed by alice", nodeId: "tms", status: "replayed", keys: [] });
  e.push({ at: T + 3 * H, kind: "dead-letter", name: "dead letter 2 discarded by bob", nodeId: "tms", status: "discarded", keys: [] });
  return e.map((entry) => ({ ...entry, at: entry.at || T }));
}

/** The duplicate entries are stamped with Date.now(): put them at a known time inside the window. */
function seeded(): NewEventLogEntry[] {
  return seed().map((entry) => (entry.status === "duplicate" ? { ...entry, at: T + 900 * S } : entry));
}

const stat = (values: number[]) => {
  // Nearest rank worked out here, not by the module: sorted ascending, rank ceil(p·n).
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.ceil(p * sorted.length) - 1];
  return { count: sorted.length, median: at(0.5), p90: at(0.9), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length };
};

describe("KPIs over the event log", () => {
  it("equal the figures worked out by hand from the same seeded events", async () => {
    const store = freshStore();
    await store.appendEvents(seeded());
    const entries = await loadEvents(store, T - H, T + 100 * H);
    const k = computeKpis(entries);

    // Latency: recordedAt − occurredAt of each valid ACTUAL object, once per object, per source
    // (the invalid ORD-9 and the ESTIMATED 214 left out).
    assert.deepEqual(k.milestoneLatency?.SAP_S4, stat([60, 0, 30, 0, 90]));
    assert.deepEqual(k.milestoneLatency?.WMS_DC1, stat([120, 60]));
    assert.deepEqual(k.milestoneLatency?.WMS_DC2, stat([60]));
    assert.deepEqual(k.milestoneLatency?.CARRIER_ABCD, stat([3600, 0, 1800, 0]));
    // Scanner: m1 5 s, m2 15 s, m3 10 s, and the duplicate scan object (its own id) 5 s.
    assert.deepEqual(k.milestoneLatency?.SCANNER, stat([5, 15, 10, 5]));
    assert.equal(k.milestoneLatency?.LSYNC, undefined, "an ExceptionEvent is raised here, not received");

    // Order-to-ship per site: DC1 SHP-1 2 h, SHP-3 1 h; DC2 SHP-2 4 h.
    assert.deepEqual(k.orderToShip, { DC1: stat([7200, 3600]), DC2: stat([14400]) });
    assert.equal(k.orderToShip?.DC1?.median, 3600);
    assert.equal(k.orderToShip?.DC1?.p90, 7200);

    // Dwell: SHP-1 received T+50h − delivered T+26h = 24 h; SHP-2 T+40h − T+30h (ACTUAL 214, not the ETA) = 10 h.
    assert.deepEqual(k.shipmentToInvoice, stat([24 * 3600, 10 * 3600]));
    // Readiness: SHP-1 accrual T+27h − T+26h = 1 h; SHP-2 accrual T+31h − T+30h = 1 h.
    assert.deepEqual(k.invoiceReadiness, stat([3600, 3600]));

    // Accrual accuracy, USD: accrued 1000.00 + 500.00, invoiced 1100.00 + 450.00.
    const accrued = 100000 + 50000;
    const actual = 110000 + 45000;
    assert.equal(k.freightAccrualAccuracy?.USD?.accuracy, 1 - Math.abs(accrued - actual) / actual);
    assert.equal(k.freightAccrualAccuracy?.USD?.mape, (Math.abs(100000 - 110000) / 110000 + Math.abs(50000 - 45000) / 45000) / 2);
    assert.equal(k.freightAccrualAccuracy?.USD?.shipments, 2);

    // Inventory sync to the TMS: m1 (C1) sent, m2 (C2) dead, m3 (C3) sent → 2 of 3.
    assert.deepEqual(k.inventorySyncAccuracy, { tms: { numerator: 2, denominator: 3, rate: 2 / 3 } });
    // Failed transactions: attempts ending sent or dead: C1 sent, C2 dead, C3 sent (the retry is no verdict).
    assert.deepEqual(k.failedTransactionRate, { tms: { numerator: 1, denominator: 3, rate: 1 / 3 } });
    // Duplicates from the scanner: 2 dropped; the scanner's mappings: m1, m2, m3 and the two repeats = 5.
    // SAP: ORD-1, ORD-2, ORD-3, ORD-9 (mapped, then invalid) and two accruals = 6 mappings, none dropped.
    assert.deepEqual(k.duplicateEventRate?.SCANNER, { numerator: 2, denominator: 5, rate: 2 / 5 });
    assert.deepEqual(k.duplicateEventRate?.SAP_S4, { numerator: 0, denominator: 6, rate: 0 });
    // Backlog: INV-1 in EXCEPTION is open, INV-2 APPROVED is not.
    assert.equal(k.reconciliationBacklog, 1);
    // Exceptions per warehouse: DC1 has SHP-1 (with one) and SHP-3; DC2 has SHP-2.
    assert.deepEqual(k.exceptionRate, { DC1: { numerator: 1, denominator: 2, rate: 0.5 }, DC2: { numerator: 0, denominator: 1, rate: 0 } });
    assert.deepEqual(k.manualTouches, { replayed: 1, discarded: 1 });
  });

  it("a KPI whose events are not in the window is no data (null), not zero", async () => {
    const store = freshStore();
    await store.appendEvents(seeded());
    // Only the first ten minutes: orders and one scan, nothing shipped, billed or called.
    const k = computeKpis(await loadEvents(store, T - H, T + 10 * 60 * S + 5 * S));
    assert.notEqual(k.milestoneLatency, null);
    assert.equal(k.orderToShip, null);
    assert.equal(k.shipmentToInvoice, null);
    assert.equal(k.invoiceReadiness, null);
    assert.equal(k.freightAccrualAccuracy, null);
    assert.equal(k.inventorySyncAccuracy, null);
    assert.equal(k.failedTransactionRate, null);
    assert.equal(k.reconciliationBacklog, null);
    const empty = computeKpis([]);
    assert.equal(empty.duplicateEventRate, null);
    assert.equal(empty.exceptionRate, null);
    assert.equal(empty.milestoneLatency, null);
  });

  it("loadEvents reads past the store's 10,000-entry page without losing or repeating entries at one time", async () => {
    const store = freshStore();
    const many: NewEventLogEntry[] = [];
    for (let i = 0; i < 10_050; i++) many.push({ at: T + (i < 10_020 ? 0 : i), kind: "event", name: `e${i}`, keys: [] });
    await store.appendEvents(many);
    const read = await loadEvents(store, T, T + H);
    assert.equal(read.length, 10_050);
    assert.equal(new Set(read.map((e) => e.id)).size, 10_050);
    assert.equal(read.truncated, undefined);
    const capped = await loadEvents(store, T, T + H, 10_010);
    assert.equal(capped.length, 10_010);
    assert.equal(capped.truncated, true);
    assert.deepEqual(capped.map((e) => e.id), read.slice(0, 10_010).map((e) => e.id), "the oldest entries, in order");
  });

  it("loadEvents keeps of each detail what the KPIs and state tables read: the same figures as whole entries", async () => {
    const store = freshStore();
    // The seeded objects, each with a part no KPI reads (what makes a logged object ~1 KB).
    const padded = seeded().map((e) =>
      e.detail && typeof e.detail === "object" ? { ...e, detail: { ...(e.detail as object), lines: [{ sku: "X".repeat(200) }], notes: "n".repeat(300) } } : e,
    );
    await store.appendEvents(padded);
    const slim = await loadEvents(store, T - H, T + 100 * H);
    const whole = await loadEvents(store, T - H, T + 100 * H, undefined, (e) => e);
    assert.equal(slim.length, whole.length);
    assert.deepEqual(computeKpis(slim), computeKpis(whole));
    assert.deepEqual(stateCounts(slim), stateCounts(whole));
    const size = (list: unknown[]) => JSON.stringify(list).length;
    assert.ok(size(slim) < size(whole) / 2, `slim ${size(slim)} vs whole ${size(whole)} characters`);
    assert.ok(slim.every((e) => !(e.detail as { lines?: unknown } | null)?.lines), "unread parts are left behind");
  });

  it("kpiEntry cuts locations to their first id and name, and leaves details that are not objects alone", () => {
    const entry: EventLogEntry = { id: 1, at: T, kind: "event", name: "m", correlationId: null, nodeId: null, system: null, status: "valid", durationMs: null, keys: [], detail: null };
    const site = { ids: [{ scheme: "GLN", value: "0614141000005" }, { scheme: "WMS_SITE", value: "DC1" }], name: "Dallas DC", address: { city: "Dallas" } };
    const cut = kpiEntry({ ...entry, detail: { schema: "shipment/1", id: "s", site, stops: [{ type: "PICKUP", location: site, window: {} }], pod: { deliveredAt: "x", signedBy: "y" } } });
    assert.deepEqual(cut.detail, {
      schema: "shipment/1",
      id: "s",
      site: { ids: [{ value: "0614141000005" }], name: "Dallas DC" },
      stops: [{ type: "PICKUP", location: { ids: [{ value: "0614141000005" }], name: "Dallas DC" } }],
      pod: { deliveredAt: "x" },
    });
    for (const detail of [null, "text", [1, 2]]) assert.equal(kpiEntry({ ...entry, detail }).detail, detail);
  });

  it("percentiles are nearest-rank values", () => {
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), 5);
    assert.deepEqual(durationStat([3, 1, 2]), { count: 3, median: 2, p90: 3, mean: 2 });
    assert.equal(durationStat([]), null);
  });
});

// ---- Prometheus text ------------------------------------------------------------------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text format: HELP and TYPE before samples, names and labels well formed. */
function parsePrometheus(text: string): { types: Map<string, string>; helps: Set<string>; samples: Sample[] } {
  assert.ok(text.endsWith("\n"), "ends with a newline");
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  for (const line of text.slice(0, -1).split("\n")) {
    let m: RegExpMatchArray | null;
    if ((m = line.match(new RegExp(`^# HELP (${NAME}) (.+)$`)))) helps.add(m[1]!);
    else if ((m = line.match(new RegExp(`^# TYPE (${NAME}) (gauge|counter|histogram|summary|untyped)$`)))) {
      assert.ok(!types.has(m[1]!), `one TYPE line for ${m[1]}`);
      types.set(m[1]!, m[2]!);
    } else if ((m = line.match(new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`)))) {
      const [, name, rawLabels, rawValue] = m;
      assert.ok(types.has(name!) && helps.has(name!), `${name} has HELP and TYPE before its samples`);
      const labels: Record<string, string> = {};
      if (rawLabels) {
        const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
        let pos = 0;
        while (pos < rawLabels.length) {
          re.lastIndex = pos;
          const l = re.exec(rawLabels);
          assert.ok(l, `label syntax in ${line}`);
          labels[l[1]!] = l[2]!;
          pos = re.lastIndex;
        }
      }
      const value = Number(rawValue === "+Inf" ? Infinity : rawValue === "-Inf" ? -Infinity : rawValue);
      assert.ok(rawValue === "NaN" || !Number.isNaN(value), `numeric value in ${line}`);
      samples.push({ name: name!, labels, value });
    } else assert.fail(`not a valid exposition line: ${JSON.stringify(line)}`);
  }
  const series = samples.map((s) => `${s.name}{${Object.entries(s.labels).sort().map(([k, v]) => `${k}=${v}`).join(",")}}`);
  assert.equal(new Set(series).size, series.length, "one sample per series");
  return { types, helps, samples };
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;

describe("Prometheus text", () => {
  it("parses, has HELP/TYPE for every metric, per-site labels, and the KPI values", async () => {
    const store = freshStore();
    await store.appendEvents(seeded());
    const kpis = computeKpis(await loadEvents(store, T - H, T + 100 * H));
    const text = prometheusText({ kpis, windowSeconds: 86400, counts: await store.counts() });
    const { types, samples } = parsePrometheus(text);
    assert.equal(types.get("lsync_kpi_order_to_ship_seconds"), "gauge");
    assert.equal(find(samples, "lsync_kpi_order_to_ship_seconds", { site: "DC1", stat: "median" }), 3600);
    assert.equal(find(samples, "lsync_kpi_order_to_ship_seconds", { site: "DC2", stat: "p90" }), 14400);
    assert.equal(find(samples, "lsync_kpi_exception_ratio", { site: "DC1" }), 0.5);
    assert.equal(find(samples, "lsync_kpi_duplicate_event_ratio", { source: "SCANNER" }), 0.4);
    assert.equal(find(samples, "lsync_kpi_reconciliation_backlog"), 1);
    assert.equal(find(samples, "lsync_kpi_manual_touches", { action: "replayed" }), 1);
    assert.equal(find(samples, "lsync_kpi_has_data", { kpi: "order_to_ship" }), 1);
    assert.equal(find(samples, "lsync_outbox_rows", { state: "pending" }), 0);
    assert.equal(find(samples, "lsync_dead_letters_parked"), 0);
  });

  it("no data: the metric is declared without samples and has_data is 0; label values are escaped", () => {
    const kpis = computeKpis([]);
    kpis.exceptionRate = { 'DC "north"\\1\nx': { numerator: 1, denominator: 4, rate: 0.25 } };
    kpis.duplicateEventRate = { EDI: { numerator: 2, denominator: 0, rate: NaN } };
    const { types, samples } = parsePrometheus(prometheusText({ kpis, windowSeconds: 60, counts: null }));
    assert.equal(types.get("lsync_kpi_shipment_to_invoice_seconds"), "gauge");
    assert.equal(samples.filter((s) => s.name === "lsync_kpi_shipment_to_invoice_seconds").length, 0);
    assert.equal(find(samples, "lsync_kpi_has_data", { kpi: "shipment_to_invoice" }), 0);
    assert.equal(find(samples, "lsync_kpi_exception_ratio", { site: 'DC \\"north\\"\\\\1\\nx' }), 0.25);
    assert.equal(samples.some((s) => s.name === "lsync_outbox_rows"), false, "no store, no store counters");
    assert.ok(Number.isNaN(find(samples, "lsync_kpi_duplicate_event_ratio", { source: "EDI" })), "a rate over nothing is NaN, not 0");
  });
});

describe("GET /lsync/metrics", () => {
  it("needs lsync-metrics.read, answers the text format from the active event log, and checks the window", async () => {
    const asked: string[] = [];
    const needsPermission = (permission: string) => {
      asked.push(permission);
      return (req: Request, res: Response, next: NextFunction) => {
        if (!String(req.headers["x-permissions"] ?? "").split(",").includes(permission)) return void res.status(401).end();
        next();
      };
    };
    const app = express();
    tracePlugin({ httpAdmin: app, auth: { needsPermission }, plugins: { registerPlugin: () => undefined }, settings: {} } as unknown as NodeAPI);
    assert.ok(asked.includes(METRICS_READ));
    assert.equal(METRICS_READ, "lsync-metrics.read");
    const http = supertest(app);

    assert.equal((await http.get("/lsync/metrics").set("x-permissions", METRICS_READ)).status, 503, "no event log yet");
    const store = freshStore();
    const now = Date.now();
    await store.appendEvents([
      { ...callOutcomeEntry(tmsCall, "b", [{ row: row(1, "C1"), result: "dead", error: "x" } as unknown as RowOutcome], 5, now - 60 * S) },
      { ...callOutcomeEntry(tmsCall, "b", [{ row: row(2, "C2"), result: "sent" } as unknown as RowOutcome], 5, now - 2 * H) },
    ]);
    const unregister = registerEventLogStore("metrics-store", store);
    try {
      assert.equal((await http.get("/lsync/metrics")).status, 401);
      assert.equal((await http.get("/lsync/metrics").set("x-permissions", "lsync-trace.read")).status, 401);
      const reply = await http.get("/lsync/metrics?window=3600").set("x-permissions", METRICS_READ);
      assert.equal(reply.status, 200);
      assert.match(String(reply.headers["content-type"]), /^text\/plain;/);
      assert.match(String(reply.headers["content-type"]), /version=0\.0\.4/);
      const { samples } = parsePrometheus(reply.text);
      // Only the dead call is inside the last hour.
      assert.equal(find(samples, "lsync_kpi_failed_transaction_ratio", { system: "tms" }), 1);
      assert.equal(find(samples, "lsync_kpi_window_seconds"), 3600);
      assert.equal(find(samples, "lsync_kpi_entries"), 1);
      assert.equal(find(samples, "lsync_kpi_truncated"), 0);
      const day = parsePrometheus((await http.get("/lsync/metrics").set("x-permissions", METRICS_READ)).text);
      assert.equal(find(day.samples, "lsync_kpi_failed_transaction_ratio", { system: "tms" }), 0.5);
      const bad = await http.get("/lsync/metrics?window=abc").set("x-permissions", METRICS_READ);
      assert.equal(bad.status, 400);
      assert.match(bad.text, /window must be a whole number of seconds/);
    } finally {
      await unregister();
    }
    assert.equal(metricsWindow(undefined), 86400);
    assert.throws(() => metricsWindow("10"), /window/);
  });
});
