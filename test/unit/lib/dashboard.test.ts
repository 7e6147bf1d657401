/**
 * The business dashboard's figures (nodes/lib/events/dashboard.ts): headlines read off a KPI result
 * written out here (so the pooling arithmetic is checked against figures worked by hand, not
 * against kpis.ts), the per-scope detail rows, the lifecycle state counts over seeded entries, and
 * the window rule.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { KPI_CATALOGUE, dashboardMessages, kpiFigures, kpiRows, stateCounts, windowHours } from "../../../nodes/lib/events/dashboard";
import type { Kpis } from "../../../nodes/lib/events/kpis";
import { callQueuedEntry, canonicalEntry } from "../../../nodes/lib/events/record";
import type { EventLogEntry, NewEventLogEntry } from "../../../nodes/lib/store";

const stat = (count: number, median: number, p90: number, mean: number) => ({ count, median, p90, mean });
const rate = (numerator: number, denominator: number) => ({ numerator, denominator, rate: denominator ? numerator / denominator : NaN });

const KPIS: Kpis = {
  milestoneLatency: { SCANNER: stat(3, 10, 20, 12), SAP_S4: stat(1, 60, 60, 60) },
  orderToShip: { DC1: stat(2, 3600, 7200, 5400), DC2: stat(1, 14400, 14400, 14400) },
  shipmentToInvoice: stat(2, 36000, 86400, 61200),
  freightAccrualAccuracy: {
    USD: { accuracy: 0.95, mape: 0.1, shipments: 2, accruedMinor: 150000, actualMinor: 155000 },
    EUR: { accuracy: 0.8, mape: 0.2, shipments: 1, accruedMinor: 8000, actualMinor: 10000 },
  },
  invoiceReadiness: stat(2, 3600, 3600, 5400),
  inventorySyncAccuracy: { tms: rate(3, 4), erp: rate(1, 1) },
  duplicateEventRate: { SCANNER: rate(2, 8), MQTT: rate(0, 0) },
  failedTransactionRate: { tms: rate(1, 4) },
  reconciliationBacklog: 3,
  exceptionRate: { DC1: rate(1, 2), DC2: rate(0, 1) },
  manualTouches: { replayed: 2, discarded: 1 },
};

describe("KPI headlines", () => {
  const byKey = Object.fromEntries(kpiFigures(KPIS).map((f) => [f.key, f]));

  it("are all eleven KPIs, each with its unit, in the catalogue's order", () => {
    assert.deepEqual(kpiFigures(KPIS).map((f) => f.key), KPI_CATALOGUE.map((k) => k.key));
    assert.equal(KPI_CATALOGUE.length, 11);
  });

  it("pool durations as the mean over every observation, in the display unit", () => {
    // (3·12 + 1·60) / 4 = 24 s
    assert.equal(byKey.milestoneLatency!.value, 24);
    assert.equal(byKey.milestoneLatency!.text, "24 s");
    // (2·5400 + 1·14400) / 3 = 8400 s = 2.33 h
    assert.equal(byKey.orderToShip!.value, 2.33);
    assert.equal(byKey.orderToShip!.basis, "mean of 3 over 2 sites");
    assert.equal(byKey.shipmentToInvoice!.value, 17); // 61200 s
    assert.equal(byKey.invoiceReadiness!.value, 1.5);
  });

  it("pool rates by numerator and denominator, in percent", () => {
    assert.equal(byKey.inventorySyncAccuracy!.value, 80); // 4 of 5
    assert.equal(byKey.duplicateEventRate!.value, 25); // 2 of 8 (+ 0 of 0)
    assert.equal(byKey.failedTransactionRate!.value, 25);
    assert.equal(byKey.exceptionRate!.value, 33.33); // 1 of 3
    assert.equal(byKey.exceptionRate!.text, "33.33 %");
  });

  it("show the lowest currency's accrual accuracy, the backlog and the touches", () => {
    assert.equal(byKey.freightAccrualAccuracy!.value, 80);
    assert.match(byKey.freightAccrualAccuracy!.basis, /lowest of 2 currencies \(EUR\)/);
    assert.equal(byKey.reconciliationBacklog!.value, 3);
    assert.equal(byKey.manualTouches!.value, 3);
  });

  it("say no data (null, never 0) for a KPI without events", () => {
    const empty: Kpis = { ...KPIS, orderToShip: null, reconciliationBacklog: null, duplicateEventRate: { MQTT: rate(0, 0) } };
    const f = Object.fromEntries(kpiFigures(empty).map((x) => [x.key, x]));
    assert.equal(f.orderToShip!.value, null);
    assert.equal(f.orderToShip!.text, "no data");
    assert.equal(f.reconciliationBacklog!.value, null);
    assert.equal(f.duplicateEventRate!.value, null, "0 of 0 is no data");
  });
});

describe("KPI detail rows", () => {
  it("one row per scope with median, p90 and the rate's parts", () => {
    const rows = kpiRows(KPIS);
    const dc1 = rows.find((r) => r.kpi === "Order-to-ship cycle time" && r.scope === "DC1")!;
    assert.equal(dc1.value, 1); // median 3600 s
    assert.equal(dc1.figure, "median 1 · p90 2 · mean 1.5 · n 2");
    const mqtt = rows.find((r) => r.kpi === "Duplicate event rate" && r.scope === "MQTT")!;
    assert.equal(mqtt.value, null);
    assert.equal(mqtt.figure, "0/0");
    assert.equal(rows.filter((r) => r.kpi === "Freight accrual accuracy").length, 2);
    assert.deepEqual(rows.filter((r) => r.kpi === "Manual touches").map((r) => [r.scope, r.value]), [["replayed", 2], ["discarded", 1]]);
  });
});

describe("state counts", () => {
  const T = Date.UTC(2026, 0, 5, 8);
  const H = 3_600_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  let id = 0;
  let objectId = 0;
  const entries: EventLogEntry[] = [];
  const log = (object: Record<string, unknown>, status = "valid") => {
    const withId = { id: `o${++objectId}`, ...object };
    for (const s of status === "valid" ? ["mapped", "valid"] : [status]) {
      const e: NewEventLogEntry = canonicalEntry(withId, "n", s, T);
      entries.push({ ...e, id: ++id, correlationId: e.correlationId ?? null, nodeId: "n", system: e.system ?? null, status: s, durationMs: null, detail: withId } as EventLogEntry);
    }
  };
  const site = (v: string) => ({ ids: [{ scheme: "WMS_SITE", value: v }] });
  // ORD-1 released then shipped (latest wins); ORD-2 released; ORD-3 rejected by validate (out).
  log({ schema: "order/1", orderId: "ORD-1", status: "RELEASED", occurredAt: iso(T), correlationId: "C1" });
  log({ schema: "order/1", orderId: "ORD-1", status: "SHIPPED", occurredAt: iso(T + 3 * H), correlationId: "C1" });
  log({ schema: "order/1", orderId: "ORD-2", status: "RELEASED", occurredAt: iso(T + H), correlationId: "C2" });
  log({ schema: "order/1", orderId: "ORD-3", status: "OPEN", occurredAt: iso(T + H), correlationId: "C3" }, "invalid");
  // Movements: two picks and a load at DC1, a pick at DC2.
  log({ schema: "inventory-movement/1", type: "PICK", site: site("DC1"), occurredAt: iso(T + H), correlationId: "C1", sourceDocs: [{ type: "BOL", value: "BOL-1" }] });
  log({ schema: "inventory-movement/1", type: "PICK", site: site("DC1"), occurredAt: iso(T + H), correlationId: "C1", sourceDocs: [{ type: "BOL", value: "BOL-1" }] });
  log({ schema: "inventory-movement/1", type: "LOAD", site: site("DC1"), occurredAt: iso(T + 2 * H), correlationId: "C1", sourceDocs: [{ type: "BOL", value: "BOL-1" }] });
  log({ schema: "inventory-movement/1", type: "PICK", site: site("DC2"), occurredAt: iso(T + 2 * H), correlationId: "C2", sourceDocs: [{ type: "BOL", value: "BOL-2" }] });
  // Shipment 1 delivered by the TMS; shipment 2 last seen picked at the WMS.
  log({ schema: "shipment-status-event/1", status: "DELIVERED", classifier: "ACTUAL", occurredAt: iso(T + 20 * H), correlationId: "C1", shipmentRefs: [{ type: "BOL", value: "BOL-1" }] });
  // Invoices: INV-1 received then approved (latest stands), INV-2 disputed, INV-3 void (out).
  const inv = (n: string, status: string, at: number) => ({ schema: "invoice-event/1", invoiceId: `${n}-${status}`, invoiceNumber: n, status, occurredAt: iso(at), correlationId: "C1", totals: { net: { currency: "USD", amountMinor: 100 } } });
  log(inv("INV-1", "RECEIVED", T + 21 * H));
  log(inv("INV-1", "APPROVED", T + 22 * H));
  log(inv("INV-2", "DISPUTED", T + 22 * H));
  log(inv("INV-3", "VOID", T + 22 * H));

  // BOL-1's order is made invoice-ready after delivery: the product tells finance (a queued call that
  // names the state it puts finance in), which is that shipment's latest milestone now.
  entries.push({
    ...callQueuedEntry({ system: "finance", operation: "Post invoice-ready", nodeId: "fin", lifecycleState: "BILLABLE" }, { correlationId: "C1", shipmentRefs: [{ type: "BOL", value: "BOL-1" }] }, "INVREADY|ORD-1", "C1", T + 23 * H),
    id: ++id,
    durationMs: null,
  } as EventLogEntry);

  const counts = stateCounts(entries);

  it("orders by their latest status, rejected orders left out", () => {
    assert.deepEqual(counts.orders, [{ state: "RELEASED", orders: 1 }, { state: "SHIPPED", orders: 1 }]);
  });

  it("inventory movements by site and type, each object once", () => {
    assert.deepEqual(counts.inventory, [
      { site: "DC1", movement: "LOAD", count: 1 },
      { site: "DC1", movement: "PICK", count: 2 },
      { site: "DC2", movement: "PICK", count: 1 },
    ]);
  });

  it("shipments by their latest milestone and the system that reported it", () => {
    // BOL-1's thread ends with finance told it is billable (T+23h, after the invoice at T+22h),
    // BOL-2's with the WMS pick.
    assert.deepEqual(counts.shipments, [
      { system: "FINANCE", state: "BILLABLE", shipments: 1 },
      { system: "WMS", state: "PICKED", shipments: 1 },
    ]);
  });

  it("invoices as they stand, by status", () => {
    assert.deepEqual(counts.invoices, [{ status: "APPROVED", invoices: 1 }, { status: "DISPUTED", invoices: 1 }]);
  });

  it("become one message per KPI and five tables", () => {
    const window = { since: T, until: T + 24 * H, entries: entries.length, truncated: false };
    const out = dashboardMessages(KPIS, entries, window);
    assert.deepEqual(out.kpis.map((m) => m.topic), KPI_CATALOGUE.map((k) => k.name));
    assert.equal(out.kpis[1]!.payload, 2.33);
    assert.deepEqual(out.tables.map((t) => t.topic), ["orders", "shipments", "inventory", "invoices", "kpis"]);
    assert.deepEqual(out.tables[0]!.payload, counts.orders);
  });
});

describe("window", () => {
  it("takes hours above 0 up to 90 days, from numbers or text", () => {
    assert.equal(windowHours(24), 24);
    assert.equal(windowHours("0.5"), 0.5);
    for (const bad of [0, -1, "x", "", null, undefined, 2161, {}]) {
      assert.throws(() => windowHours(bad, "msg.windowHours"), /^Error: msg\.windowHours: must be a number of hours above 0 and at most 2160/, String(bad));
    }
  });
});
