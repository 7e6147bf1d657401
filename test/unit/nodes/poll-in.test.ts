import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { join } from "node:path";
import endpointNode from "../../../nodes/lsync-endpoint/lsync-endpoint";
import pollInNode from "../../../nodes/lsync-poll-in/lsync-poll-in";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import { settleFinished, type IntakeRef } from "../../../nodes/lib/intake/settlement";
import { ErpSimulator } from "../../../simulators/erp";
import { WmsSimulator } from "../../../simulators/wms";
import { getNode, helper, recorded, recorderModule, sleep, tempDir, waitFor, type FlowNodeDef, type Msg } from "./_helper";

const SO = "/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder";
const MODULES = [storeNode, endpointNode, pollInNode, recorderModule];

describe("lsync-poll-in", () => {
  const erp = new ErpSimulator();
  const wms = new WmsSimulator();
  const dir = tempDir("lsync-poll-in-");
  let n = 0;
  before(async () => {
    await helper.startServer();
    await erp.listen(0, "127.0.0.1");
    await wms.listen(0, "127.0.0.1");
  });
  after(async () => {
    await helper.stopServer();
    await erp.close();
    await wms.close();
    dir.remove();
  });
  afterEach(() => helper.unload());

  function flow(source: string, system: "ERP" | "WMS", baseUrl: string, dbPath: string, extra: Record<string, unknown> = {}): FlowNodeDef[] {
    return [
      { id: "tab", type: "tab" },
      { id: "store", type: "lsync-store", kind: "sqlite", path: dbPath, durability: "process" },
      { id: "ep", type: "lsync-endpoint", system, baseUrl, authType: "none", timeoutMs: 2000, maxSockets: 2, retries: 0 },
      // Long interval: the test polls by input, so what a poll takes in is deterministic.
      { id: "poll", type: "lsync-poll-in", z: "tab", endpoint: "ep", store: "store", source, interval: "3600", pageSize: 2, startAt: "now", maxInFlight: 100, wires: [["out"]], ...extra },
      { id: "out", type: "test-recorder", z: "tab" },
    ];
  }
  const out = (): Msg[] => recorded.get("out") ?? [];
  const pollNow = () => getNode("poll").receive({ payload: "poll" });
  const createOrder = async (block: string): Promise<string> => {
    const res = await fetch(`${erp.url}${SO}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ SoldToParty: "17100001", DeliveryBlockReason: block, to_Item: [{ Material: "SKU-10023", RequestedQuantity: "3" }] }),
    });
    return ((await res.json()) as { d: { SalesOrder: string } }).d.SalesOrder;
  };
  const release = (id: string) => fetch(`${erp.url}${SO}('${id}')`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ DeliveryBlockReason: "" }) });

  it("takes in a sales order once it is released, once, with msg.intake; seeded orders from before the first start are not taken", async () => {
    await helper.load(MODULES, flow("erp-released-sales-orders", "ERP", erp.url, join(dir.path, `p${++n}.db`)));
    await sleep(100);
    assert.deepEqual(out(), [], "orders released before the first start are not taken in");
    const blocked = await createOrder("01");
    const other = await createOrder("");
    pollNow();
    await waitFor("the order created released", () => out().length === 1);
    pollNow();
    await sleep(100);
    assert.deepEqual(out().map((m) => m.key), [`SO|${other}`], "a blocked order is not released yet");
    await release(blocked);
    pollNow();
    await waitFor("the released order", () => out().length === 2);
    const msg = out()[1]!;
    assert.equal(msg.topic, "erp/sales-order/released");
    assert.equal((msg.payload as { d: { SalesOrder: string; to_Item: { results: unknown[] } } }).d.SalesOrder, blocked);
    assert.equal((msg.payload as { d: { to_Item: { results: unknown[] } } }).d.to_Item.results.length, 1, "items come expanded");
    const ref = msg.intake as IntakeRef;
    assert.equal(ref.source, "poll");
    assert.equal(ref.resumed, false);
    // Changing an order that was taken in (an exception written back) does not release it again.
    await fetch(`${erp.url}${SO}('${blocked}')`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ YY1_LogisticsStatus_SDH: "DELAYED" }) });
    pollNow();
    await sleep(150);
    assert.equal(out().length, 2);
    const store = getNode<StoreNode & { id: string }>("store").store;
    assert.equal((await store.pendingInbox("poll", 10)).length, 2);
    await settleFinished(ref, "done");
    assert.deepEqual((await store.pendingInbox("poll", 10)).map((i) => i.key), [`SO|${other}`]);
  });

  it("after a restart, sends the unsettled items again (resumed) and polls on from the stored cursor", async () => {
    wms.reset();
    const db = join(dir.path, `p${++n}.db`);
    const rpc = (model: string, method: string, args: unknown[]) =>
      fetch(`${wms.url}/jsonrpc`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", method: "call", id: 1, params: { service: "object", method: "execute_kw", args: ["logistics", 2, "admin", model, method, args] } }),
      }).then(async (r) => ((await r.json()) as { result: unknown }).result);
    const confirm = async () => {
      const id = (await rpc("stock.picking", "create", [{ picking_type_id: 1, move_ids: [[0, 0, { product_id: 1, product_uom_qty: 2 }]] }])) as number;
      await rpc("stock.picking", "button_validate", [[id]]);
    };
    await confirm();
    await confirm();
    await confirm();
    await helper.load(MODULES, flow("wms-confirmations", "WMS", wms.url, db));
    // Three confirmations over pages of two: all in one poll.
    await waitFor("three confirmations", () => out().length === 3);
    assert.deepEqual(out().map((m) => m.key), ["CONF|1", "CONF|2", "CONF|3"]);
    await settleFinished(out()[0]!.intake as IntakeRef, "done");
    await helper.unload();

    await confirm();
    await helper.load(MODULES, flow("wms-confirmations", "WMS", wms.url, db));
    await waitFor("resumed items and the new one", () => out().length === 3);
    assert.deepEqual(out().map((m) => [m.key, (m.intake as IntakeRef).resumed]), [["CONF|2", true], ["CONF|3", true], ["CONF|4", false]]);
    const polls = wms.received().filter((e) => e.path === "/api/confirmations");
    assert.equal(new URLSearchParams(polls.at(-1)?.query.replace(/^\?/, "")).get("after"), "3", "the poll after the restart starts at the stored cursor");
  });

  it("a source that cannot be reached turns the status red and keeps the node alive", async () => {
    await helper.load(MODULES, flow("tms-milestones", "WMS", "http://127.0.0.1:9", join(dir.path, `p${++n}.db`)));
    const node = getNode("poll");
    await waitFor("a warning", () =>
      helper.log().args.some(([e]) => e.id === "poll" && e.level === 30 && /^poll: TMS milestones .*GET \/api\/v1\/milestones\?after=0.*ECONNREFUSED/.test(String(e.msg))),
    );
    // Still alive: the next poll tries again (and fails again) instead of the node giving up.
    const before = helper.log().args.filter(([e]) => e.id === "poll" && e.level === 30).length;
    node.receive({ payload: "poll" });
    await waitFor("a second attempt", () => helper.log().args.filter(([e]) => e.id === "poll" && e.level === 30).length > before);
  });
});
