import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import dedupeNode from "../../../nodes/lsync-dedupe/lsync-dedupe";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import { flushEventLog } from "../../../nodes/lib/events/event-log";
import { registerIntake } from "../../../nodes/lib/intake/settlement";
import { collect, getNode, helper, sleep, tempDir, waitFor, type FlowNodeDef } from "./_helper";

const dir = tempDir("lsync-dedupe-node-");
let n = 0;

function flow(extra: Record<string, unknown> = {}): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `dedupe-${++n}.db`), durability: "process" },
    { id: "dd", type: "lsync-dedupe", z: "tab", key: "payload.idempotencyKey", keyType: "msg", ttlSeconds: 3600, backend: "store", store: "store", scope: "scanner-events", wires: [["first"], ["dup"]], ...extra },
    { id: "first", type: "helper", z: "tab" },
    { id: "dup", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}

const msg = (id: string, key: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  _msgid: id,
  payload: { idempotencyKey: key, device: { deviceId: "RF-017", seq: 17 } },
  ...extra,
});

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
});
afterEach(() => helper.unload());

for (const backend of ["store", "memory"] as const) {
  describe(`lsync-dedupe (${backend} back end)`, () => {
    it("first goes to output 1, the same key again to output 2 with msg.duplicateOf", async () => {
      await helper.load([storeNode, dedupeNode], flow({ backend }));
      const first = collect("first");
      const dup = collect("dup");
      getNode("dd").receive(msg("m1", "SCAN|DC1|RF-017|17"));
      await waitFor("first", () => first.length === 1);
      getNode("dd").receive(msg("m2", "SCAN|DC1|RF-017|17"));
      getNode("dd").receive(msg("m3", "SCAN|DC1|RF-017|18"));
      await waitFor("duplicate and second first", () => dup.length === 1 && first.length === 2);
      const d = dup[0]!;
      assert.equal(d._msgid, "m2");
      const of = d.duplicateOf as { key: string; firstSeenAt: string };
      assert.equal(of.key, "SCAN|DC1|RF-017|17");
      assert.ok(!Number.isNaN(Date.parse(of.firstSeenAt)));
      assert.equal(first[1]!._msgid, "m3");
    });
  });
}

describe("lsync-dedupe", () => {
  it("logs each dropped duplicate (key, source system, node) for the duplicate event rate KPI, and nothing for a first", async () => {
    await helper.load([storeNode, dedupeNode], flow());
    const dup = collect("dup");
    const scan = (id: string) => ({ _msgid: id, correlationId: "LOAD|LD-1", payload: { schema: "inventory-movement/1", idempotencyKey: "SCAN|DC1|RF-017|17", source: { system: "SCANNER", format: "SCANNER_JSON_V1" } } });
    getNode("dd").receive(scan("m1"));
    getNode("dd").receive(scan("m2"));
    await waitFor("duplicate", () => dup.length === 1);
    await flushEventLog();
    const logged = await getNode<StoreNode>("store").store.findEvents({});
    assert.deepEqual(
      logged.map((e) => [e.kind, e.status, e.system, e.nodeId, e.correlationId, e.detail]),
      [["event", "duplicate", "SCANNER", "dd", "LOAD|LD-1", { key: "SCAN|DC1|RF-017|17", source: { system: "SCANNER" } }]],
    );
  });

  it("a missing key goes to catch naming the key path", async () => {
    await helper.load([storeNode, dedupeNode], flow());
    const caught = collect("caught");
    const first = collect("first");
    getNode("dd").receive(msg("m1", undefined));
    getNode("dd").receive(msg("m2", ""));
    await waitFor("caught", () => caught.length === 2);
    assert.match((caught[0]!.error as { message: string }).message, /dedupe key msg\.payload\.idempotencyKey is missing/);
    await sleep(20);
    assert.equal(first.length, 0);
  });

  it("a JSONata key is evaluated per message", async () => {
    await helper.load([storeNode, dedupeNode], flow({ key: 'payload.device.deviceId & "|" & $string(payload.device.seq)', keyType: "jsonata" }));
    const first = collect("first");
    const dup = collect("dup");
    getNode("dd").receive(msg("m1", "a"));
    await waitFor("first", () => first.length === 1);
    getNode("dd").receive(msg("m2", "b")); // same device and seq, other idempotencyKey: the expression decides
    await waitFor("duplicate", () => dup.length === 1);
    assert.equal((dup[0]!.duplicateOf as { key: string }).key, "RF-017|17");
  });

  it("a redelivered intake item passes again; a duplicate settles its intake row", async () => {
    await helper.load([storeNode, dedupeNode], flow());
    const store = getNode<StoreNode>("store").store;
    const released: number[] = [];
    const unregister = registerIntake("intake-x", store, (id) => released.push(id));
    try {
      const [a, b] = await store.addToInbox([
        { source: "intake-x", key: "k", topic: "t", payload: "{}" },
        { source: "intake-x", key: "k", topic: "t", payload: "{}" },
      ]);
      const first = collect("first");
      const dup = collect("dup");
      getNode("dd").receive(msg("m1", "K", { intake: { source: "intake-x", id: a } }));
      await waitFor("first", () => first.length === 1);
      getNode("dd").receive(msg("m1-resumed", "K", { intake: { source: "intake-x", id: a, resumed: true } }));
      await waitFor("resumed passes", () => first.length === 2);
      getNode("dd").receive(msg("m2", "K", { intake: { source: "intake-x", id: b } }));
      await waitFor("duplicate", () => dup.length === 1);
      await waitFor("settled", async () => (await store.pendingInbox("intake-x", 10)).length === 1);
      assert.deepEqual((await store.pendingInbox("intake-x", 10)).map((i) => i.id), [a]);
      assert.deepEqual(released, [b]);
    } finally {
      unregister();
    }
  });

  it("a batch (msg.batch) leaves as a batch of first sightings and a batch of duplicates; a bad key goes to catch alone", async () => {
    await helper.load([storeNode, dedupeNode], flow());
    const first = collect("first");
    const dup = collect("dup");
    const caught = collect("caught");
    getNode("dd").receive(msg("m0", "K0"));
    await waitFor("first sighting", () => first.length === 1);
    // K0 was seen before; K1 comes twice within the batch; one item has no key.
    getNode("dd").receive({ _msgid: "b1", topic: "lsync/batch", batch: [msg("a", "K1"), msg("b", "K0"), msg("c", undefined), msg("d", "K1"), msg("e", "K2")] });
    await waitFor("both outputs and the error", () => first.length === 2 && dup.length === 1 && caught.length === 1);
    const ids = (m: Record<string, unknown>) => (m.batch as Array<{ _msgid: string }>).map((x) => x._msgid);
    assert.deepEqual(ids(first[1]!), ["a", "e"]);
    assert.deepEqual(ids(dup[0]!), ["b", "d"]);
    assert.equal(caught[0]!._msgid, "c");
    assert.match((caught[0]!.error as { message: string }).message, /dedupe key msg\.payload\.idempotencyKey is missing/);
  });
});
