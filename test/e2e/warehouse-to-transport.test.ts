/**
 * The first slice end to end, as `npm start` runs it: scanner events (with resubmissions) go to
 * the embedded broker, and every distinct event reaches the TMS simulator once and every pick
 * the ERP simulator once. The expected outcome is computed here from what was published, not
 * from the product.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { after, before, describe, it } from "node:test";
import { publishScannerEvents } from "../../simulators/scanner-publisher";
import { getJson, startProduct, waitFor, type RunningProduct } from "../helpers/product";

interface Scan {
  deviceId: string;
  seq: number;
  event: string;
  loadId?: string;
  sku?: string;
  gtin?: string;
  quantity?: number;
}

interface TmsState {
  eventsAccepted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  batches: number;
}

interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

describe("warehouse-to-transport handoff, end to end", { timeout: 180_000 }, () => {
  let product: RunningProduct;
  const published = new Map<string, Scan>();
  let copies = 0;

  before(async () => {
    product = await startProduct();
    // Our own subscriber sees exactly what the scanners sent: the ground truth.
    const watcher = await mqtt.connectAsync(product.mqttUrl, { protocolVersion: 4 });
    await watcher.subscribeAsync("wms/+/scanner/+/+", { qos: 1 });
    watcher.on("message", (topic, payload) => {
      const scan = JSON.parse(payload.toString()) as Scan;
      copies++;
      published.set(`${topic.split("/")[1]}|${scan.deviceId}|${scan.seq}`, scan);
    });
    await publishScannerEvents({ url: product.mqttUrl, count: 400, rate: 0, resubmitShare: 0.1, rawShare: 0, seed: 7, protocolVersion: 4 });
    await waitFor(async () => copies, (n) => n >= 400, 20_000, "our subscriber to see every publish");
    await watcher.endAsync();
  });

  after(async () => {
    const code = await product?.stop("SIGINT");
    assert.equal(code, 0, `Ctrl-C stops the product cleanly:\n${product?.output().slice(-2000)}`);
  });

  it("resubmitted scans were published (the test exercises dedupe)", () => {
    assert.ok(published.size < copies, `${published.size} distinct of ${copies} published`);
  });

  it("delivers every distinct scan with a load to the TMS exactly once", async () => {
    const expected = [...published.values()].filter((s) => s.loadId).length;
    assert.ok(expected > 0);
    const state = await waitFor(
      () => getJson<TmsState>(`${product.simulators.tms}/_sim/state`),
      (s) => s.eventsAccepted + s.eventsRejected >= expected,
      60_000,
      `${expected} TMS events`,
    );
    assert.equal(state.eventsRejected, 0, "no event rejected by the TMS");
    assert.equal(state.eventsAccepted, expected);
    assert.equal(state.eventsDuplicate, 0, "dedupe kept resubmissions away from the TMS");
    // Batched: far fewer calls than events.
    assert.ok(state.batches < expected / 5, `${state.batches} calls for ${expected} events`);
    const calls = await getJson<{ entries?: Received[] } | Received[]>(`${product.simulators.tms}/_sim/received`);
    const entries = Array.isArray(calls) ? calls : (calls.entries ?? []);
    const batchCalls = entries.filter((e) => e.path.includes("execution-events:batch"));
    assert.ok(batchCalls.length > 0);
    for (const call of batchCalls) assert.ok(call.headers["idempotency-key"], "every call carries an Idempotency-Key");
  });

  it("posts every distinct pick to the ERP once, as goods movement items", async () => {
    const picks = [...published.values()].filter((s) => s.event === "pick" && s.quantity && (s.sku || s.gtin));
    assert.ok(picks.length > 0);
    const items = await waitFor(
      async () => {
        const log = await getJson<{ entries?: Received[] } | Received[]>(`${product.simulators.erp}/_sim/received`);
        const entries = Array.isArray(log) ? log : (log.entries ?? []);
        return entries
          .filter((e) => e.method === "POST" && e.path.includes("A_MaterialDocumentHeader"))
          .flatMap((e) => (e.body as { to_MaterialDocumentItem: { results: Array<{ MaterialDocumentItemText: string }> } }).to_MaterialDocumentItem.results);
      },
      (list) => list.length >= picks.length,
      60_000,
      `${picks.length} ERP goods movement items`,
    );
    const keys = items.map((i) => i.MaterialDocumentItemText);
    assert.equal(new Set(keys).size, keys.length, "no movement posted twice");
    assert.equal(keys.length, picks.length);
  });
});
