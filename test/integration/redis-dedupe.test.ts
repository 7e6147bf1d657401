/**
 * RedisDedupe against the real Redis: the same window semantics as the memory and store back ends,
 * and exactly one first per key when instances (separate connections) race. Every key lives under
 * a throwaway prefix, deleted afterwards.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { RedisDedupe, type RedisDedupeOptions } from "../../nodes/lib/dedupe/redis-dedupe";
import { probeRedis, redisUrl, serviceSkip, throwawayName } from "../helpers/services";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("RedisDedupe on Redis", async () => {
  const skip = await serviceSkip("Redis", probeRedis);
  const prefix = `${throwawayName("lsync_test")}:`;
  const opened: RedisDedupe[] = [];
  let admin: ReturnType<typeof createClient>;

  function dedupe(scope: string, options: Partial<RedisDedupeOptions> = {}): RedisDedupe {
    const d = new RedisDedupe({ url: redisUrl(), scope, prefix, ...options });
    opened.push(d);
    return d;
  }

  before(async () => {
    if (skip) return;
    admin = createClient({ url: redisUrl() });
    admin.on("error", () => undefined);
    await admin.connect();
  });
  after(async () => {
    if (skip) return;
    for (const d of opened) await d.close();
    let removed = 0;
    for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length) removed += await admin.del(keys);
    }
    assert.ok(removed >= 0);
    await admin.close();
  });

  describe("window", { skip }, () => {
    it("first, duplicate, same-ref redelivery; scopes are separate windows", async () => {
      const a = dedupe("scope-a");
      const b = dedupe("scope-b");
      assert.equal(a.kind, "redis");
      const first = await a.claim("K1", 60_000, "intake:1");
      assert.equal(first.first, true);
      assert.ok(Math.abs(first.firstSeenAt - Date.now()) < 5_000);
      const dup = await a.claim("K1", 60_000, "intake:2");
      assert.equal(dup.first, false);
      assert.equal(dup.firstSeenAt, first.firstSeenAt);
      assert.equal((await a.claim("K1", 60_000, "intake:1")).first, true, "the same ref claiming again is a redelivery");
      assert.equal((await b.claim("K1", 60_000, "intake:2")).first, true, "another scope is another window");
      assert.equal((await dedupe("scope-a").claim("K1", 60_000, "intake:3")).first, false, "nodes sharing a scope share the window");
      // A ref with the separator in it still reads back whole.
      assert.equal((await a.claim("K|2", 60_000, "src|with|bars:7")).first, true);
      assert.equal((await a.claim("K|2", 60_000, "src|with|bars:7")).first, true);
      assert.equal((await a.claim("K|2", 60_000, "src|with|bars")).first, false);
    });

    it("keys expire with the window (PX) and are claimable again", async () => {
      const d = dedupe("expiry");
      assert.equal((await d.claim("K", 30, "r1")).first, true);
      assert.equal((await d.claim("K", 60_000, "r2")).first, false);
      await sleep(60);
      assert.equal((await d.claim("K", 60_000, "r3")).first, true, "expired: first again");
      assert.equal((await d.claim("K", 60_000, "r4")).first, false);
      const pttl = await admin.pTTL(`${prefix}expiry:K`);
      assert.ok(pttl > 50_000 && pttl <= 60_000, `pttl ${pttl}`);
    });

    it("size() counts this scope's keys (SCAN)", async () => {
      const d = dedupe("sized");
      const other = dedupe("sized-other");
      for (const k of ["A", "B", "C"]) await d.claim(k, 60_000, "r");
      await other.claim("A", 60_000, "r");
      assert.equal(await d.size(), 3);
      assert.equal(await other.size(), 1);
      // Glob characters in a scope are literal.
      const star = dedupe("s*");
      await star.claim("X", 60_000, "r");
      assert.equal(await star.size(), 1);
    });

    it("two instances (separate connections) racing on the same keys: exactly one first per key", async () => {
      const a = dedupe("race");
      const b = dedupe("race", { commandTimeoutMs: 4_000 }); // another timeout: another connection
      const keys = Array.from({ length: 300 }, (_, i) => `K${i}`);
      const results = await Promise.all(
        keys.map((k) => Promise.all([a.claim(k, 60_000, "a"), b.claim(k, 60_000, "b"), a.claim(k, 60_000, "a2")])),
      );
      results.forEach((claims, i) => {
        assert.equal(claims.filter((c) => c.first).length, 1, `key K${i}: ${JSON.stringify(claims)}`);
        assert.equal(new Set(claims.map((c) => c.firstSeenAt)).size, 1);
      });
    });

    it("close() lets go of the shared connection; a closed back end's claims fail", async () => {
      const one = new RedisDedupe({ url: redisUrl(), scope: "close", prefix, commandTimeoutMs: 3_000 });
      const two = new RedisDedupe({ url: redisUrl(), scope: "close", prefix, commandTimeoutMs: 3_000 });
      assert.equal((await one.claim("K", 60_000, "r")).first, true);
      await one.close();
      await one.close(); // twice is fine
      assert.equal((await two.claim("K", 60_000, "r2")).first, false, "the other user's connection stays open");
      await two.close();
      await assert.rejects(two.claim("K", 60_000, "r3"), /^Error: Redis at .*closed/);
    });
  });

  describe("unreachable Redis", { skip }, () => {
    it("a claim fails within the command timeout with a message naming the server", async () => {
      const errors: Error[] = [];
      const d = dedupe("down", { url: "redis://127.0.0.1:1", commandTimeoutMs: 500, onError: (e) => errors.push(e) });
      const started = Date.now();
      await assert.rejects(d.claim("K", 60_000, "r"), /^Error: Redis at 127\.0\.0\.1:1: /);
      assert.ok(Date.now() - started < 3_000);
      assert.ok(errors.length > 0, "connection errors reach onError");
    });
  });
});
