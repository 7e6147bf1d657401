import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CONTRACTS, TOLERANCES, generateMonth } from "../../../simulators/month/generate";
import type { Month, Shipment } from "../../../simulators/month/model";
import { billingTriggers, computeTruth, executedCharges, withinTolerance } from "../../../simulators/month/truth";

function shipment(overrides: Partial<Shipment>): Shipment {
  return {
    shipmentId: "SH1",
    orderId: "SO1",
    scac: "DHLF",
    site: "DC1",
    zone: "Z1",
    lines: [],
    plannedWeightKg: 0,
    executedWeightKg: 0,
    detentionHours: 0,
    accessorials: [],
    milestones: [],
    resentMilestones: [],
    ...overrides,
  };
}

describe("simulated month: ground truth", () => {
  it("rates a shipment per started 100 kg of executed weight, with the lane minimum, fuel and accessorials", () => {
    const dhl = CONTRACTS.find((c) => c.scac === "DHLF")!;
    // Z2: 2200 per 100 kg, minimum 5100; 250.1 kg → 3 × 2200 = 6600; fuel 12.75 % → 841.5 → 842.
    const charges = executedCharges(shipment({ zone: "Z2", executedWeightKg: 250.1, accessorials: ["LIFTGATE"], detentionHours: 2 }), dhl);
    assert.deepEqual(Object.fromEntries(charges), { LINEHAUL: 6600, FUEL: 842, LIFTGATE: 7500, DETENTION: 12000 });
    // 10 kg is under the minimum: the minimum applies.
    assert.equal(executedCharges(shipment({ zone: "Z2", executedWeightKg: 10 }), dhl).get("LINEHAUL"), 5100);
  });

  it("applies the stricter of the absolute and the percentage tolerance, both ways", () => {
    const rule = TOLERANCES.LINEHAUL; // over: 25.00 and 3 %; under: 100.00 and 10 %
    assert.equal(withinTolerance(10000, 10300, rule), true); // +3 % = 300 ≤ 2500
    assert.equal(withinTolerance(10000, 10301, rule), false); // just over 3 %
    assert.equal(withinTolerance(100000, 102501, rule), false); // 2.5 % but over 25.00
    assert.equal(withinTolerance(10000, 9000, rule), true); // −10 %
    assert.equal(withinTolerance(10000, 8999, rule), false);
  });

  it("bills per shipment or on completion, at the customer's trigger", () => {
    const month = {
      customers: [
        { customerId: "A", customerClass: "WHOLESALE", trigger: "SHIPPED", partials: "PER_SHIPMENT" },
        { customerId: "B", customerClass: "RETAIL", trigger: "DELIVERED", partials: "ON_COMPLETION" },
      ],
      orders: [
        { orderId: "O1", customerId: "A" },
        { orderId: "O2", customerId: "B" },
      ],
      shipments: [
        shipment({ shipmentId: "S1", orderId: "O1", milestones: [{ kind: "SHIPPED", at: "2026-11-02T10:00:00Z" }] }),
        shipment({ shipmentId: "S2", orderId: "O1", milestones: [{ kind: "SHIPPED", at: "2026-11-04T10:00:00Z" }] }),
        shipment({ shipmentId: "S3", orderId: "O2", milestones: [{ kind: "SHIPPED", at: "2026-11-02T10:00:00Z" }, { kind: "DELIVERED", at: "2026-11-03T10:00:00Z" }] }),
        shipment({ shipmentId: "S4", orderId: "O2", milestones: [{ kind: "SHIPPED", at: "2026-11-04T10:00:00Z" }, { kind: "DELIVERED", at: "2026-11-06T09:00:00Z" }] }),
      ],
    } as unknown as Month;
    const triggers = billingTriggers(month);
    assert.deepEqual([...triggers.keys()].sort(), ["O2", "S1", "S2"]);
    assert.equal(triggers.get("O2")!.at, "2026-11-06T09:00:00Z");
  });

  it("generates the same month from the same seed, with the asked-for shares of duplicates and exceptions", () => {
    const a = generateMonth({ seed: 7, orders: 2000 });
    const b = generateMonth({ seed: 7, orders: 2000 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(generateMonth({ seed: 8, orders: 50 }).orders, generateMonth({ seed: 7, orders: 50 }).orders);
    const duplicates = a.invoices.filter((i) => i.duplicateOf).length / a.shipments.length;
    assert.ok(duplicates > 0.02 && duplicates < 0.04, `duplicate invoice share ${duplicates}`);
    const exceptions = a.exceptions.length / a.orders.length;
    assert.ok(exceptions > 0.035 && exceptions < 0.065, `exception share ${exceptions}`);
    assert.deepEqual(new Set(a.shipments.map((s) => s.site)), new Set(["DC1", "DC2", "DC3"]));
    const truth = computeTruth(a);
    assert.equal(truth.audit.approved + truth.audit.exceptions + truth.audit.duplicates, a.invoices.length);
    assert.ok(truth.audit.exceptions > 0 && truth.audit.approved > truth.audit.exceptions);
  });
});
