import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import endpointNode from "../../../nodes/lsync-endpoint/lsync-endpoint";
import erpNode from "../../../nodes/lsync-erp/lsync-erp";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import tmsNode from "../../../nodes/lsync-tms/lsync-tms";
import deadLetterNode from "../../../nodes/lsync-dead-letter/lsync-dead-letter";
import { registerIntake } from "../../../nodes/lib/intake/settlement";
import { compileMapping } from "../../../nodes/lib/mapping/mapper";
import { findProfile, profileSource } from "../../../nodes/lib/mapping/profiles";
import { collect, getNode, helper, scanEvent, sleep, tempDir, waitFor, type FlowNodeDef, type Msg } from "./_helper";

const TMS_PATH = "/api/v1/execution-events:batch";
const SAP_PATH = "/sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader";

interface Request {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  status: number;
}

/** A small TMS + SAP fake: records every request, can fail the next N calls with 503, can reject events. */
class FakeSystems {
  readonly requests: Request[] = [];
  failNext = 0;
  rejectEvents = new Set<string>();
  private server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString("utf8")));
    req.on("end", () => {
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      const reply = (status: number, data: unknown) => {
        this.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, status });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(data));
      };
      if (this.failNext > 0) {
        this.failNext--;
        return reply(503, { error: "maintenance" });
      }
      if (req.url === TMS_PATH) {
        const events = (body.events ?? []) as Array<{ eventId: string }>;
        return reply(200, {
          results: events.map((e) =>
            this.rejectEvents.has(e.eventId) ? { eventId: e.eventId, status: "rejected", reason: "unknown load" } : { eventId: e.eventId, status: "accepted" },
          ),
        });
      }
      if (req.url === SAP_PATH) {
        const items = ((body.to_MaterialDocumentItem as { results?: Array<Record<string, string>> } | undefined)?.results ?? []);
        const refused = items.find((i) => this.rejectEvents.has(i.MaterialDocumentItemText ?? ""));
        if (refused) return reply(400, { error: { code: "M7/021", message: { value: `Deficit of material ${refused.Material}` } } });
      }
      if (req.url === SAP_PATH) return reply(201, { d: { MaterialDocument: "4900001234", MaterialDocumentYear: "2025" } });
      reply(404, { error: "no such path" });
    });
  });
  url = "";
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
  ok(path: string): Request[] {
    return this.requests.filter((r) => r.url === path && r.status < 300);
  }
  reset(): void {
    this.requests.length = 0;
    this.failNext = 0;
    this.rejectEvents.clear();
  }
}

const systems = new FakeSystems();
const dir = tempDir("lsync-egress-node-");
let n = 0;
const scanner = compileMapping(profileSource(findProfile("scanner-json")!), "json");

/** A canonical InventoryMovement message as the map node would pass it on. */
async function canonical(event: Parameters<typeof scanEvent>[0], seq: number, extra: Record<string, unknown> = {}): Promise<Msg> {
  const raw = scanEvent(event, seq, extra);
  const payload = JSON.parse(JSON.stringify(await scanner.map(raw.payload, { topic: raw.topic as string }))) as Record<string, unknown>;
  return { _msgid: `c-${event}-${seq}`, topic: raw.topic, payload, idempotencyKey: payload.idempotencyKey } as Msg;
}

const SITE_PLANTS = JSON.stringify({ sitePlants: { DC1: { plant: "1010", storageLocation: "0001", stagingLocation: "0002" } } });

function flow(egress: Record<string, unknown> = {}): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `egress-${++n}.db`), durability: "process" },
    { id: "tmsEndpoint", type: "lsync-endpoint", system: "TMS", baseUrl: systems.url, authType: "apiKey", apiKeyHeader: "x-api-key", timeoutMs: 2000, maxSockets: 2 },
    { id: "erpEndpoint", type: "lsync-endpoint", system: "ERP", baseUrl: systems.url, authType: "basic", apiKeyHeader: "", timeoutMs: 2000, maxSockets: 2 },
    { id: "tms", type: "lsync-tms", z: "tab", endpoint: "tmsEndpoint", store: "store", operation: "load-execution-update", batchSize: 3, maxWaitMs: 50, maxAttempts: 0, settleIntake: false, wires: [["tmsOut"]], ...egress },
    { id: "erp", type: "lsync-erp", z: "tab", endpoint: "erpEndpoint", store: "store", operation: "inventory-status", batchSize: 10, maxWaitMs: 50, maxAttempts: 0, settleIntake: true, bindings: SITE_PLANTS, wires: [["erpOut"]] },
    { id: "tmsOut", type: "helper", z: "tab" },
    { id: "erpOut", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["dl"]] },
    { id: "dl", type: "lsync-dead-letter", z: "tab", store: "store", wires: [["parked"]] },
    { id: "parked", type: "helper", z: "tab" },
  ];
}
const credentials = { tmsEndpoint: { apiKey: "tms-key" }, erpEndpoint: { username: "sap", password: "pw" } };
const NODES = [storeNode, endpointNode, tmsNode, erpNode, deadLetterNode];

