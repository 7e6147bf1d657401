import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { acknowledge, parseX12, preclean, type ParseResult } from "../../../nodes/lib/x12";

const FIX = join(__dirname, "..", "..", "fixtures", "x12");
const read = (f: string) => readFileSync(join(FIX, f), "utf8");
const S214 = read("sample-214.edi");
const S210 = read("sample-210.edi");
const ACK = { interchangeControlNumber: 900, groupControlNumber: 77, date: "2025-03-22T10:00:00Z" };

function parsed(r: ParseResult) {
  assert.equal(r.fatal, null, r.fatal ? r.fatal.message : "");
  if (r.fatal) throw new Error("unreachable");
  return r;
}
const ackLines = (r: ParseResult) => {
  const a = acknowledge(r, ACK);
  assert.ok(a.ok, a.ok ? "" : a.errors.join("; "));
  return a.text.split("~").filter(Boolean);
};
const names = (r: ParseResult) => parsed(r).segments.map((s) => s.name).join(",");

describe("x12 parse: the domain §1.8 samples", () => {
  it("214: one group QM, one transaction, 26 segments, flat shape like the profiles expect", () => {
    const r = parsed(parseX12(S214));
    assert.equal(r.ok, true);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.delimiters, { element: "*", component: ">", repetition: null, segment: "~" });
    const d = r.document;
    assert.equal(d.interchange.senderId, "ODFL");
    assert.equal(d.interchange.controlNumber, "000000123");
    assert.equal(d.groups.length, 1);
    assert.equal(d.groups[0]!.functionalId, "QM");
    const tx = d.groups[0]!.transactions[0]!;
    assert.deepEqual([tx.set, tx.controlNumber, tx.status, tx.segments.length], ["214", "0001", "A", 26]);
    assert.deepEqual(tx.segments[4], { name: "N1", "1": "SH", "2": "ACME MANUFACTURING", "3": "93", "4": "DC01" });
    assert.deepEqual(tx.segments.find((s) => s.name === "AT7"), { name: "AT7", "1": "AF", "2": "NS", "3": "", "4": "", "5": "20250319", "6": "1015", "7": "CT" });
    assert.equal(d.segments.length, 30, "ISA, GS, 26, GE, IEA");
    assert.equal(d.segments[0]!["6"], "ODFL           ", "values untrimmed, as a flat X12 parser gives them");
  });

  it("210: accepted, 997 accepted with sender/receiver swapped", () => {
    const r = parsed(parseX12(S210));
    assert.equal(r.ok, true);
    const lines = ackLines(r);
    assert.match(lines[0]!, /^ISA\*00\* {10}\*00\* {10}\*ZZ\*ACMESHIPPER {4}\*02\*ODFL {11}\*250322\*1000\*U\*00401\*000000900\*0\*P\*>$/);
    assert.deepEqual(lines.slice(1), ["GS*FA*ACMESHIPPER*ODFL*20250322*1000*77*X*004010", "ST*997*0001", "AK1*IM*124", "AK2*210*0001", "AK5*A", "AK9*A*1*1*1", "SE*6*0001", "GE*1*77", "IEA*1*000000900"]);
  });
});

