/**
 * What a simulator received, newest last, in a ring buffer bounded both by entry count and by
 * the bytes of stored bodies: a soak test pushing large batches must not grow memory forever.
 */

export interface ReceivedEntry {
  /** Monotonic per simulator; use it with `?since=`. */
  seq: number;
  time: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  durationMs: number;
  /** The injected fault that answered, if any. */
  fault?: "error" | "rateLimit" | "outage" | "timeout";
  /** True when the answer was replayed from the idempotency table. */
  replayed?: boolean;
}

export interface ReceivedQuery {
  /** Only entries with seq greater than this. */
  since?: number;
  /** Only entries at or after this time (ISO string). */
  sinceTime?: number;
  /** At most this many, the newest. */
  limit?: number;
  /** Only entries whose path starts with this. */
  pathPrefix?: string;
}

export class ReceivedLog {
  private readonly ring: (ReceivedEntry | undefined)[];
  private readonly sizes: number[];
  private head = 0;
  private count = 0;
  private bodyBytes = 0;
  private nextSeq = 1;
  /** Entries evicted so far (so a reader can tell it missed some). */
  dropped = 0;

  constructor(
    readonly maxEntries = 10_000,
    private readonly maxBodyBytes = 64 * 1024 * 1024,
  ) {
    this.ring = new Array<ReceivedEntry | undefined>(maxEntries);
    this.sizes = new Array<number>(maxEntries).fill(0);
  }

  add(entry: Omit<ReceivedEntry, "seq">, bodySize: number): ReceivedEntry {
    const full: ReceivedEntry = { seq: this.nextSeq++, ...entry };
    if (this.count === this.maxEntries) this.evictOldest();
    const idx = (this.head + this.count) % this.maxEntries;
    this.ring[idx] = full;
    this.sizes[idx] = bodySize;
    this.count++;
    this.bodyBytes += bodySize;
    while (this.bodyBytes > this.maxBodyBytes && this.count > 1) this.evictOldest();
    return full;
  }

  private evictOldest(): void {
    this.bodyBytes -= this.sizes[this.head] ?? 0;
    this.ring[this.head] = undefined;
    this.sizes[this.head] = 0;
    this.head = (this.head + 1) % this.maxEntries;
    this.count--;
    this.dropped++;
  }

  get size(): number {
    return this.count;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  list(q: ReceivedQuery = {}): ReceivedEntry[] {
    const out: ReceivedEntry[] = [];
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(this.head + i) % this.maxEntries];
      if (!e) continue;
      if (q.since !== undefined && e.seq <= q.since) continue;
      if (q.sinceTime !== undefined && Date.parse(e.time) < q.sinceTime) continue;
      if (q.pathPrefix !== undefined && !e.path.startsWith(q.pathPrefix)) continue;
      out.push(e);
    }
    return q.limit !== undefined && out.length > q.limit ? out.slice(out.length - q.limit) : out;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.sizes.fill(0);
    this.head = 0;
    this.count = 0;
    this.bodyBytes = 0;
    this.dropped = 0;
    // seq keeps counting so a reader polling with ?since= across a reset does not miss entries.
  }
}
