/**
 * The lsync-store config node with kind postgres, in a Node-RED runtime (node-red-node-test-helper)
 * against the real PostgreSQL: URL from the node or LSYNC_PG_URL, password from the credentials,
 * schema and pool size, one shared store per URL and schema, and a dedupe node using it.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "pg";
import dedupeNode from "../../nodes/lsync-dedupe/lsync-dedupe";
import storeNode, { storeConfig, type StoreNode } from "../../nodes/lsync-store/lsync-store";
import { PostgresStore } from "../../nodes/lib/store";
import { pgUrl, probePostgres, serviceSkip, throwawayName } from "../helpers/services";
import { collect, getNode, helper, waitFor, type FlowNodeDef } from "../unit/nodes/_helper";

describe("lsync-store node with kind postgres", async () => {
  const skip = await serviceSkip("PostgreSQL", probePostgres);
  const schema = throwawayName("lsync_node");
  const savedEnv = process.env.LSYNC_PG_URL;

  function flow(store: Record<string, unknown> = {}): FlowNodeDef[] {
    return [
      { id: "tab", type: "tab", label: "t" },
      { id: "store", type: "lsync-store", kind: "postgres", url: pgUrl(), schema, poolSize: "3", ...store },
      { id: "dd", type: "lsync-dedupe", z: "tab", key: "payload.key", keyType: "msg", ttlSeconds: 3600, backend: "store", store: "store", scope: "node-test", wires: [["first"], ["dup"]] },
      { id: "first", type: "helper", z: "tab" },
      { id: "dup", type: "helper", z: "tab" },
    ];
  }

  before(async () => {
    if (!skip) await helper.startServer();
  });
  afterEach(async () => {
    if (skip) return;
    await helper.unload();
    if (savedEnv === undefined) delete process.env.LSYNC_PG_URL;
    else process.env.LSYNC_PG_URL = savedEnv;
  });
  after(async () => {
    if (skip) return;
    await helper.stopServer();
    const admin = new Pool({ connectionString: pgUrl(), max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  describe("runtime", { skip }, () => {
    it("opens a PostgresStore on the configured schema that the dedupe node uses", async () => {
      await helper.load([storeNode, dedupeNode], flow(), { store: { password: "not-needed-with-trust" } });
      const store = getNode<StoreNode>("store").store;
      assert.ok(store instanceof PostgresStore);
      assert.equal(store.kind, "postgres");
      assert.equal(store.schema, schema);
      assert.equal(store.location.includes("not-needed"), false, "the password is not in the location");
      const first = collect("first");
      const dup = collect("dup");
      getNode("dd").receive({ _msgid: "m1", payload: { key: "K1" } });
      await waitFor("first", () => first.length === 1);
      getNode("dd").receive({ _msgid: "m2", payload: { key: "K1" } });
      await waitFor("duplicate", () => dup.length === 1);
      assert.equal((await store.counts()).dedupeKeys, 1);
      const logged = helper.log().args.map((a) => String(a[0].msg));
      assert.ok(logged.some((m) => m.startsWith("store: postgres at ") && m.includes(`(schema ${schema})`)), logged.join("\n"));
    });

    it("takes LSYNC_PG_URL when the URL is empty or an unset ${VAR}, and shares one store per URL and schema", async () => {
      process.env.LSYNC_PG_URL = pgUrl();
      const nodes = flow({ url: "${LSYNC_TEST_UNSET_PG_URL}" });
      nodes.push({ id: "store2", type: "lsync-store", kind: "postgres", url: "", schema });
      await helper.load([storeNode, dedupeNode], nodes);
      const one = getNode<StoreNode>("store").store;
      const two = getNode<StoreNode>("store2").store;
      assert.equal(one, two, "one pool per URL and schema");
      await one.addToInbox([{ source: "s", key: "k", topic: "t", payload: "{}" }]);
      assert.ok((await two.counts()).inboxPending >= 1);
      await helper.unload();
      await assert.rejects(one.counts(), /closed/, "closed with its last store node");
    });

    it("without any URL the node is not created and says why", async () => {
      delete process.env.LSYNC_PG_URL;
      await helper.load([storeNode, dedupeNode], flow({ url: "" }));
      await waitFor("the error log", () => helper.log().args.some((a) => /no PostgreSQL URL/.test(String(a[0].msg))));
      assert.equal(helper.getNode("store"), null);
    });
  });

  describe("storeConfig", () => {
    it("maps the node's settings (schema, pool size, password) and keeps sqlite the default", () => {
      assert.deepEqual(storeConfig({ id: "s", type: "lsync-store", name: "", kind: "postgres", url: "postgres://u@h/db", schema: "", poolSize: "", path: "", durability: "process" } as never, "/tmp", "pw"), {
        kind: "postgres",
        url: "postgres://u@h/db",
        schema: "lsync",
        poolSize: 10,
        password: "pw",
      });
      const pg = storeConfig({ id: "s", type: "lsync-store", name: "", kind: "postgres", url: "postgres://u@h/db", schema: "tenant_a", poolSize: "4" } as never, "/tmp");
      assert.equal(pg.kind === "postgres" && pg.schema, "tenant_a");
      assert.equal(pg.kind === "postgres" && pg.poolSize, 4);
      assert.throws(() => storeConfig({ id: "s", type: "lsync-store", name: "", kind: "postgres", url: "mysql://h/db" } as never, "/tmp"), /not a PostgreSQL URL/);
      const old = storeConfig({ id: "s", type: "lsync-store", name: "", path: "/tmp/x.db", durability: "power" } as never, "/tmp");
      assert.deepEqual(old, { kind: "sqlite", path: "/tmp/x.db", durability: "power", checkpoint: "background" });
    });
  });
});
