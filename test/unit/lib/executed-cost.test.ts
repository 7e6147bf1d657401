import { test } from "node:test";
import assert from "node:assert/strict";
import { rateExecutedCost, RatingError, type RateContract } from "../../../nodes/lib/rating/executed-cost";
import { generateMonth } from "../../../simulators/month/generate";
import { contractFor, executedCharges } from "../../../simulators/month/truth";

const contract: RateContract = {
  scac: "TEST",
  currency: "USD",
  lanes: { Z1: { perHundredKgMinor: 2500, minimumMinor: 9000 } },
  fuelBasisPoints: 1850,
  accessorials: { LIFTGATE: 7500, RESIDENTIAL: 5000, APPOINTMENT: 2500, DETENTION: 6000 },
};

test("per started 100 kg, lane minimum, fuel rounded half up, accessorials", () => {
  // 401 kg = 5 started units = 12500 > minimum 9000; fuel 12500*18.5% = 2312.5 → 2313.
  const rated = rateExecutedCost(
    { shipmentId: "S1", zone: "Z1", executedWeightKg: 401, detentionHours: 2, accessorials: ["LIFTGATE"] },
    contract,
  );
  assert.deepEqual(rated.charges, [
    { chargeType: "LINEHAUL", amountMinor: 12500 },
    { chargeType: "FUEL", amountMinor: 2313 },
    { chargeType: "LIFTGATE", amountMinor: 7500 },
    { chargeType: "DETENTION", amountMinor: 12000 },
  ]);
  assert.equal(rated.totalMinor, 12500 + 2313 + 7500 + 12000);
});

test("a light shipment pays the lane minimum", () => {
  const rated = rateExecutedCost({ shipmentId: "S2", zone: "Z1", executedWeightKg: 50 }, contract);
  assert.equal(rated.charges[0]?.amountMinor, 9000);
});

test("bad input names the field and the rule", () => {
  assert.throws(() => rateExecutedCost({ shipmentId: "S3", zone: "Z9", executedWeightKg: 10 }, contract),
    (e: unknown) => e instanceof RatingError && e.field === "shipment.zone" && /no lane/.test(e.message));
  assert.throws(() => rateExecutedCost({ shipmentId: "S4", zone: "Z1", executedWeightKg: 0 }, contract),
    (e: unknown) => e instanceof RatingError && e.field === "shipment.executedWeightKg");
});

test("agrees with the month's independent ground truth on every shipment", () => {
  const month = generateMonth();
  assert.ok(month.shipments.length > 0);
  for (const shipment of month.shipments) {
    const truthContract = contractFor(month, shipment.scac);
    const expected = Object.fromEntries(executedCharges(shipment, truthContract));
    const rated = rateExecutedCost(shipment, truthContract);
    const got = Object.fromEntries(rated.charges.map((c) => [c.chargeType, c.amountMinor]));
    assert.deepEqual(got, expected, `shipment ${shipment.shipmentId}`);
  }
});
