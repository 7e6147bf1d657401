import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { SqliteStore } from "../../../nodes/lib/store";
import { WalCheckpointer } from "../../../nodes/lib/store/wal-checkpointer";

let dir: string;
let counter = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "lsync-wal-test-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const walBytes = (path: string) => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A WAL database that never checkpoints by itself, with `pages` pages of rows committed to its WAL. */
function walDatabase(pages: number): { path: string; db: Database.Database } {
  const path = join(dir, `wal-${++counter}.db`);
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("wal_autocheckpoint = 0");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
  // One row per page (a 3 KB value), a transaction each: the WAL gets a frame per row at least.
  for (let i = 0; i < pages; i++) insert.run("x".repeat(3000));
  return { path, db };
}

describe("background WAL checkpoints", () => {
  it("copy the WAL into the database on their own thread and empty it past the bound", async () => {
    const { path, db } = walDatabase(300);
    const before = walBytes(path);
    assert.ok(before > 300 * 4096, `the WAL holds the writes (${before} bytes)`);
    const failures: Error[] = [];
    const checkpointer = new WalCheckpointer({ path, intervalMs: 20, truncateAbovePages: 100, onFailed: (err) => failures.push(err) });
    try {
      // The report comes by message, so it may reach us after the file is empty: wait for both.
      await until("the WAL is emptied", () => walBytes(path) === 0 && checkpointer.stats().truncations >= 1);
      // The rows are in the database file itself now: a reader sees them with the WAL empty.
      assert.equal((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 300);
      // The writer goes on, and below the bound the WAL is only copied, not emptied.
      db.prepare("INSERT INTO t (v) VALUES (?)").run("after");
      const truncations = checkpointer.stats().truncations;
      const checkpoints = checkpointer.stats().checkpoints;
      await until("another checkpoint ran", () => checkpointer.stats().checkpoints >= checkpoints + 2);
      assert.equal(checkpointer.stats().truncations, truncations);
      assert.ok(walBytes(path) > 0, `the WAL keeps the new frame (${walBytes(path)} bytes, ${JSON.stringify(checkpointer.stats())})`);
    } finally {
      await checkpointer.stop();
      db.close();
    }
    assert.deepEqual(failures, []);
    assert.equal(checkpointer.running, false);
  });

  it("say so when the thread cannot start", async () => {
    const failed = new Promise<Error>((resolve) => {
      new WalCheckpointer({ path: join(dir, "missing.db"), onFailed: resolve });
    });
    assert.match((await failed).message, /WAL checkpoint thread could not open .*missing\.db: unable to open database file/);
  });

  it("a store with background checkpoints leaves them to the thread, and takes them back when it dies", async () => {
    const path = join(dir, `store-${++counter}.db`);
    const errors: Error[] = [];
    const store = new SqliteStore({ path, checkpoint: "background", onError: (err) => errors.push(err) });
    try {
      assert.equal(store.checkpointMode(), "background");
      const ids = await store.addToInbox([{ source: "scanner", key: "k1", topic: "wms/DC1/scanner/1/pick", payload: "{}", props: null }]);
      assert.equal(ids.length, 1);
      // The store's own connection no longer checkpoints (the setting is per connection, so it is
      // read through the store's).
      const own = (store as unknown as { db: Database.Database }).db;
      assert.equal(own.pragma("wal_autocheckpoint", { simple: true }), 0);
      // The thread dies: the store checkpoints in its commits again and says why.
      const thread = (store as unknown as { checkpointer: { worker: Worker } }).checkpointer.worker;
      await thread.terminate();
      await until("the store falls back", () => store.checkpointMode() === "inline");
      assert.equal(own.pragma("wal_autocheckpoint", { simple: true }), 1000);
      assert.match(errors[0]?.message ?? "", /stopped.*checkpointing in the commits again/);
    } finally {
      await store.close();
    }
    // Closed, the WAL is copied back and removed, and the row is in the file.
    assert.equal(existsSync(`${path}-wal`), false);
    const reopened = new Database(path, { readonly: true });
    assert.equal((reopened.prepare("SELECT count(*) AS n FROM inbox").get() as { n: number }).n, 1);
    reopened.close();
  });

  it("a store closes its thread before its own connection, so the file is left whole", async () => {
    const path = join(dir, `store-${++counter}.db`);
    const store = new SqliteStore({ path, checkpoint: "background" });
    await store.addToInbox(Array.from({ length: 50 }, (_, i) => ({ source: "s", key: `k${i}`, topic: "t", payload: "x".repeat(2000), props: null })));
    await store.close();
    assert.equal(store.checkpointMode(), "inline");
    assert.equal(existsSync(`${path}-wal`), false);
    const reopened = new SqliteStore({ path });
    try {
      assert.equal((await reopened.pendingInbox("s", 100)).length, 50);
    } finally {
      await reopened.close();
    }
  });
});
