/**
 * The lsync-dedupe node with the Redis back end, in a Node-RED runtime (node-red-node-test-helper)
 * against the real Redis: first/duplicate, a window shared by two nodes (as by two instances),
 * an intake redelivery, the URL from LSYNC_REDIS_URL, and an unreachable Redis. Keys live under a
 * throwaway scope and are deleted afterwards.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "redis";
import dedupeNode, { redisUrl as nodeRedisUrl } from "../../nodes/lsync-dedupe/lsync-dedupe";
import storeNode, { type StoreNode } from "../../nodes/lsync-store/lsync-store";
import { registerIntake } from "../../nodes/lib/intake/settlement";
import { probeRedis, redisUrl, serviceSkip, throwawayName } from "../helpers/services";
import { collect, getNode, helper, tempDir, waitFor, type FlowNodeDef } from "../unit/nodes/_helper";

describe("lsync-dedupe node with the Redis back end", async () => {
  const skip = await serviceSkip("Redis", probeRedis);
  const scope = throwawayName("lsync-node-test");
  const dir = tempDir("lsync-dedupe-redis-");
  const savedEnv = process.env.LSYNC_REDIS_URL;
  let n = 0;

  function flow(extra: Record<string, unknown> = {}): FlowNodeDef[] {
    return [
      { id: "tab", type: "tab", label: "t" },
      { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `intake-${++n}.db`), durability: "process" },
      { id: "dd", type: "lsync-dedupe", z: "tab", key: "payload.key", keyType: "msg", ttlSeconds: 3600, backend: "redis", redisUrl: redisUrl(), scope: `${scope}-${n}`, wires: [["first"], ["dup"]], ...extra },
      { id: "first", type: "helper", z: "tab" },
      { id: "dup", type: "helper", z: "tab" },
      { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
      { id: "caught", type: "helper", z: "tab" },
    ];
  }
  const msg = (id: string, key: string, extra: Record<string, unknown> = {}) => ({ _msgid: id, payload: { key }, ...extra });

  before(async () => {
    if (!skip) await helper.startServer();
  });
  afterEach(async () => {
    if (skip) return;
    await helper.unload();
    if (savedEnv === undefined) delete process.env.LSYNC_REDIS_URL;
    else process.env.LSYNC_REDIS_URL = savedEnv;
  });
  after(async () => {
    dir.remove();
    if (skip) return;
    await helper.stopServer();
    const admin = createClient({ url: redisUrl() });
    admin.on("error", () => undefined);
    await admin.connect();
    for await (const keys of admin.scanIterator({ MATCH: `lsync:dedupe:${scope}*`, COUNT: 1000 })) if (keys.length) await admin.del(keys);
    await admin.close();
  });

  describe("runtime", { skip, timeout: 30_000 }, () => {
    it("first to output 1, the same key again to output 2; the keys are in Redis under the scope", async () => {
      await helper.load([storeNode, dedupeNode], flow());
      const first = collect("first");
      const dup = collect("dup");
      getNode("dd").receive(msg("m1", "SCAN|DC1|RF-017|17"));
      await waitFor("first", () => first.length === 1);
      getNode("dd").receive(msg("m2", "SCAN|DC1|RF-017|17"));
      getNode("dd").receive(msg("m3", "SCAN|DC1|RF-017|18"));
      await waitFor("duplicate and second first", () => dup.length === 1 && first.length === 2);
      assert.equal((dup[0]!.duplicateOf as { key: string }).key, "SCAN|DC1|RF-017|17");
      assert.ok(!Number.isNaN(Date.parse((dup[0]!.duplicateOf as { firstSeenAt: string }).firstSeenAt)));
      const logged = helper.log().args.map((a) => String(a[0].msg));
      assert.ok(logged.some((m) => m.startsWith("dedupe: keys in Redis at ")), logged.join("\n"));
    });

    it("two nodes with one scope share the window (as two instances would)", async () => {
      const nodes = flow();
      const shared = nodes[2]!.scope as string;
      nodes.push({ id: "dd2", type: "lsync-dedupe", z: "tab", key: "payload.key", keyType: "msg", ttlSeconds: 3600, backend: "redis", redisUrl: redisUrl(), scope: shared, wires: [["first"], ["dup"]] });
      await helper.load([storeNode, dedupeNode], nodes);
      const first = collect("first");
      const dup = collect("dup");
      getNode("dd").receive(msg("m1", "K"));
      await waitFor("first", () => first.length === 1);
      getNode("dd2").receive(msg("m2", "K"));
      await waitFor("duplicate from the other node", () => dup.length === 1);
      assert.equal(dup[0]!._msgid, "m2");
    });

    it("a redelivered intake item passes again; a duplicate settles its intake row", async () => {
      await helper.load([storeNode, dedupeNode], flow());
      const store = getNode<StoreNode>("store").store;
      const released: number[] = [];
      const unregister = registerIntake("intake-r", store, (id) => released.push(id));
      try {
        const [a, b] = await store.addToInbox([
          { source: "intake-r", key: "k", topic: "t", payload: "{}" },
          { source: "intake-r", key: "k", topic: "t", payload: "{}" },
        ]);
        const first = collect("first");
        const dup = collect("dup");
        getNode("dd").receive(msg("m1", "K", { intake: { source: "intake-r", id: a } }));
        await waitFor("first", () => first.length === 1);
        getNode("dd").receive(msg("m1-resumed", "K", { intake: { source: "intake-r", id: a, resumed: true } }));
        await waitFor("resumed passes", () => first.length === 2);
        getNode("dd").receive(msg("m2", "K", { intake: { source: "intake-r", id: b } }));
        await waitFor("duplicate", () => dup.length === 1);
        await waitFor("settled", async () => (await store.pendingInbox("intake-r", 10)).length === 1);
        assert.deepEqual(released, [b]);
      } finally {
        unregister();
      }
    });

    it("an empty URL or an unset ${VAR} takes LSYNC_REDIS_URL", async () => {
      process.env.LSYNC_REDIS_URL = redisUrl();
      assert.equal(nodeRedisUrl(""), redisUrl());
      assert.equal(nodeRedisUrl("${LSYNC_TEST_UNSET_REDIS_URL}"), redisUrl());
      await helper.load([storeNode, dedupeNode], flow({ redisUrl: "${LSYNC_TEST_UNSET_REDIS_URL}" }));
      const first = collect("first");
      getNode("dd").receive(msg("m1", "K"));
      await waitFor("first", () => first.length === 1);
      delete process.env.LSYNC_REDIS_URL;
      assert.equal(nodeRedisUrl(""), "redis://127.0.0.1:6379");
    });

    it("an unreachable Redis fails the message to catch, naming the server", async () => {
      await helper.load([storeNode, dedupeNode], flow({ redisUrl: "redis://127.0.0.1:1" }));
      const caught = collect("caught");
      const first = collect("first");
      getNode("dd").receive(msg("m1", "K"));
      await waitFor("caught", () => caught.length === 1, 10_000);
      assert.match((caught[0]!.error as { message: string }).message, /Redis at 127\.0\.0\.1:1: /);
      assert.equal(first.length, 0);
    });
  });
});
