import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import express from "express";
import type { NextFunction, Request, Response } from "express";
import type { NodeAPI, Node as RedNode, NodeDef } from "node-red";
import deadLetterNode from "../../../nodes/lsync-dead-letter/lsync-dead-letter";
import dedupeNode from "../../../nodes/lsync-dedupe/lsync-dedupe";
import replayNode from "../../../nodes/lsync-replay/lsync-replay";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import { AUDIT_PERMISSION, DISCARD_PERMISSION, READ_PERMISSION, registerDeadLetterRoutes, REPLAY_PERMISSION } from "../../../nodes/lib/dead-letter-admin";
import { registerDeadLetterStore } from "../../../nodes/lib/dead-letter-registry";
import { flushEventLog } from "../../../nodes/lib/events/event-log";
import { registerIntake } from "../../../nodes/lib/intake/settlement";
import { SqliteStore, type LsyncStore } from "../../../nodes/lib/store";
import { collect, getNode, helper, sleep, tempDir, waitFor, type FlowNodeDef, type Msg, type NodeModule } from "./_helper";

/** supertest, as node-red-node-test-helper's `request()` and for an app of our own. */
interface Reply {
  status: number;
  body: Record<string, unknown>;
}
interface Call extends PromiseLike<Reply> {
  send(body: unknown): Call;
  set(header: string, value: string): Call;
}
interface Agent {
  get(path: string): Call;
  post(path: string): Call;
}
const api = (): Agent => (helper as unknown as { request(): Agent }).request();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const supertest = require("supertest") as (app: express.Express) => Agent;

const dir = tempDir("lsync-replay-node-");
let n = 0;

/** Fails the first time it sees each key in `failOnce` (a system that was down), passes after. */
const failOnce = new Set<string>();
const flakyModule: NodeModule = (RED) => {
  function TestFlaky(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    this.on("input", (msg, send, done) => {
      const key = (msg.payload as { idempotencyKey?: string }).idempotencyKey ?? "";
      if (failOnce.delete(key)) return done(new Error(`TMS down for ${key}`));
      send(msg);
      done();
    });
  }
  RED.nodes.registerType("test-flaky", TestFlaky);
};

const modules = [storeNode, deadLetterNode, replayNode, dedupeNode, flakyModule];

/** catch → dead letter on one tab, and the replay nodes given (default: one catch-all wired to "out"). */
function flow(replays: FlowNodeDef[] = [replay("rp")], extra: FlowNodeDef[] = []): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `replay-${++n}.db`), durability: "process" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["dl"]] },
    { id: "dl", type: "lsync-dead-letter", z: "tab", store: "store", wires: [["parked"]] },
    { id: "parked", type: "helper", z: "tab" },
    { id: "out", type: "helper", z: "tab" },
    { id: "results", type: "helper", z: "tab" },
    ...replays,
    ...extra,
  ];
}

function replay(id: string, sources = "", out = "out"): FlowNodeDef {
  // (The name is not the id: without x/y the test helper treats nodes as config nodes, and a
  // property equal to a config node's id is a reference to it, here to itself.)
  return { id, type: "lsync-replay", z: "tab", name: `replay ${id}`, store: "store", sources, wires: [[out], ["results"]] };
}

const storeOf = () => getNode<StoreNode>("store").store;

/** Parks a message as if node `failedIn` had failed on it (what a Catch node hands the dead-letter node). */
async function park(payload: unknown, failedIn = "map1", extra: Record<string, unknown> = {}): Promise<number> {
  const parked = collect("parked");
  getNode("dl").receive({
    payload,
    error: { message: `failed in ${failedIn}`, source: { id: failedIn, type: "lsync-canonical-map", name: failedIn } },
    ...extra,
  });
  await waitFor("parked", () => parked.length === 1);
  return parked[0]!.deadLetterId as number;
}

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
});
afterEach(async () => {
  failOnce.clear();
  await helper.unload();
});

