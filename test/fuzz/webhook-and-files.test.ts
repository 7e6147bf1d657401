/**
 * Fuzzing of the two ingresses that are not messages into a node: the webhook intake (real HTTP
 * calls) and SFTP file contents (the reader every picked-up file goes through). Hostile calls
 * and files, with valid ones interleaved: no crash, no prototype pollution, every hostile call
 * refused with a 4xx and parked with its reason, every valid one taken in, every file either read
 * or refused with a reason. Fixed seed (FUZZ_SEED), FUZZ_SCALE scales the counts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { signPayload } from "../../nodes/lib/intake/webhook/signature";
import { settleIntake, type IntakeRef } from "../../nodes/lib/intake/settlement";
import { readFileRecords } from "../../nodes/lib/sftp/file-records";
import storeNode, { type StoreNode } from "../../nodes/lsync-store/lsync-store";
import webhookNode from "../../nodes/lsync-webhook-in/lsync-webhook-in";
import { getNode, helper, httpNodeServer, recorded, recorderModule, tempDir } from "../unit/nodes/_helper";
import { assertNoPollution, deeplyNested, garbage, invalidUtf8, protoJson, prototypeSnapshot } from "./hostile";

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const SECRET = "fuzz-webhook-secret";
const dir = tempDir("lsync-fuzz-http-");

const httpNode = httpNodeServer();

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  httpNode.close();
  dir.remove();
});

interface Call {
  body: Buffer | string;
  headers: Record<string, string>;
}

/** Hostile calls: bad or missing signatures, bad bodies under a good signature, wrong types. */
function hostileCall(): fc.Arbitrary<Call> {
  const json = { "content-type": "application/json" };
  const body = fc.oneof(garbage.map(String), protoJson, deeplyNested, invalidUtf8 as fc.Arbitrary<Buffer | string>, fc.constant("[1,2,3]"), fc.constant("null"));
  return fc.oneof(
    // A well-formed event with a forged, stale, malformed or missing signature.
    fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom("forged", "stale", "malformed", "missing")).map(([id, how]): Call => {
      const text = JSON.stringify({ id });
      const sig = how === "forged" ? signPayload("other", text) : how === "stale" ? signPayload(SECRET, text, Date.now() - 3_600_000) : how === "malformed" ? "t=abc,v1=zz" : undefined;
      return { body: text, headers: { ...json, "idempotency-key": `h-${id}`, ...(sig ? { "x-signature": sig } : {}) } };
    }),
    // A correctly signed call whose body is hostile (not JSON, not an object, not UTF-8, no key).
    body.map((b): Call => ({ body: b, headers: { ...json, "x-signature": signPayload(SECRET, Buffer.from(b)) } })),
    // Signed, but the wrong content type.
    fc.string({ maxLength: 50 }).map((b): Call => ({ body: b, headers: { "content-type": "text/plain", "x-signature": signPayload(SECRET, b), "idempotency-key": "ct" } })),
  );
}

describe("fuzz: webhook intake over HTTP", { timeout: 180_000 }, () => {
  it("refuses every hostile call with a 4xx and parks it; takes in every valid one; no pollution", async () => {
    const prototypes = prototypeSnapshot();
    await helper.load(
      [httpNode.module, storeNode, webhookNode, recorderModule],
      [
        { id: "tab", type: "tab", label: "fuzz" },
        { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, "webhook.db"), durability: "process" },
        { id: "entry", type: "lsync-webhook-in", z: "tab", store: "store", path: "/fuzz/hook", auth: "hmac", keyFrom: "body", keyName: "id", maxBytes: 65536, maxInFlight: 100000, wires: [["accepted"]] },
        { id: "accepted", type: "test-recorder", z: "tab" },
      ],
      { entry: { secret: SECRET } },
    );
    const url = await httpNode.url();
    const runs = Math.max(50, Math.round(2000 * SCALE));
    const calls = fc.sample(hostileCall(), { numRuns: runs, seed: SEED });
    // One oversized body too (a 5 MB call must be refused early, not buffered).
    calls.push({ body: "x".repeat(5 * 1024 * 1024), headers: { "content-type": "application/json", "x-signature": "t=1,v1=00" } });
    let valid = 0;
    const statuses = new Map<number, number>();
    for (const [i, call] of calls.entries()) {
      const res = await fetch(`${url}/fuzz/hook`, { method: "POST", headers: call.headers, body: typeof call.body === "string" ? call.body : new Uint8Array(call.body) });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(res.status >= 400 && res.status < 500, `hostile call ${i} answered ${res.status}: ${String(call.body).slice(0, 80)}`);
      if (i % 10 === 0) {
        const text = JSON.stringify({ id: `valid-${valid}`, status: "DL" });
        const ok = await fetch(`${url}/fuzz/hook`, { method: "POST", headers: { "content-type": "application/json", "x-signature": signPayload(SECRET, text) }, body: text });
        assert.equal(ok.status, 202, `valid call ${valid}`);
        valid++;
      }
    }
    const accepted = recorded.get("accepted")!;
    while (accepted.length < valid) await new Promise((r) => setTimeout(r, 10));
    await settleIntake(accepted.map((m) => m.intake as IntakeRef), "done");
    assert.deepEqual(new Set(accepted.map((m) => (m.payload as { id: string }).id)).size, valid, "every valid event taken in once");
    const letters = await getNode<StoreNode>("store").store.listDeadLetters({ limit: 1000 });
    assert.equal(letters.length, Math.min(1000, calls.length), "every refused call is parked");
    assert.ok(letters.every((l) => /^4\d\d [a-z0-9-]+: /.test(l.reason)), "each with its status and rule");
    assert.ok(!JSON.stringify(letters).includes(SECRET));
    assertNoPollution(prototypes);
    console.log(`# fuzz webhook: ${calls.length} hostile calls (${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}), ${valid} valid`);
    await helper.unload();
  });
});

describe("fuzz: SFTP file contents", () => {
  it("reads or refuses with a reason every hostile CSV and X12 file, without a crash or pollution", () => {
    const prototypes = prototypeSnapshot();
    const csv = fc.array(fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"', '""', ",", "\n", "\r\n", "__proto__", "constructor")), { maxLength: 6 }), { maxLength: 12 }).map((rows) => rows.map((r) => r.join(",")).join("\n"));
    const file = fc.oneof(csv, garbage.map(String), protoJson, invalidUtf8.map((b) => b.toString("latin1")), fc.string().map((s) => `ISA*${s}`));
    let read = 0;
    let refused = 0;
    fc.assert(
      fc.property(file, (text) => {
        const reading = readFileRecords("fuzz.csv", Buffer.from(text, "latin1"), { format: "auto", ackControlNumber: 1 });
        if (reading.error === null) read++;
        else {
          refused++;
          assert.ok(reading.error.length > 0 && reading.records.length === 0, "a refused file says why and takes nothing in");
        }
      }),
      { numRuns: Math.max(100, Math.round(2000 * SCALE)), seed: SEED },
    );
    assertNoPollution(prototypes);
    assert.ok(read > 0 && refused > 0, `both outcomes seen (read ${read}, refused ${refused})`);
  });
});
