import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { answerInterchange, buildTa1, decideTa1, interchangeKey, parseX12, type AnswerOptions, type ParseResult } from "../../../nodes/lib/x12";

const FIX = join(__dirname, "..", "..", "fixtures", "x12");
const read = (f: string) => readFileSync(join(FIX, f), "utf8");
const S214 = read("sample-214.edi");
const S210 = read("sample-210.edi");
const WRAPPED210 = read("sample-210-80col.edi");
/** The sender asks for a TA1 (ISA14 = 1). */
const requested = (text: string) => text.replace("*000000123*0*P*", "*000000123*1*P*").replace("*000000124*0*P*", "*000000124*1*P*");
const DATE = "2025-03-22T10:00:00Z";

const options = (extra: Partial<AnswerOptions> = {}): AnswerOptions => ({
  ack997: () => ({ interchangeControlNumber: 900, groupControlNumber: 77 }),
  ta1ControlNumber: () => 555,
  date: DATE,
  ...extra,
});

function ok(r: ParseResult): Extract<ParseResult, { fatal: null }> {
  assert.equal(r.fatal, null, r.fatal ? r.fatal.message : "");
  return r as Extract<ParseResult, { fatal: null }>;
}

/** Reads a TA1 interchange back with our own parser. */
function ta1Of(text: string | null) {
  assert.ok(text, "a TA1 was built");
  const r = ok(parseX12(text));
  assert.equal(r.ok, true, r.findings.map((f) => f.message).join("; "));
  assert.equal(r.document.groups.length, 0);
  assert.equal(r.document.ta1.length, 1);
  return { header: r.document.interchange, ta1: r.document.ta1[0]!, delimiters: r.delimiters };
}

