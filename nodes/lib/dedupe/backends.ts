import type { DedupeClaim, LsyncStore } from "../store";

/** Where the idempotent consumer remembers keys it has seen. */
export interface DedupeBackend {
  readonly kind: "memory" | "store" | "redis";
  claim(key: string, ttlMs: number, ref: string): Promise<DedupeClaim>;
  size(): Promise<number>;
  close(): void;
}

/**
 * In-process window. Fast, lost on restart, not shared across instances: right for a single
 * instance whose intake is durable anyway (a resumed item carries its own ref and passes again).
 * Keys expire in insertion order because the TTL is the same for all, so eviction is a walk from
 * the front of the Map.
 */
export class MemoryDedupe implements DedupeBackend {
  readonly kind = "memory" as const;
  private readonly seen = new Map<string, { expiresAt: number; firstSeenAt: number; ref: string }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly maxKeys = 1_000_000) {
    this.timer = setInterval(() => this.purge(Date.now()), 10_000);
    this.timer.unref();
  }

  async claim(key: string, ttlMs: number, ref: string): Promise<DedupeClaim> {
    const now = Date.now();
    const hit = this.seen.get(key);
    if (hit && hit.expiresAt > now) return { first: hit.ref === ref, firstSeenAt: hit.firstSeenAt };
    if (hit) this.seen.delete(key);
    this.seen.set(key, { expiresAt: now + ttlMs, firstSeenAt: now, ref });
    if (this.seen.size > this.maxKeys) this.evictOldest();
    return { first: true, firstSeenAt: now };
  }

  private evictOldest(): void {
    const oldest = this.seen.keys().next();
    if (!oldest.done) this.seen.delete(oldest.value);
  }

  purge(now: number): void {
    for (const [key, entry] of this.seen) {
      if (entry.expiresAt > now) break;
      this.seen.delete(key);
    }
  }

  async size(): Promise<number> {
    return this.seen.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.seen.clear();
  }
}

/** Keys in the product's store: survives restarts and is shared by instances sharing the store. */
export class StoreDedupe implements DedupeBackend {
  readonly kind = "store" as const;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: LsyncStore,
    private readonly scope: string,
  ) {
    this.timer = setInterval(() => void this.store.purgeDedupe().catch(() => undefined), 60_000);
    this.timer.unref();
  }

  claim(key: string, ttlMs: number, ref: string): Promise<DedupeClaim> {
    return this.store.claimDedupe(this.scope, key, ttlMs, ref);
  }

  async size(): Promise<number> {
    return (await this.store.counts()).dedupeKeys;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
