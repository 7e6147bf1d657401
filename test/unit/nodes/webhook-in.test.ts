import assert from "node:assert/strict";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { settleIntake, type IntakeRef } from "../../../nodes/lib/intake/settlement";
import { signPayload } from "../../../nodes/lib/intake/webhook/signature";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import webhookNode from "../../../nodes/lsync-webhook-in/lsync-webhook-in";
import { CarrierSimulator } from "../../../simulators/carrier";
import { getNode, helper, recorded, recorderModule, tempDir, waitFor, httpNodeServer, type FlowNodeDef, type Msg } from "./_helper";

const SECRET = "whsec-test-3f1a";
const dir = tempDir("lsync-webhook-");
let dbCount = 0;

function flow(db: string, extra: Record<string, unknown> = {}): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: db, durability: "process" },
    { id: "hook", type: "lsync-webhook-in", z: "tab", store: "store", path: "/hooks/carrier", auth: "hmac", authHeader: "", toleranceSeconds: 300, keyFrom: "header", keyName: "Idempotency-Key", maxBytes: 2048, maxInFlight: 100, wires: [["out"]], ...extra },
    { id: "out", type: "test-recorder", z: "tab" },
  ];
}

const httpNode = httpNodeServer();
let nodeUrl = "";

async function load(db: string, extra: Record<string, unknown> = {}, credentials: Record<string, string> = { secret: SECRET }): Promise<void> {
  await helper.load([httpNode.module, storeNode, webhookNode, recorderModule], flow(db, extra), { hook: credentials });
  nodeUrl = await httpNode.url();
}

