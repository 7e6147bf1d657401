/**
 * The lsync-kpi node on a store's event log: entries appended to the store come out as one message
 * per KPI (topic, number, unit) and five tables; the window leaves older entries out and
 * msg.windowHours widens it; a bad window reaches a Catch node naming the field and rule; the timer
 * computes without input.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import kpiNode, { intervalOf } from "../../../nodes/lsync-kpi/lsync-kpi";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import { canonicalEntry } from "../../../nodes/lib/events/record";
import type { NewEventLogEntry } from "../../../nodes/lib/store";
import { collect, getNode, helper, tempDir, waitFor, type Msg } from "./_helper";

const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const dir = tempDir("lsync-kpi-node-");
let n = 0;

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `kpi-${++n}.db`), durability: "process" },
    { id: "kpi", type: "lsync-kpi", z: "tab", store: "store", intervalSeconds: 0, window: "24", windowType: "num", wires: [["figures"], ["tables"]], ...extra },
    { id: "figures", type: "helper", z: "tab" },
    { id: "tables", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}

/** Two orders shipped 2 h and 4 h after release (one 30 h ago: outside a 24 h window), a sent and a dead TMS call, a replayed dead letter. */
function seed(now: number): NewEventLogEntry[] {
  const order = (id: string, released: number, shipped: number, corr: string): NewEventLogEntry[] => [
    canonicalEntry({ schema: "order/1", id: `o-${id}`, orderId: id, status: "RELEASED", releasedAt: iso(released), occurredAt: iso(released), correlationId: corr, source: { system: "SAP_S4" } }, "map", "valid", released),
    canonicalEntry(
      { schema: "shipment/1", id: `s-${id}`, shipmentId: `S-${id}`, status: "SHIPPED", shippedAt: iso(shipped), occurredAt: iso(shipped), orderRefs: [{ orderId: id }], correlationId: corr, source: { system: "WMS_DC1" } },
      "map",
      "valid",
      shipped,
    ),
  ];
  return [
    ...order("ORD-OLD", now - 34 * H, now - 30 * H, "C0"), // 4 h, outside 24 h
    ...order("ORD-1", now - 5 * H, now - 3 * H, "C1"), // 2 h
    { at: now - 2 * H, kind: "call", name: "tms x", correlationId: "C1", nodeId: "tms", system: "tms", status: "sent", keys: [] },
    { at: now - 2 * H, kind: "call", name: "tms x", correlationId: "C1", nodeId: "tms", system: "tms", status: "dead", keys: [] },
    { at: now - H, kind: "dead-letter", name: "dead letter 1 replayed by ann", nodeId: "tms", status: "replayed", keys: [] },
  ];
}

const byTopic = (msgs: Msg[]) => Object.fromEntries(msgs.map((m) => [m.topic as string, m]));

