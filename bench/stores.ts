/**
 * Store throughput: the three per-event store operations of the scanner path, one at a time
 * (as the intake, dedupe node and egress issue them per message), on SQLite in a temp file and on
 * PostgreSQL in a throwaway schema.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { PostgresStore, SqliteStore, type LsyncStore } from "../nodes/lib/store";

export interface StoreResult {
  store: string;
  /** Operations per second, or null with a note when skipped. */
  inboxPerSec: number | null;
  dedupePerSec: number | null;
  outboxPerSec: number | null;
  note?: string;
}

const PAYLOAD = JSON.stringify({ deviceId: "RF-001", seq: 12345, scannedAt: "2026-11-22T09:14:05.123+01:00", event: "pick", pad: "x".repeat(200) });

/** Runs `op(i)` back to back for `ms` milliseconds; operations per second. */
async function rate(ms: number, op: (i: number) => Promise<unknown>): Promise<number> {
  // A short warm-up so prepared statements / connections exist.
  for (let i = 0; i < 50; i++) await op(-1 - i);
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < ms) {
    await op(n);
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

async function measure(store: LsyncStore, ms: number, tag: string): Promise<Omit<StoreResult, "store">> {
  const inboxPerSec = await rate(ms, async (i) => {
    const ids = await store.addToInbox([{ source: "bench-intake", key: `SCAN|DC1|RF-001|${tag}${i}`, topic: "wms/DC1/scanner/RF-001/pick", payload: PAYLOAD }]);
    await store.settleInbox(ids, "done");
  });
  const dedupePerSec = await rate(ms, (i) => store.claimDedupe("bench", `SCAN|DC1|RF-001|${tag}${i}`, 604_800_000, `bench-intake:${i}`));
  const outboxPerSec = await rate(ms, (i) =>
    store.enqueueOutbox([{ target: "bench-tms", idempotencyKey: `SCAN|DC1|RF-001|${tag}${i}`, correlationId: "LOAD|LD-DC1-0001", body: { eventId: `e${i}`, type: "PICKED", quantity: 3 } }]),
  );
  return { inboxPerSec, dedupePerSec, outboxPerSec };
}

export async function sqliteThroughput(ms: number): Promise<StoreResult> {
  const dir = mkdtempSync(join(tmpdir(), "lsync-bench-sqlite-"));
  // As the product's store node opens it: checkpoints on their own thread.
  const store = new SqliteStore({ path: join(dir, "bench.db"), durability: "process", checkpoint: "background" });
  try {
    return { store: "SQLite (temp file, WAL, synchronous=NORMAL, background checkpoints)", ...(await measure(store, ms, "s")) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function postgresThroughput(ms: number, url: string): Promise<StoreResult> {
  const label = `PostgreSQL (${url.replace(/:[^:@/]*@/, ":***@")}, throwaway schema)`;
  const admin = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    return { store: label, inboxPerSec: null, dedupePerSec: null, outboxPerSec: null, note: `skipped: PostgreSQL unreachable (${(err as Error).message})` };
  }
  const schema = `lsync_bench_${randomUUID().slice(0, 8)}`;
  const store = new PostgresStore({ url, schema, instanceName: "bench", poolSize: 4 });
  try {
    await store.ready();
    return { store: label, ...(await measure(store, ms, "p")) };
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end();
  }
}