describe("x12 preclean: quirks of domain §1.9", () => {
  it("UTF-8 BOM (string and bytes) is stripped and recorded", () => {
    const s = parsed(parseX12("\uFEFF" + S214));
    assert.equal(s.ok, true);
    assert.deepEqual(s.notes, ["bom"]);
    const b = parsed(parseX12(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(S214)])));
    assert.equal(b.ok, true);
    assert.equal(names(b), names(parseX12(S214)));
  });

  it("80-column hard-wrapped input (CRLF, the ISA itself broken) is unwrapped", () => {
    const r = parsed(parseX12(read("sample-210-80col.edi")));
    assert.equal(r.ok, true, JSON.stringify(r.findings));
    assert.ok(r.notes.includes("unwrapped"));
    assert.equal(r.delimiters.segment, "~");
    assert.deepEqual(r.document.segments, parsed(parseX12(S210)).document.segments);
  });

  it("a wrap falling right before the ISA terminator still finds it", () => {
    const isa = S214.slice(0, 105);
    const r = parsed(parseX12(isa + "\n" + S214.slice(105)));
    assert.equal(r.delimiters.segment, "~");
    assert.equal(r.ok, true);
  });

  it("'~\\n', '~\\r\\n', bare '\\n' and '\\r\\n' terminators, indentation between segments", () => {
    const flat = parsed(parseX12(S214)).document.segments;
    const noNl = S214.replace(/\n/g, "");
    const newlineOnly = S214.replace(/~\n/g, "\n");
    for (const [label, text] of [
      ["~ only", noNl],
      ["~CRLF", S214.replace(/\n/g, "\r\n")],
      ["\\n", newlineOnly],
      ["CRLF", newlineOnly.replace(/\n/g, "\r\n")],
      ["indented", S214.replace(/~\n/g, "~\n    ")],
    ] as const) {
      const r = parsed(parseX12(text));
      assert.equal(r.ok, true, `${label}: ${JSON.stringify(r.findings)}`);
      assert.deepEqual(r.document.segments, flat, label);
    }
    assert.equal(parsed(parseX12(newlineOnly)).delimiters.segment, "\n");
  });

  it("odd and multi-byte terminators: '|', U+2026 '…' (3 bytes in UTF-8), an astral character; swapped '~'/'*'", () => {
    const flat = parsed(parseX12(S214)).document.segments;
    const swap = (t: string, el: string, term: string) => t.replace(/~\n/g, "\u0000").replace(/\*/g, el).replace(/\u0000/g, term);
    for (const [el, term] of [["*", "|"], ["*", "\u2026"], ["*", "\u{1F4E6}"], ["~", "*"], ["^", "\u2026\n"]] as const) {
      const text = swap(S214, el, term);
      const r = parsed(parseX12(Buffer.from(text, "utf8")));
      assert.equal(r.ok, true, `${el} ${JSON.stringify(term)}: ${JSON.stringify(r.findings)}`);
      assert.equal(r.document.segments.length, flat.length);
      assert.deepEqual(r.document.segments.slice(1), flat.slice(1));
    }
  });

  it("invalid UTF-8 falls back to latin1 and says so", () => {
    const bytes = Buffer.from(S214.replace("ACME MANUFACTURING", "ACME M\u00c4NUFACTURING"), "latin1");
    const r = parsed(parseX12(bytes));
    assert.ok(r.notes.includes("latin1"));
    assert.equal(r.document.groups[0]!.transactions[0]!.segments[4]!["2"], "ACME M\u00c4NUFACTURING");
  });

  it("tolerates ISA11 '^' with 00401 and 'U' with 00501 (repetition separator only when it is one)", () => {
    assert.equal(preclean(S214.replace("*U*00401*", "*^*00401*")).ok && (preclean(S214.replace("*U*00401*", "*^*00401*")) as { delimiters: { repetition: string } }).delimiters.repetition, "^");
    const r = parsed(parseX12(S214.replace("*U*00401*", "*U*00501*")));
    assert.equal(r.ok, true);
    assert.equal(r.delimiters.repetition, null);
  });

  it("not X12, empty, truncated ISA, bad delimiters: a clear fatal error, no throw", () => {
    const cases: Array<[unknown, string]> = [
      ["", "EMPTY"],
      ["   \n", "EMPTY"],
      [null, "EMPTY"],
      [42, "NOT_X12"],
      ['{"json": true}', "NOT_X12"],
      ["UNB+UNOA:1+X", "NOT_X12"],
      [S214.slice(0, 50), "BAD_ISA"],
      [S214.replace(/>~/, "*~"), "BAD_DELIMITERS"],
      ["ISA0" + S214.slice(4), "BAD_DELIMITERS"],
    ];
    for (const [input, code] of cases) {
      const r = parseX12(input);
      assert.equal(r.ok, false);
      assert.equal(r.fatal?.code, code, `${JSON.stringify(input).slice(0, 30)}: ${r.fatal?.message}`);
      assert.ok(r.fatal!.message.length > 5);
      const a = acknowledge(r, ACK);
      assert.equal(a.ok, false);
    }
  });
});

