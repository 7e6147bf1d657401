import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import mqtt from "mqtt";
import brokerNode from "../../../nodes/lsync-broker/lsync-broker";
import scannerInNode from "../../../nodes/lsync-scanner-in/lsync-scanner-in";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import { settleIntake, type IntakeRef } from "../../../nodes/lib/intake/settlement";
import { getNode, helper, recorded, recorderModule, scanEvent, sleep, tempDir, waitFor, type FlowNodeDef, type Msg } from "./_helper";

const dir = tempDir("lsync-scanner-node-");
let mqttUrl = "";
let tcp: Server;
let closeBroker: () => Promise<void>;
/** Topic filters the intake's client has subscribed to (from the broker's own events). */
const subscriptions: string[] = [];

function flow(dbPath: string, scanner: Record<string, unknown> = {}): FlowNodeDef[] {
  // The recorder comes first so it exists before the intake resumes anything.
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "rec", type: "test-recorder", z: "tab" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: dbPath, durability: "process" },
    { id: "broker", type: "lsync-broker", url: mqttUrl, clientIdPrefix: "test", protocolVersion: "4" },
    { id: "scan", type: "lsync-scanner-in", z: "tab", broker: "broker", store: "store", topic: "wms/+/scanner/+/+", sharedGroup: "", maxInFlight: 10, wires: [["rec"]], ...scanner },
  ];
}
const NODES = [recorderModule, storeNode, brokerNode, scannerInNode];

async function publish(messages: Msg[]): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, clientId: `pub-${Date.now()}` });
  try {
    for (const m of messages) await client.publishAsync(m.topic as string, m.payload as string, { qos: 1 });
  } finally {
    await client.endAsync();
  }
}

before(async () => {
  const { Aedes } = await import("aedes");
  const broker = await Aedes.createBroker();
  broker.on("subscribe", (subs, client) => {
    if (client?.id.startsWith("test-")) subscriptions.push(...subs.map((x) => x.topic));
  });
  tcp = createServer(broker.handle);
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  mqttUrl = `mqtt://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
  closeBroker = () => new Promise<void>((resolve) => broker.close(() => tcp.close(() => resolve())));
  await helper.startServer();
});
after(async () => {
  await helper.stopServer();
  await closeBroker();
  dir.remove();
});
afterEach(() => helper.unload());

describe("lsync-scanner-in", () => {
  it("stores each scan before emitting it with msg.intake; unsettled items are resumed after a restart, settled ones are not", async () => {
    const dbPath = join(dir.path, "scanner.db");
    await helper.load(NODES, flow(dbPath));
    const out = () => recorded.get("rec") ?? [];
    const store = getNode<StoreNode>("store").store;

    await waitFor("intake subscribed", () => subscriptions.includes("wms/+/scanner/+/+"));
    const first = scanEvent("pick", 1);
    await publish([first, scanEvent("pack", 2), scanEvent("ship", 3)]);
    await waitFor("three scans", () => out().length === 3);

    const msgs = out();
    const firstMsg = msgs[0]!;
    const intake = firstMsg.intake as IntakeRef;
    assert.equal(intake.source, "scan");
    assert.equal(typeof intake.id, "number");
    assert.equal(intake.resumed, false);
    assert.equal(firstMsg.topic, "wms/DC1/scanner/RF-017/pick");
    assert.deepEqual(JSON.parse(firstMsg.payload as string), JSON.parse(first.payload as string), "the payload arrives exactly as published");
    assert.ok(!Number.isNaN(Date.parse(firstMsg.receivedAt as string)));

    const ids = msgs.map((m) => (m.intake as IntakeRef).id);
    assert.deepEqual((await store.pendingInbox("scan", 100)).map((i) => i.id), ids, "every emitted scan is pending in the inbox");
    const [, pack, ship] = msgs;
    assert.equal(pack!.topic, "wms/DC1/scanner/RF-017/pack");

    // Settle everything but the ship scan, then restart the flow on the same store file.
    const settled = msgs.filter((m) => m !== ship).map((m) => m.intake as IntakeRef);
    await settleIntake(settled, "done");
    const shipId = (ship!.intake as IntakeRef).id;
    assert.deepEqual((await store.pendingInbox("scan", 100)).map((i) => i.id), [shipId]);

    await helper.unload();
    recorded.clear();
    await helper.load(NODES, flow(dbPath));
    await waitFor("resumed item", () => out().length >= 1);
    await sleep(200);
    const resumed = out();
    assert.equal(resumed.length, 1, "only the unsettled item comes back");
    assert.deepEqual(resumed[0]!.intake, { source: "scan", id: shipId, resumed: true });
    assert.equal(resumed[0]!.topic, "wms/DC1/scanner/RF-017/ship");
    assert.equal(resumed[0]!.payload, ship!.payload);
  });

  it("with a batch size, the scans of one commit leave together in msg.batch, each a whole scan message", async () => {
    const dbPath = join(dir.path, "scanner-batch.db");
    const subscribedBefore = subscriptions.length;
    await helper.load(NODES, flow(dbPath, { batchSize: 4 }));
    const out = () => recorded.get("rec") ?? [];
    const store = getNode<StoreNode>("store").store;
    await waitFor("intake subscribed", () => subscriptions.length > subscribedBefore);
    // Published without waiting for each PUBACK, so they arrive together and share commits.
    const scans = [1, 2, 3, 4, 5, 6, 7].map((seq) => scanEvent("pack", seq));
    const client = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, clientId: `pub-batch-${Date.now()}` });
    try {
      await Promise.all(scans.map((m) => client.publishAsync(m.topic as string, m.payload as string, { qos: 1 })));
    } finally {
      await client.endAsync();
    }
    const items = () => out().flatMap((m) => (m.batch as Msg[] | undefined) ?? []);
    await waitFor("seven scans", () => items().length === 7);
    assert.ok(out().every((m) => Array.isArray(m.batch) && m.payload === undefined), "only batch messages");
    assert.ok(out().every((m) => (m.batch as Msg[]).length <= 4), "none above the batch size");
    assert.ok(out().some((m) => (m.batch as Msg[]).length > 1), `scans of one commit share a message (${out().map((m) => (m.batch as Msg[]).length)})`);
    assert.deepEqual(items().map((m) => m.payload), scans.map((m) => m.payload), "every scan once, in arrival order");
    for (const m of items()) {
      assert.equal(m.topic, "wms/DC1/scanner/RF-017/pack");
      assert.equal(typeof m._msgid, "string");
      assert.equal((m.intake as IntakeRef).source, "scan");
    }
    const ids = items().map((m) => (m.intake as IntakeRef).id);
    assert.deepEqual((await store.pendingInbox("scan", 100)).map((i) => i.id), ids, "each element is its own pending inbox row");
  });
});
