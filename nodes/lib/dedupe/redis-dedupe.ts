import { createClient } from "redis";
import type { DedupeClaim } from "../store";
import type { DedupeBackend } from "./backends";

/**
 * The dedupe window in Redis, for several instances that share a Redis but not (necessarily) a
 * store. Client: node-redis (`redis` v5), Redis's own client: maintained with the server, TypeScript
 * types built in, promise API, reconnects by itself and queues commands meanwhile; ioredis'
 * maintainers point new projects to it.
 *
 * One key per claim, `<prefix><scope>:<key>`, set with `SET … NX PX <ttl>`: Redis applies it
 * atomically, so exactly one claimant of a live key wins, in whichever instance it runs; the key
 * expires by itself after the window. The value is `<first seen, epoch ms>|<ref>`: on a conflict
 * it is read back, and the same ref (a redelivery after a crash) counts as first, as in the other
 * back ends. Keys are volatile data: a Redis without persistence forgets the window on restart.
 */
export interface RedisDedupeOptions {
  /** `redis://[[user]:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Nodes with the same scope share one window. */
  scope: string;
  /** Before the scope in every key (default `lsync:dedupe:`). */
  prefix?: string;
  /** A claim that Redis has not answered within this long fails (default 5000 ms); while disconnected, claims wait up to this long for the reconnect. */
  commandTimeoutMs?: number;
  /** Connection errors (each failed reconnect): the client keeps reconnecting. */
  onError?: (err: Error) => void;
}

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
const DEFAULT_PREFIX = "lsync:dedupe:";

type Client = ReturnType<typeof createClient>;

interface SharedClient {
  client: Client;
  users: number;
  listeners: Set<(err: Error) => void>;
}

/** One connection per URL and timeout in the process, however many dedupe nodes use it. */
const clients = new Map<string, SharedClient>();

function acquireClient(url: string, commandTimeoutMs: number): { id: string; shared: SharedClient } {
  const id = `${url}#${commandTimeoutMs}`;
  let shared = clients.get(id);
  if (!shared) {
    const client = createClient({
      url,
      socket: { connectTimeout: 5_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000) },
      commandOptions: { timeout: commandTimeoutMs },
    });
    const created: SharedClient = { client, users: 0, listeners: new Set() };
    // Without a listener an 'error' event would end the process; each failed reconnect emits one.
    client.on("error", (err: Error) => {
      for (const listener of created.listeners) listener(err);
    });
    // Commands issued while connecting wait in the client's queue (up to the command timeout).
    client.connect().catch(() => undefined);
    shared = created;
    clients.set(id, shared);
  }
  shared.users++;
  return { id, shared };
}

/** Host and port of a Redis URL, for messages (never its password). */
export function redisHost(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return "(unparsable URL)";
  }
}

/** Escapes SCAN's glob characters. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export class RedisDedupe implements DedupeBackend {
  readonly kind = "redis" as const;
  readonly location: string;
  private readonly keyPrefix: string;
  private readonly commandTimeoutMs: number;
  private readonly clientId: string;
  private readonly shared: SharedClient;
  private readonly errorListener: ((err: Error) => void) | null;
  private closed: Promise<void> | null = null;

  constructor(options: RedisDedupeOptions) {
    this.commandTimeoutMs = Math.max(100, options.commandTimeoutMs ?? 5_000);
    this.keyPrefix = `${options.prefix ?? DEFAULT_PREFIX}${options.scope}:`;
    this.location = redisHost(options.url);
    const { id, shared } = acquireClient(options.url, this.commandTimeoutMs);
    this.clientId = id;
    this.shared = shared;
    this.errorListener = options.onError ?? null;
    if (this.errorListener) shared.listeners.add(this.errorListener);
  }

  async claim(key: string, ttlMs: number, ref: string): Promise<DedupeClaim> {
    const fullKey = this.keyPrefix + key;
    const ttl = Math.max(1, Math.trunc(ttlMs));
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const now = Date.now();
        const set = await this.shared.client.set(fullKey, `${now}|${ref}`, { condition: "NX", expiration: { type: "PX", value: ttl } });
        if (set === "OK") return { first: true, firstSeenAt: now };
        const held = await this.shared.client.get(fullKey);
        // Null: the key expired between SET and GET; claim again.
        if (held === null) continue;
        const bar = held.indexOf("|");
        const firstSeenAt = Number(held.slice(0, bar));
        return { first: held.slice(bar + 1) === ref, firstSeenAt: Number.isFinite(firstSeenAt) ? firstSeenAt : now };
      }
      throw new Error(`key ${fullKey} kept expiring while it was claimed`);
    } catch (err) {
      throw this.explain(err);
    }
  }

  /**
   * Keys of this scope now in Redis, counted with SCAN (MATCH on the scope's prefix): approximate
   * (a key may be counted twice while Redis rehashes, keys expire meanwhile) and it walks the
   * whole keyspace, so it is for status and tests, not for every message.
   */
  async size(): Promise<number> {
    let n = 0;
    try {
      for await (const keys of this.shared.client.scanIterator({ MATCH: `${globEscape(this.keyPrefix)}*`, COUNT: 1000 })) {
        n += keys.length;
      }
    } catch (err) {
      throw this.explain(err);
    }
    return n;
  }

  /** Lets go of the shared connection; the last user closes it. Safe to call twice. */
  close(): Promise<void> {
    this.closed ??= this.release();
    return this.closed;
  }

  private async release(): Promise<void> {
    if (this.errorListener) this.shared.listeners.delete(this.errorListener);
    if (--this.shared.users > 0) return;
    if (clients.get(this.clientId) === this.shared) clients.delete(this.clientId);
    const client = this.shared.client;
    if (!client.isOpen) return; // closed already (destroy() would throw)
    // Connected: let the answers in flight arrive. Still (re)connecting: stop trying now.
    if (client.isReady) await client.close().catch(() => client.destroy());
    else client.destroy();
  }

  private explain(err: unknown): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    const what = e.message || (e.name === "TimeoutError" || /timeout/i.test(e.constructor.name) ? `no answer within ${this.commandTimeoutMs} ms` : e.name);
    return new Error(`Redis at ${this.location}: ${what}`, { cause: e });
  }
}
