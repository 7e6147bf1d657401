import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import x12Node from "../../../nodes/lsync-x12/lsync-x12";
import { parseX12, type ParsedDocument } from "../../../nodes/lib/x12";
import { collect, getNode, helper, waitFor } from "../nodes/_helper";
import { x12ParseFlow } from "./_flow";

const FIX = join(__dirname, "..", "..", "fixtures", "x12");
const S214 = readFileSync(join(FIX, "sample-214.edi"));
const BAD = readFileSync(join(FIX, "bad-se-count-214.edi"), "utf8");

const flow = (extra: Record<string, unknown>, outputs: number) => x12ParseFlow(extra, outputs === 2 ? 2 : 1);

before(() => helper.startServer());
after(() => helper.stopServer());
afterEach(() => helper.unload());

describe("lsync-x12", () => {
  it("parse: a Buffer 214 becomes groups/transactions/segments plus an accepting 997", async () => {
    await helper.load([x12Node], flow({}, 1));
    const ok = collect("ok");
    getNode("x12").receive({ payload: S214, x12AckControlNumbers: { interchangeControlNumber: 41, groupControlNumber: 42 } });
    await waitFor("accepted", () => ok.length === 1);
    const doc = ok[0]!.payload as ParsedDocument;
    assert.equal(doc.groups[0]!.transactions[0]!.set, "214");
    assert.equal(doc.groups[0]!.transactions[0]!.segments[0]!.name, "ST");
    assert.match(ok[0]!.ack997 as string, /\*000000041\*0\*P\*>~GS\*FA\*ACMESHIPPER\*ODFL\*\d{8}\*\d{4}\*42\*X\*004010~.*AK5\*A~AK9\*A\*1\*1\*1~/);
    assert.deepEqual(ok[0]!.x12Findings, []);
  });

  it("parse, 1 output: a wrong SE count goes to Catch with the reason and the rejecting 997", async () => {
    await helper.load([x12Node], flow({}, 1));
    const ok = collect("ok");
    const caught = collect("caught");
    getNode("x12").receive({ payload: BAD });
    getNode("x12").receive({ payload: "not edi at all" });
    await waitFor("two caught", () => caught.length === 2);
    assert.equal(ok.length, 0);
    assert.match((caught[0]!.error as { message: string }).message, /X12 interchange 000000123 rejected: SE01 says "24" segments/);
    assert.match(caught[0]!.ack997 as string, /AK3\*SE\*26\*\*8~AK4\*1\*96\*7\*24~AK5\*R\*4~AK9\*R\*1\*1\*0~/);
    assert.match((caught[1]!.error as { message: string }).message, /X12 NOT_X12: not an X12 interchange/);
    assert.equal(caught[1]!.ack997, undefined);
  });

  it("parse, 2 outputs: rejected to the second output; the node's own counter numbers its 997s", async () => {
    await helper.load([x12Node], flow({}, 2));
    const ok = collect("ok");
    const bad = collect("bad");
    const caught = collect("caught");
    getNode("x12").receive({ payload: BAD });
    getNode("x12").receive({ payload: S214.toString("utf8") });
    await waitFor("one each", () => bad.length === 1 && ok.length === 1);
    assert.equal(caught.length, 0);
    assert.equal((bad[0]!.x12Findings as Array<{ code: string }>)[0]!.code, "SE_COUNT_MISMATCH");
    const n1 = (parseX12(bad[0]!.ack997 as string) as { document: ParsedDocument }).document.interchange.controlNumber;
    const n2 = (parseX12(ok[0]!.ack997 as string) as { document: ParsedDocument }).document.interchange.controlNumber;
    assert.equal(Number(n2), Number(n1) + 1);
  });

  it("build: a 990 from an object, parsed back by the same node type; a bad input names the element", async () => {
    await helper.load([x12Node], flow({ mode: "build" }, 2));
    const ok = collect("ok");
    const bad = collect("bad");
    getNode("x12").receive({
      payload: { set: "990", scac: "ODFL", shipmentId: "LD-2025-0042", date: "2025-03-20", action: "A" },
      x12Envelope: { interchangeControlNumber: 7, groupControlNumber: 7, date: "2025-03-20T08:00:00Z" },
    });
    getNode("x12").receive({ payload: { set: "990", scac: "ODFL", shipmentId: "LD*1", action: "A" } });
    await waitFor("one each", () => ok.length === 1 && bad.length === 1);
    const text = ok[0]!.payload as string;
    assert.match(text, /^ISA\*00\* {10}\*00\* {10}\*ZZ\*ACMESHIPPER {4}\*02\*ODFL {11}\*250320\*0800\*U\*00401\*000000007\*0\*P\*>~GS\*GF\*/);
    const back = parseX12(text);
    assert.equal(back.ok, true);
    assert.deepEqual(bad[0]!.x12Errors, ['B102 "LD*1" contains the element separator "*"']);
  });
});