describe("dead-letter admin API", () => {
  it("lists newest first without payloads, filters, and inspects one with its payload", async () => {
    await helper.load(modules, flow());
    const a = await park({ raw: "a" }, "map1", { correlationId: "LOAD|1" });
    const b = await park({ raw: "b" }, "val1", { correlationId: "LOAD|2" });
    const c = await park({ raw: "c" }, "map1", { correlationId: "LOAD|2" });

    const all = await api().get("/lsync/dead-letters");
    assert.equal(all.status, 200);
    assert.equal(all.body.store, "store");
    const letters = all.body.deadLetters as Array<Record<string, unknown>>;
    assert.deepEqual(letters.map((l) => l.id), [c, b, a]);
    assert.equal("payload" in letters[0]!, false, "the list leaves payloads out");
    assert.equal(letters[0]!.state, "parked");
    assert.equal(letters[0]!.nodeId, "map1");
    assert.ok(!Number.isNaN(Date.parse(letters[0]!.at as string)));

    const ids = async (query: string) =>
      ((await api().get(`/lsync/dead-letters?${query}`)).body.deadLetters as Array<{ id: number }>).map((l) => l.id);
    assert.deepEqual(await ids("node=map1"), [c, a]);
    assert.deepEqual(await ids("correlationId=LOAD%7C2"), [c, b]);
    assert.deepEqual(await ids("node=map1&correlationId=LOAD%7C2"), [c]);
    assert.deepEqual(await ids("state=parked&limit=2"), [c, b]);
    assert.deepEqual(await ids(`before=${b}`), [a]);
    assert.deepEqual(await ids("state=replayed"), []);
    assert.deepEqual(await ids("store=store&limit=1"), [c]);

    const one = await api().get(`/lsync/dead-letters/${b}`);
    assert.equal(one.status, 200);
    const letter = one.body.deadLetter as Record<string, unknown>;
    assert.deepEqual(letter.payload, { raw: "b" });
    assert.equal(letter.reason, "failed in val1");
    assert.equal(letter.correlationId, "LOAD|2");
    assert.equal(letter.resolution, null);
  });

  it("answers 400 naming the field, 404 for an unknown letter or store", async () => {
    await helper.load(modules, flow());
    const id = await park({ raw: 1 });
    const bad = await api().get("/lsync/dead-letters?state=lost");
    assert.deepEqual([bad.status, bad.body.field], [400, "state"]);
    assert.match(bad.body.error as string, /state must be one of parked, replayed, discarded/);
    assert.deepEqual([(await api().get("/lsync/dead-letters?limit=5000")).body.field], ["limit"]);

    for (const call of [
      api().get("/lsync/dead-letters/99999"),
      api().post("/lsync/dead-letters/99999/replay").send({ reason: "r" }),
      api().post("/lsync/dead-letters/99999/discard").send({ reason: "r" }),
    ]) {
      const answer = await call;
      assert.equal(answer.status, 404);
      assert.match(answer.body.error as string, /no dead letter 99999 in store store/);
    }
    const malformed = await api().get("/lsync/dead-letters/abc");
    assert.deepEqual([malformed.status, malformed.body.field], [400, "id"]);

    const noStore = await api().get(`/lsync/dead-letters/${id}?store=elsewhere`);
    assert.deepEqual([noStore.status, noStore.body.field], [404, "store"]);
    assert.match(noStore.body.error as string, /no store elsewhere with dead letters/);

    for (const body of [{}, { reason: "" }, { reason: "   " }, { reason: 42 }]) {
      for (const action of ["replay", "discard"]) {
        const answer = await api().post(`/lsync/dead-letters/${id}/${action}`).send(body);
        assert.equal(answer.status, 400, `${action} ${JSON.stringify(body)}`);
        assert.equal(answer.body.field, "reason");
        assert.match(answer.body.error as string, /reason is required/);
      }
    }
    assert.equal((await storeOf().getDeadLetter(id))?.state, "parked", "refused requests leave the letter parked");
  });

  it("replay sends the original payload from the replay node and records who, when and why", async () => {
    await helper.load(modules, flow());
    const id = await park({ raw: "scan" }, "map1", { correlationId: "LOAD|1", idempotencyKey: "SCAN|1" });
    const out = collect("out");
    const before = Date.now();
    const answer = await api().post(`/lsync/dead-letters/${id}/replay`).send({ reason: "mapping fixed in v2" });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.replayedBy, "rp");
    const view = answer.body.deadLetter as { state: string; resolution: { by: string; at: string; note: string } };
    assert.equal(view.state, "replayed");
    assert.equal(view.resolution.by, "anonymous");
    assert.equal(view.resolution.note, "mapping fixed in v2");

    await waitFor("replayed message", () => out.length === 1);
    const msg = out[0]!;
    assert.deepEqual(msg.payload, { raw: "scan" });
    assert.equal(msg.correlationId, "LOAD|1");
    assert.equal(msg.idempotencyKey, "SCAN|1");
    assert.deepEqual(msg.replay, { deadLetterId: id, by: "anonymous", at: view.resolution.at, reason: "mapping fixed in v2" });

    const letter = await storeOf().getDeadLetter(id);
    assert.equal(letter?.state, "replayed");
    assert.equal(letter?.resolution?.by, "anonymous");
    assert.equal(letter?.resolution?.note, "mapping fixed in v2");
    assert.ok(letter!.resolution!.at >= before && letter!.resolution!.at <= Date.now());
    assert.equal(new Date(letter!.resolution!.at).toISOString(), view.resolution.at);

    for (const action of ["replay", "discard"]) {
      const again = await api().post(`/lsync/dead-letters/${id}/${action}`).send({ reason: "again" });
      assert.equal(again.status, 409);
      assert.match(again.body.error as string, new RegExp(`dead letter ${id} is not parked any more: it was replayed by anonymous`));
    }
    await sleep(30);
    assert.equal(out.length, 1, "replayed once");
    await flushEventLog();
    const touches = (await storeOf().findEvents({})).filter((e) => e.kind === "dead-letter" && e.status !== "parked");
    assert.deepEqual(
      touches.map((e) => [e.status, e.nodeId, e.correlationId, e.detail]),
      [["replayed", "map1", "LOAD|1", { deadLetterId: id, by: "anonymous" }]],
      "one manual touch logged; the refused second replay and discard add none",
    );
  });

  it("discard never sends and records who, when and why", async () => {
    await helper.load(modules, flow());
    const id = await park({ raw: "junk" });
    const out = collect("out");
    const answer = await api().post(`/lsync/dead-letters/${id}/discard`).send({ reason: "test scan from the lab" });
    assert.equal(answer.status, 200);
    const letter = await storeOf().getDeadLetter(id);
    assert.equal(letter?.state, "discarded");
    assert.deepEqual({ by: letter?.resolution?.by, note: letter?.resolution?.note }, { by: "anonymous", note: "test scan from the lab" });
    assert.equal(typeof letter?.resolution?.at, "number");
    const again = await api().post(`/lsync/dead-letters/${id}/replay`).send({ reason: "changed my mind" });
    assert.equal(again.status, 409);
    assert.match(again.body.error as string, /was discarded by anonymous/);
    await sleep(50);
    assert.equal(out.length, 0);
    assert.deepEqual(((await api().get("/lsync/dead-letters?state=parked")).body.deadLetters as unknown[]).length, 0);
    await flushEventLog();
    const touches = (await storeOf().findEvents({})).filter((e) => e.kind === "dead-letter" && e.status !== "parked");
    assert.deepEqual(touches.map((e) => [e.status, (e.detail as { deadLetterId: number }).deadLetterId]), [["discarded", id]]);
  });

  it("without a replay node for the letter, replay is refused (422) and the letter stays parked", async () => {
    await helper.load(modules, flow([replay("only-val", "val1")]));
    const id = await park({ raw: 1 }, "map1");
    const answer = await api().post(`/lsync/dead-letters/${id}/replay`).send({ reason: "try" });
    assert.equal(answer.status, 422);
    assert.match(answer.body.error as string, /no replay node is deployed for dead letter \d+ \(failed in node map1\).*stays parked/);
    assert.equal((await storeOf().getDeadLetter(id))?.state, "parked");
    assert.equal((await storeOf().getDeadLetter(id))?.resolution, null);
  });

  it("a letter goes to the replay node listing its failing node, else to the catch-all; two catch-alls are refused", async () => {
    await helper.load(
      modules,
      flow(
        [replay("for-map", "map1, map2", "out-map"), replay("all", "", "out"), replay("all-2", "", "out")],
        [{ id: "out-map", type: "helper", z: "tab" }],
      ),
    );
    const fromMap = await park({ raw: "m" }, "map2");
    const fromVal = await park({ raw: "v" }, "val1");
    const outMap = collect("out-map");
    const out = collect("out");
    const viaMap = await api().post(`/lsync/dead-letters/${fromMap}/replay`).send({ reason: "r" });
    assert.equal(viaMap.status, 200);
    assert.equal(viaMap.body.replayedBy, "for-map");
    await waitFor("replayed at the map", () => outMap.length === 1);
    assert.deepEqual(outMap[0]!.payload, { raw: "m" });

    const ambiguous = await api().post(`/lsync/dead-letters/${fromVal}/replay`).send({ reason: "r" });
    assert.equal(ambiguous.status, 422);
    assert.match(ambiguous.body.error as string, /2 replay nodes match dead letter \d+ \(failed in node val1\): all \(replay all\), all-2 \(replay all-2\)/);
    await sleep(30);
    assert.equal(out.length, 0);
    assert.equal((await storeOf().getDeadLetter(fromVal))?.state, "parked");
  });
});

