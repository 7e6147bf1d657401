import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CompactWindow } from "../../../nodes/lib/dedupe/compact-window";
import { hashString, lanes } from "../../../nodes/lib/dedupe/hash128";
import { MemoryDedupe } from "../../../nodes/lib/dedupe/backends";
import type { DedupeClaim } from "../../../nodes/lib/store";

/** The window's specification: the Map-based MemoryDedupe it replaced, with the clock passed in. */
class ReferenceWindow {
  private readonly seen = new Map<string, { expiresAt: number; firstSeenAt: number; ref: string }>();
  constructor(private readonly maxKeys: number) {}

  claim(key: string, ttlMs: number, ref: string, now: number): DedupeClaim {
    const hit = this.seen.get(key);
    if (hit && hit.expiresAt > now) return { first: hit.ref === ref, firstSeenAt: hit.firstSeenAt };
    if (hit) this.seen.delete(key);
    this.seen.set(key, { expiresAt: now + ttlMs, firstSeenAt: now, ref });
    if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value as string);
    return { first: true, firstSeenAt: now };
  }

  purge(now: number): void {
    for (const [key, entry] of this.seen) {
      if (entry.expiresAt > now) break;
      this.seen.delete(key);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}

type Op = { kind: "claim"; key: string; ref: string; ttl: number; advance: number } | { kind: "purge"; advance: number };

function ops(ttl: fc.Arbitrary<number>, keys: number): fc.Arbitrary<Op[]> {
  const claim = fc.record({
    kind: fc.constant("claim" as const),
    key: fc.integer({ min: 0, max: keys - 1 }).map((k) => `K${k}`),
    ref: fc.constantFrom("r1", "r2", "r3"),
    ttl,
    advance: fc.integer({ min: 0, max: 6 }),
  });
  const purge = fc.record({ kind: fc.constant("purge" as const), advance: fc.integer({ min: 0, max: 6 }) });
  return fc.array(fc.oneof({ arbitrary: claim, weight: 12 }, { arbitrary: purge, weight: 1 }), { maxLength: 400 });
}

function check(maxKeys: number, minCapacity: number, list: Op[], crowdHomes = false): void {
  const window = new CompactWindow(maxKeys, { minCapacity, crowdHomes });
  const model = new ReferenceWindow(maxKeys);
  let now = 1_000;
  for (const [i, op] of list.entries()) {
    now += op.advance;
    if (op.kind === "claim") {
      assert.deepEqual(window.claim(op.key, op.ttl, op.ref, now), model.claim(op.key, op.ttl, op.ref, now), `op ${i}: claim ${op.key} ${op.ref}`);
    } else {
      window.purge(now);
      model.purge(now);
      assert.equal(window.size, model.size, `op ${i}: size after purge`);
    }
  }
  window.purge(now);
  model.purge(now);
  assert.equal(window.size, model.size, "size after the last purge");
}

describe("CompactWindow against the Map-based reference", () => {
  it("one TTL per window (as the dedupe node uses it): expiry, refs, maxKeys eviction", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 40 }), (ttl, maxKeys, minCapacity, keys) =>
        fc.assert(fc.property(ops(fc.constant(ttl), keys), (list) => check(maxKeys, minCapacity, list)), { numRuns: 5 }),
      ),
      { numRuns: 60 },
    );
  });

  it("mixed TTLs in one window: expired keys behind live ones, dead entries, compaction", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 }), ops(fc.integer({ min: 1, max: 60 }), 24), (maxKeys, minCapacity, list) =>
        check(maxKeys, minCapacity, list),
      ),
      { numRuns: 300 },
    );
  });

  it("growth and shrinking with many keys (ring from 4 slots up to thousands and back)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 3000 }), ops(fc.integer({ min: 50, max: 400 }), 4000), (maxKeys, list) => check(maxKeys, 4, list)),
      { numRuns: 40 },
    );
  });

  it("keys crowded into the index's last slots: probe runs wrap around, backward-shift deletion", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 }), ops(fc.integer({ min: 1, max: 60 }), 24), (maxKeys, minCapacity, list) =>
        check(maxKeys, minCapacity, list, true),
      ),
      { numRuns: 300 },
    );
  });

  it("a NaN TTL (not what the node passes) expires at once, without corrupting the window", () => {
    const window = new CompactWindow(4, { minCapacity: 2 });
    const model = new ReferenceWindow(4);
    const ops: [string, number, string, number][] = [
      ["A", NaN, "r", 1], ["A", 10, "s", 1], ["B", NaN, "r", 2], ["C", 10, "r", 3], ["A", 10, "t", 3], ["B", 10, "r", 4], ["D", NaN, "r", 5], ["E", 10, "r", 6], ["C", 10, "x", 7],
    ];
    for (const [key, ttl, ref, now] of ops) assert.deepEqual(window.claim(key, ttl, ref, now), model.claim(key, ttl, ref, now), `${key} at ${now}`);
    window.purge(100);
    model.purge(100);
    assert.equal(window.size, model.size);
  });

  it("keeps every one of 200,000 distinct keys apart and within maxKeys", () => {
    const window = new CompactWindow(150_000);
    for (let i = 0; i < 200_000; i++) assert.equal(window.claim(`SCAN|DC1|RF-001|${i}`, 60_000, "r", 1).first, true);
    assert.equal(window.size, 150_000);
    for (let i = 50_000; i < 200_000; i++) assert.equal(window.claim(`SCAN|DC1|RF-001|${i}`, 60_000, "other", 2).first, false, `key ${i} is remembered`);
    assert.equal(window.claim("SCAN|DC1|RF-001|49999", 60_000, "other", 3).first, true, "the oldest keys were evicted");
  });
});

