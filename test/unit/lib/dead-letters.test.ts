import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore, type DeadLetter } from "../../../nodes/lib/store";
import { parkFailedMessage } from "../../../nodes/lib/dead-letters";
import { registerIntake } from "../../../nodes/lib/intake/settlement";
import { registerReplayTarget, replayTargetFor, type ReplayTarget } from "../../../nodes/lib/dead-letter-registry";
import { letterView, parseListQuery, replayedMessage } from "../../../nodes/lib/dead-letter-admin";

let dir: string;
let counter = 0;
const opened: SqliteStore[] = [];
function freshStore(path = join(dir, `dl-${++counter}.db`)): SqliteStore {
  const store = new SqliteStore({ path });
  opened.push(store);
  return store;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "lsync-dead-letters-test-"));
});
after(async () => {
  for (const s of opened) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const failedAt = (nodeId: string) => ({ nodeId, nodeType: "lsync-tms", nodeName: null, flowId: "f1" });

describe("dead letters in the SQLite store", () => {
  it("record the failed message's origin (its _msgid and intake reference)", async () => {
    const store = freshStore();
    const unregister = registerIntake("scanner-x", store, () => undefined);
    try {
      const [inboxId] = await store.addToInbox([{ source: "scanner-x", key: "k", topic: "t", payload: "{}" }]);
      const withIntake = await parkFailedMessage(store, { _msgid: "m1", payload: { a: 1 }, intake: { source: "scanner-x", id: inboxId } }, failedAt("n1"), "boom");
      const bare = await parkFailedMessage(store, { payload: { b: 2 } }, failedAt("n1"), "boom");
      assert.deepEqual((await store.getDeadLetter(withIntake))?.origin, { msgId: "m1", intake: { source: "scanner-x", id: inboxId } });
      assert.deepEqual((await store.getDeadLetter(bare))?.origin, { msgId: null, intake: null });
      const direct = await store.parkDeadLetter({ nodeId: "n2", nodeType: "lsync-erp", reason: "HTTP 400", payload: null });
      assert.equal((await store.getDeadLetter(direct))?.origin, null, "letters parked without an origin have none");
    } finally {
      unregister();
    }
  });

  it("list filters by state, failing node, correlation id and id (paging), newest first", async () => {
    const store = freshStore();
    const ids: number[] = [];
    for (const [node, corr] of [["map", "C1"], ["map", "C2"], ["tms", "C1"], ["map", "C1"]] as const) {
      ids.push(await store.parkDeadLetter({ nodeId: node, nodeType: "x", reason: "r", correlationId: corr, payload: { node, corr } }));
    }
    await store.resolveDeadLetter(ids[3]!, "discarded", "ops", "noise");
    const idsOf = (letters: DeadLetter[]) => letters.map((l) => l.id);
    assert.deepEqual(idsOf(await store.listDeadLetters()), [...ids].reverse());
    assert.deepEqual(idsOf(await store.listDeadLetters({ nodeId: "map" })), [ids[3], ids[1], ids[0]]);
    assert.deepEqual(idsOf(await store.listDeadLetters({ nodeId: "map", state: "parked" })), [ids[1], ids[0]]);
    assert.deepEqual(idsOf(await store.listDeadLetters({ correlationId: "C1" })), [ids[3], ids[2], ids[0]]);
    assert.deepEqual(idsOf(await store.listDeadLetters({ correlationId: "C1", nodeId: "tms" })), [ids[2]]);
    assert.deepEqual(idsOf(await store.listDeadLetters({ limit: 2 })), [ids[3], ids[2]]);
    assert.deepEqual(idsOf(await store.listDeadLetters({ limit: 2, beforeId: ids[2] })), [ids[1], ids[0]]);
    assert.deepEqual(idsOf(await store.listDeadLetters({ state: "discarded" })), [ids[3]]);
  });

  it("a store file made before letters had an origin gains the column and keeps its letters", async () => {
    const path = join(dir, `old-${++counter}.db`);
    const old = new Database(path);
    old.exec(`CREATE TABLE dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, node_id TEXT NOT NULL, node_type TEXT NOT NULL,
      node_name TEXT, flow_id TEXT, reason TEXT NOT NULL, correlation_id TEXT, idempotency_key TEXT,
      attempts INTEGER NOT NULL DEFAULT 0, payload TEXT NOT NULL, inbox_id INTEGER,
      state TEXT NOT NULL DEFAULT 'parked', resolution TEXT)`);
    old.prepare("INSERT INTO dead_letters (at, node_id, node_type, reason, payload) VALUES (?, 'n', 't', 'old', '{\"x\":1}')").run(Date.now());
    old.close();
    const store = freshStore(path);
    const [letter] = await store.listDeadLetters();
    assert.equal(letter?.reason, "old");
    assert.equal(letter?.origin, null);
    const id = await store.parkDeadLetter({ nodeId: "n", nodeType: "t", reason: "new", payload: 1, origin: { msgId: "m", intake: null } });
    assert.deepEqual((await store.getDeadLetter(id))?.origin, { msgId: "m", intake: null });
  });
});

describe("which replay node takes a letter", () => {
  const storeA = {} as SqliteStore;
  const storeB = {} as SqliteStore;
  const target = (nodeId: string, store: SqliteStore, sources: string[]): ReplayTarget => ({
    nodeId,
    name: null,
    storeId: "s",
    store,
    sources,
    emit: () => undefined,
  });
  const routeOf = (store: SqliteStore, nodeId: string) => {
    const route = replayTargetFor(store, { id: 7, nodeId });
    return route.ok ? route.target.nodeId : route.error;
  };

  it("the one listing the failing node, else the catch-all, and only on the letter's store", () => {
    const off = [
      registerReplayTarget(target("for-map", storeA, ["map", "validate"])),
      registerReplayTarget(target("all-a", storeA, [])),
      registerReplayTarget(target("all-b", storeB, [])),
    ];
    try {
      assert.equal(routeOf(storeA, "map"), "for-map");
      assert.equal(routeOf(storeA, "validate"), "for-map");
      assert.equal(routeOf(storeA, "tms"), "all-a");
      assert.equal(routeOf(storeB, "map"), "all-b");
    } finally {
      off.forEach((f) => f());
    }
  });

  it("none or several at the same level: refused, naming them", () => {
    assert.match(routeOf(storeA, "map"), /no replay node is deployed for dead letter 7 \(failed in node map\)/);
    const off = [registerReplayTarget(target("one", storeA, [])), registerReplayTarget(target("two", storeA, []))];
    try {
      assert.match(routeOf(storeA, "map"), /2 replay nodes match dead letter 7 .*: one, two/);
      off.push(registerReplayTarget(target("three", storeA, ["map"])));
      assert.equal(routeOf(storeA, "map"), "three", "a node listing the failing node beats the catch-alls");
    } finally {
      off.forEach((f) => f());
    }
  });
});

describe("admin helpers", () => {
  const letter: DeadLetter = {
    id: 3,
    at: Date.UTC(2025, 2, 4, 10, 15),
    nodeId: "map",
    nodeType: "lsync-canonical-map",
    nodeName: null,
    flowId: "f",
    reason: "bad",
    correlationId: "C1",
    idempotencyKey: "K1",
    attempts: 1,
    payload: { raw: 1 },
    inboxId: 5,
    state: "parked",
    resolution: null,
    origin: { msgId: "m-1", intake: { source: "scanner-x", id: 5 } },
  };

  it("a replayed message carries the original payload, ids and the failed attempt's message id and intake", () => {
    const msg = replayedMessage(letter, { by: "ann", at: "2025-03-04T11:00:00.000Z", reason: "fixed" });
    assert.deepEqual(msg, {
      _msgid: "m-1",
      payload: { raw: 1 },
      correlationId: "C1",
      idempotencyKey: "K1",
      intake: { source: "scanner-x", id: 5 },
      replay: { deadLetterId: 3, by: "ann", at: "2025-03-04T11:00:00.000Z", reason: "fixed" },
    });
    const bare = replayedMessage({ ...letter, origin: null, correlationId: null, idempotencyKey: null }, { by: "a", at: "t", reason: "r" });
    assert.deepEqual(Object.keys(bare), ["payload", "replay"]);
  });

  it("views show times as ISO and the payload only when asked", () => {
    const view = letterView({ ...letter, resolution: { by: "a", at: Date.UTC(2025, 2, 5), note: "n" } }, false);
    assert.equal(view.at, "2025-03-04T10:15:00.000Z");
    assert.deepEqual(view.resolution, { by: "a", at: "2025-03-05T00:00:00.000Z", note: "n" });
    assert.equal("payload" in view, false);
    assert.deepEqual(letterView(letter, true).payload, { raw: 1 });
  });

  it("list queries are checked field by field", () => {
    assert.deepEqual(parseListQuery({ state: "parked", limit: "5", node: "map", correlationId: "C1", before: "9" }), {
      filter: { state: "parked", limit: 5, nodeId: "map", correlationId: "C1", beforeId: 9 },
    });
    assert.deepEqual(parseListQuery({ state: "all" }), { filter: {} });
    const fieldOf = (q: Record<string, unknown>) => {
      const parsed = parseListQuery(q);
      return "answer" in parsed ? [parsed.answer.status, parsed.answer.body.field] : null;
    };
    assert.deepEqual(fieldOf({ state: "lost" }), [400, "state"]);
    assert.deepEqual(fieldOf({ limit: "0" }), [400, "limit"]);
    assert.deepEqual(fieldOf({ limit: "x" }), [400, "limit"]);
    assert.deepEqual(fieldOf({ before: "-1" }), [400, "before"]);
    assert.deepEqual(fieldOf({ node: ["a", "b"] }), [400, "node"]);
  });
});