describe("lsync-replay commands from a flow", () => {
  it("list, inspect, replay and discard answer on output 2; a replay is sent on output 1", async () => {
    await helper.load(modules, flow());
    const a = await park({ raw: "a" });
    const b = await park({ raw: "b" });
    const results = collect("results");
    const out = collect("out");
    const rp = getNode("rp");
    const next = async (command: Record<string, unknown>): Promise<Msg> => {
      const had = results.length;
      rp.receive(command);
      await waitFor(`answer to ${JSON.stringify(command)}`, () => results.length === had + 1);
      return results[had]!;
    };

    const list = await next({ topic: "list", payload: { state: "parked" } });
    assert.equal(list.statusCode, 200);
    assert.deepEqual((list.payload as { deadLetters: Array<{ id: number }> }).deadLetters.map((l) => l.id), [b, a]);

    const inspect = await next({ topic: "inspect", payload: { id: a } });
    assert.deepEqual((inspect.payload as { deadLetter: { payload: unknown } }).deadLetter.payload, { raw: "a" });

    const replayed = await next({ topic: "replay", payload: { id: a, reason: "carrier back up", by: "ops-dashboard" } });
    assert.equal(replayed.statusCode, 200, JSON.stringify(replayed.payload));
    await waitFor("replayed", () => out.length === 1);
    assert.deepEqual(out[0]!.payload, { raw: "a" });
    assert.equal((out[0]!.replay as { by: string }).by, "ops-dashboard");
    assert.equal((await storeOf().getDeadLetter(a))?.resolution?.by, "ops-dashboard");

    const noReason = await next({ topic: "discard", payload: { id: b } });
    assert.deepEqual([noReason.statusCode, (noReason.payload as { field: string }).field], [400, "reason"]);
    const discarded = await next({ topic: "discard", payload: { id: b, reason: "duplicate test data" } });
    assert.equal(discarded.statusCode, 200);
    assert.equal((await storeOf().getDeadLetter(b))?.resolution?.by, "flow:rp", "without payload.by, the replay node is named");

    const conflict = await next({ topic: "replay", payload: { id: a, reason: "again" } });
    assert.equal(conflict.statusCode, 409);
    const unknown = await next({ topic: "inspect", payload: { id: 4242 } });
    assert.equal(unknown.statusCode, 404);
    const wrong = await next({ topic: "purge" });
    assert.deepEqual([wrong.statusCode, (wrong.payload as { field: string }).field], [400, "topic"]);
    await sleep(30);
    assert.equal(out.length, 1, "only the replay command sent anything on output 1");
  });
});

