import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import billingNode from "../../../nodes/lsync-billing-eligibility/lsync-billing-eligibility";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import { registerIntake } from "../../../nodes/lib/intake/settlement";
import { collect, getNode, helper, sleep, tempDir, waitFor, type FlowNodeDef } from "./_helper";
import { order, shipment, statusEvent } from "../rules/_fixtures";

const dir = tempDir("lsync-billing-node-");
let n = 0;

function flow(dbPath: string, extra: Record<string, unknown> = {}): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: dbPath, durability: "process" },
    { id: "be", type: "lsync-billing-eligibility", z: "tab", store: "store", scope: "billing-test", rulesFrom: "dialog", wires: [["ready"], ["notYet"]], ...extra },
    { id: "ready", type: "helper", z: "tab" },
    { id: "notYet", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}
const db = () => join(dir.path, `billing-${++n}.db`);
const so = (soldTo: string) => order("SO-1", [{ lineNo: 10, sku: "A", qty: "10", price: "2.00" }], soldTo);
const s1 = shipment("S1", "SO-1", [{ lineNo: 10, sku: "A", qty: "4" }]);
const s2 = shipment("S2", "SO-1", [{ lineNo: 10, sku: "A", qty: "6" }]);

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
});
afterEach(() => helper.unload());

describe("lsync-billing-eligibility", () => {
  it("a POD customer (class from msg): delivered goes to output 2 with the reason, POD to output 1 once", async () => {
    await helper.load([storeNode, billingNode], flow(db()));
    const [ready, notYet] = [collect("ready"), collect("notYet")];
    const be = getNode("be");
    be.receive({ payload: statusEvent("S1", "DELIVERED"), shipment: s1, order: so("C100"), customerClass: "contract" });
    await waitFor("not yet", () => notYet.length === 1);
    const billing = notYet[0]!.billing as { code: string; reason: string; customerId: string };
    assert.equal(billing.code, "TRIGGER_NOT_REACHED");
    assert.equal(billing.customerId, "C100", "customer from the default expression (SOLD_TO)");
    assert.match(billing.reason, /bills when POD received/);
    // Later events come without the order and class: the node remembers both for the order.
    be.receive({ payload: statusEvent("S1", "DELIVERED", { signedBy: "J. SMITH", idempotencyKey: "pod-s1" }), shipment: s1 });
    await waitFor("waiting for completion", () => notYet.length === 2);
    assert.equal((notYet[1]!.billing as { code: string }).code, "WAITING_FOR_COMPLETION");
    be.receive({ payload: statusEvent("S2", "DELIVERED", { signedBy: "J. SMITH", idempotencyKey: "pod-s2" }), shipment: s2 });
    await waitFor("ready", () => ready.length === 1);
    const inv = ready[0]!.payload as { invoiceId: string; totals: { net: unknown } };
    assert.equal(inv.invoiceId, "READY|SO-1|COMPLETE");
    assert.deepEqual(inv.totals.net, { currency: "EUR", amountMinor: 2000 });
    be.receive({ payload: statusEvent("S2", "DELIVERED", { signedBy: "J. SMITH", idempotencyKey: "pod-s2-resent-by-carrier" }), shipment: s2, customerClass: "contract" });
    await waitFor("already invoiced", () => notYet.length === 3);
    assert.equal((notYet[2]!.billing as { code: string }).code, "ALREADY_INVOICED");
    assert.equal(ready.length, 1);
  });

  it("partial shipments add up across a restart (state in the store)", async () => {
    const path = db();
    const rules = [{ customer: "*", trigger: "SHIPPED", partial: "ON_COMPLETION", holdExceptions: true }];
    await helper.load([storeNode, billingNode], flow(path, { rules }));
    let notYet = collect("notYet");
    getNode("be").receive({ payload: statusEvent("S1", "PICKED_UP"), shipment: s1, order: so("C200") });
    await waitFor("first partial", () => notYet.length === 1);
    assert.match((notYet[0]!.billing as { reason: string }).reason, /line 10 4\/10/);
    await helper.unload();

    await helper.load([storeNode, billingNode], flow(path, { rules }));
    const ready = collect("ready");
    notYet = collect("notYet");
    getNode("be").receive({ payload: statusEvent("S2", "PICKED_UP"), shipment: s2 });
    await waitFor("complete after restart", () => ready.length === 1);
    assert.deepEqual((ready[0]!.billing as { shipments: string[] }).shipments, ["S1", "S2"]);
  });

  it("rules from a JSON file with classes, and from a message property", async () => {
    const file = join(dir.path, "rules.json");
    writeFileSync(file, JSON.stringify({ rules: [{ customer: "wholesale", trigger: "SHIPPED", partial: "PER_SHIPMENT" }], classes: { C300: "wholesale" } }));
    await helper.load([storeNode, billingNode], flow(db(), { rulesFrom: "file", rulesFile: file }));
    const ready = collect("ready");
    getNode("be").receive({ payload: statusEvent("S1", "PICKED_UP"), shipment: s1, order: so("C300") });
    await waitFor("ready by file rule", () => ready.length === 1);
    assert.equal((ready[0]!.payload as { invoiceId: string }).invoiceId, "READY|SO-1|S1");
    await helper.unload();

    await helper.load([storeNode, billingNode], flow(db(), { rulesFrom: "msg", customer: "customerId", customerType: "msg" }));
    const ready2 = collect("ready");
    getNode("be").receive({ payload: statusEvent("S1", "PICKED_UP"), shipment: s1, customerId: "C9", billingRules: [{ customer: "C9", trigger: "SHIPPED" }] });
    await waitFor("ready by msg rule", () => ready2.length === 1);
  });

  it("bad input reaches Catch with the field and rule; other orders carry on", async () => {
    await helper.load([storeNode, billingNode], flow(db()));
    const [caught, ready] = [collect("caught"), collect("ready")];
    const be = getNode("be");
    be.receive({ payload: { schema: "order/1" } });
    be.receive({ payload: statusEvent("S1", "PICKED_UP"), shipment: shipment("S1", "SO-1", []) });
    be.receive({ payload: statusEvent("S1", "PICKED_UP"), shipment: { ...s1, orderRefs: [] } });
    be.receive({ payload: statusEvent("S1", "PICKED_UP"), shipment: s1, order: so("C1"), customerClass: "wholesale" });
    await waitFor("three caught, one ready", () => caught.length === 3 && ready.length === 1);
    const messages = caught.map((m) => (m.error as { message: string }).message).join("\n");
    assert.match(messages, /payload\.schema: must be "shipment-status-event\/1"/);
    assert.match(messages, /jsonata .* gives no customer id, and order SO-1 has none stored yet/);
    assert.match(messages, /msg\.shipment\.orderRefs: the order the shipment belongs to is needed/);
  });

  it("without a store it refuses messages rather than forget state", async () => {
    await helper.load([storeNode, billingNode], flow(db(), { store: "" }));
    const caught = collect("caught");
    getNode("be").receive({ payload: statusEvent("S1", "PICKED_UP"), shipment: s1 });
    await waitFor("caught", () => caught.length === 1);
    assert.match((caught[0]!.error as { message: string }).message, /no store configured/);
    await sleep(10);
  });
  it("with settle intake, a 'not yet' settles the intake item; an invoice-ready leaves it to the system node after it", async () => {
    await helper.load([storeNode, billingNode], flow(db(), { settleIntake: true }));
    const store = getNode<StoreNode>("store").store;
    const released: number[] = [];
    const unregister = registerIntake("intake-b", store, (id) => released.push(id));
    try {
      const [a, b] = await store.addToInbox([
        { source: "intake-b", key: "a", topic: "t", payload: "{}" },
        { source: "intake-b", key: "b", topic: "t", payload: "{}" },
      ]);
      const [ready, notYet] = [collect("ready"), collect("notYet")];
      const be = getNode("be");
      be.receive({ payload: statusEvent("S1", "PICKED_UP"), shipment: s1, order: so("C100"), customerClass: "retail", intake: { source: "intake-b", id: a } });
      await waitFor("not yet", () => notYet.length === 1);
      await waitFor("settled", async () => (await store.pendingInbox("intake-b", 10)).length === 1);
      be.receive({ payload: statusEvent("S1", "DELIVERED"), shipment: s1, intake: { source: "intake-b", id: b } });
      await waitFor("ready", () => ready.length === 1);
      await sleep(100);
      assert.deepEqual((await store.pendingInbox("intake-b", 10)).map((i) => i.id), [b], "the invoice's item waits for finance");
      assert.deepEqual(released, [a]);
    } finally {
      unregister();
    }
  });
});