describe("lsync-kpi node", () => {
  before(() => helper.startServer());
  after(async () => {
    await helper.stopServer();
    dir.remove();
  });
  afterEach(() => helper.unload());

  it("sends one message per KPI and the state tables for the window", async () => {
    await helper.load([storeNode, kpiNode], flow());
    await getNode<StoreNode>("store").store.appendEvents(seed(Date.now()));
    const figures = collect("figures");
    const tables = collect("tables");
    getNode("kpi").receive({ payload: "tick" });
    await waitFor("figures and tables", () => figures.length === 11 && tables.length === 5);

    const k = byTopic(figures);
    assert.equal(k["Order-to-ship cycle time"]!.payload, 2, "only ORD-1 (2 h) is inside 24 h");
    assert.equal(k["Order-to-ship cycle time"]!.unit, "h");
    assert.equal(k["Order-to-ship cycle time"]!.text, "2 h");
    assert.equal(k["Failed transaction rate"]!.payload, 50);
    assert.equal(k["Manual touches"]!.payload, 1);
    assert.equal(k["Reconciliation backlog"]!.payload, null, "no invoices: no data");
    assert.equal(k["Reconciliation backlog"]!.text, "no data");
    assert.equal((figures[0]!.window as { entries: number }).entries, 5, "ORD-1's two objects, two calls, one dead letter");

    const t = byTopic(tables);
    assert.deepEqual(t.orders!.payload, [{ state: "RELEASED", orders: 1 }]);
    assert.deepEqual(t.invoices!.payload, []);
    const rows = t.kpis!.payload as Array<{ kpi: string; scope: string; value: number }>;
    assert.deepEqual(rows.find((r) => r.kpi === "Order-to-ship cycle time"), { kpi: "Order-to-ship cycle time", scope: "unknown", figure: "median 2 · p90 2 · mean 2 · n 1", value: 2, unit: "h" });
  });

  it("msg.windowHours widens the window", async () => {
    await helper.load([storeNode, kpiNode], flow());
    await getNode<StoreNode>("store").store.appendEvents(seed(Date.now()));
    const figures = collect("figures");
    getNode("kpi").receive({ windowHours: 48 });
    await waitFor("figures", () => figures.length === 11);
    assert.equal(byTopic(figures)["Order-to-ship cycle time"]!.payload, 3, "(2 h + 4 h) / 2");
    assert.equal(byTopic(figures)["Order-to-ship cycle time"]!.windowHours, 48, "the input message's properties travel on");
  });

  it("a bad window fails to the Catch node naming the field and the rule, and the node keeps working", async () => {
    await helper.load([storeNode, kpiNode], flow());
    const caught = collect("caught");
    const figures = collect("figures");
    getNode("kpi").receive({ windowHours: "a week" });
    await waitFor("the Catch node", () => caught.length === 1);
    const error = caught[0]!.error as { message: string; source: { id: string } };
    assert.match(error.message, /msg\.windowHours: must be a number of hours above 0 and at most 2160 \(90 days\), got "a week"/);
    assert.equal(error.source.id, "kpi");
    assert.equal(figures.length, 0);
    getNode("kpi").receive({});
    await waitFor("figures after the error", () => figures.length === 11);
  });

  it("computes on its timer without input", async () => {
    await helper.load([storeNode, kpiNode], flow({ intervalSeconds: 1 }));
    await getNode<StoreNode>("store").store.appendEvents(seed(Date.now()));
    const figures = collect("figures");
    // Generous: a shared 2-core machine may run the first tick late.
    await waitFor("a timer run", () => figures.length >= 11, 15_000);
    assert.equal(byTopic(figures.slice(0, 11))["Manual touches"]!.payload, 1);
  });

  it("takes the window from an env variable, and a timer run's failure reaches the Catch node too", async () => {
    process.env.LSYNC_TEST_KPI_WINDOW = "48";
    await helper.load([storeNode, kpiNode], flow({ window: "LSYNC_TEST_KPI_WINDOW", windowType: "env" }));
    await getNode<StoreNode>("store").store.appendEvents(seed(Date.now()));
    const figures = collect("figures");
    getNode("kpi").receive({});
    await waitFor("figures", () => figures.length === 11);
    assert.equal(byTopic(figures)["Order-to-ship cycle time"]!.payload, 3, "48 h from the environment");
    await helper.unload();

    process.env.LSYNC_TEST_KPI_WINDOW = "forever";
    try {
      await helper.load([storeNode, kpiNode], flow({ window: "LSYNC_TEST_KPI_WINDOW", windowType: "env", intervalSeconds: 1 }));
      const caught = collect("caught");
      await waitFor("the timer's failure at the Catch node", () => caught.length >= 1, 15_000);
      assert.match((caught[0]!.error as { message: string }).message, /KPI computation failed: window: must be a number of hours above 0 .* got "forever"/);
    } finally {
      delete process.env.LSYNC_TEST_KPI_WINDOW;
    }
  });

  it("reads its interval from the dialog: empty is 60 s, 0 is on input only, other values are refused by name", () => {
    assert.equal(intervalOf(""), 60);
    assert.equal(intervalOf("0"), 0);
    assert.equal(intervalOf(30), 30);
    assert.throws(() => intervalOf("0.5"), /intervalSeconds: must be 0 \(on input only\) or a number of seconds ≥ 1, got "0.5"/);
    assert.throws(() => intervalOf("soon"), /intervalSeconds/);
  });
});
