import type { DedupeClaim } from "../store";
import { hashString, lanes } from "./hash128";

/**
 * The in-memory dedupe window in typed arrays: about 48 bytes per key instead of ~300 for a Map of
 * string keys to objects (bench/dedupe-memory.ts).
 *
 * Entries live in a ring in claim order (the Map's insertion order): lane 0-3 the 128-bit hash of the
 * key, lane 4-5 64 bits of the hash of the ref, then first-seen and expiry times. An open-addressing
 * index (Int32Array, linear probing, backward-shift deletion, load <= 2/3) maps the key hash to its
 * ring position. The oldest entry is at the ring's head, so maxKeys evicts from the head, and since a
 * window normally has one TTL (the dedupe node's), expired keys are at the head too and each claim
 * drops them first. A window given mixed TTLs stays correct: an expired key found later in the ring
 * is treated as absent and its entry marked dead (skipped at the head; the ring is compacted when full).
 *
 * Hash collisions. Keys and refs are compared by hash, not by text:
 * - a new key whose 128-bit hash equals that of one of the n live keys would be taken for a duplicate.
 *   Per claim that is n / 2^128: 2.9e-33 at n = 1,000,000; over 10^12 claims, < 3e-21.
 * - a duplicate (same key, another ref) whose 64-bit ref hash equals the first claim's would pass as a
 *   redelivery: 2^-64 = 5.4e-20 per duplicate.
 * MurmurHash3 is not collision resistant against inputs chosen to collide: someone able to inject
 * keys of their choice could craft one that collides with a known key. Keys come from the product's
 * authenticated intakes; use the store or Redis back end where that matters.
 */
export class CompactWindow {
  private cap: number;
  private readonly maxCap: number;
  /** Per ring slot: key hash lanes 0-3, ref hash lanes 4-5. */
  private hashes: Uint32Array;
  /** Per ring slot: first seen at, expires at (NaN: dead, i.e. removed from the middle of the ring). */
  private times: Float64Array;
  private head = 0;
  /** Ring slots in use from head (live + dead). */
  private used = 0;
  /** Entries in the index (not dead). */
  private live = 0;
  private index: Int32Array;
  private mask: number;

  private static readonly KEY_SEED = 0x9747b28c;
  private static readonly REF_SEED = 0x2f1d3c5b;

  private readonly minCapacity: number;
  /** A key's home slot is ((lane 0 & spread) - back) & mask: every slot normally, eight when crowded. */
  private readonly spread: number;
  private readonly back: number;

  /**
   * Test options: `minCapacity`, the ring's smallest size (small to exercise growth and shrinking);
   * `crowdHomes`, every key's home slot among the index's last four and first four, so that probe
   * runs are long and wrap around the end (deletion's hardest case).
   */
  constructor(
    private readonly maxKeys: number,
    options: { minCapacity?: number; crowdHomes?: boolean } = {},
  ) {
    this.minCapacity = options.minCapacity ?? 1024;
    this.spread = options.crowdHomes ? 7 : -1;
    this.back = options.crowdHomes ? 4 : 0;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
    // Slack beyond maxKeys for dead entries, so that compacting a full ring frees >= 1/9 of it.
    this.maxCap = maxKeys + Math.max(16, Math.ceil(maxKeys / 8));
    this.cap = Math.min(this.maxCap, this.minCapacity);
    this.hashes = new Uint32Array(this.cap * 6);
    this.times = new Float64Array(this.cap * 2);
    this.index = new Int32Array(indexSizeFor(this.cap)).fill(-1);
    this.mask = this.index.length - 1;
  }

  /** Keys remembered (expired ones at the head are dropped by the next claim or purge). */
  get size(): number {
    return this.live;
  }

  claim(key: string, ttlMs: number, ref: string, now: number): DedupeClaim {
    this.purge(now);
    hashString(key, CompactWindow.KEY_SEED);
    const k0 = lanes[0];
    const k1 = lanes[1];
    const k2 = lanes[2];
    const k3 = lanes[3];
    const slot = this.find(k0, k1, k2, k3);
    if (slot >= 0) {
      const p = this.index[slot];
      if (this.times[2 * p + 1] > now) {
        hashString(ref, CompactWindow.REF_SEED);
        return { first: this.hashes[6 * p + 4] === lanes[0] && this.hashes[6 * p + 5] === lanes[1], firstSeenAt: this.times[2 * p] };
      }
      this.removeSlot(slot);
      this.times[2 * p + 1] = NaN;
      this.live--;
    }
    if (this.live >= this.maxKeys) this.evictOldest();
    if (this.used === this.cap) this.resize(Math.min(this.maxCap, Math.max(this.minCapacity, 2 * this.live + 2)));
    let p = this.head + this.used;
    if (p >= this.cap) p -= this.cap;
    this.used++;
    this.live++;
    hashString(ref, CompactWindow.REF_SEED);
    const h = this.hashes;
    h[6 * p] = k0;
    h[6 * p + 1] = k1;
    h[6 * p + 2] = k2;
    h[6 * p + 3] = k3;
    h[6 * p + 4] = lanes[0];
    h[6 * p + 5] = lanes[1];
    this.times[2 * p] = now;
    // NaN marks a dead entry: a NaN TTL expires at once instead (as the Map's `NaN > now` did)
    const expiresAt = now + ttlMs;
    this.times[2 * p + 1] = Number.isNaN(expiresAt) ? now : expiresAt;
    this.insertIndex(p);
    return { first: true, firstSeenAt: now };
  }

