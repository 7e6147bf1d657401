/**
 * Several instances on one PostgreSQL schema, racing: two PostgresStores with separate pools in
 * this process, then two separate processes. Dedupe: exactly one claimant is first per key.
 * Outbox: no row is ever in two batches, and every row is delivered.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { Pool } from "pg";
import { PostgresStore, type OutboxBatch } from "../../nodes/lib/store";
import { pgUrl, probePostgres, serviceSkip, throwawayName } from "../helpers/services";

const KEYS = 300;
const ROWS = 600;

/** Checks a set of batches: no row id twice, all `expected` ids covered, batch keys distinct. */
function assertDisjoint(batches: Array<{ key: string; ids: number[] }>, expected: number[]): void {
  const seen = new Map<number, string>();
  for (const b of batches) {
    for (const id of b.ids) {
      const earlier = seen.get(id);
      assert.equal(earlier, undefined, `row ${id} is in batch ${b.key} and in batch ${earlier}`);
      seen.set(id, b.key);
    }
  }
  assert.deepEqual([...seen.keys()].sort((x, y) => x - y), [...expected].sort((x, y) => x - y), "every row in exactly one batch");
  assert.equal(new Set(batches.map((b) => b.key)).size, batches.length, "batch keys are distinct");
}

describe("PostgreSQL store shared by several instances", async () => {
  const skip = await serviceSkip("PostgreSQL", probePostgres);
  const base = throwawayName("lsync_x");
  const schemas: string[] = [];
  const opened: PostgresStore[] = [];
  let admin: Pool;
  let counter = 0;

  function newSchema(): string {
    const schema = `${base}_${++counter}`;
    schemas.push(schema);
    return schema;
  }
  function instance(schema: string, name: string): PostgresStore {
    const store = new PostgresStore({ url: pgUrl(), schema, instanceName: name, poolSize: 5 });
    opened.push(store);
    return store;
  }
  async function enqueue(store: PostgresStore, target: string, n: number): Promise<number[]> {
    const rows = Array.from({ length: n }, (_, i) => ({ target, idempotencyKey: `K${i}`, body: { i } }));
    for (let i = 0; i < rows.length; i += 200) await store.enqueueOutbox(rows.slice(i, i + 200));
    const ids = await admin.query<{ id: string }>(`SELECT id FROM "${store.schema}".outbox WHERE target = $1`, [target]);
    return ids.rows.map((r) => Number(r.id));
  }

  before(() => {
    if (skip) return;
    admin = new Pool({ connectionString: pgUrl(), max: 2 });
  });
  after(async () => {
    if (skip) return;
    for (const s of opened) await s.close().catch(() => undefined);
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  describe("two pools in one process", { skip }, () => {
    it("claimDedupe: exactly one first per key when four claimants on two instances race", async () => {
      const schema = newSchema();
      const a = instance(schema, "node-a");
      const b = instance(schema, "node-b");
      await Promise.all([a.ready(), b.ready()]);
      const claimants = [
        { store: a, ref: "a1" },
        { store: b, ref: "b1" },
        { store: a, ref: "a2" },
        { store: b, ref: "b2" },
      ];
      const results = await Promise.all(
        Array.from({ length: KEYS }, (_, k) =>
          Promise.all(claimants.map((c) => c.store.claimDedupe("race", `K${k}`, 60_000, c.ref))),
        ),
      );
      results.forEach((claims, k) => {
        assert.equal(claims.filter((c) => c.first).length, 1, `key K${k}: ${JSON.stringify(claims)}`);
        assert.equal(new Set(claims.map((c) => c.firstSeenAt)).size, 1, `key K${k}: everyone sees the winner's first sighting`);
      });
      // The winners are spread over both instances (not one instance serialising everything).
      const winners = new Set(results.map((claims) => claimants[claims.findIndex((c) => c.first)]!.ref));
      assert.ok(winners.size >= 2, `winners: ${[...winners].join(",")}`);
      // The winner claiming again is a redelivery; the losers stay duplicates.
      const k0 = results[0]!.findIndex((c) => c.first);
      assert.equal((await claimants[k0]!.store.claimDedupe("race", "K0", 60_000, claimants[k0]!.ref)).first, true);
      assert.equal((await claimants[(k0 + 1) % 4]!.store.claimDedupe("race", "K0", 60_000, claimants[(k0 + 1) % 4]!.ref)).first, false);
    });

    it("claimDedupe: an expired key raced by both instances again has exactly one new winner", async () => {
      const schema = newSchema();
      const a = instance(schema, "node-a");
      const b = instance(schema, "node-b");
      await Promise.all(Array.from({ length: 50 }, (_, k) => a.claimDedupe("exp", `K${k}`, 1, "old")));
      await new Promise((resolve) => setTimeout(resolve, 10));
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          Promise.all([a.claimDedupe("exp", `K${k}`, 60_000, "a"), b.claimDedupe("exp", `K${k}`, 60_000, "b")]),
        ),
      );
      for (const [k, claims] of results.entries()) assert.equal(claims.filter((c) => c.first).length, 1, `key K${k}`);
    });

    it("claimOutboxBatch: batches in flight on two instances never share a row", async () => {
      const schema = newSchema();
      const a = instance(schema, "node-a");
      const b = instance(schema, "node-b");
      const ids = await enqueue(a, "tms-1", 100);
      // Nothing is marked sent: every claim binds new rows or gets its own batch back.
      const claimed = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).claimOutboxBatch("tms-1", 25)),
      );
      const byOwner = { a: new Map<string, OutboxBatch>(), b: new Map<string, OutboxBatch>() };
      claimed.forEach((batch, i) => {
        assert.ok(batch, `claim ${i} got nothing`);
        byOwner[i % 2 ? "b" : "a"].set(batch.batchKey, batch);
      });
      for (const key of byOwner.a.keys()) assert.equal(byOwner.b.has(key), false, `batch ${key} went to both instances`);
      const distinct = [...byOwner.a.values(), ...byOwner.b.values()].map((batch) => ({ key: batch.batchKey, ids: batch.rows.map((r) => r.id) }));
      const covered = distinct.flatMap((d) => d.ids);
      assertDisjoint(distinct, covered);
      assert.ok(covered.every((id) => ids.includes(id)));
    });

    it(`claimOutboxBatch: two instances draining ${ROWS} rows concurrently deliver each row in exactly one batch`, async () => {
      const schema = newSchema();
      const a = instance(schema, "node-a");
      const b = instance(schema, "node-b");
      const ids = await enqueue(a, "tms-1", ROWS);
      const drain = async (store: PostgresStore) => {
        const got: Array<{ key: string; ids: number[] }> = [];
        for (let idle = 0; idle < 200; ) {
          const batch = await store.claimOutboxBatch("tms-1", 25);
          if (!batch) {
            if ((await store.counts()).outboxPending === 0) break;
            idle++;
            await new Promise((resolve) => setTimeout(resolve, 2));
            continue;
          }
          got.push({ key: batch.batchKey, ids: batch.rows.map((r) => r.id) });
          await store.markOutboxSent(batch.rows.map((r) => r.id));
        }
        return got;
      };
      const [fromA, fromB] = await Promise.all([drain(a), drain(b)]);
      assertDisjoint([...fromA, ...fromB], ids);
      assert.ok(fromA.length > 0 && fromB.length > 0, `batches: a ${fromA.length}, b ${fromB.length}`);
      const counts = await a.counts();
      assert.equal(counts.outboxSent, ROWS);
      assert.equal(counts.outboxPending, 0);
      const attempts = await admin.query<{ max: number }>(`SELECT max(attempts)::int AS max FROM "${schema}".outbox`);
      assert.equal(attempts.rows[0]!.max, 1, "no row was sent twice");
    });
  });

  describe("two processes", { skip, timeout: 60_000 }, () => {
    interface Worker {
      child: ChildProcess;
      lines: AsyncIterableIterator<string>;
    }
    const children: ChildProcess[] = [];
    after(() => {
      for (const child of children) if (child.exitCode === null) child.kill();
    });

    async function startWorker(args: string[]): Promise<Worker> {
      const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "../helpers/pg-race-worker.ts"), pgUrl(), ...args], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      children.push(child);
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const first = await lines.next();
      assert.equal(first.value, "ready", `worker ${args.join(" ")} did not start`);
      return { child, lines };
    }
    async function result<T>(worker: Worker): Promise<T> {
      const line = await worker.lines.next();
      assert.ok(!line.done, "worker ended without a result");
      return JSON.parse(line.value as string) as T;
    }
    async function race<T>(argsA: string[], argsB: string[]): Promise<[T, T]> {
      const [a, b] = await Promise.all([startWorker(argsA), startWorker(argsB)]);
      a.child.stdin!.write("go\n");
      b.child.stdin!.write("go\n");
      return Promise.all([result<T>(a), result<T>(b)]);
    }

    it("claimDedupe from two processes: exactly one first per key", async () => {
      const schema = newSchema();
      // Both processes set the schema up at the same time too.
      const [a, b] = await race<{ first: string[]; firstSeenAt: number[] }>(
        [schema, "proc-a", "dedupe", String(KEYS)],
        [schema, "proc-b", "dedupe", String(KEYS)],
      );
      const both = a.first.filter((k) => b.first.includes(k));
      assert.deepEqual(both, [], "keys both processes claimed first");
      assert.equal(a.first.length + b.first.length, KEYS, `a ${a.first.length} + b ${b.first.length}`);
      for (let k = 0; k < KEYS; k++) assert.equal(a.firstSeenAt[k], b.firstSeenAt[k], `key K${k}: one first sighting`);
    });

    it("claimOutboxBatch from two processes: no row in two batches, every row sent once", async () => {
      const schema = newSchema();
      const seed = instance(schema, "seeder");
      const ids = await enqueue(seed, "tms-1", ROWS);
      const [a, b] = await race<{ batches: Array<{ key: string; ids: number[] }> }>(
        [schema, "proc-a", "outbox", "tms-1", "20"],
        [schema, "proc-b", "outbox", "tms-1", "20"],
      );
      assertDisjoint([...a.batches, ...b.batches], ids);
      const attempts = await admin.query<{ max: number }>(`SELECT max(attempts)::int AS max FROM "${schema}".outbox`);
      assert.equal(attempts.rows[0]!.max, 1, "no row was sent twice");
    });
  });
});
