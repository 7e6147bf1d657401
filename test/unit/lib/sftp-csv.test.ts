import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseCsv } from "../../../nodes/lib/sftp/csv";
import { detectFormat, readFileRecords } from "../../../nodes/lib/sftp/file-records";

function rows(text: string, delimiter?: string) {
  const result = parseCsv(text, delimiter ? { delimiter } : {});
  if (!result.ok) throw new Error(result.error);
  return result.rows.map((r) => r.values);
}

describe("parseCsv (RFC 4180)", () => {
  it("reads a header row and records, CRLF or LF, with or without a final line break", () => {
    assert.deepEqual(rows("a,b\r\n1,2\r\n3,4\r\n"), [{ a: "1", b: "2" }, { a: "3", b: "4" }]);
    assert.deepEqual(rows("a,b\n1,2\n3,4"), [{ a: "1", b: "2" }, { a: "3", b: "4" }]);
  });

  it("quoted fields hold delimiters, doubled quotes and line breaks; lines are counted through them", () => {
    const result = parseCsv('id,note\r\n1,"a, b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n4,\r\n');
    assert.ok(result.ok);
    assert.deepEqual(result.rows.map((r) => [r.line, r.values.note]), [
      [2, "a, b"],
      [3, 'say "hi"'],
      [4, "two\r\nlines"],
      [6, ""],
    ]);
  });

  it("takes another delimiter, skips blank lines and a byte-order mark, keeps an empty quoted field", () => {
    assert.deepEqual(rows('\uFEFFa;b\n\n1;"x;y"\n\n"";2\n', ";"), [{ a: "1", b: "x;y" }, { a: "", b: "2" }]);
  });

  it("refuses broken files, naming the line and the rule", () => {
    const error = (text: string, delimiter?: string) => {
      const r = parseCsv(text, delimiter ? { delimiter } : {});
      assert.equal(r.ok, false, `accepted: ${JSON.stringify(text)}`);
      return (r as { error: string }).error;
    };
    assert.match(error('a,b\n1,"open\n'), /line 2: quoted field is not closed/);
    assert.match(error('a,b\n1,"x"y\n'), /line 2: text after a closing quote/);
    assert.match(error('a,b\n1,x"y\n'), /line 2: a quote inside an unquoted field/);
    assert.match(error("a,b\n1,2,3\n"), /line 2: 3 fields where the header has 2/);
    assert.match(error("a,b\n1\n"), /line 2: 1 fields where the header has 2/);
    assert.match(error(""), /empty: a header row/);
    assert.match(error("a,,c\n1,2,3\n"), /column 2 has no name/);
    assert.match(error("a,a\n1,2\n"), /column "a" appears twice/);
    assert.match(error("a,b\n", '"'), /delimiter must be one character/);
  });

  it("round-trips any table written by the RFC 4180 rules", () => {
    const cell = fc.string({ unit: fc.constantFrom("a", "1", " ", ",", '"', "\n", "\r\n", "é") , maxLength: 8 });
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 5 }), (table) => {
        const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
        const text = ["x,y", ...table.map(([x, y]) => `${quote(x)},${quote(y)}`)].join("\r\n");
        assert.deepEqual(rows(text), table.map(([x, y]) => ({ x, y })));
      }),
    );
  });
});

describe("readFileRecords", () => {
  it("detects X12 by its ISA (after a byte-order mark) and CSV otherwise", () => {
    assert.equal(detectFormat(Buffer.from("\uFEFFISA*00*")), "x12");
    assert.equal(detectFormat(Buffer.from("  \r\nISA*00*")), "x12");
    assert.equal(detectFormat(Buffer.from("invoice,amount\n")), "csv");
  });

  it("a CSV file with a header only, or not UTF-8, is refused", () => {
    assert.match(readFileRecords("a.csv", Buffer.from("a,b\r\n"), { format: "csv", ackControlNumber: 1 }).error ?? "", /header but no records/);
    assert.match(readFileRecords("a.csv", Buffer.from([0x61, 0x0a, 0xff, 0x0a]), { format: "csv", ackControlNumber: 1 }).error ?? "", /not valid UTF-8/);
  });

  it("text that is not X12 read as X12 is refused without a 997", () => {
    const r = readFileRecords("a.edi", Buffer.from("hello"), { format: "x12", ackControlNumber: 1 });
    assert.ok(r.error);
    assert.equal(r.ack997, null);
    assert.deepEqual(r.records, []);
  });
});