describe("x12 TA1: when one is due and what it says", () => {
  it("ISA14 = 1, clean envelope: TA1 A 000 next to the 997, addressed back to the sender", () => {
    const answer = answerInterchange(parseX12(requested(S214)), options());
    assert.deepEqual(answer.errors, []);
    assert.equal(
      answer.ta1Text,
      "ISA*00*          *00*          *ZZ*ACMESHIPPER    *02*ODFL           *250322*1000*U*00401*000000555*0*P*>~" +
        "TA1*000000123*250321*1430*A*000~IEA*0*000000555~",
    );
    assert.equal(answer.ta1Text!.indexOf("TA1"), 106, "the ISA is fixed-width");
    assert.match(answer.ack997 ?? "", /AK1\*QM\*123~AK2\*214\*0001~AK5\*A~AK9\*A\*1\*1\*1~/);
  });

  it("ISA14 = 0, clean envelope: no TA1, the 997 only", () => {
    const answer = answerInterchange(parseX12(S214), options());
    assert.equal(answer.ta1, null);
    assert.equal(answer.ta1Text, null);
    assert.ok(answer.ack997);
  });

  it("transaction faults are the 997's business: a wrong SE count with ISA14 = 1 gets TA1 A and a rejecting 997", () => {
    const answer = answerInterchange(parseX12(requested(read("bad-se-count-214.edi"))), options());
    assert.equal(ta1Of(answer.ta1Text).ta1.acknowledgment, "A");
    assert.match(answer.ack997 ?? "", /AK5\*R\*4~/);
  });

  it("IEA02 ≠ ISA13: TA1 R 001 even unrequested, and no 997 (the envelope cannot be trusted)", () => {
    const r = parseX12(S214.replace("IEA*1*000000123~", "IEA*1*000000321~"));
    const answer = answerInterchange(r, options());
    assert.deepEqual(answer.ta1 && [answer.ta1.acknowledgment, answer.ta1.note, answer.ta1.rejected], ["R", "001", true]);
    assert.match(answer.ta1!.reason, /IEA02 "000000321" does not match ISA13 "000000123"/);
    assert.deepEqual(ta1Of(answer.ta1Text).ta1, { controlNumber: "000000123", date: "250321", time: "1430", acknowledgment: "R", note: "001" });
    assert.equal(answer.ack997, null);
    // Policy "requested": the sender did not ask, so no TA1 — and still no 997 for a broken envelope.
    const quiet = answerInterchange(r, options({ policy: "requested" }));
    assert.deepEqual([quiet.ta1, quiet.ta1Text, quiet.ack997], [null, null, null]);
    const never = answerInterchange(parseX12(requested(S214)), options({ policy: "never" }));
    assert.equal(never.ta1Text, null);
    assert.ok(never.ack997);
  });

  it("a duplicate interchange: TA1 R 025 naming the received ISA13, no 997", () => {
    const answer = answerInterchange(parseX12(S210), options({ duplicate: true }));
    assert.deepEqual(ta1Of(answer.ta1Text).ta1, { controlNumber: "000000124", date: "250322", time: "0900", acknowledgment: "R", note: "025" });
    assert.match(answer.ta1!.reason, /ISA13 000000124 was received from 02:ODFL before/);
    assert.equal(answer.ack997, null);
  });

  it("ISA value faults get their own note codes: 014 date, 015 time, 019 ISA14, 020 ISA15", () => {
    const cases: Array<[string, string, string]> = [
      ["*250321*1430*", "*251321*1430*", "014"],
      ["*250321*1430*", "*250321*2460*", "015"],
      ["*000000123*0*P*", "*000000123*2*P*", "019"],
      ["*000000123*0*P*", "*000000123*0*X*", "020"],
    ];
    for (const [from, to, note] of cases) {
      const answer = answerInterchange(parseX12(S214.replace(from, to)), options());
      assert.equal(answer.ta1?.note, note, to);
      const back = ta1Of(answer.ta1Text).ta1;
      assert.equal(back.acknowledgment, "R");
      // An unreadable ISA09/ISA10 cannot be echoed: TA102/TA103 carry our processing time instead.
      if (note === "014") assert.equal(back.date, "250322");
      if (note === "015") assert.equal(back.time, "1000");
      assert.equal(answer.ack997, null);
    }
  });

  it("an ISA13 that is not a number cannot be named in TA101: the finding stays, the TA1 is refused with the reason", () => {
    const r = parseX12(S214.replace("*00000012" + "3*0*P*", "*00000012X*0*P*").replace("IEA*1*000000123~", "IEA*1*00000012X~"));
    const answer = answerInterchange(r, options());
    assert.equal(answer.ta1?.note, "018");
    assert.equal(answer.ta1Text, null);
    assert.match(answer.errors.join("\n"), /no TA1: TA101: the received ISA13 "00000012X" is not a control number/);
  });

  it("a received TA1 interchange is read (not a fault) and never acknowledged, even with ISA14 = 1", () => {
    const answer = answerInterchange(parseX12(requested(S214)), options());
    const incoming = answer.ta1Text!.replace("*000000555*0*P*", "*000000555*1*P*");
    const r = ok(parseX12(incoming));
    assert.equal(r.ok, true);
    assert.deepEqual(r.document.ta1[0], { controlNumber: "000000123", date: "250321", time: "1430", acknowledgment: "A", note: "000" });
    const again = answerInterchange(r, options());
    assert.deepEqual([again.ta1, again.ack997, again.errors], [null, null, []]);
  });

  it("a TA1 after the first GS is still content outside any group (024)", () => {
    const r = ok(parseX12(S214.replace("ST*214*0001~", "TA1*000000001*250321*1430*A*000~\nST*214*0001~")));
    assert.ok(r.findings.some((f) => f.code === "SEGMENT_OUTSIDE_TRANSACTION"));
  });
});