describe("replay goes through dedupe again", () => {
  // replay → dedupe → (TMS, down once for some keys) → delivered; catch → dead letter.
  const chain = (backend: "store" | "memory"): FlowNodeDef[] =>
    flow(
      [replay("rp", "", "dd")],
      [
        { id: "dd", type: "lsync-dedupe", z: "tab", key: "payload.idempotencyKey", keyType: "msg", ttlSeconds: 3600, backend, store: "store", scope: "scans", wires: [["tms"], ["dup"]] },
        { id: "tms", type: "test-flaky", z: "tab", wires: [["delivered"]] },
        { id: "delivered", type: "helper", z: "tab" },
        { id: "dup", type: "helper", z: "tab" },
      ],
    );

  for (const [backend, withIntake] of [["store", true], ["memory", false]] as const) {
    it(`passes a replay whose first attempt failed after dedupe, drops one whose key was delivered (${backend}, ${withIntake ? "intake ref" : "message id"})`, async () => {
      await helper.load(modules, chain(backend));
      const store: LsyncStore = storeOf();
      const unregister = registerIntake("scanner-x", store, () => undefined);
      try {
        const [rowA, rowB1, rowB2] = await store.addToInbox(["K1", "K2", "K2"].map((key) => ({ source: "scanner-x", key, topic: "t", payload: "{}" })));
        const intake = (id: number | undefined) => (withIntake ? { intake: { source: "scanner-x", id } } : {});
        const delivered = collect("delivered");
        const dup = collect("dup");
        const parked = collect("parked");

        // A claims K1 at dedupe, then the TMS is down: A is parked, its claim stays.
        failOnce.add("K1");
        getNode("dd").receive({ _msgid: "mA", payload: { idempotencyKey: "K1", n: "A" }, ...intake(rowA) });
        await waitFor("A parked", () => parked.length === 1);
        const letterA = parked[0]!.deadLetterId as number;
        // B1 delivers K2; B2 (a resubmission of K2) fails before dedupe and is parked.
        getNode("dd").receive({ _msgid: "mB1", payload: { idempotencyKey: "K2", n: "B1" }, ...intake(rowB1) });
        await waitFor("B1 delivered", () => delivered.length === 1);
        const letterB2 = await park({ idempotencyKey: "K2", n: "B2" }, "map1", { _msgid: "mB2", ...intake(rowB2) });
        // A resubmission of K1 while A is parked is a duplicate: A's claim holds.
        getNode("dd").receive({ _msgid: "mA2", payload: { idempotencyKey: "K1", n: "A2" } });
        await waitFor("resubmitted K1 dropped", () => dup.length === 1);

        const a = await api().post(`/lsync/dead-letters/${letterA}/replay`).send({ reason: "TMS back" });
        assert.equal(a.status, 200, JSON.stringify(a.body));
        await waitFor("A delivered on replay", () => delivered.length === 2);
        assert.deepEqual(delivered[1]!.payload, { idempotencyKey: "K1", n: "A" });
        assert.equal((delivered[1]!.replay as { deadLetterId: number }).deadLetterId, letterA);

        const b = await api().post(`/lsync/dead-letters/${letterB2}/replay`).send({ reason: "mapping fixed" });
        assert.equal(b.status, 200);
        await waitFor("B2 dropped as a duplicate", () => dup.length === 2);
        assert.deepEqual(dup[1]!.payload, { idempotencyKey: "K2", n: "B2" });
        assert.equal((dup[1]!.duplicateOf as { key: string }).key, "K2");
        await sleep(30);
        assert.equal(delivered.length, 2);
        assert.equal(parked.length, 2, "A and B2 only: nothing failed again");
        assert.equal((await store.getDeadLetter(letterA))?.resolution?.note, "TMS back");
      } finally {
        unregister();
      }
    });
  }
});