  /** Drops dead and expired entries from the head (the oldest first; stops at the first live one). */
  purge(now: number): void {
    while (this.used > 0) {
      const p = this.head;
      const expiresAt = this.times[2 * p + 1];
      if (expiresAt > now) break;
      if (!Number.isNaN(expiresAt)) {
        this.removeSlot(this.slotOf(p));
        this.live--;
      }
      this.popHead();
    }
    // Give memory back once a burst has expired.
    if (this.cap > this.minCapacity && this.live < this.cap / 8) this.resize(Math.max(this.minCapacity, 4 * this.live));
  }

  clear(): void {
    this.cap = Math.min(this.maxCap, this.minCapacity);
    this.hashes = new Uint32Array(this.cap * 6);
    this.times = new Float64Array(this.cap * 2);
    this.index = new Int32Array(indexSizeFor(this.cap)).fill(-1);
    this.mask = this.index.length - 1;
    this.head = 0;
    this.used = 0;
    this.live = 0;
  }

  private evictOldest(): void {
    while (this.used > 0) {
      const p = this.head;
      const dead = Number.isNaN(this.times[2 * p + 1]);
      if (!dead) {
        this.removeSlot(this.slotOf(p));
        this.live--;
      }
      this.popHead();
      if (!dead) return;
    }
  }

  private popHead(): void {
    this.head = this.head + 1 === this.cap ? 0 : this.head + 1;
    this.used--;
  }

  private home(lane0: number): number {
    return ((lane0 & this.spread) - this.back) & this.mask;
  }

  /** Index slot holding the key hash, or -1. */
  private find(k0: number, k1: number, k2: number, k3: number): number {
    const h = this.hashes;
    const index = this.index;
    const mask = this.mask;
    for (let i = this.home(k0); ; i = (i + 1) & mask) {
      const p = index[i];
      if (p < 0) return -1;
      if (h[6 * p] === k0 && h[6 * p + 1] === k1 && h[6 * p + 2] === k2 && h[6 * p + 3] === k3) return i;
    }
  }

  /** Index slot pointing at ring position p (which must be live). */
  private slotOf(p: number): number {
    const mask = this.mask;
    for (let i = this.home(this.hashes[6 * p]); ; i = (i + 1) & mask) if (this.index[i] === p) return i;
  }

  private insertIndex(p: number): void {
    const mask = this.mask;
    let i = this.home(this.hashes[6 * p]);
    while (this.index[i] >= 0) i = (i + 1) & mask;
    this.index[i] = p;
  }

  /** Backward-shift deletion: later entries of the probe run move up, so no tombstones are needed. */
  private removeSlot(slot: number): void {
    const index = this.index;
    const mask = this.mask;
    let hole = slot;
    for (let j = (slot + 1) & mask; ; j = (j + 1) & mask) {
      const p = index[j];
      if (p < 0) break;
      const home = this.home(this.hashes[6 * p]);
      // The entry at j may move into the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        index[hole] = p;
        hole = j;
      }
    }
    index[hole] = -1;
  }

  /** New ring of `capacity` (>= live entries), live entries copied in order, index rebuilt. */
  private resize(capacity: number): void {
    const hashes = new Uint32Array(capacity * 6);
    const times = new Float64Array(capacity * 2);
    let q = 0;
    for (let n = 0, p = this.head; n < this.used; n++, p = p + 1 === this.cap ? 0 : p + 1) {
      if (Number.isNaN(this.times[2 * p + 1])) continue;
      for (let l = 0; l < 6; l++) hashes[6 * q + l] = this.hashes[6 * p + l];
      times[2 * q] = this.times[2 * p];
      times[2 * q + 1] = this.times[2 * p + 1];
      q++;
    }
    this.hashes = hashes;
    this.times = times;
    this.cap = capacity;
    this.head = 0;
    this.used = q;
    this.live = q;
    this.index = new Int32Array(indexSizeFor(capacity)).fill(-1);
    this.mask = this.index.length - 1;
    for (let p = 0; p < q; p++) this.insertIndex(p);
  }
}

/** Power of two >= 1.5 x capacity: the index is at most 2/3 full. */
function indexSizeFor(capacity: number): number {
  let size = 16;
  while (size < capacity * 1.5) size *= 2;
  return size;
}