async function post(body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${nodeUrl}/hooks/carrier`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

function signed(body: string, key: string, at = Date.now()): Record<string, string> {
  return { "x-signature": signPayload(SECRET, body, at), "idempotency-key": key };
}

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  httpNode.close();
  dir.remove();
});
afterEach(() => helper.unload());

describe("lsync-webhook-in", () => {
  it("takes in a signed event (202), sends it on with msg.intake, and answers the same key again 200 duplicate", async () => {
    await load(join(dir.path, `w${++dbCount}.db`));
    const body = JSON.stringify({ trackingNumber: "794600000001", status: "DL" });
    const first = await post(body, signed(body, "794600000001:3"));
    assert.equal(first.status, 202);
    assert.equal(first.body.status, "accepted");
    await waitFor("event downstream", () => (recorded.get("out")?.length ?? 0) === 1);
    const msg = recorded.get("out")![0]!;
    assert.deepEqual(msg.payload, { trackingNumber: "794600000001", status: "DL" });
    assert.equal((msg.intake as IntakeRef).source, "hook");
    assert.equal((msg.webhook as { key: string }).key, "794600000001:3");
    const again = await post(body, signed(body, "794600000001:3"));
    assert.equal(again.status, 200);
    assert.equal(again.body.status, "duplicate");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(recorded.get("out")!.length, 1, "a duplicate is not sent on");
  });

  it("refuses forged, stale and unsigned calls with 401, parks each with its reason and never the secret", async () => {
    await load(join(dir.path, `w${++dbCount}.db`));
    const body = JSON.stringify({ id: "e1" });
    const forged = await post(body, { "x-signature": signPayload("not-the-secret", body), "idempotency-key": "e1" });
    const stale = await post(body, signed(body, "e1", Date.now() - 3_600_000));
    const unsigned = await post(body, { "idempotency-key": "e1" });
    assert.deepEqual([forged.status, stale.status, unsigned.status], [401, 401, 401]);
    assert.deepEqual([forged.body.rule, stale.body.rule, unsigned.body.rule], ["signature-mismatch", "signature-stale", "signature-missing"]);
    const store = getNode<StoreNode>("store").store;
    const letters = await store.listDeadLetters();
    assert.equal(letters.length, 3);
    assert.ok(letters.every((l) => l.nodeId === "hook" && /^401 signature-/.test(l.reason)), letters.map((l) => l.reason).join("; "));
    assert.ok(!JSON.stringify(letters).includes(SECRET), "no dead letter holds the secret");
    assert.equal(recorded.get("out")?.length ?? 0, 0, "nothing unauthenticated reaches the flow");
  });

  it("answers 413, 415, 400 and 422 with the rule and the field", async () => {
    await load(join(dir.path, `w${++dbCount}.db`));
    const big = JSON.stringify({ pad: "x".repeat(3000) });
    assert.equal((await post(big, signed(big, "k-big"))).status, 413);
    const text = await fetch(`${nodeUrl}/hooks/carrier`, { method: "POST", headers: { "content-type": "text/plain", ...signed("hello", "k-text") }, body: "hello" });
    assert.equal(text.status, 415);
    const broken = '{"id": ';
    const bad = await post(broken, signed(broken, "k-bad"));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.rule, "json");
    const nokey = JSON.stringify({ id: "e2" });
    const missing = await post(nokey, { "x-signature": signPayload(SECRET, nokey) });
    assert.deepEqual([missing.status, missing.body.rule, missing.body.field], [422, "idempotency-key", "Idempotency-Key"]);
    assert.equal((await getNode<StoreNode>("store").store.listDeadLetters()).length, 4);
  });

  it("answers 503 with Retry-After while the flow is behind, and takes in again once it caught up", async () => {
    await load(join(dir.path, `w${++dbCount}.db`), { maxInFlight: 1 });
    const a = JSON.stringify({ id: "a" });
    const b = JSON.stringify({ id: "b" });
    assert.equal((await post(a, signed(a, "a"))).status, 202);
    const busy = await post(b, signed(b, "b"));
    assert.equal(busy.status, 503);
    assert.equal(busy.headers.get("retry-after"), "5");
    await waitFor("first event", () => (recorded.get("out")?.length ?? 0) === 1);
    await settleIntake([recorded.get("out")![0]!.intake as IntakeRef], "done");
    assert.equal((await post(b, signed(b, "b"))).status, 202);
  });

  it("resumes an event taken in but not settled before a restart, exactly once", async () => {
    const db = join(dir.path, `w${++dbCount}.db`);
    await load(db);
    const body = JSON.stringify({ id: "resume-me" });
    assert.equal((await post(body, signed(body, "resume-me"))).status, 202);
    await waitFor("first run", () => (recorded.get("out")?.length ?? 0) === 1);
    await helper.unload(); // a crash before any node settled it
    await load(db);
    await waitFor("resumed run", () => (recorded.get("out")?.length ?? 0) === 1);
    const resumed = recorded.get("out")![0]!;
    assert.deepEqual(resumed.payload, { id: "resume-me" });
    assert.equal((resumed.intake as IntakeRef).resumed, true);
    await settleIntake([resumed.intake as IntakeRef], "done");
    await helper.unload();
    await load(db);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(recorded.get("out")?.length ?? 0, 0, "a settled event does not come back");
    assert.equal((await post(body, signed(body, "resume-me"))).status, 200, "and is still known as taken in");
  });

  it("accepts an API key instead of a signature", async () => {
    await load(join(dir.path, `w${++dbCount}.db`), { auth: "api-key", authHeader: "x-api-key" }, { secret: "key-123" });
    const body = JSON.stringify({ id: "k" });
    assert.equal((await post(body, { "x-api-key": "key-123", "idempotency-key": "k" })).status, 202);
    assert.equal((await post(body, { "x-api-key": "key-124", "idempotency-key": "k2" })).status, 401);
  });

  it("a secret that is an unset ${VAR} reference is no secret: nothing signed with the literal text is taken in", async () => {
    const literal = "${LSYNC_TEST_UNSET_WEBHOOK_SECRET}";
    delete process.env.LSYNC_TEST_UNSET_WEBHOOK_SECRET;
    await load(join(dir.path, `w${++dbCount}.db`), {}, { secret: literal });
    const body = JSON.stringify({ id: "k" });
    const res = await post(body, { "x-signature": signPayload(literal, body, Date.now()), "idempotency-key": "k" }).catch(() => ({ status: 0 }));
    assert.notEqual(res.status, 202);
    assert.equal((recorded.get("out") ?? []).length, 0);
  });

  it("takes in the carrier simulator's signed pushes end to end", async () => {
    await load(join(dir.path, `w${++dbCount}.db`));
    const carrier = new CarrierSimulator();
    await carrier.listen(0);
    try {
      const control = (path: string, body: unknown) =>
        fetch(`${carrier.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      await control("/_sim/webhooks", { url: `${nodeUrl}/hooks/carrier`, secret: SECRET });
      await control("/_sim/shipments", { trackingNumber: "794600000777" });
      await control("/_sim/shipments/794600000777/scans", { eventType: "PU" });
      await control("/_sim/shipments/794600000777/scans", { eventType: "DL" });
      await waitFor("two pushes", () => (recorded.get("out")?.length ?? 0) === 2);
      const keys = recorded.get("out")!.map((m: Msg) => (m.webhook as { key: string }).key).sort();
      assert.equal(keys.length, 2);
      assert.notEqual(keys[0], keys[1], "each scan is its own event");
    } finally {
      await carrier.close();
    }
  });
});
