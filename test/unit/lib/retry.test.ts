import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter, type BackoffPolicy } from "../../../nodes/lib/retry";

/** A seeded linear congruential generator: deterministic "random" values in [0, 1). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("backoffDelay", () => {
  const policy: BackoffPolicy = { baseMs: 100, maxMs: 5_000, maxAttempts: 0 };

  it("stays within [base/4, min(max, base*2^n)] for many seeded draws", () => {
    const random = seeded(42);
    for (let attempt = 0; attempt < 20; attempt++) {
      const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, policy, random);
        assert.ok(d >= policy.baseMs / 4, `attempt ${attempt}: ${d} below floor`);
        assert.ok(d <= ceiling, `attempt ${attempt}: ${d} above ceiling ${ceiling}`);
        assert.ok(Number.isInteger(d) || d === policy.baseMs / 4);
      }
    }
  });

  it("uses the full jitter range: random 0 gives the floor, random ~1 the ceiling", () => {
    assert.equal(backoffDelay(0, policy, () => 0), 25);
    assert.equal(backoffDelay(3, policy, () => 0.999999), 800);
    assert.equal(backoffDelay(3, policy, () => 0.5), 400);
    assert.equal(backoffDelay(10, policy, () => 0.999999), 5_000, "capped at maxMs");
  });

  it("does not overflow for huge attempt numbers", () => {
    const d = backoffDelay(10_000, DEFAULT_BACKOFF, () => 0.999999);
    assert.ok(Number.isFinite(d));
    assert.equal(d, DEFAULT_BACKOFF.maxMs);
  });

  it("grows with the attempt number (same random value)", () => {
    const at = (n: number) => backoffDelay(n, policy, () => 0.9);
    assert.ok(at(1) > at(0));
    assert.ok(at(4) > at(2));
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-03-04T10:00:00Z");

  it("reads delta-seconds", () => {
    assert.equal(parseRetryAfter("120", now), 120_000);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
    assert.equal(parseRetryAfter("3", now), 3_000);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    assert.equal(parseRetryAfter("Tue, 04 Mar 2025 10:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Tue, 04 Mar 2025 09:00:00 GMT", now), 0);
  });

  it("returns null for absent or unreadable values", () => {
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter(null, now), null);
    assert.equal(parseRetryAfter("", now), null);
    assert.equal(parseRetryAfter("   ", now), null);
    assert.equal(parseRetryAfter("soon", now), null);
    assert.equal(parseRetryAfter("-5", now), null);
    assert.equal(parseRetryAfter("1.5", now), null);
  });
});
