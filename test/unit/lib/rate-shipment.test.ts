import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { InvoiceEvent } from "../../../nodes/lib/canonical/types";
import { shipmentOf } from "./_rating-fixtures";
import { canonicalValidator } from "../../../nodes/lib/canonical/validator";
import { executedCharges, ledgerKeysOfInvoice, ledgerKeysOfShipment, parseContracts, rateShipment } from "../../../nodes/lib/rating/rate-shipment";
import { CONTRACTS } from "../../../simulators/month/generate";

describe("rating a canonical shipment", () => {
  const contracts = parseContracts(CONTRACTS);

  it("rates on the final weight, the delivery zone and the accessorials, from the carrier's contract", () => {
    const rated = rateShipment(shipmentOf(), contracts);
    // DHLF Z3: 1850 + 2*350 = 2550 per started 100 kg, 412.5 kg = 5 units = 12750 (min 5700); fuel 12.75 % = 1625.6 → 1626.
    assert.deepEqual(rated.charges, [
      { chargeType: "LINEHAUL", amountMinor: 12750 },
      { chargeType: "FUEL", amountMinor: 1626 },
      { chargeType: "LIFTGATE", amountMinor: 7500 },
    ]);
    assert.equal(rated.totalMinor, 12750 + 1626 + 7500);
    assert.equal(rated.currency, "EUR");
  });

  it("pounds are converted, handling units sum when there is no total, detention comes from stop dwell beyond free time", () => {
    const lb = rateShipment(shipmentOf({ kg: "0", totals: { weight: { value: "1000", unit: "LBR" } }, accessorials: [] }), contracts);
    // 1000 lb = 453.6 kg = 5 units
    assert.equal(lb.charges[0]!.amountMinor, 5 * 2550);
    const hu = rateShipment(
      shipmentOf({
        totals: undefined,
        accessorials: [],
        handlingUnits: [{ weight: { value: "150", unit: "KGM" } }, { weight: { value: "60", unit: "KGM" } }],
        stops: [
          { seq: 1, type: "PICKUP", location: { ids: [{ scheme: "WMS_SITE", value: "DC1" }] }, actualArrival: "2026-11-30T06:00:00Z", actualDeparture: "2026-11-30T10:30:00Z" },
          { seq: 2, type: "DELIVERY", location: { ids: [{ scheme: "RATING_ZONE", value: "Z1" }] } },
        ],
      }),
      contracts,
    );
    // 210 kg = 3 units x 1850 = 5550 (min 4500); dwell 4.5 h - 2 h free = 2.5 h → 3 started hours x 6000.
    assert.deepEqual(hu.charges.map((c) => [c.chargeType, c.amountMinor]), [["LINEHAUL", 5550], ["FUEL", 708], ["DETENTION", 18000]]);
  });

  it("bad input names the field and the rule", () => {
    assert.throws(() => rateShipment(shipmentOf({ totals: undefined }), contracts), /^RatingError: payload\.totals\.weight: is required/);
    assert.throws(() => rateShipment(shipmentOf({ zone: "Z9" }), contracts), /payload\.stops\[type=DELIVERY\]\.location\.ids\[scheme=RATING_ZONE\]: contract DHLF has no lane to zone "Z9"/);
    assert.throws(() => rateShipment(shipmentOf({ carrier: { scac: "ABCD" } }), contracts), /payload\.carrier\.scac: no contract for carrier ABCD/);
    assert.throws(() => rateShipment(shipmentOf({ accessorials: ["HAZMAT"] }), contracts), /payload\.accessorials\[0\]: "HAZMAT" is not rated/);
    assert.throws(() => parseContracts([{ ...CONTRACTS[0], lanes: { Z1: { perHundredKgMinor: 18.5, minimumMinor: 1 } } }]), /contracts\[0\]\.lanes\.Z1\.perHundredKgMinor: must be a whole number of minor units/);
    assert.throws(() => parseContracts([]), /contracts: must be a non-empty array/);
  });

  it("gives canonical EXECUTED FreightCharges: the total for the accrual and one per charge type, keyed by carrier and shipment", () => {
    const s = shipmentOf();
    const { total, charges } = executedCharges(s, rateShipment(s, contracts), new Date("2026-11-30T10:01:00Z"));
    const validator = canonicalValidator();
    for (const c of [total, ...charges]) {
      const result = validator.validate(c);
      assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
    }
    assert.equal(total.accounting?.accrualKey, "ACCRUAL|DHLF|LD-1");
    assert.equal(total.amount.amountMinor, charges.reduce((sum, c) => sum + c.amount.amountMinor, 0));
    assert.deepEqual(charges.map((c) => c.chargeType), ["LINEHAUL", "FUEL", "LIFTGATE"]);
    assert.ok(charges.every((c) => c.stage === "EXECUTED" && c.amount.currency === "EUR"));
  });

  it("an invoice finds the shipment by shipper's reference, BOL or the carrier's PRO", () => {
    const keys = ledgerKeysOfShipment(shipmentOf(), "DHLF");
    assert.deepEqual(keys, ["SHIPMENT|LD-1", "BOL|BOL-1", "PRO|DHLF|PRO-1"]);
    const inv = (refs: InvoiceEvent["shipmentRefs"]) => ({ carrier: { scac: "DHLF" }, lines: [], shipmentRefs: refs }) as unknown as InvoiceEvent;
    assert.deepEqual(ledgerKeysOfInvoice(inv([{ type: "PRO", value: "PRO-1" }, { type: "SHIPPER_REF", value: "LD-1" }])), ["SHIPMENT|LD-1", "PRO|DHLF|PRO-1"]);
    assert.ok(ledgerKeysOfInvoice(inv([{ type: "BOL", value: "BOL-1" }])).some((k) => keys.includes(k)));
  });
});
