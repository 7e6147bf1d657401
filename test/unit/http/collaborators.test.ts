import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CircuitBreaker } from "../../../nodes/lib/http/circuit-breaker";
import { Semaphore, TokenBucket } from "../../../nodes/lib/http/rate-limit";
import { isSafeToRepeat, retryDelay, type RetryPolicy } from "../../../nodes/lib/http/retry-policy";

describe("CircuitBreaker", () => {
  function clocked(threshold = 3, coolDownMs = 1000) {
    let t = 1_000_000;
    const breaker = new CircuitBreaker({ failureThreshold: threshold, coolDownMs, now: () => t });
    return { breaker, advance: (ms: number) => (t += ms), now: () => t };
  }

  it("opens after N consecutive failures, refuses until the cool-down is over, then lets one probe through", () => {
    const { breaker, advance, now } = clocked();
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(breaker.admit(), { allowed: true, probe: false });
      breaker.record(false);
    }
    breaker.record(true); // a success in between resets the count
    for (let i = 0; i < 3; i++) {
      assert.ok(breaker.admit().allowed);
      breaker.record(false);
    }
    assert.equal(breaker.snapshot().state, "open");
    const refused = breaker.admit();
    assert.ok(!refused.allowed);
    assert.equal(refused.retryAt, now() + 1000);
    assert.equal(refused.failures, 3);

    advance(1000);
    assert.equal(breaker.snapshot().state, "half-open");
    assert.deepEqual(breaker.admit(), { allowed: true, probe: true });
    const second = breaker.admit();
    assert.ok(!second.allowed, "only one probe at a time");
    assert.ok(second.retryAt > now());
    breaker.record(true);
    assert.equal(breaker.snapshot().state, "closed");
    assert.deepEqual(breaker.admit(), { allowed: true, probe: false });
  });

  it("a failed probe opens it again for another cool-down", () => {
    const { breaker, advance, now } = clocked(1, 500);
    breaker.admit();
    breaker.record(false);
    advance(500);
    assert.ok(breaker.admit().allowed);
    breaker.record(false);
    const refused = breaker.admit();
    assert.ok(!refused.allowed);
    assert.equal(refused.retryAt, now() + 500);
  });

  it("threshold 0 never opens", () => {
    const breaker = new CircuitBreaker({ failureThreshold: 0, coolDownMs: 1000 });
    for (let i = 0; i < 100; i++) breaker.record(false);
    assert.ok(breaker.admit().allowed);
    assert.equal(breaker.snapshot().state, "closed");
  });
});

describe("TokenBucket and Semaphore", () => {
  it("lets a burst through at once, then paces at the rate, in arrival order", async () => {
    const bucket = new TokenBucket({ perSecond: 50, burst: 5 });
    const started = Date.now();
    const order: number[] = [];
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        bucket.take().then(() => {
          order.push(i);
          times.push(Date.now() - started);
        }),
      ),
    );
    assert.deepEqual(order, [...order].sort((a, b) => a - b), "first come, first served");
    assert.ok(times[4]! < 15, `the burst of 5 went at once (${times[4]} ms)`);
    // 10 more at 50/s need about 200 ms.
    assert.ok(times[14]! >= 170, `paced: the 15th went after ${times[14]} ms`);
    assert.ok(times[14]! < 600, `not slower than needed: ${times[14]} ms`);
  });

  it("rate 0 is unlimited; release() frees every waiter", async () => {
    const off = new TokenBucket({ perSecond: 0 });
    await Promise.all(Array.from({ length: 1000 }, () => off.take()));
    const slow = new TokenBucket({ perSecond: 0.01, burst: 1 });
    await slow.take();
    const waiting = slow.take();
    slow.release();
    await waiting;
  });

  it("Semaphore keeps at most N in flight", async () => {
    const sem = new Semaphore(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const release = await sem.acquire();
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        release();
        release(); // a second release is harmless
      }),
    );
    assert.equal(peak, 2);
    assert.equal(sem.inFlight, 0);
  });
});

describe("retry policy", () => {
  const policy: RetryPolicy = { retries: 2, baseMs: 100, maxMs: 1000, maxRetryAfterMs: 3000 };

  it("only idempotent methods or calls with the caller's Idempotency-Key are safe to repeat", () => {
    assert.equal(isSafeToRepeat("GET", undefined), true);
    assert.equal(isSafeToRepeat("PUT", undefined), true);
    assert.equal(isSafeToRepeat("POST", undefined), false);
    assert.equal(isSafeToRepeat("POST", ""), false);
    assert.equal(isSafeToRepeat("POST", "k-1"), true);
    assert.equal(isSafeToRepeat("PATCH", "k-1"), true);
  });

  it("backs off exponentially with jitter, honours a short Retry-After, stops after the retries", () => {
    assert.equal(retryDelay(0, null, policy, () => 1), 100);
    assert.equal(retryDelay(1, null, policy, () => 1), 200);
    assert.equal(retryDelay(1, null, policy, () => 0.5), 100);
    assert.equal(retryDelay(2, null, policy, () => 1), null, "retries used up");
    assert.equal(retryDelay(0, 2000, policy), 2000, "Retry-After wins over backoff");
    assert.equal(retryDelay(0, 10_000, policy), null, "a long Retry-After is handed back to the caller");
  });
});
