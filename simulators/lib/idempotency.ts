/**
 * Idempotency-Key handling, the way payment-style APIs do it: the first answer for
 * (method, path, key) is stored and replayed byte for byte; the handler does not run again.
 * A request that arrives while the first is still being processed waits for it rather than
 * running twice. A key reused with a different body is answered 422 (configurable) because
 * that is a client bug worth surfacing.
 */
import { createHash } from "node:crypto";

export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  bodyText: string;
}

interface Entry {
  bodyHash: string;
  answer?: StoredAnswer;
  pending?: Promise<StoredAnswer>;
}

export type Lookup =
  | { kind: "new"; complete: (answer: StoredAnswer) => void; abandon: () => void }
  | { kind: "replay"; answer: StoredAnswer }
  | { kind: "wait"; answer: Promise<StoredAnswer> }
  | { kind: "mismatch" };

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  replays = 0;

  /** Bounded by entry count and by the bytes of stored answers (a 1000-event batch answer is ~80 KB). */
  constructor(
    private readonly maxEntries = 500_000,
    private readonly maxBytes = 256 * 1024 * 1024,
  ) {}

  private evictOldest(): void {
    const oldest = this.entries.entries().next().value;
    if (oldest === undefined) return;
    this.entries.delete(oldest[0]);
    this.bytes -= oldest[1].answer?.bodyText.length ?? 0;
  }

  static hashBody(raw: Buffer): string {
    return createHash("sha1").update(raw).digest("base64");
  }

  lookup(method: string, pathAndQuery: string, key: string, raw: Buffer): Lookup {
    const id = `${method} ${pathAndQuery}\u0000${key}`;
    const bodyHash = IdempotencyStore.hashBody(raw);
    const existing = this.entries.get(id);
    if (existing) {
      if (existing.bodyHash !== bodyHash) return { kind: "mismatch" };
      this.replays++;
      if (existing.answer) return { kind: "replay", answer: existing.answer };
      if (existing.pending) return { kind: "wait", answer: existing.pending };
    }
    let resolve!: (a: StoredAnswer) => void;
    let reject!: (e: Error) => void;
    const pending = new Promise<StoredAnswer>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A waiter that never materialises must not cause an unhandled rejection.
    pending.catch(() => undefined);
    const entry: Entry = { bodyHash, pending };
    this.entries.set(id, entry);
    // Map keeps insertion order, so the first key is the oldest: a cheap FIFO bound.
    if (this.entries.size > this.maxEntries) this.evictOldest();
    return {
      kind: "new",
      complete: (answer) => {
        entry.answer = answer;
        delete entry.pending;
        // Count it only if it was not evicted while the handler ran.
        if (this.entries.get(id) === entry) this.bytes += answer.bodyText.length;
        while (this.bytes > this.maxBytes && this.entries.size > 1) this.evictOldest();
        resolve(answer);
      },
      abandon: () => {
        // The handler crashed: forget the key so a retry runs it again.
        this.entries.delete(id);
        reject(new Error("first request with this Idempotency-Key failed"));
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
    this.replays = 0;
  }
}
