import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalValidator, describeErrors } from "../../../nodes/lib/canonical/validator";
import { compileMapping } from "../../../nodes/lib/mapping/mapper";
import { findProfile, profileSchema, profileSource } from "../../../nodes/lib/mapping/profiles";
import { parseX12, type FlatSegment } from "../../../nodes/lib/x12";
import { x12Segments } from "../canonical/x12-segments";

const FIX = join(__dirname, "..", "..", "fixtures");
const read = (f: string) => readFileSync(join(FIX, f));

function flat(file: string | Buffer): FlatSegment[] {
  const r = parseX12(typeof file === "string" ? read(file) : file);
  assert.equal(r.fatal, null);
  assert.equal(r.ok, true, JSON.stringify(r.findings));
  return r.fatal ? [] : r.document.segments;
}

async function mapAll(profileId: string, segments: FlatSegment[]): Promise<Array<Record<string, unknown>>> {
  const profile = findProfile(profileId)!;
  const out = await compileMapping(profileSource(profile), profile.input).map(segments, { receivedAt: "2025-03-22T10:00:00.000Z" });
  const objects = JSON.parse(JSON.stringify(Array.isArray(out) ? out : [out])) as Array<Record<string, unknown>>;
  const schema = profileSchema(profile);
  for (const o of objects) {
    const v = canonicalValidator().validate(o, schema);
    assert.ok(v.ok, v.ok ? "" : describeErrors(canonicalValidator().title(schema), v.errors));
  }
  return objects;
}

describe("x12 parser output feeds the canonical X12 profiles", () => {
  it("gives exactly the flat shape the profile tests use, for every vendor X12 fixture", () => {
    for (const f of ["vendor/x12-214-ltl.edi", "vendor/x12-210-ltl.edi", "vendor/x12-210-corrected-minimal.edi", "vendor/x12-945-ship-advice.edi"]) {
      assert.deepEqual(flat(f), x12Segments(read(f).toString("utf8")), f);
    }
  });

  it("214 (domain §1.8 sample, BOM and 80-column wrapped) → ShipmentStatusEvent[]", async () => {
    const text = read("x12/sample-214.edi").toString("utf8");
    const wrapped = Buffer.from("\uFEFF" + text.replace(/\n/g, "").match(/.{1,80}/g)!.join("\n"), "utf8");
    for (const input of [text, wrapped]) {
      const events = await mapAll("x12-214-status", flat(Buffer.from(input)));
      assert.deepEqual(events.map((e) => (e.eventCode as { code: string }).code), ["AF", "SD", "X1", "D1", "AG"]);
      assert.deepEqual((events[0]!.source as { controlNumbers: unknown }).controlNumbers, { interchange: "000000123", group: "123", transaction: "0001" });
    }
  });

  it("210 (sample and 80-column) → InvoiceEvent with N2 totals", async () => {
    for (const f of ["x12/sample-210.edi", "x12/sample-210-80col.edi"]) {
      const [inv] = await mapAll("x12-210-invoice", flat(f));
      assert.deepEqual(inv!.totals, { net: { currency: "USD", amountMinor: 81612 } });
      assert.equal(inv!.status, "RECEIVED");
    }
  });

  it("945 → Shipment", async () => {
    const [shipment] = await mapAll("x12-945-ship-advice", flat("vendor/x12-945-ship-advice.edi"));
    assert.equal(shipment!.shipmentId, "SH-77810");
    assert.equal((shipment!.lines as unknown[]).length, 2);
  });
});
