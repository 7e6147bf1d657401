/**
 * Hostile scanner payloads over MQTT through the product's own flow, started as `npm start` starts
 * it (embedded broker, simulators): the scanner JSON and GS1 ingresses' hostile inputs published
 * to wms/<site>/scanner/<device>/<event>, with valid scans interleaved. Afterwards the product is
 * still up, every published message is in the intake and settled (none pending, none lost), every
 * one settled as dead has its dead letter with a reason, and every valid scan went through.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import fc from "fast-check";
import mqtt from "mqtt";
import { scanEvent } from "../unit/nodes/_helper";
import { startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { scannerGs1 } from "./ingresses/scanner-gs1";
import { scannerJson } from "./ingresses/scanner-json";

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Math.round(600 * Number(process.env.FUZZ_SCALE ?? 1));
const EVENTS = ["pick", "pack", "weight", "cube", "ship"] as const;

const asBody = (payload: unknown): string | Buffer =>
  Buffer.isBuffer(payload) ? payload : typeof payload === "string" ? payload : (JSON.stringify(payload) ?? "");

describe("hostile scanner payloads over MQTT through the product's flow", { timeout: 170_000 }, () => {
  let product: RunningProduct;
  const validSeqs = new Set<number>();
  let published = 0;

  before(async () => {
    product = await startProduct();
    const client = await mqtt.connectAsync(product.mqttUrl, { protocolVersion: 4 });
    const hostile = [
      ...fc.sample(scannerJson.hostile, { seed: SEED, numRuns: RUNS / 2 }),
      ...fc.sample(scannerGs1.hostile, { seed: SEED + 1, numRuns: RUNS / 2 }),
    ];
    for (let i = 0; i < hostile.length; i++) {
      const h = hostile[i]!;
      const event = EVENTS[i % EVENTS.length]!;
      await client.publishAsync(`wms/DC9/scanner/RF-${100 + (i % 7)}/${event}`, asBody(h.payload), { qos: 1 });
      published++;
      if (i % 10 === 0) {
        const seq = 7_000_000 + i;
        const scan = scanEvent(event, seq);
        await client.publishAsync(`wms/DC1/scanner/RF-017/${event}`, scan.payload as string, { qos: 1 });
        validSeqs.add(seq);
        published++;
      }
    }
    await client.endAsync();
  });

  after(async () => {
    await product?.stop("SIGINT");
  });

  it("every message is settled, every dead one parked with its reason, every valid one went through", async () => {
    const db = new Database(join(product.dataDir, "lsync.db"), { readonly: true, fileMustExist: true });
    try {
      const counts = () => db.prepare("SELECT state, count(*) AS n FROM inbox GROUP BY state").all() as Array<{ state: string; n: number }>;
      const total = (rows: Array<{ n: number }>) => rows.reduce((a, r) => a + r.n, 0);
      await waitFor(
        async () => counts(),
        (rows) => total(rows) === published && !rows.some((r) => r.state === "pending"),
        120_000,
        `all ${published} scans stored and settled`,
      );
      const deadWithoutLetter = db
        .prepare("SELECT i.id FROM inbox i LEFT JOIN dead_letters d ON d.inbox_id = i.id WHERE i.state = 'dead' AND (d.id IS NULL OR trim(d.reason) = '')")
        .all();
      assert.deepEqual(deadWithoutLetter, [], "every scan settled as dead has a dead letter with its reason");
      const dead = db.prepare("SELECT count(*) AS n FROM inbox WHERE state = 'dead'").get() as { n: number };
      assert.ok(dead.n >= published - validSeqs.size - RUNS * 0.1, `most hostile scans are parked (${dead.n} of ${published - validSeqs.size})`);

      const rows = db.prepare("SELECT payload, state FROM inbox WHERE topic LIKE 'wms/DC1/scanner/RF-017/%'").all() as Array<{ payload: string; state: string }>;
      const validStates = rows.filter((r) => validSeqs.has((JSON.parse(r.payload) as { seq: number }).seq)).map((r) => r.state);
      assert.equal(validStates.length, validSeqs.size, "every valid scan was taken in");
      const why = db.prepare("SELECT d.reason FROM inbox i JOIN dead_letters d ON d.inbox_id = i.id WHERE i.topic LIKE 'wms/DC1/scanner/RF-017/%' LIMIT 1").get();
      assert.deepEqual([...new Set(validStates)], ["done"], `every valid scan went through to the outbox: ${JSON.stringify(why)}`);
    } finally {
      db.close();
    }
    const alive = await fetch(`${product.editorUrl}/flows`, { headers: { accept: "application/json" } });
    assert.equal(alive.status, 200, "the product is still up");
    assert.doesNotMatch(product.output(), /uncaught|FATAL|RangeError: Maximum call stack/i);
  });
});
