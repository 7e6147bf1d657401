/**
 * PostgresStore against the real server: the same contract as SqliteStore (every fresh store on a
 * throwaway schema of its own), then what only PostgreSQL does (schema and password options,
 * outbox leases, sharing a pool, an unreachable server). Schemas are dropped afterwards.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "pg";
import { acquireStore, PostgresStore, releaseStore, type PostgresStoreOptions } from "../../nodes/lib/store";
import { pgUrl, probePostgres, serviceSkip, throwawayName } from "../helpers/services";
import { storeContract } from "../helpers/store-contract";

describe("PostgresStore on PostgreSQL", async () => {
  const skip = await serviceSkip("PostgreSQL", probePostgres);
  const base = throwawayName("lsync_t");
  const schemas: string[] = [];
  const opened: PostgresStore[] = [];
  let counter = 0;
  let admin: Pool;

  function open(options: Partial<PostgresStoreOptions> & { schema: string }): PostgresStore {
    const store = new PostgresStore({ url: pgUrl(), poolSize: 3, ...options });
    opened.push(store);
    return store;
  }
  function newSchema(): string {
    const schema = `${base}_${++counter}`;
    schemas.push(schema);
    return schema;
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

  describe("store contract", { skip }, () => {
    storeContract({
      name: "PostgresStore",
      location: "schema",
      async fresh() {
        const schema = newSchema();
        const store = open({ schema });
        await store.ready();
        return {
          store,
          inboxState: async (id: number) =>
            (await admin.query<{ state: string }>(`SELECT state FROM "${schema}".inbox WHERE id = $1`, [id])).rows[0]?.state,
          reopen: async () => {
            const reopened = open({ schema });
            await reopened.ready();
            return reopened;
          },
        };
      },
    });
  });

  describe("PostgresStore specifics", { skip }, () => {
    it("creates its tables in the configured schema, and two stores on it share one instance id", async () => {
      const schema = newSchema();
      const [a, b] = [open({ schema }), open({ schema })];
      // Both set up at once: the schema lock keeps CREATE … IF NOT EXISTS from racing.
      const [ia, ib] = await Promise.all([a.ready(), b.ready()]);
      assert.equal(ia, ib);
      assert.match(ia, /^[0-9a-f]{8}$/);
      const tables = await admin.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
        [schema],
      );
      assert.deepEqual(tables.rows.map((r) => r.table_name), ["dead_letters", "dedupe", "event_keys", "event_log", "inbox", "meta", "outbox", "poll_cursor", "poll_seen", "rule_state", "sftp_files"]);
      assert.equal(a.location.includes(`(schema ${schema})`), true);
      assert.equal(a.kind, "postgres");
    });

    it("refuses a schema name that is not a plain identifier", () => {
      assert.throws(() => new PostgresStore({ url: pgUrl(), schema: 'x"; DROP TABLE y; --' }), /schema .* is not allowed/);
      assert.throws(() => new PostgresStore({ url: pgUrl(), schema: "Upper" }), /not allowed/);
    });

    it("takes the password from the option, and never shows one in its location", async () => {
      const schema = newSchema();
      // Trust auth accepts any password: this checks the URL stays usable with one added.
      const store = open({ schema, password: "s3cret/with:odd@chars" });
      await store.ready();
      assert.equal(store.location.includes("s3cret"), false);
      const url = new URL(pgUrl());
      url.password = "hunter2";
      const withPassword = open({ schema, url: url.toString() });
      assert.equal(withPassword.location.includes("hunter2"), false);
      assert.match(withPassword.location, /\*\*\*/);
      await withPassword.ready();
    });

    it("an open batch leased by another instance is left alone until its lease runs out, then taken over with the same key", async () => {
      const schema = newSchema();
      const a = open({ schema, leaseMs: 60_000, instanceName: "node-a" });
      const b = open({ schema, leaseMs: 60_000, instanceName: "node-b" });
      await a.enqueueOutbox([1, 2, 3, 4].map((i) => ({ target: "tms-1", idempotencyKey: `K${i}`, body: { i } })));
      const now = Date.now();
      const held = await a.claimOutboxBatch("tms-1", 2, now);
      assert.deepEqual(held?.rows.map((r) => r.idempotencyKey), ["K1", "K2"]);
      // B does not get A's batch: it binds the remaining rows into a batch of its own.
      const other = await b.claimOutboxBatch("tms-1", 10, now);
      assert.deepEqual(other?.rows.map((r) => r.idempotencyKey), ["K3", "K4"]);
      assert.notEqual(other?.batchKey, held?.batchKey);
      // Both batches are leased: nothing more for either other instance while the leases run.
      const c = open({ schema, leaseMs: 60_000, instanceName: "node-c" });
      assert.equal(await c.claimOutboxBatch("tms-1", 10, now + 1_000), null);
      // The owner gets its own batch again (a retry after a restart of its dispatcher).
      assert.equal((await a.claimOutboxBatch("tms-1", 10, now + 1_000))?.batchKey, held?.batchKey);
      // A crashes: once its lease has run out, another instance takes the batch over, same rows, same key.
      const takeover = await c.claimOutboxBatch("tms-1", 10, now + 1_000 + 60_001);
      assert.equal(takeover?.batchKey, held?.batchKey);
      assert.deepEqual(takeover?.rows.map((r) => r.id), held?.rows.map((r) => r.id));
    });

    it("an instance that starts again takes its own open batch back at once; another instance waits for the lease", async () => {
      const schema = newSchema();
      const before = open({ schema, instanceName: "node-a" });
      await before.enqueueOutbox([{ target: "tms-1", idempotencyKey: "K1", body: {} }]);
      const batch = await before.claimOutboxBatch("tms-1", 10);
      assert.ok(batch);
      await before.close(); // the process dies with the batch in flight
      const other = open({ schema, instanceName: "node-b" });
      assert.equal(await other.claimOutboxBatch("tms-1", 10), null, "node-a's lease still runs");
      const restarted = open({ schema, instanceName: "node-a" });
      const resumed = await restarted.claimOutboxBatch("tms-1", 10);
      assert.equal(resumed?.batchKey, batch.batchKey);
      assert.notEqual(restarted.owner, before.owner);
    });

    it("markOutboxRetry gives the lease up: whichever instance is up when the retry is due sends the batch", async () => {
      const schema = newSchema();
      const a = open({ schema, instanceName: "node-a" });
      const b = open({ schema, instanceName: "node-b" });
      await a.enqueueOutbox([{ target: "erp-1", idempotencyKey: "K1", body: {} }]);
      const now = Date.now();
      const batch = await a.claimOutboxBatch("erp-1", 10, now);
      assert.ok(batch);
      await a.markOutboxRetry(batch.rows.map((r) => r.id), now + 5_000, "HTTP 503");
      assert.equal(await b.claimOutboxBatch("erp-1", 10, now + 1_000), null, "not due yet, and no new batch in front of it");
      const retried = await b.claimOutboxBatch("erp-1", 10, now + 5_001);
      assert.equal(retried?.batchKey, batch.batchKey);
      assert.deepEqual(retried?.rows.map((r) => r.attempts), [1]);
    });

    it("acquireStore shares one store per URL and schema and closes it with its last user", async () => {
      const schema = newSchema();
      const one = acquireStore({ kind: "postgres", url: pgUrl(), schema, poolSize: 2 });
      const two = acquireStore({ kind: "postgres", url: pgUrl(), schema });
      const elsewhere = acquireStore({ kind: "postgres", url: pgUrl(), schema: newSchema() });
      try {
        assert.equal(one, two);
        assert.notEqual(one, elsewhere);
        assert.equal(one.kind, "postgres");
        await one.addToInbox([{ source: "s", key: "k", topic: "t", payload: "{}" }]);
        await releaseStore(two);
        assert.equal((await one.counts()).inboxPending, 1, "still open for its other user");
      } finally {
        await releaseStore(one);
        await releaseStore(elsewhere);
      }
      await assert.rejects(one.counts(), /closed/);
    });

    it("an unreachable server makes calls reject (and the next call tries again)", async () => {
      const store = open({ url: "postgres://postgres@127.0.0.1:1/test", schema: "lsync", connectTimeoutMs: 1_000 });
      await assert.rejects(store.addToInbox([{ source: "s", key: "k", topic: "t", payload: "{}" }]), /ECONNREFUSED|connect/);
      await assert.rejects(store.counts(), /ECONNREFUSED|connect/);
    });
  });
});
