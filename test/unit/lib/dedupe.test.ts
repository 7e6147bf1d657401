import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryDedupe, StoreDedupe } from "../../../nodes/lib/dedupe/backends";
import { SqliteStore } from "../../../nodes/lib/store";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("MemoryDedupe", () => {
  it("first, duplicate, same-ref redelivery", async () => {
    const d = new MemoryDedupe();
    try {
      const first = await d.claim("K1", 60_000, "r1");
      assert.equal(first.first, true);
      const dup = await d.claim("K1", 60_000, "r2");
      assert.equal(dup.first, false);
      assert.equal(dup.firstSeenAt, first.firstSeenAt);
      assert.equal((await d.claim("K1", 60_000, "r1")).first, true, "same ref is a redelivery");
      assert.equal((await d.claim("K2", 60_000, "r2")).first, true);
      assert.equal(await d.size(), 2);
    } finally {
      d.close();
    }
  });

  it("forgets a key after its ttl", async () => {
    const d = new MemoryDedupe();
    try {
      await d.claim("K1", 1, "r1");
      await sleep(5);
      assert.equal((await d.claim("K1", 60_000, "r2")).first, true);
      assert.equal((await d.claim("K1", 60_000, "r3")).first, false);
    } finally {
      d.close();
    }
  });

  it("purge drops expired keys and keeps live ones (one ttl per window)", async () => {
    const d = new MemoryDedupe();
    try {
      await d.claim("A", 20, "r");
      await d.claim("B", 20, "r");
      await sleep(30);
      await d.claim("C", 20, "r");
      d.purge(Date.now());
      assert.equal(await d.size(), 1, "purge drops the expired keys only");
      assert.equal((await d.claim("C", 20, "other")).first, false);
    } finally {
      d.close();
    }
  });

  it("evicts the oldest key beyond maxKeys", async () => {
    const d = new MemoryDedupe(3);
    try {
      for (const k of ["A", "B", "C", "D"]) assert.equal((await d.claim(k, 60_000, `r-${k}`)).first, true);
      assert.equal(await d.size(), 3);
      assert.equal((await d.claim("A", 60_000, "other")).first, true, "A was evicted, so it counts as first again");
      assert.equal((await d.claim("D", 60_000, "other")).first, false, "D is still remembered");
    } finally {
      d.close();
    }
  });

  it("close() clears the window", async () => {
    const d = new MemoryDedupe();
    await d.claim("K", 60_000, "r");
    d.close();
    assert.equal(await d.size(), 0);
  });
});

describe("StoreDedupe over SqliteStore", () => {
  const store = new SqliteStore({ path: ":memory:" });
  after(() => store.close());

  it("claims through the store within its scope", async () => {
    const a = new StoreDedupe(store, "scope-a");
    const b = new StoreDedupe(store, "scope-b");
    const a2 = new StoreDedupe(store, "scope-a");
    try {
      assert.equal(a.kind, "store");
      assert.equal((await a.claim("K1", 60_000, "r1")).first, true);
      assert.equal((await a.claim("K1", 60_000, "r2")).first, false);
      assert.equal((await a2.claim("K1", 60_000, "r3")).first, false, "nodes sharing a scope share the window");
      assert.equal((await a.claim("K1", 60_000, "r1")).first, true, "same ref is a redelivery");
      assert.equal((await b.claim("K1", 60_000, "r2")).first, true, "another scope is another window");
      assert.equal(await a.size(), 2);
      await a.claim("K2", 1, "r1");
      await sleep(5);
      assert.equal((await a.claim("K2", 60_000, "r9")).first, true, "expired in the store");
    } finally {
      a.close();
      b.close();
      a2.close();
    }
  });
});
