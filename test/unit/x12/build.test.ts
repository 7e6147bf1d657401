import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildDocument, parseX12, Writer, type BuildInput, type EnvelopeInput, type ParseResult } from "../../../nodes/lib/x12";

const ENV: EnvelopeInput = {
  sender: { qualifier: "ZZ", id: "ACMESHIPPER" },
  receiver: { qualifier: "02", id: "ODFL" },
  interchangeControlNumber: 4711,
  groupControlNumber: 12,
  transactionControlNumber: 1,
  date: "2025-03-20T08:30:00Z",
};

function roundTrip(input: BuildInput) {
  const built = buildDocument(input, ENV);
  assert.ok(built.ok, built.ok ? "" : built.errors.join("; "));
  const r = parseX12(built.text) as Extract<ParseResult, { fatal: null }>;
  assert.equal(r.fatal, null);
  assert.equal(r.ok, true, JSON.stringify(r.findings));
  assert.deepEqual(r.findings, [], "no warnings either: GS01 matches the set");
  const tx = r.document.groups[0]!.transactions[0]!;
  assert.equal(tx.set, input.set);
  assert.equal(tx.segments.length, built.segmentCounts[0]);
  assert.equal(tx.segments.at(-1)!["1"], String(tx.segments.length), "SE01 counts ST..SE");
  return { text: built.text, r, tx };
}

