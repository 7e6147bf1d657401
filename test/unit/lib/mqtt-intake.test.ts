/**
 * The durable MQTT intake against a real broker (aedes, in process): every PUBACK leaves only after
 * its scan is committed in the store, in the order the publishes came, while the next publishes are
 * read and stored meanwhile (a burst shares commits); a scan the store refuses is not acknowledged
 * and does not stop the intake. The intake holds PUBACKs by wrapping mqtt.js's private packet
 * writer: if an mqtt.js upgrade changes how a PUBACK is sent, these fail.
 */
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import mqtt from "mqtt";
import { DurableMqttIntake } from "../../../nodes/lib/intake/mqtt-intake";
import { SqliteStore, type NewInboxItem } from "../../../nodes/lib/store";

let mqttUrl = "";
let tcp: Server;
let closeBroker: () => Promise<void>;
/** Payloads the broker saw acknowledged by the intake's client, in order, with when. */
const acked: Array<{ payload: string; at: bigint }> = [];

before(async () => {
  const { Aedes } = await import("aedes");
  const broker = await Aedes.createBroker();
  broker.on("ack", (packet, client) => {
    if (client?.id.startsWith("intake-") && packet && "payload" in packet) acked.push({ payload: String(packet.payload), at: process.hrtime.bigint() });
  });
  tcp = createServer(broker.handle);
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  mqttUrl = `mqtt://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
  closeBroker = () => new Promise<void>((resolve) => broker.close(() => tcp.close(() => resolve())));
});
after(() => closeBroker());

/** A store that records when each scan's insert was committed, and refuses one payload. */
class WatchedStore extends SqliteStore {
  readonly committedAt = new Map<string, bigint>();
  failPayload: string | null = null;

  /** Holds the nth inbox write n times this long before it runs (commits that finish one by one). */
  delayStepMs = 0;
  private writes = 0;
  /** Inbox writes under way at once (the most seen): above 1 when scans share a commit. */
  private writing = 0;
  mostWritingAtOnce = 0;

  override async addToInbox(items: NewInboxItem[]): Promise<number[]> {
    if (items.some((i) => i.payload === this.failPayload)) throw new Error("disk full (test)");
    this.mostWritingAtOnce = Math.max(this.mostWritingAtOnce, ++this.writing);
    try {
      if (this.delayStepMs) await new Promise((r) => setTimeout(r, this.delayStepMs * this.writes++));
      const ids = await super.addToInbox(items);
      for (const i of items) this.committedAt.set(i.payload, process.hrtime.bigint());
      return ids;
    } finally {
      this.writing--;
    }
  }
}

/** Publishes `count` scans and stops the intake once all are taken in, or once `stopAfter` are. */
async function run(count: number, store: WatchedStore, clientId: string, stopAfter?: number): Promise<{ emitted: string[]; errors: string[]; stoppedAt: bigint }> {
  const emitted: string[] = [];
  const errors: string[] = [];
  let stoppedAt = 0n;
  const intake = new DurableMqttIntake({
    url: mqttUrl,
    client: { clientId, protocolVersion: 4 },
    topics: ["scan/#"],
    store,
    source: clientId,
    maxInFlight: 1000,
    keyOf: (_t, payload) => payload,
    emit: (item) => emitted.push(item.payload),
    onError: (err) => errors.push(err.message),
    onSubscribed: () => undefined,
  });
  const subscribed = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (intake.state().connection === "connected") {
        clearInterval(check);
        setTimeout(resolve, 100);
      }
    }, 20);
  });
  void intake.start();
  await subscribed;
  const publisher = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, clientId: `pub-${clientId}` });
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => publisher.publishAsync(`scan/${i}`, `${clientId}-${i}`, { qos: 1 })));
    const deadline = Date.now() + 10_000;
    const expected = stopAfter ?? (store.failPayload ? count - 1 : count);
    while (emitted.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, stopAfter ? 1 : 20));
    if (!stopAfter) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await publisher.endAsync();
    stoppedAt = process.hrtime.bigint();
    await intake.stop();
  }
  return { emitted, errors, stoppedAt };
}

describe("durable MQTT intake: stored, then acknowledged", () => {
  it("acknowledges each scan after its commit, in publish order", async () => {
    const store = new WatchedStore({ path: ":memory:" });
    try {
      const { emitted } = await run(60, store, "intake-a");
      const mine = acked.filter((a) => a.payload.startsWith("intake-a-"));
      assert.equal(emitted.length, 60, "every scan taken in");
      assert.equal(mine.length, 60, "every scan acknowledged");
      for (const a of mine) {
        const committed = store.committedAt.get(a.payload);
        assert.ok(committed !== undefined && committed <= a.at, `${a.payload} acknowledged after its commit`);
      }
      assert.deepEqual(mine.map((a) => a.payload), emitted, "acknowledged in the order taken in");
      // The PUBACKs wait, the reading does not: a burst's scans are stored together, not one commit each.
      assert.ok(store.mostWritingAtOnce > 1, `scans shared a commit (at most ${store.mostWritingAtOnce} written at once)`);
    } finally {
      await store.close();
    }
  });

  it("a stop first acknowledges the scans whose commits were under way", async () => {
    const store = new WatchedStore({ path: ":memory:" });
    store.delayStepMs = 20;
    try {
      const { stoppedAt } = await run(30, store, "intake-c", 1);
      // Every delayed write has landed by now, whether or not the stop waited for it.
      await new Promise((r) => setTimeout(r, 30 * store.delayStepMs + 200));
      const mine = new Set(acked.filter((a) => a.payload.startsWith("intake-c-")).map((a) => a.payload));
      const committed = [...store.committedAt];
      const afterStop = committed.filter(([, at]) => at > stoppedAt).length;
      assert.ok(afterStop > 0, `commits were under way at the stop (${afterStop} of ${committed.length} finished after it)`);
      assert.deepEqual(committed.map(([p]) => p).filter((p) => !mine.has(p)), [], "every stored scan acknowledged, none left for the broker to send again");
    } finally {
      await store.close();
    }
  });

  it("a scan the store refuses is not acknowledged (the broker keeps it for the session) and does not hold up the others", async () => {
    const store = new WatchedStore({ path: ":memory:" });
    store.failPayload = "intake-b-3";
    try {
      const { emitted, errors } = await run(10, store, "intake-b");
      const mine = acked.filter((a) => a.payload.startsWith("intake-b-")).map((a) => a.payload);
      assert.ok(!mine.includes("intake-b-3"), "the refused scan is not acknowledged");
      assert.ok(!emitted.includes("intake-b-3"), "nor handed to the flow");
      assert.equal(mine.length, 9);
      assert.deepEqual(errors, ["disk full (test)"]);
    } finally {
      await store.close();
    }
  });
});