describe("admin API permissions", () => {
  it("reads need lsync-dead-letters.read, replay .replay, discard .discard, the audit lsync-audit.read; the editor user is recorded", async () => {
    // Node-RED's needsPermission, as with adminAuth on: a user (set by the token) and their permissions.
    const asked: string[] = [];
    const needsPermission = (permission: string) => {
      asked.push(permission);
      return (req: Request, res: Response, next: NextFunction) => {
        const granted = String(req.headers["x-permissions"] ?? "").split(",");
        if (!granted.includes(permission)) {
          res.status(401).end();
          return;
        }
        (req as Request & { user?: unknown }).user = { username: req.headers["x-user"] };
        next();
      };
    };
    const app = express();
    app.use(express.json());
    const RED = { httpAdmin: app, auth: { needsPermission } } as unknown as NodeAPI;
    registerDeadLetterRoutes(RED);
    registerDeadLetterRoutes(RED); // a second node module registering: the routes exist once
    assert.deepEqual(asked, [READ_PERMISSION, REPLAY_PERMISSION, DISCARD_PERMISSION, AUDIT_PERMISSION]);
    assert.deepEqual(asked, ["lsync-dead-letters.read", "lsync-dead-letters.replay", "lsync-dead-letters.discard", "lsync-audit.read"]);

    const store = new SqliteStore({ path: ":memory:" });
    const unregister = registerDeadLetterStore("perm-store", store, "perm-holder");
    try {
      const id = await store.parkDeadLetter({ nodeId: "n", nodeType: "t", reason: "r", payload: 1 });
      const as = (call: Call, permissions: string, user = "alice") => call.set("x-permissions", permissions).set("x-user", user);
      const http = supertest(app);
      const routes: Array<[string, () => Call, string]> = [
        ["list", () => http.get("/lsync/dead-letters?store=perm-store"), READ_PERMISSION],
        ["inspect", () => http.get(`/lsync/dead-letters/${id}?store=perm-store`), READ_PERMISSION],
        ["replay", () => http.post(`/lsync/dead-letters/${id}/replay?store=perm-store`).send({ reason: "r" }), REPLAY_PERMISSION],
        ["discard", () => http.post(`/lsync/dead-letters/${id}/discard?store=perm-store`).send({ reason: "r" }), DISCARD_PERMISSION],
        ["audit", () => http.get("/lsync/audit?store=perm-store"), AUDIT_PERMISSION],
      ];
      for (const [name, call, needed] of routes) {
        const other = routes.map((r) => r[2]).filter((p) => p !== needed).join(",");
        assert.equal((await as(call(), "")).status, 401, `${name} without permissions`);
        assert.equal((await as(call(), other)).status, 401, `${name} with only ${other}`);
      }
      assert.equal((await as(routes[0]![1](), READ_PERMISSION)).status, 200);
      assert.equal((await as(routes[1]![1](), READ_PERMISSION)).status, 200);
      assert.equal((await as(routes[2]![1](), REPLAY_PERMISSION)).status, 422, "allowed, but no replay node on this store");
      const discarded = await as(routes[3]![1](), DISCARD_PERMISSION, "bob");
      assert.equal(discarded.status, 200);
      assert.equal((await store.getDeadLetter(id))?.resolution?.by, "bob", "req.user.username is who");
      const audit = await as(routes[4]![1](), AUDIT_PERMISSION);
      assert.equal(audit.status, 200);
      const entries = (audit.body as { audit: Array<{ user: string; action: string; target: string; detail: { reason: string } }> }).audit;
      assert.deepEqual(
        entries.map((e) => [e.user, e.action, e.target, e.detail.reason]),
        [["bob", "dead-letter.discard", String(id), "r"]],
        "the discard is in the audit trail with who and why",
      );
    } finally {
      unregister();
      await store.close();
    }
  });
});