describe("x12 build", () => {
  it("204 load tender from Shipment-like input", () => {
    const { tx, text } = roundTrip({
      set: "204",
      shipmentId: "LD-2025-0042",
      carrier: { scac: "ODFL" },
      freightTerms: "PREPAID",
      references: [{ type: "BOL", value: "06141411234567913" }, { type: "PO", value: "4500021354" }],
      parties: [{ role: "SHIPPER", name: "ACME MANUFACTURING", ids: [{ scheme: "GLN", value: "0614141000005" }], address: { lines: ["100 INDUSTRIAL PKWY"], city: "MEMPHIS", region: "TN", postalCode: "38118", country: "US" } }],
      stops: [
        { seq: 1, type: "PICKUP", appointment: { from: "2025-03-19T08:00:00", to: "2025-03-19T12:00:00" }, weight: { value: 2085, unit: "LBR" }, pieces: 5 },
        { seq: 2, type: "DELIVERY", party: { role: "CONSIGNEE", name: "WIDGET RETAIL DC 7", address: { city: "COLUMBUS", region: "OH", country: "US" } } },
      ],
      totals: { weight: { value: "2085", unit: "LBR" }, pieces: 5 },
    });
    assert.match(text, /^ISA\*00\* {10}\*00\* {10}\*ZZ\*ACMESHIPPER {4}\*02\*ODFL {11}\*250320\*0830\*U\*00401\*000004711\*0\*P\*>~GS\*SM\*ACMESHIPPER\*ODFL\*20250320\*0830\*12\*X\*004010~ST\*204\*0001~B2\*\*ODFL\*\*LD-2025-0042\*\*PP~B2A\*00~L11\*06141411234567913\*BM~/);
    assert.deepEqual(tx.segments.filter((s) => s.name === "S5").map((s) => s["2"]), ["CL", "CU"]);
    assert.ok(text.includes("G62*37*20250319*U*0800~G62*38*20250319*U*1200~"));
    assert.ok(text.includes("N1*SH*ACME MANUFACTURING*UL*0614141000005~N3*100 INDUSTRIAL PKWY~N4*MEMPHIS*TN*38118*US~"));
    assert.ok(text.includes("L3*2085*G*********5*L~"));
  });

  it("940 shipping order from Order-like input", () => {
    const { text } = roundTrip({
      set: "940",
      orderId: "SO-10442",
      purchaseOrder: "4500021354",
      requestedShipDate: "2025-03-21",
      carrier: { scac: "ODFL" },
      parties: [{ role: "SHIP_TO", name: "WIDGET RETAIL DC 7", ids: [{ scheme: "ERP_CUSTOMER", value: "RDC7" }] }],
      lines: [
        { lineNo: 1, sku: "TG11", gtin: "00012345678905", quantity: { value: "12", uom: "EA" } },
        { lineNo: 2, sku: "TG12", description: "WIDGET CASE", quantity: { value: 5, uom: "CS" } },
      ],
    });
    assert.ok(text.includes("W05*N*SO-10442*4500021354~N1*ST*WIDGET RETAIL DC 7*92*RDC7~G62*10*20250321~W66*PP*M********ODFL~"));
    assert.ok(text.includes("LX*1~W01*12*EA**VN*TG11*UP*012345678905~LX*2~W01*5*CA**VN*TG12~G69*WIDGET CASE~W76*17~"));
  });

  it("990 accept / decline", () => {
    const { text } = roundTrip({ set: "990", scac: "ODFL", shipmentId: "LD-2025-0042", date: "2025-03-20", action: "D", reason: "CAPACITY", remarks: ["NO TRAILER"] });
    assert.ok(text.includes("ST*990*0001~B1*ODFL*LD-2025-0042*20250320*D**CAPACITY~K1*NO TRAILER~SE*4*0001~GE*1*12~IEA*1*000004711~"));
  });

  it("997 built, then parsed back: the same AK content", () => {
    const { r } = roundTrip({
      set: "997",
      functionalId: "QM",
      groupControlNumber: "123",
      transactions: [
        { set: "214", controlNumber: "0001", status: "A" },
        { set: "214", controlNumber: "0002", status: "R", codes: ["4"], segmentErrors: [{ segmentId: "SE", position: 26, code: "8", elements: [{ position: 1, reference: "96", code: "7", badValue: "24" }] }] },
      ],
      status: "P",
      included: 2,
      received: 2,
      accepted: 1,
    });
    const body = r.document.groups[0]!.transactions[0]!.segments.slice(1, -1).map((s) => Object.entries(s).filter(([k]) => k !== "name").map(([, v]) => v).join("*") ? `${s.name}*${Object.entries(s).filter(([k]) => k !== "name").map(([, v]) => v).join("*")}` : s.name);
    assert.deepEqual(body, ["AK1*QM*123", "AK2*214*0001", "AK5*A", "AK2*214*0002", "AK3*SE*26**8", "AK4*1*96*7*24", "AK5*R*4", "AK9*P*2*2*1"]);
  });

  it("an element containing a delimiter is an error naming the element", () => {
    const b = buildDocument({ set: "990", scac: "ODFL", shipmentId: "LD*42", date: "2025-03-20", action: "A", remarks: ["OK~THANKS", "A>B"] }, ENV);
    assert.equal(b.ok, false);
    assert.deepEqual(b.ok ? [] : b.errors, [
      'B102 "LD*42" contains the element separator "*"',
      'K101 "OK~THANKS" contains the segment terminator "~"',
      'K101 "A>B" contains the component separator ">"',
    ]);
    const w = new Writer({ element: "|", component: ":", repetition: "^", segment: "\n" });
    assert.equal(w.segment(["N9", "BM", "A^B"]), "N9|BM|A^B\n");
    assert.deepEqual(w.errors, ['N902 "A^B" contains the repetition separator "^"']);
  });

  it("bad input is a list of errors, never a throw", () => {
    const bad: unknown[] = [null, undefined, 5, "204", {}, { set: "850" }, { set: "204" }, { set: "940", lines: "x" }, { set: "997", transactions: [null] },
      { set: "204", shipmentId: {}, carrier: null, stops: [{ type: "X" }] }, { set: "990", get scac() { throw new Error("boom"); } }];
    for (const input of bad) {
      const b = buildDocument(input as BuildInput, ENV);
      assert.equal(b.ok, false);
      assert.ok(!b.ok && b.errors.length > 0);
    }
    const env = buildDocument({ set: "990", scac: "ODFL", shipmentId: "X", action: "A" }, { ...ENV, sender: { qualifier: "Z", id: "THIS ID IS FAR TOO LONG" }, interchangeControlNumber: 0 });
    assert.deepEqual(env.ok ? [] : env.errors, [
      'sender.qualifier "Z" must be 2 characters (ZZ, 01, 02, ...)',
      'sender.id "THIS ID IS FAR TOO LONG" must be 1-15 characters',
      "interchangeControlNumber 0 must be a number from 1 to 999999999",
    ]);
  });
});
