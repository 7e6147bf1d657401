import type { DedupeClaim, LsyncStore } from "../store";
import { CompactWindow } from "./compact-window";

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
 * Keys and refs are kept as wide hashes in typed arrays (compact-window.ts, which gives the odds of a
 * hash collision): 1,000,000 keys take ~50 MB. Keys are evicted oldest first beyond maxKeys.
 */
export class MemoryDedupe implements DedupeBackend {
  readonly kind = "memory" as const;
  private readonly window: CompactWindow;
  private readonly timer: NodeJS.Timeout;

  /** `now` is injectable for tests; the window assumes it does not go backwards. */
  constructor(
    maxKeys = 1_000_000,
    private readonly now: () => number = Date.now,
  ) {
    this.window = new CompactWindow(maxKeys);
    this.timer = setInterval(() => this.purge(this.now()), 10_000);
    this.timer.unref();
  }

  async claim(key: string, ttlMs: number, ref: string): Promise<DedupeClaim> {
    return this.window.claim(key, ttlMs, ref, this.now());
  }

  /** Drops expired keys from the front (the oldest); a key expired behind a live one waits for its turn. */
  purge(now: number): void {
    this.window.purge(now);
  }

  async size(): Promise<number> {
    return this.window.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.window.clear();
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