describe("x12 TA1 on real-world quirks (domain §1.9): answered in the sender's delimiters", () => {
  it("BOM + CRLF (OopFactory/EdiFabric style), Buffer input", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(requested(S214).replace(/~\n/g, "~\r\n"))]);
    const r = ok(parseX12(bytes));
    assert.ok(r.notes.includes("bom"));
    const t = ta1Of(answerInterchange(r, options()).ta1Text);
    assert.deepEqual([t.header.senderId, t.header.receiverId, t.ta1.controlNumber, t.ta1.acknowledgment], ["ACMESHIPPER", "ODFL", "000000123", "A"]);
  });

  it("hard-wrapped at 80 columns, with a wrong IEA01: TA1 R 021", () => {
    const text = WRAPPED210.replace(/IEA\*1\*/, "IEA*3*").replace("*000000124*0*P*", "*000000124*1*P*");
    assert.match(text, /\n/);
    const r = ok(parseX12(text));
    assert.ok(r.notes.includes("unwrapped"));
    const answer = answerInterchange(r, options());
    assert.deepEqual(ta1Of(answer.ta1Text).ta1, { controlNumber: "000000124", date: "250322", time: "0900", acknowledgment: "R", note: "021" });
    assert.equal(answer.ack997, null);
  });

  it("'|' terminator with a '^' repetition separator on 00501: the TA1 uses both", () => {
    const text = requested(S214).replace(/~/g, "|").replace("*U*00401*", "*^*00501*");
    const answer = answerInterchange(parseX12(text), options());
    assert.equal(
      answer.ta1Text,
      "ISA*00*          *00*          *ZZ*ACMESHIPPER    *02*ODFL           *250322*1000*^*00501*000000555*0*P*>|" +
        "TA1*000000123*250321*1430*A*000|IEA*0*000000555|",
    );
    assert.deepEqual(ta1Of(answer.ta1Text).delimiters, { element: "*", component: ">", repetition: "^", segment: "|" });
  });

  it("swapped roles (element '~', terminator '*')", () => {
    const text = requested(S214).replace(/[*~]/g, (c) => (c === "*" ? "~" : "*"));
    const t = ta1Of(answerInterchange(parseX12(text), options()).ta1Text);
    assert.deepEqual(t.delimiters, { element: "~", component: ">", repetition: null, segment: "*" });
    assert.equal(t.ta1.controlNumber, "000000123");
  });

  it("newline as terminator (Canada Post style) is answered with '~'; '…' (U+2026) is kept", () => {
    const nl = ta1Of(answerInterchange(parseX12(requested(S214).replace(/~\n/g, "\n")), options()).ta1Text);
    assert.equal(nl.delimiters.segment, "~");
    const ellipsis = answerInterchange(parseX12(requested(S214).replace(/~/g, "\u2026")), options());
    assert.match(ellipsis.ta1Text ?? "", /TA1\*000000123\*250321\*1430\*A\*000\u2026IEA\*0\*000000555\u2026$/);
    assert.equal(ta1Of(ellipsis.ta1Text).delimiters.segment, "\u2026");
  });
});

describe("x12 TA1 building and keys", () => {
  it("buildTa1 refuses what it cannot write, naming the field; never throws", () => {
    const r = ok(parseX12(S214));
    const bad = buildTa1(r.interchange.header, { acknowledgment: "X" as "A", note: "25", reason: "", rejected: false }, { interchangeControlNumber: 0 });
    assert.equal(bad.ok, false);
    const errors = bad.ok ? [] : bad.errors;
    assert.ok(errors.some((e) => /interchangeControlNumber 0 must be a number from 1 to 999999999/.test(e)), errors.join("\n"));
    assert.ok(errors.some((e) => /TA104 "X" must be A, E or R/.test(e)));
    assert.ok(errors.some((e) => /TA105 "25" must be a 3-digit note code/.test(e)));
    const noSender = buildTa1({ ...r.interchange.header, senderId: "" }, decideTa1(r.interchange, { duplicate: true })!, { interchangeControlNumber: 1 });
    assert.match(noSender.ok ? "" : noSender.errors.join(), /received ISA05\/ISA06 \(the sender\)\.id "" must be 1-15 characters/);
  });

  it("the duplicate key is sender qualifier, sender ID and ISA13", () => {
    assert.equal(interchangeKey(ok(parseX12(S214)).interchange.header), "02:ODFL|000000123");
    assert.equal(interchangeKey(ok(parseX12(S210)).interchange.header), "02:ODFL|000000124");
  });

  it("800 mutated interchanges: answering never throws, and every TA1 built reads back naming the received ISA13", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const base = requested(S214);
    let built = 0;
    for (let n = 0; n < 800; n++) {
      const chars = [...base];
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
        const at = Math.floor(rnd() * chars.length);
        chars[at] = "0123456789*~>^|:\nTAIES X"[Math.floor(rnd() * 25)]!;
      }
      const r = parseX12(chars.join(""));
      const answer = answerInterchange(r, options({ duplicate: rnd() < 0.2 }));
      if (!answer.ta1Text || r.fatal) continue;
      built++;
      const back = parseX12(answer.ta1Text);
      assert.equal(back.ok, true, `${chars.join("")}\n→ ${answer.ta1Text}`);
      if (back.fatal) continue;
      assert.equal(Number(back.document.ta1[0]!.controlNumber), Number(r.interchange.header.controlNumber));
      assert.equal(answer.ack997 === null, answer.ta1!.rejected || r.interchange.groups.length === 0 || answer.errors.length > 0);
    }
    assert.ok(built > 300, `only ${built} TA1s built`);
  });
});
