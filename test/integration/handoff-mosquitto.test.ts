/**
 * The handoff against a real Mosquitto speaking MQTT 5: JSON events and raw GS1 labels (with
 * seq, load and work order in user properties), resubmissions included. Every distinct scan
 * reaches the TMS once and every distinct pick the ERP once; nothing is dead-lettered.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { after, before, describe, it } from "node:test";
import { publishScannerEvents } from "../../simulators/scanner-publisher";
import { skipUnlessMosquitto, startMosquitto, type PrivateBroker } from "../helpers/mosquitto";
import { getJson, startProduct, waitFor, type RunningProduct } from "../helpers/product";

interface Seen {
  raw: boolean;
  event: string;
  loadId?: string;
}

describe("handoff over Mosquitto with MQTT 5 and raw GS1 scans", { skip: skipUnlessMosquitto(), timeout: 180_000 }, () => {
  let broker: PrivateBroker;
  let product: RunningProduct;
  const distinct = new Map<string, Seen>();
  let copies = 0;

  before(async () => {
    broker = await startMosquitto();
    product = await startProduct({ MQTT_URL: broker.url, MQTT_PROTOCOL: "5" });
    const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    await watcher.subscribeAsync("wms/+/scanner/+/+", { qos: 1 });
    watcher.on("message", (topic, payload, packet) => {
      copies++;
      const [, site, device, event] = topic.split("/");
      const props = (packet.properties?.userProperties ?? {}) as Record<string, string>;
      const text = payload.toString();
      const raw = !text.startsWith("{");
      const seq = raw ? props.seq : String((JSON.parse(text) as { seq: number }).seq);
      const loadId = raw ? props.loadId : (JSON.parse(text) as { loadId?: string }).loadId;
      distinct.set(`${site}|${device}|${seq}`, { raw, event: event!, ...(loadId ? { loadId } : {}) });
    });
    await publishScannerEvents({ url: broker.url, count: 300, rate: 0, resubmitShare: 0.1, rawShare: 0.3, seed: 11, protocolVersion: 5 });
    await waitFor(async () => copies, (n) => n >= 300, 20_000, "our subscriber to see every publish");
    await watcher.endAsync();
  });

  after(async () => {
    await product?.stop();
    await broker?.stop();
  });

  it("published both JSON and raw GS1 scans, with resubmissions", () => {
    const raws = [...distinct.values()].filter((s) => s.raw).length;
    assert.ok(raws > 0 && raws < distinct.size, `${raws} raw of ${distinct.size}`);
    assert.ok(distinct.size < copies);
  });

  it("every distinct scan reaches the TMS once", async () => {
    const expected = [...distinct.values()].filter((s) => s.loadId).length;
    const state = await waitFor(
      () => getJson<{ eventsAccepted: number; eventsRejected: number; eventsDuplicate: number }>(`${product.simulators.tms}/_sim/state`),
      (s) => s.eventsAccepted + s.eventsRejected >= expected,
      60_000,
      `${expected} TMS events`,
    );
    assert.deepEqual({ accepted: state.eventsAccepted, rejected: state.eventsRejected, duplicate: state.eventsDuplicate }, { accepted: expected, rejected: 0, duplicate: 0 });
  });

  it("nothing was dead-lettered and no intake is left pending", async () => {
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(`${product.dataDir}/lsync.db`, { readonly: true });
    try {
      const dead = db.prepare("SELECT count(*) AS n, max(reason) AS reason FROM dead_letters").get() as { n: number; reason: string | null };
      assert.equal(dead.n, 0, `dead letters: ${dead.reason}`);
      const pending = await waitFor(
        async () => (db.prepare("SELECT count(*) AS n FROM inbox WHERE state = 'pending'").get() as { n: number }).n,
        (n) => n === 0,
        30_000,
        "every intake row settled",
      );
      assert.equal(pending, 0);
    } finally {
      db.close();
    }
  });
});