before(async () => {
  await systems.start();
  await helper.startServer();
});
after(async () => {
  await helper.stopServer();
  await systems.stop();
  dir.remove();
});
afterEach(async () => {
  await helper.unload();
  systems.reset();
});

describe("lsync-tms", () => {
  it("passes messages on with msg.egress and delivers them batched with an Idempotency-Key", async () => {
    await helper.load(NODES, flow(), credentials);
    const out = collect("tmsOut");
    for (let seq = 1; seq <= 3; seq++) getNode("tms").receive(await canonical("pack", seq));
    await waitFor("three passed on", () => out.length === 3);
    for (const m of out) assert.deepEqual(m.egress, { TMS: "queued" });
    await waitFor("delivered", () => systems.ok(TMS_PATH).reduce((k, r) => k + (r.body.events as unknown[]).length, 0) === 3);
    const calls = systems.ok(TMS_PATH);
    assert.equal(calls.length, 1, "a full batch of 3 is one call");
    assert.deepEqual(
      (calls[0]!.body.events as Array<{ eventId: string; type: string; loadId: string }>).map((e) => [e.eventId, e.type, e.loadId]),
      [1, 2, 3].map((s) => [`SCAN|DC1|RF-017|${s}`, "PACKED", "LD-2025-0042"]),
    );
    assert.match(String(calls[0]!.headers["idempotency-key"]), /^tms:\d+@[0-9a-f]{8}$/);
    assert.equal(calls[0]!.headers["x-api-key"], "tms-key");
    const store = getNode<StoreNode>("store").store;
    await waitFor("rows sent", async () => (await store.counts()).outboxSent === 3);
  });

  it("a 503 then 200 sequence still delivers each event exactly once, retried under the same key", async () => {
    await helper.load(NODES, flow(), credentials);
    systems.failNext = 1;
    const out = collect("tmsOut");
    for (let seq = 10; seq < 15; seq++) getNode("tms").receive(await canonical("ship", seq));
    await waitFor("passed on", () => out.length === 5);
    const store = getNode<StoreNode>("store").store;
    await waitFor("all sent", async () => (await store.counts()).outboxSent === 5, 8_000);
    const failed = systems.requests.filter((r) => r.status === 503);
    assert.equal(failed.length, 1);
    const delivered = new Map<string, number>();
    for (const r of systems.ok(TMS_PATH)) for (const e of r.body.events as Array<{ eventId: string }>) delivered.set(e.eventId, (delivered.get(e.eventId) ?? 0) + 1);
    assert.equal(delivered.size, 5);
    for (const [id, count] of delivered) assert.equal(count, 1, `${id} delivered ${count} times`);
    const retry = systems.ok(TMS_PATH).find((r) => r.headers["idempotency-key"] === failed[0]!.headers["idempotency-key"]);
    assert.ok(retry, "the failed batch was retried with the same Idempotency-Key");
    assert.deepEqual(retry.body, failed[0]!.body, "with the same events");
  });

  it("a movement without a load reference is passed on as not applicable, with no call", async () => {
    await helper.load(NODES, flow(), credentials);
    const out = collect("tmsOut");
    getNode("tms").receive(await canonical("pick", 20, { loadId: undefined }));
    await waitFor("passed on", () => out.length === 1);
    assert.deepEqual(out[0]!.egress, { TMS: "not applicable" });
    await sleep(200);
    assert.equal(systems.requests.length, 0);
  });

  it("a wrong schema or a missing idempotencyKey is an error for catch, parked by the dead-letter node", async () => {
    await helper.load(NODES, flow(), credentials);
    const parked = collect("parked");
    const good = await canonical("pack", 30);
    getNode("tms").receive({ ...good, _msgid: "v2", payload: { ...(good.payload as object), schema: "inventory-movement/2" } });
    getNode("tms").receive({ ...good, _msgid: "nokey", payload: { ...(good.payload as object), idempotencyKey: "" } });
    await waitFor("two parked", () => parked.length === 2);
    const store = getNode<StoreNode>("store").store;
    const letters = await store.listDeadLetters();
    assert.equal(letters.length, 2);
    const reasons = letters.map((l) => l.reason).join("\n");
    assert.match(reasons, /takes inventory-movement\/1; msg\.payload\.schema is "inventory-movement\/2"/);
    assert.match(reasons, /idempotencyKey is required/);
    assert.ok(letters.every((l) => l.nodeId === "tms" && l.nodeType === "lsync-tms"));
  });

  it("an event the TMS rejects is dead-lettered once, by the egress node (not again by the dead-letter node)", async () => {
    await helper.load(NODES, flow(), credentials);
    systems.rejectEvents.add("SCAN|DC1|RF-017|41");
    const parked = collect("parked");
    getNode("tms").receive(await canonical("pack", 40));
    getNode("tms").receive(await canonical("pack", 41));
    await waitFor("rejection reached the dead-letter node", () => parked.length === 1);
    assert.equal(typeof parked[0]!.deadLetterId, "number");
    const store = getNode<StoreNode>("store").store;
    const letters = await store.listDeadLetters();
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.idempotencyKey, "SCAN|DC1|RF-017|41");
    assert.match(letters[0]!.reason, /TMS rejected event: unknown load/);
    assert.equal((await store.outboxByKey("tms", "SCAN|DC1|RF-017|41"))?.state, "dead");
    assert.equal((await store.outboxByKey("tms", "SCAN|DC1|RF-017|40"))?.state, "sent");
  });
});