describe("hash128 (MurmurHash3 x86_128)", () => {
  const hex = () => Array.from(lanes, (x) => x.toString(16).padStart(8, "0")).join("");
  it("matches the reference implementation's published vectors on byte strings", () => {
    // Vectors from the C reference's test suite (PeterScott/murmur3 test.c) and smhasher.
    hashString("Hello, world!", 123);
    assert.equal(hex(), "61c9129e5a1aacd7a41621629e37c886");
    hashString("Hello, world!", 321);
    assert.equal(hex(), "d5fbdcb3c26c4193045880c5a7170f0f");
    hashString("xxxxxxxxxxxxxxxxxxxxxxxxxxxx", 123);
    assert.equal(hex(), "5e40bab278825a164cf929d31fec6047");
    hashString("", 123);
    assert.equal(hex(), "fedc524526f3e79926f3e79926f3e799");
  });

  it("tells apart strings whose UTF-8 and Latin-1 bytes coincide, and lone surrogates", () => {
    const of = (s: string) => (hashString(s, 7), hex());
    assert.notEqual(of("é"), of("Ã©"));
    assert.notEqual(of("\ud800"), of("\ufffd"));
    assert.notEqual(of("\u0100"), of("\u0000\u0001"));
    assert.equal(of("ключ|₂"), of("ключ|₂"));
  });
});

describe("MemoryDedupe with an injected clock", () => {
  it("expires by the injected clock, not by wall time", async () => {
    let now = 5_000;
    const d = new MemoryDedupe(10, () => now);
    try {
      assert.deepEqual(await d.claim("K", 100, "r1"), { first: true, firstSeenAt: 5_000 });
      now = 5_099;
      assert.deepEqual(await d.claim("K", 100, "r2"), { first: false, firstSeenAt: 5_000 });
      assert.deepEqual(await d.claim("K", 100, "r1"), { first: true, firstSeenAt: 5_000 }, "same ref: a redelivery");
      now = 5_100;
      assert.deepEqual(await d.claim("K", 100, "r2"), { first: true, firstSeenAt: 5_100 }, "expired: first again");
    } finally {
      d.close();
    }
  });
});