describe("x12 envelope checks → rejecting 997", () => {
  it("wrong SE count: AK3 SE / AK4 SE01 (96) code 7 / AK5 R 4, AK9 R", () => {
    const r = parsed(parseX12(read("bad-se-count-214.edi")));
    assert.equal(r.ok, false);
    const f = r.findings.find((x) => x.code === "SE_COUNT_MISMATCH")!;
    assert.equal(f.ak5, "4");
    assert.match(f.message, /SE01 says "24" segments, transaction set 214 0001 has 26/);
    assert.deepEqual(ackLines(r).slice(3, 9), ["AK1*QM*123", "AK2*214*0001", "AK3*SE*26**8", "AK4*1*96*7*24", "AK5*R*4", "AK9*R*1*1*0"]);
  });

  it("ST/SE control numbers differ: AK5 R 3 with AK4 on SE02", () => {
    const r = parsed(parseX12(S214.replace("SE*26*0001~", "SE*26*0002~")));
    assert.equal(r.ok, false);
    assert.deepEqual(r.findings.map((f) => [f.code, f.ak5]), [["SE_CONTROL_MISMATCH", "3"]]);
    assert.deepEqual(ackLines(r).slice(4, 8), ["AK2*214*0001", "AK3*SE*26**8", "AK4*2*329*7*0002", "AK5*R*3"]);
  });

  it("GE count wrong → AK9 R with code 5 (transactions themselves A)", () => {
    const r = parsed(parseX12(S214.replace("GE*1*123~", "GE*2*123~")));
    assert.deepEqual(r.findings.map((f) => [f.code, f.ak9]), [["GE_COUNT_MISMATCH", "5"]]);
    assert.deepEqual(ackLines(r).slice(4, 7), ["AK2*214*0001", "AK5*A", "AK9*R*2*1*0*5"]);
  });

  it("GS/GE control mismatch → AK9 4; IEA faults → TA1 codes 001/021", () => {
    const r = parsed(parseX12(S214.replace("GE*1*123~", "GE*1*124~").replace("IEA*1*000000123~", "IEA*2*000000999~")));
    assert.deepEqual(r.findings.map((f) => [f.code, f.ak9 ?? f.ta1]), [
      ["GE_CONTROL_MISMATCH", "4"],
      ["IEA_CONTROL_MISMATCH", "001"],
      ["IEA_COUNT_MISMATCH", "021"],
    ]);
    assert.equal(r.document.interchange.accepted, false);
  });

  it("duplicate ST02 in a group → AK5 R 23 for the second; partially accepted AK9 P", () => {
    const tx = S214.slice(S214.indexOf("ST*214"), S214.indexOf("GE*"));
    const text = S214.replace("GE*1*123~", `${tx}GE*2*123~`);
    const r = parsed(parseX12(text));
    assert.deepEqual(r.findings.map((f) => [f.code, f.ak5]), [["ST02_DUPLICATE", "23"]]);
    assert.equal(r.document.groups[0]!.status, "P");
    const lines = ackLines(r);
    assert.deepEqual(lines.slice(4, 9), ["AK2*214*0001", "AK5*A", "AK2*214*0001", "AK5*R*23", "AK9*P*2*2*1"]);
  });

  it("truncated: no SE/GE/IEA → AK5 R 2, AK9 R 3, IEA missing", () => {
    const r = parsed(parseX12(S214.slice(0, S214.indexOf("SE*26"))));
    assert.deepEqual(r.findings.map((f) => f.code), ["SE_MISSING", "GE_MISSING", "IEA_MISSING"]);
    assert.deepEqual(ackLines(r).slice(4, 7), ["AK2*214*0001", "AK5*R*2", "AK9*R*1*1*0*3"]);
  });

  it("an unrecognised segment ID → AK3 code 1, AK5 R 5; the SE count still counts it", () => {
    const r = parsed(parseX12(S214.replace("LX*3~", "lx*3~")));
    assert.deepEqual(r.findings.map((f) => [f.code, f.ak5]), [["SEGMENT_ID_INVALID", "5"]]);
    assert.deepEqual(ackLines(r).slice(4, 7), ["AK2*214*0001", "AK3*lx*17**1", "AK5*R*5"]);
  });

  it("a bad value copied into AK4 cannot break the 997", () => {
    const r = parsed(parseX12(S214.replace("SE*26*0001~", "SE*2>6*0001~")));
    const lines = ackLines(r);
    assert.ok(lines.includes("AK4*1*96*7*26"), lines.join("\n"));
  });

  it("a received 997 is never acknowledged", () => {
    const built = parsed(parseX12(S214));
    const ack = acknowledge(built, ACK);
    assert.ok(ack.ok);
    const back = parsed(parseX12(ack.text));
    assert.equal(back.ok, true);
    const again = acknowledge(back, ACK);
    assert.equal(again.ok, false);
    assert.match(again.ok ? "" : again.errors[0]!, /never acknowledged|nothing to acknowledge/);
  });

  it("wrong GS01 for the set is a warning (route on ST01), not a rejection", () => {
    const r = parsed(parseX12(S214.replace("GS*QM*", "GS*IN*")));
    assert.equal(r.ok, true);
    assert.deepEqual(r.findings.map((f) => [f.code, f.severity]), [["GS01_UNEXPECTED", "warning"]]);
  });
});
