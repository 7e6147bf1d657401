import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import storeNode from "../../../nodes/lsync-store/lsync-store";
import x12Node, { dedupeWindowMs } from "../../../nodes/lsync-x12/lsync-x12";
import { parseX12, type ParsedDocument } from "../../../nodes/lib/x12";
import { collect, getNode, helper, sleep, tempDir, waitFor, type FlowNodeDef, type Msg } from "../nodes/_helper";
import { x12ParseFlow } from "./_flow";

const FIX = join(__dirname, "..", "..", "fixtures", "x12");
const S214 = readFileSync(join(FIX, "sample-214.edi"), "utf8");
const S210 = readFileSync(join(FIX, "sample-210.edi"), "utf8");
/** The 214 as a partner might send it: BOM, CRLF, TA1 requested (ISA14 = 1). */
const S214_BOM_TA1 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(S214.replace("*0*P*>~", "*1*P*>~").replace(/~\n/g, "~\r\n"))]);
const BROKEN_IEA = S214.replace("IEA*1*000000123~", "IEA*1*000000321~");

const dir = tempDir("lsync-x12-dedupe-");
let dbN = 0;
const newDb = () => join(dir.path, `x12-${++dbN}.db`);

function flow(extra: Record<string, unknown>, opts: { outputs?: 1 | 2; db?: string | null } = {}): FlowNodeDef[] {
  const nodes = x12ParseFlow(extra, opts.outputs ?? 1);
  if (opts.db) nodes.push({ id: "store", type: "lsync-store", kind: "sqlite", path: opts.db, durability: "process" });
  return nodes;
}
const dedupe = (extra: Record<string, unknown> = {}) => ({ dedupe: true, store: "store", ...extra });
const errorOf = (m: Msg) => (m.error as { message: string }).message;

/** Records the node's status texts (the throttled setter calls node.status when it flushes). */
function statuses(id: string): string[] {
  const texts: string[] = [];
  const node = getNode(id) as unknown as { status: (s: { text?: string }) => void };
  const original = node.status.bind(node);
  node.status = (s) => {
    texts.push(s.text ?? "");
    original(s);
  };
  return texts;
}

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
});
afterEach(() => helper.unload());

describe("lsync-x12 parse: TA1", () => {
  it("ISA14 = 1 (BOM, CRLF): msg.ta1 accepts the interchange next to msg.ack997 on the first output", async () => {
    await helper.load([x12Node], flow({}));
    const ok = collect("ok");
    getNode("x12").receive({ payload: S214_BOM_TA1, x12AckControlNumbers: { interchangeControlNumber: 41, groupControlNumber: 42, ta1ControlNumber: 40 } });
    await waitFor("accepted", () => ok.length === 1);
    const m = ok[0]!;
    assert.match(m.ta1 as string, /^ISA\*00\* {10}\*00\* {10}\*ZZ\*ACMESHIPPER {4}\*02\*ODFL {11}\*\d{6}\*\d{4}\*U\*00401\*000000040\*0\*P\*>~TA1\*000000123\*250321\*1430\*A\*000~IEA\*0\*000000040~$/);
    assert.deepEqual(m.x12Ta1, { acknowledgment: "A", note: "000", reason: "interchange envelope accepted", sent: true });
    assert.match(m.ack997 as string, /\*000000041\*0\*P\*>~GS\*FA\*.*AK5\*A~/);
    assert.deepEqual(m.x12Notes, ["bom"]);
  });

  it("IEA02 ≠ ISA13: to Catch with TA1 R 001 and no 997; ISA14 = 0 with policy 'requested' sends no TA1", async () => {
    await helper.load([x12Node], flow({}));
    const caught = collect("caught");
    getNode("x12").receive({ payload: BROKEN_IEA, x12AckControlNumbers: { interchangeControlNumber: 77 } });
    await waitFor("caught", () => caught.length === 1);
    const m = caught[0]!;
    assert.match(errorOf(m), /^InputError: X12 interchange 000000123 rejected \(TA1 R 001\): IEA02 "000000321" does not match ISA13 "000000123"/);
    assert.equal(m.ack997, undefined);
    // With no 997 going out, the TA1 takes the control number meant for the acknowledgment.
    assert.match(m.ta1 as string, /\*000000077\*0\*P\*>~TA1\*000000123\*250321\*1430\*R\*001~IEA\*0\*000000077~$/);

    await helper.unload();
    await helper.load([x12Node], flow({ ta1: "requested" }));
    const caught2 = collect("caught");
    getNode("x12").receive({ payload: BROKEN_IEA });
    await waitFor("caught", () => caught2.length === 1);
    assert.deepEqual([caught2[0]!.ta1, caught2[0]!.ack997], [undefined, undefined]);
    assert.match(errorOf(caught2[0]!), /^InputError: X12 interchange 000000123 rejected: IEA02/);
  });
});

