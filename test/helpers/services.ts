/**
 * The external services the integration tests use (PostgreSQL, Redis), where they are and whether
 * they answer. A test file probes inside an async `describe` and passes the result on as `skip`:
 *
 *   describe("PostgresStore", async () => {
 *     const skip = await serviceSkip("PostgreSQL", probePostgres);
 *     describe("…", { skip }, () => { … });
 *   });
 *
 * Unreachable: a skip with the reason, or, with REQUIRE_SERVICES=1 (CI), a failing test that
 * says what is missing (and the rest skipped). Not a test file itself.
 */
import { randomBytes } from "node:crypto";
import { it } from "node:test";
import { Client } from "pg";
import { createClient } from "redis";

const PROBE_TIMEOUT_MS = 2_000;

/** PostgreSQL for tests: LSYNC_TEST_PG_URL, else the local server's `test` database (trust auth). */
export function pgUrl(): string {
  return process.env.LSYNC_TEST_PG_URL?.trim() || "postgres://postgres@127.0.0.1:5432/test";
}

/** Redis for tests: LSYNC_TEST_REDIS_URL, else the local server. */
export function redisUrl(): string {
  return process.env.LSYNC_TEST_REDIS_URL?.trim() || "redis://127.0.0.1:6379";
}

/** A throwaway name for one test file's schema or key prefix: `<prefix>_<pid>_<random>`. */
export function throwawayName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

function withTimeout<T>(what: string, promise: Promise<T>, ms = PROBE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Connects to PostgreSQL and runs `SELECT 1`. */
export async function probePostgres(url = pgUrl()): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on("error", () => undefined);
  try {
    await withTimeout("connect", client.connect());
    await withTimeout("SELECT 1", client.query("SELECT 1"));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connects to Redis (no reconnect attempts) and sends PING. */
export async function probeRedis(url = redisUrl()): Promise<void> {
  const client = createClient({ url, socket: { connectTimeout: PROBE_TIMEOUT_MS, reconnectStrategy: false } });
  client.on("error", () => undefined);
  try {
    await withTimeout("connect", client.connect());
    await withTimeout("PING", client.ping());
  } finally {
    if (client.isOpen) await client.close().catch(() => client.destroy());
  }
}

function where(name: string): string {
  if (/postgres/i.test(name)) return redactForLog(pgUrl());
  if (/redis/i.test(name)) return redactForLog(redisUrl());
  return "";
}

/** Host and port only: no credentials in test output. */
function redactForLog(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(unparsable URL)";
  }
}

/**
 * Probes a service. Reachable: `false` (run the tests). Unreachable: the skip reason
 * ("PostgreSQL not reachable at 127.0.0.1:5432: …"); with REQUIRE_SERVICES=1 it also registers a
 * failing test in the current suite, so the run fails and says why.
 */
export async function serviceSkip(name: string, probe: () => Promise<void>): Promise<string | false> {
  try {
    await probe();
    return false;
  } catch (err) {
    const at = where(name);
    const reason = `${name} not reachable${at ? ` at ${at}` : ""}: ${(err as Error).message || String(err)}`;
    if (process.env.REQUIRE_SERVICES !== "1") return reason;
    it(`${name} is reachable (REQUIRE_SERVICES=1)`, () => {
      throw new Error(`${reason}. REQUIRE_SERVICES=1 makes a missing service a failure: start it (see .ci/run).`);
    });
    return `${reason} (required: reported as a failure)`;
  }
}
