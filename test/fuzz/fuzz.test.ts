/**
 * Property-based fuzzing of every ingress in a running flow (node-red-node-test-helper): hostile
 * messages, with valid traffic interleaved, go into the ingress; a catch node parks failures in the
 * dead-letter store. Afterwards: no crash, no prototype pollution, every message accounted for
 * exactly once (accepted, or parked with its reason), every valid one accepted.
 *
 * Inputs come from fast-check with a fixed seed (FUZZ_SEED to vary it; the seed is printed), so a
 * failure reproduces. FUZZ_SCALE scales the run counts (default 1: ≥ 10,000 hostile inputs).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import deadLetterNode from "../../nodes/lsync-dead-letter/lsync-dead-letter";
import storeNode, { type StoreNode } from "../../nodes/lsync-store/lsync-store";
import { getNode, helper, recorded, recorderModule, sleep, tempDir, type FlowNodeDef } from "../unit/nodes/_helper";
import { assertNoPollution, prototypeSnapshot } from "./hostile";
import { INGRESSES } from "./ingresses";
import type { FlowIngress, IngressMessage } from "./ingress";

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
/** One valid message after every VALID_EVERY hostile ones. */
const VALID_EVERY = 10;
/** Messages in flight at once: enough to interleave, few enough to keep memory flat. */
const WINDOW = 200;

const dir = tempDir("lsync-fuzz-");
let totalHostile = 0;

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
  console.log(`# fuzz: ${totalHostile} hostile inputs across ${INGRESSES.length} ingresses (seed ${SEED})`);
});

/** A short, printable description of an input for failure messages. */
function describeInput(m: IngressMessage): string {
  const p = m.payload;
  const text = Buffer.isBuffer(p) ? `<Buffer ${p.toString("hex").slice(0, 80)}>` : typeof p === "string" ? JSON.stringify(p.slice(0, 120)) : JSON.stringify(p)?.slice(0, 120);
  return `${text}${typeof p === "string" && p.length > 120 ? ` …(${p.length} chars)` : ""} topic=${m.topic}`;
}

async function fuzz(ingress: FlowIngress, seed: number): Promise<void> {
  const prototypes = prototypeSnapshot();
  const flow: FlowNodeDef[] = [
    { id: "tab", type: "tab", label: ingress.name },
    { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `${ingress.name.replace(/\W+/g, "-")}.db`), durability: "process" },
    ...ingress.nodes("accepted", "store"),
    { id: "accepted", type: "test-recorder", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["dl"]] },
    { id: "dl", type: "lsync-dead-letter", z: "tab", store: "store", wires: [["parked"]] },
    { id: "parked", type: "test-recorder", z: "tab" },
  ];
  await helper.load([storeNode, deadLetterNode, recorderModule, ...ingress.modules], flow);
  try {
    const store = getNode<StoreNode>("store").store;
    const entry = getNode("entry");
    const accepted = recorded.get("accepted")!;
    const parked = recorded.get("parked")!;

    const runs = Math.max(1, Math.round(ingress.runs * SCALE));
    const hostile = [...fc.sample(ingress.hostile, { seed, numRuns: runs }), ...(ingress.extras ?? [])];
    const sent = new Map<string, { input: IngressMessage; valid: boolean }>();
    const settled = () => accepted.length + parked.length;
    let v = 0;
    for (let i = 0; i < hostile.length; i++) {
      const batch: Array<[string, IngressMessage, boolean]> = [[`h-${i}`, hostile[i]!, false]];
      if (i % VALID_EVERY === 0) batch.push([`v-${v}`, ingress.valid(v++), true]);
      for (const [id, input, valid] of batch) {
        sent.set(id, { input, valid });
        entry.receive({ _msgid: id, payload: input.payload, ...(input.topic !== undefined ? { topic: input.topic } : {}), ...input.extra });
      }
      // Keep at most WINDOW messages unsettled.
      const until = Date.now() + 60_000;
      while (sent.size - settled() > WINDOW) {
        if (Date.now() > until) throw new Error(`${ingress.name}: ${sent.size - settled()} messages unsettled for 60 s`);
        await sleep(2);
      }
    }
    const until = Date.now() + 60_000;
    while (settled() < sent.size && Date.now() < until) await sleep(10);
    assertNoPollution(prototypes);

    // Every message exactly once: accepted, or parked (with a reason, in the store).
    const outcome = new Map<string, string>();
    for (const m of accepted) {
      const id = String(m._msgid);
      assert.ok(!outcome.has(id), `${id} came out twice (${outcome.get(id)} and accepted)`);
      outcome.set(id, "accepted");
    }
    const letters = await store.listDeadLetters({ limit: 1000 });
    let beforeId = letters.at(-1)?.id;
    while (beforeId !== undefined) {
      const more = await store.listDeadLetters({ limit: 1000, beforeId });
      letters.push(...more);
      beforeId = more.length ? more.at(-1)!.id : undefined;
    }
    assert.equal(letters.length, parked.length, "every parked message is in the dead-letter store");
    for (const letter of letters) {
      const id = letter.origin?.msgId ?? "";
      assert.ok(sent.has(id), `a dead letter for a message never sent: ${id}`);
      assert.ok(!outcome.has(id), `${id} ${outcome.get(id)} and parked`);
      assert.ok(letter.reason.trim().length > 0, `${id} parked without a reason: ${describeInput(sent.get(id)!.input)}`);
      assert.equal(letter.nodeType.startsWith("lsync-"), true, `${id} failed in ${letter.nodeType}: ${letter.reason}`);
      outcome.set(id, "parked");
    }
    for (const [id, { input, valid }] of sent) {
      assert.ok(outcome.has(id), `${ingress.name}: ${id} was lost (neither accepted nor parked): ${describeInput(input)}`);
      if (valid) assert.equal(outcome.get(id), "accepted", `valid ${id} was not accepted: ${letters.find((l) => l.origin?.msgId === id)?.reason}`);
    }
    totalHostile += hostile.length;
    const parkedHostile = [...outcome].filter(([id, o]) => id.startsWith("h-") && o === "parked").length;
    console.log(`# ${ingress.name}: ${hostile.length} hostile (${parkedHostile} parked, ${hostile.length - parkedHostile} accepted), ${v} valid, seed ${seed}`);
  } finally {
    await helper.unload();
  }
}

describe("fuzzing the ingresses in a running flow", () => {
  INGRESSES.forEach((ingress, i) => {
    // A limit against a hang, not a speed target (about 30 s each on an idle 2-core machine).
    it(`${ingress.name}: no crash, no pollution, every hostile input parked with its reason, valid traffic all arrives`, { timeout: 240_000 }, () => fuzz(ingress, SEED + i));
  });

  it("the suite sends at least 10,000 hostile inputs (at FUZZ_SCALE=1)", () => {
    if (SCALE >= 1) assert.ok(totalHostile >= 10_000, `only ${totalHostile}`);
  });
});
