import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import deadLetterNode from "../../../nodes/lsync-dead-letter/lsync-dead-letter";
import validateNode from "../../../nodes/lsync-canonical-validate/lsync-canonical-validate";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import { registerIntake } from "../../../nodes/lib/intake/settlement";
import { collect, getNode, helper, SSCC, tempDir, waitFor, type FlowNodeDef } from "./_helper";

const dir = tempDir("lsync-deadletter-node-");
let n = 0;

const flow = (): FlowNodeDef[] => [
  { id: "tab", type: "tab", label: "t" },
  { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `dl-${++n}.db`), durability: "process" },
  { id: "val", type: "lsync-canonical-validate", z: "tab", name: "check movement", schema: "inventory-movement/1", property: "payload", invalidOutput: false, wires: [["ok"]] },
  { id: "ok", type: "helper", z: "tab" },
  { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["dl"]] },
  { id: "dl", type: "lsync-dead-letter", z: "tab", store: "store", wires: [["parked"]] },
  { id: "parked", type: "helper", z: "tab" },
];

const invalid = {
  schema: "inventory-movement/1",
  id: "SCAN|DC1|RF-017|5",
  occurredAt: "2025-03-04T10:15:00Z",
  source: { system: "SCANNER", format: "SCANNER_JSON_V1" },
  correlationId: "LOAD|LD-1",
  idempotencyKey: "SCAN|DC1|RF-017|5",
  movementId: "SCAN|DC1|RF-017|5",
  type: "PICK",
  site: { ids: [{ scheme: "WMS_SITE", value: "DC1" }] },
  handlingUnit: { sscc: SSCC },
};

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
});
afterEach(() => helper.unload());

describe("lsync-dead-letter", () => {
  it("after a catch, parks the failed message with its reason and settles its intake row", async () => {
    await helper.load([storeNode, validateNode, deadLetterNode], flow());
    const store = getNode<StoreNode>("store").store;
    const released: number[] = [];
    const unregister = registerIntake("scanner-x", store, (id) => released.push(id));
    try {
      const [inboxId] = await store.addToInbox([{ source: "scanner-x", key: "k", topic: "wms/DC1/scanner/RF-017/pick", payload: "{}" }]);
      const parked = collect("parked");
      getNode("val").receive({ payload: invalid, intake: { source: "scanner-x", id: inboxId } });
      await waitFor("parked", () => parked.length === 1);
      const id = parked[0]!.deadLetterId;
      assert.equal(typeof id, "number");

      const [letter] = await store.listDeadLetters({ state: "parked" });
      assert.ok(letter);
      assert.equal(letter.id, id);
      assert.match(letter.reason, /InventoryMovement \/quantity: is required/);
      assert.match(letter.reason, /\/item: is required/);
      assert.equal(letter.nodeId, "val");
      assert.equal(letter.nodeType, "lsync-canonical-validate");
      assert.equal(letter.nodeName, "check movement");
      assert.equal(letter.flowId, "tab");
      assert.equal(letter.idempotencyKey, "SCAN|DC1|RF-017|5");
      assert.equal(letter.correlationId, "LOAD|LD-1");
      assert.deepEqual(letter.payload, invalid);
      assert.equal(letter.inboxId, inboxId);
      assert.deepEqual(await store.pendingInbox("scanner-x", 10), [], "the intake row is settled as dead");
      assert.deepEqual(released, [inboxId]);
    } finally {
      unregister();
    }
  });

  it("parks a message from nowhere (no intake) and a message without msg.error", async () => {
    await helper.load([storeNode, validateNode, deadLetterNode], flow());
    const parked = collect("parked");
    getNode("val").receive({ payload: "not an object" });
    getNode("dl").receive({ payload: { x: 1 } });
    await waitFor("two parked", () => parked.length === 2);
    const letters = await getNode<StoreNode>("store").store.listDeadLetters();
    assert.equal(letters.length, 2);
    assert.ok(letters.some((l) => /must be a canonical object/.test(l.reason) && l.inboxId === null));
    assert.ok(letters.some((l) => /without msg.error/.test(l.reason) && l.nodeType === "unknown"));
  });

  it("passes on a message that is already parked without parking it again", async () => {
    await helper.load([storeNode, validateNode, deadLetterNode], flow());
    const parked = collect("parked");
    getNode("dl").receive({ payload: {}, deadLetterId: 42, error: { message: "already parked" } });
    await waitFor("passed on", () => parked.length === 1);
    assert.equal(parked[0]!.deadLetterId, 42);
    assert.deepEqual(await getNode<StoreNode>("store").store.listDeadLetters(), []);
  });

  it("a batch that failed as a whole is parked scan by scan, each settling its own intake row", async () => {
    await helper.load([storeNode, validateNode, deadLetterNode], flow());
    const store = getNode<StoreNode>("store").store;
    const released: number[] = [];
    const unregister = registerIntake("scanner-x", store, (id) => released.push(id));
    try {
      const ids = await store.addToInbox([1, 2].map((i) => ({ source: "scanner-x", key: `k${i}`, topic: "t", payload: "{}" })));
      const parked = collect("parked");
      // As a Catch node delivers a batch a node without batch support failed on.
      const error = { message: "function: cannot read properties of undefined", source: { id: "fn", type: "function", name: "route" } };
      const items = ids.map((id, i) => ({ _msgid: `s${i}`, payload: { ...invalid, idempotencyKey: `K${i}` }, intake: { source: "scanner-x", id } }));
      getNode("dl").receive({ _msgid: "batch-1", batch: items, error });
      await waitFor("parked", () => parked.length === 1);
      const letters = await store.listDeadLetters({ state: "parked" });
      assert.deepEqual(letters.map((l) => [l.idempotencyKey, l.reason, l.nodeId]).sort(), [
        ["K0", error.message, "fn"],
        ["K1", error.message, "fn"],
      ]);
      assert.deepEqual((parked[0]!.deadLetterIds as number[]).sort(), letters.map((l) => l.id).sort());
      assert.deepEqual(await store.pendingInbox("scanner-x", 10), []);
      assert.deepEqual([...released].sort(), [...ids].sort());
    } finally {
      unregister();
    }
  });
});
