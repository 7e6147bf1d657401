/**
 * The event log recorded from the shared places in a running flow (canonical map, TMS egress with
 * its dispatcher, dead letters), read back through the trace admin route of the lsync-trace plugin.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import endpointNode from "../../../nodes/lsync-endpoint/lsync-endpoint";
import mapNode from "../../../nodes/lsync-canonical-map/lsync-canonical-map";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import tmsNode from "../../../nodes/lsync-tms/lsync-tms";
import deadLetterNode from "../../../nodes/lsync-dead-letter/lsync-dead-letter";
import tracePlugin from "../../../nodes/lsync-trace/lsync-trace";
import { activeEventLog } from "../../../nodes/lib/events/event-log";
import type { Trace } from "../../../nodes/lib/events/trace";
import { getNode, helper, scanEvent, SSCC, tempDir, waitFor, type FlowNodeDef } from "./_helper";

interface Reply {
  status: number;
  body: Record<string, unknown>;
}
const api = () => (helper as unknown as { request(): { get(path: string): PromiseLike<Reply> } }).request();

/** A TMS that fails the next N calls with 503 and rejects listed event ids. */
let failNext = 0;
const reject = new Set<string>();
const tms = http.createServer((req, res) => {
  let text = "";
  req.on("data", (c: Buffer) => (text += c.toString("utf8")));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    if (failNext > 0) {
      failNext--;
      res.writeHead(503).end(JSON.stringify({ error: "maintenance" }));
      return;
    }
    const events = ((JSON.parse(text || "{}") as { events?: Array<{ eventId: string }> }).events ?? []);
    res.writeHead(200).end(
      JSON.stringify({ results: events.map((e) => (reject.has(e.eventId) ? { eventId: e.eventId, status: "rejected", reason: "unknown load" } : { eventId: e.eventId, status: "accepted" })) }),
    );
  });
});
let tmsUrl = "";
const dir = tempDir("lsync-trace-node-");
let n = 0;

function flow(): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `trace-${++n}.db`), durability: "process" },
    { id: "tmsEndpoint", type: "lsync-endpoint", system: "TMS", baseUrl: tmsUrl, authType: "apiKey", apiKeyHeader: "x-api-key", timeoutMs: 2000, maxSockets: 2 },
    { id: "map", type: "lsync-canonical-map", z: "tab", profile: "scanner-json", inputFormat: "json", property: "payload", validate: true, bindings: "", wires: [["tms"]] },
    { id: "tms", type: "lsync-tms", z: "tab", endpoint: "tmsEndpoint", store: "store", operation: "load-execution-update", batchSize: 1, maxWaitMs: 0, maxAttempts: 0, settleIntake: false, wires: [["out"]] },
    { id: "out", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["dl"]] },
    { id: "dl", type: "lsync-dead-letter", z: "tab", store: "store", wires: [["parked"]] },
    { id: "parked", type: "helper", z: "tab" },
  ];
}

before(async () => {
  await new Promise<void>((ok) => tms.listen(0, "127.0.0.1", ok));
  tmsUrl = `http://127.0.0.1:${(tms.address() as AddressInfo).port}`;
  await helper.startServer();
});
after(async () => {
  await helper.stopServer();
  tms.closeAllConnections();
  await new Promise((ok) => tms.close(ok));
  dir.remove();
});
afterEach(async () => {
  await helper.unload();
  failNext = 0;
  reject.clear();
});

const NODES = [storeNode, endpointNode, mapNode, tmsNode, deadLetterNode, tracePlugin];

describe("event log and trace in a flow", () => {
  it("the trace of an SSCC shows the scan, the queued call, its retry and its delivery in order, with node ids", async () => {
    await helper.load(NODES, flow(), { tmsEndpoint: { apiKey: "k" } });
    assert.equal(activeEventLog()?.storeId, "store", "the store config node holds the event log");
    failNext = 1;
    getNode("map").receive(scanEvent("pack", 1));
    const store = getNode<StoreNode>("store").store;
    await waitFor("sent after one retry", async () => (await store.counts()).outboxSent === 1, 10_000);

    const reply = await api().get(`/lsync/trace?key=${SSCC}`);
    assert.equal(reply.status, 200);
    const trace = reply.body as unknown as Trace;
    assert.deepEqual(trace.correlationIds, ["LOAD|LD-2025-0042"]);
    assert.deepEqual(
      trace.entries.map((e) => [e.kind, e.name, e.status, e.nodeId]),
      [
        ["event", "inventory-movement/1 PACK", "mapped", "map"],
        ["call", "tms Load execution update", "queued", "tms"],
        ["call", "tms Load execution update", "retry", "tms"],
        ["call", "tms Load execution update", "sent", "tms"],
      ],
    );
    assert.match(String((trace.entries[2]!.detail as { error: string }).error), /503/);
    assert.equal(typeof trace.entries[3]!.durationMs, "number");
    const times = trace.entries.map((e) => e.at);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  });

  it("a call the TMS rejects shows as a dead call and a dead letter, with the reason, in the trace", async () => {
    await helper.load(NODES, flow(), { tmsEndpoint: { apiKey: "k" } });
    reject.add("SCAN|DC1|RF-017|2");
    getNode("map").receive(scanEvent("pack", 2));
    const store = getNode<StoreNode>("store").store;
    await waitFor("the rejected call dead", async () => (await store.counts()).outboxDead === 1, 10_000);

    const trace = (await api().get(`/lsync/trace?key=${SSCC}`)).body as unknown as Trace;
    const steps = trace.entries.map((e) => `${e.kind}:${e.status}:${e.nodeId}`);
    assert.deepEqual(steps, ["event:mapped:map", "call:queued:tms", "call:dead:tms", "dead-letter:parked:tms"]);
    const letter = trace.entries[3]!;
    assert.match(JSON.stringify(letter.detail), /unknown load/);
    assert.equal(typeof (letter.detail as { deadLetterId: unknown }).deadLetterId, "number");
  });

  it("answers 400 naming the rule for a missing key", async () => {
    await helper.load(NODES, flow(), { tmsEndpoint: { apiKey: "k" } });
    const reply = await api().get("/lsync/trace?key=%20");
    assert.equal(reply.status, 400);
    assert.match(String(reply.body.error), /key is required/);
  });
});