describe("lsync-erp", () => {
  it("sends picks and ships as one material document; a WEIGH is passed on without a call", async () => {
    await helper.load(NODES, flow(), credentials);
    const out = collect("erpOut");
    getNode("erp").receive(await canonical("weight", 50));
    await waitFor("weigh passed on", () => out.length === 1);
    assert.deepEqual(out[0]!.egress, { ERP: "not applicable" });
    getNode("erp").receive(await canonical("pick", 51));
    getNode("erp").receive(await canonical("ship", 52));
    await waitFor("all passed on", () => out.length === 3);
    assert.deepEqual(out[1]!.egress, { ERP: "queued" });
    await waitFor("document posted", () => systems.ok(SAP_PATH).length === 1);
    await sleep(150);
    assert.equal(systems.requests.length, 1, "one call for the batch, none for the WEIGH");
    const call = systems.requests[0]!;
    assert.equal(call.body.GoodsMovementCode, "04");
    assert.match(String(call.body.PostingDate), /^\/Date\(\d+\)\/$/);
    const items = (call.body.to_MaterialDocumentItem as { results: Array<Record<string, string>> }).results;
    assert.deepEqual(items.map((i) => [i.GoodsMovementType, i.Material, i.MaterialDocumentItemText]), [
      ["311", "SKU-10042", "SCAN|DC1|RF-017|51"],
      ["601", "SKU-10042", "SCAN|DC1|RF-017|52"],
    ]);
    assert.equal(items[0]!.Plant, "1010");
    assert.match(String(call.headers["idempotency-key"]), /^erp:\d+@[0-9a-f]{8}$/);
    assert.equal(call.headers.authorization, `Basic ${Buffer.from("sap:pw").toString("base64")}`);
  });

  it("a document the ERP refuses is re-sent row by row: only the bad row is dead-lettered", async () => {
    await helper.load(NODES, flow(), credentials);
    systems.rejectEvents.add("SCAN|DC1|RF-017|71");
    const parked = collect("parked");
    for (const seq of [70, 71, 72]) getNode("erp").receive(await canonical("pick", seq));
    await waitFor("the bad row reaches the dead-letter node", () => parked.length === 1);
    const store = getNode<StoreNode>("store").store;
    await waitFor("two rows sent", async () => (await store.counts()).outboxSent === 2);
    assert.equal((await store.outboxByKey("erp", "SCAN|DC1|RF-017|71"))?.state, "dead");
    const letters = await store.listDeadLetters();
    assert.equal(letters.length, 1, "parked once, by the egress node");
    assert.equal(letters[0]!.idempotencyKey, "SCAN|DC1|RF-017|71");
    assert.match(letters[0]!.reason, /HTTP 400 .*Deficit of material/);
    const [whole, ...singles] = systems.requests;
    assert.equal(whole!.status, 400);
    assert.equal(singles.length, 3);
    for (const single of singles) {
      assert.equal((single.body.to_MaterialDocumentItem as { results: unknown[] }).results.length, 1);
      // A one-row document carries the row's own key, never the refused batch's.
      assert.match(String(single.headers["idempotency-key"]), /^erp:row:\d+@[0-9a-f]{8}$/, "each row under its own key");
      assert.notEqual(single.headers["idempotency-key"], whole!.headers["idempotency-key"]);
    }
    assert.equal(new Set(singles.map((r) => r.headers["idempotency-key"])).size, 3);
  });

  it("invalid mapping bindings stop the node with an error naming the setting", async () => {
    const nodes = flow().map((x) => (x.id === "erp" ? { ...x, bindings: "{not json" } : x));
    await helper.load(NODES, nodes, credentials);
    const logged = helper.log().args.map(([entry]) => entry).filter((e) => e.id === "erp");
    assert.ok(logged.some((e) => /ERP node: mapping bindings are not valid JSON/.test(String(e.msg))), JSON.stringify(logged));
    const out = collect("erpOut");
    getNode("erp").receive(await canonical("pick", 80));
    await sleep(200);
    assert.equal(out.length, 0, "a node without valid bindings does not handle messages");
    assert.equal(systems.requests.length, 0);
  });

  it("settles the intake row when the call is in the outbox (and for a not-applicable movement)", async () => {
    await helper.load(NODES, flow(), credentials);
    const store = getNode<StoreNode>("store").store;
    const released: number[] = [];
    const unregister = registerIntake("scanner-x", store, (id) => released.push(id));
    try {
      const [a, b] = await store.addToInbox([
        { source: "scanner-x", key: "k1", topic: "t", payload: "{}" },
        { source: "scanner-x", key: "k2", topic: "t", payload: "{}" },
      ]);
      const out = collect("erpOut");
      getNode("erp").receive({ ...(await canonical("pick", 60)), intake: { source: "scanner-x", id: a } });
      getNode("erp").receive({ ...(await canonical("weight", 61)), intake: { source: "scanner-x", id: b } });
      await waitFor("both passed on", () => out.length === 2);
      assert.deepEqual(await store.pendingInbox("scanner-x", 10), []);
      assert.deepEqual(released.sort(), [a, b].sort());
    } finally {
      unregister();
    }
  });

  it("a batch (msg.batch) is queued item by item and goes on as one batch; a bad item is parked alone, the others settle", async () => {
    await helper.load(NODES, flow(), credentials);
    const store = getNode<StoreNode>("store").store;
    const released: number[] = [];
    const unregister = registerIntake("scanner-x", store, (id) => released.push(id));
    try {
      const ids = await store.addToInbox([1, 2, 3, 4].map((i) => ({ source: "scanner-x", key: `k${i}`, topic: "t", payload: "{}" })));
      const out = collect("erpOut");
      const parked = collect("parked");
      const good = await canonical("pick", 70);
      const items = [
        { ...good, intake: { source: "scanner-x", id: ids[0] } },
        { ...(await canonical("weight", 71)), intake: { source: "scanner-x", id: ids[1] } },
        { ...good, _msgid: "nokey", payload: { ...(good.payload as object), idempotencyKey: "" }, intake: { source: "scanner-x", id: ids[2] } },
        { ...(await canonical("pick", 73)), intake: { source: "scanner-x", id: ids[3] } },
      ];
      getNode("erp").receive({ _msgid: "batch-7", topic: "lsync/batch", batch: items });
      await waitFor("batch on and one parked", () => out.length === 1 && parked.length === 1);
      const passed = out[0]!.batch as Msg[];
      assert.deepEqual(passed.map((m) => [m._msgid, m.egress]), [
        ["c-pick-70", { ERP: "queued" }],
        ["c-weight-71", { ERP: "not applicable" }],
        ["c-pick-73", { ERP: "queued" }],
      ]);
      assert.equal(parked[0]!._msgid, "nokey");
      // Every item's intake row is settled: three by the ERP node, the bad one by the dead-letter node.
      await waitFor("all settled", async () => (await store.pendingInbox("scanner-x", 10)).length === 0);
      assert.deepEqual([...released].sort(), [...ids].sort());
      const delivered = () =>
        systems.ok(SAP_PATH).flatMap((r) => ((r.body.to_MaterialDocumentItem as { results: Array<{ MaterialDocumentItemText: string }> }).results).map((i) => i.MaterialDocumentItemText));
      await waitFor("the two picks delivered", () => delivered().length === 2);
      assert.deepEqual(delivered(), ["SCAN|DC1|RF-017|70", "SCAN|DC1|RF-017|73"]);
    } finally {
      unregister();
    }
  });
});