describe("lsync-x12 parse: interchange dedupe in the store", () => {
  it("the same interchange twice, then after a restart on the same store file: processed once, duplicates answered TA1 R 025", async () => {
    const db = newDb();
    await helper.load([storeNode, x12Node], flow(dedupe(), { db }));
    let ok = collect("ok");
    let caught = collect("caught");
    const status = statuses("x12");
    getNode("x12").receive({ _msgid: "m1", payload: S214 });
    await waitFor("first accepted", () => ok.length === 1);
    assert.ok(ok[0]!.ack997);
    getNode("x12").receive({ _msgid: "m2", payload: S214_BOM_TA1 });
    await waitFor("duplicate caught", () => caught.length === 1);
    const dup = caught[0]!;
    assert.match(errorOf(dup), /^InputError: X12 interchange 000000123 from 02:ODFL is a duplicate: that sender's control number was first received \d{4}-\d\d-\d\dT[\d:.]+Z; not processed again \(answered with TA1 R 025\)$/);
    assert.match(dup.ta1 as string, /~TA1\*000000123\*250321\*1430\*R\*025~IEA\*0\*\d{9}~$/);
    assert.equal(dup.ack997, undefined, "a duplicate gets no second 997");
    assert.deepEqual((dup.x12Duplicate as { key: string; sender: string; controlNumber: string }).key, "02:ODFL|000000123");
    assert.equal(ok.length, 1);
    await waitFor("status", () => status.some((t) => t.startsWith("duplicate 000000123 from 02:ODFL")));
    assert.match(status.at(-1)!, /1 accepted · 0 rejected · 1 duplicate$/);

    // Restart: a new runtime on the same store file still knows the interchange.
    await helper.unload();
    await helper.load([storeNode, x12Node], flow(dedupe(), { db, outputs: 2 }));
    ok = collect("ok");
    const bad = collect("bad");
    caught = collect("caught");
    getNode("x12").receive({ _msgid: "m3", payload: S214 });
    getNode("x12").receive({ _msgid: "m4", payload: S210 });
    await waitFor("one each", () => bad.length === 1 && ok.length === 1);
    assert.equal(caught.length, 0);
    assert.match(errorOf(bad[0]!), /^X12 interchange 000000123 from 02:ODFL is a duplicate/);
    assert.equal((ok[0]!.payload as ParsedDocument).interchange.controlNumber, "000000124");
    // The same control number from another sender is another interchange.
    getNode("x12").receive({ _msgid: "m5", payload: S214.replace(/\*02\*ODFL {11}\*/, "*02*SAIA           *") });
    await waitFor("other sender accepted", () => ok.length === 2);
  });

  it("a resumed intake item (same ref) passes again; another item with the same interchange does not", async () => {
    await helper.load([storeNode, x12Node], flow(dedupe(), { db: newDb() }));
    const ok = collect("ok");
    const caught = collect("caught");
    getNode("x12").receive({ _msgid: "a", payload: S214, intake: { source: "sftp-in-1", id: 7 } });
    await waitFor("first", () => ok.length === 1);
    getNode("x12").receive({ _msgid: "b", payload: S214, intake: { source: "sftp-in-1", id: 7, resumed: true } });
    await waitFor("resumed passes", () => ok.length === 2);
    assert.ok(ok[1]!.ack997, "the resumed item is acknowledged again (same interchange, nothing lost)");
    getNode("x12").receive({ _msgid: "c", payload: S214, intake: { source: "sftp-in-1", id: 8 } });
    await waitFor("other item caught", () => caught.length === 1);
    assert.match(errorOf(caught[0]!), /is a duplicate/);
  });

  it("a refused interchange (envelope or set fault) is not remembered: its repaired resend is processed", async () => {
    await helper.load([storeNode, x12Node], flow(dedupe(), { db: newDb() }));
    const ok = collect("ok");
    const caught = collect("caught");
    getNode("x12").receive({ _msgid: "x1", payload: BROKEN_IEA });
    getNode("x12").receive({ _msgid: "x2", payload: BROKEN_IEA });
    await waitFor("two caught", () => caught.length === 2);
    assert.deepEqual(caught.map((m) => (m.x12Ta1 as { note: string }).note), ["001", "001"]);
    getNode("x12").receive({ _msgid: "x3", payload: readFileSync(join(FIX, "bad-se-count-214.edi")) });
    await waitFor("set fault caught", () => caught.length === 3);
    assert.match(errorOf(caught[2]!), /SE01 says "24" segments/);
    assert.match(caught[2]!.ack997 as string, /AK5\*R\*4~/);
    getNode("x12").receive({ _msgid: "x4", payload: S214 });
    await waitFor("repaired accepted", () => ok.length === 1);
    assert.equal(caught.length, 3);
  });

  it("the window is configurable: after it, the control number may come again", async () => {
    // 0.00002 days = 1.728 s
    await helper.load([storeNode, x12Node], flow(dedupe({ dedupeDays: "0.00002" }), { db: newDb() }));
    const ok = collect("ok");
    const caught = collect("caught");
    getNode("x12").receive({ _msgid: "w1", payload: S214 });
    await waitFor("first", () => ok.length === 1);
    getNode("x12").receive({ _msgid: "w2", payload: S214 });
    await waitFor("duplicate inside the window", () => caught.length === 1);
    await sleep(1_900);
    getNode("x12").receive({ _msgid: "w3", payload: S214 });
    await waitFor("accepted after the window", () => ok.length === 2);
  });

  it("dedupe without a store, or with a bad window, fails every message with the reason", async () => {
    await helper.load([x12Node], flow({ dedupe: true }));
    const caught = collect("caught");
    getNode("x12").receive({ payload: S214 });
    await waitFor("caught", () => caught.length === 1);
    assert.match(errorOf(caught[0]!), /lsync-x12: interchange dedupe needs a store configuration/);
    assert.equal(dedupeWindowMs("0"), 'dedupe window "0" must be a positive number of days, at most 36500');
    assert.equal(dedupeWindowMs(""), 365 * 86_400_000);
    assert.equal(dedupeWindowMs("${X12_DEDUPE_DAYS}"), 365 * 86_400_000, "an unset env reference takes the default");
    assert.equal(dedupeWindowMs(30), 30 * 86_400_000);
  });

  it("the TA1 a duplicate gets reads back with our own parser", async () => {
    await helper.load([storeNode, x12Node], flow(dedupe(), { db: newDb() }));
    const ok = collect("ok");
    const caught = collect("caught");
    const wrapped = readFileSync(join(FIX, "sample-210-80col.edi"));
    getNode("x12").receive({ _msgid: "p1", payload: wrapped });
    await waitFor("first", () => ok.length === 1);
    getNode("x12").receive({ _msgid: "p2", payload: wrapped });
    await waitFor("dup", () => caught.length === 1);
    const back = parseX12(caught[0]!.ta1 as string);
    assert.equal(back.ok, true);
    assert.deepEqual(back.fatal ? null : back.document.ta1, [{ controlNumber: "000000124", date: "250322", time: "0900", acknowledgment: "R", note: "025" }]);
  });
});
