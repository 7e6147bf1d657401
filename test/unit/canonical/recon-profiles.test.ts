import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { InvoiceEvent, Shipment } from "../../../nodes/lib/canonical/types";
import { canonicalValidator } from "../../../nodes/lib/canonical/validator";
import { compileMapping } from "../../../nodes/lib/mapping/mapper";
import { findProfile, profileSource } from "../../../nodes/lib/mapping/profiles";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "vendor");
const fixture = (f: string) => JSON.parse(readFileSync(join(FIXTURES, f), "utf8")) as Record<string, unknown>;
const validator = canonicalValidator();

async function mapWith(id: string, payload: unknown, bindings: Record<string, unknown> = {}): Promise<unknown> {
  const p = findProfile(id)!;
  // Plain objects (the engines build null-prototype ones), as a node sends them on.
  const out = JSON.parse(JSON.stringify(await compileMapping(profileSource(p), p.input).map(payload, { receivedAt: "2026-12-04T08:00:00.000Z", bindings }))) as unknown;
  const result = validator.validate(out);
  assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
  return out;
}

describe("freight reconciliation profiles", () => {
  it("tms-actual-shipment: a dispatched load is a SHIPPED Shipment with its final weight, zone, site and accessorials", async () => {
    const s = (await mapWith("tms-actual-shipment", fixture("tms-actual-shipment.json"))) as Shipment;
    assert.equal(s.shipmentId, "LD-DC2-0007");
    assert.equal(s.status, "SHIPPED");
    assert.deepEqual(s.carrier, { scac: "XPOL" });
    assert.deepEqual(s.totals?.weight, { value: "600.7", unit: "KGM", qualifier: "GROSS" });
    assert.deepEqual(s.stops?.[1]?.location.ids, [{ scheme: "TMS_STOP", value: "LD-DC2-0007-S2" }, { scheme: "RATING_ZONE", value: "Z4" }]);
    assert.deepEqual(s.stops?.[0]?.location.ids[1], { scheme: "WMS_SITE", value: "DC2" });
    assert.deepEqual(s.accessorials, ["LIFTGATE", "APPOINTMENT"]);
    assert.deepEqual(s.references, [{ type: "LOAD", value: "LD-DC2-0007" }, { type: "BOL", value: "00401234560000007" }]);
    assert.equal(s.idempotencyKey, "TMS|ACTUAL|LD-DC2-0007");
  });

  it("carrier-invoice-json: charges to typed lines in minor units, references for matching, the §4.4 duplicate key", async () => {
    const inv = (await mapWith("carrier-invoice-json", fixture("carrier-invoice-api.json"))) as InvoiceEvent;
    assert.equal(inv.direction, "PAYABLE");
    assert.equal(inv.status, "RECEIVED");
    assert.deepEqual(inv.totals.net, { currency: "GBP", amountMinor: 32869 });
    assert.deepEqual(inv.lines.map((l) => [l.chargeType, l.amount.amountMinor]), [["LINEHAUL", 20510], ["FUEL", 2359], ["LIFTGATE", 7500], ["APPOINTMENT", 2500]]);
    assert.equal(inv.duplicateKey, "XPOL|XPOL0904711|GBP|32869");
    assert.deepEqual(inv.shipmentRefs?.map((r) => r.type), ["PRO", "BOL", "SHIPPER_REF"]);
    const body = fixture("carrier-invoice-api.json") as { invoice: Record<string, unknown> };
    const odd = (await mapWith("carrier-invoice-json", { invoice: { ...body.invoice, charges: [{ lineNo: 1, code: "ZZZ", amount: "328.68" }] } })) as InvoiceEvent;
    assert.equal(odd.status, "EXCEPTION");
    assert.deepEqual(odd.findings?.map((f) => f.code), ["LINES_NOT_EQUAL_TOTAL", "UNMAPPED_CHARGE"]);
  });
});
