import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ShipmentStatusEvent } from "../../../nodes/lib/canonical/types";
import { detentionAtStop, expectedCharges, expectedTotalMinor, stopDwellOf, withLaterCharge } from "../../../nodes/lib/rating/detention-at-stop";
import type { AccrualRecord } from "../../../nodes/lib/rating/rate-shipment";

const record: AccrualRecord = {
  accrualKey: "ACCRUAL|XPOL|LD-7",
  shipmentId: "LD-7",
  scac: "XPOL",
  currency: "USD",
  totalMinor: 10000,
  charges: [],
  ratedAt: "2026-12-01T00:00:00Z",
  terms: { freeTimeHours: 2, detentionPerHourMinor: 7500 },
};
const src = { correlationId: "LOAD|LD-7" };
const now = new Date("2026-12-01T20:00:00Z");
const dwell = (arrivedAt: string, doneAt: string) => ({ stopRef: "LD-7-S2", arrivedAt, doneAt });

describe("detention at a stop", () => {
  it("counts started hours beyond the free time, none at exactly the free time", () => {
    assert.equal(detentionAtStop(record, dwell("2026-12-01T10:00:00Z", "2026-12-01T12:00:00Z"), src, now), null);
    const one = detentionAtStop(record, dwell("2026-12-01T10:00:00Z", "2026-12-01T12:01:00Z"), src, now)!;
    assert.deepEqual([one.hours, one.charge.amount], [1, { currency: "USD", amountMinor: 7500 }]);
    // Offsets count: 14:30+02:00 is 12:30Z, 2.5 h after arrival → 1 started hour.
    assert.equal(detentionAtStop(record, dwell("2026-12-01T10:00:00Z", "2026-12-01T14:30:00+02:00"), src, now)!.hours, 1);
    const three = detentionAtStop(record, dwell("2026-12-01T10:00:00Z", "2026-12-01T14:59:00Z"), src, now)!;
    assert.equal(three.hours, 3);
    assert.equal(three.adjustment.idempotencyKey, "ADJ|ACCRUAL|XPOL|LD-7|DETENTION|LD-7-S2");
    assert.equal(three.adjustment.accounting?.accrualKey, "ACCRUAL|XPOL|LD-7");
  });

  it("names the field and rule for times it cannot use, and a ledger entry without terms", () => {
    assert.throws(() => detentionAtStop(record, dwell("2026-12-01T10:00:00", "2026-12-01T14:00:00Z"), src, now), /arrivedAt: must be a timestamp with offset/);
    assert.throws(() => detentionAtStop(record, dwell("2026-12-01T10:00:00Z", "2026-12-01T09:00:00Z"), src, now), /payload\.occurredAt: is before the arrival/);
    const { terms: _t, ...old } = record;
    assert.throws(() => detentionAtStop(old, dwell("2026-12-01T10:00:00Z", "2026-12-01T14:00:00Z"), src, now), /ledger\.terms/);
    assert.throws(() => stopDwellOf({ occurredAt: "2026-12-01T10:00:00Z" } as ShipmentStatusEvent, "x", "msg.arrivedAt"), /payload\.stopRef: is required/);
    assert.throws(() => stopDwellOf({ stopRef: "S2", occurredAt: "2026-12-01T10:00:00Z" } as ShipmentStatusEvent, undefined, "msg.arrivedAt"), /msg\.arrivedAt: is required/);
  });

  it("the ledger keeps one detention per stop, and the audit expects it on top of what was rated", () => {
    const a = detentionAtStop(record, dwell("2026-12-01T10:00:00Z", "2026-12-01T13:30:00Z"), src, now)!;
    const again = withLaterCharge(withLaterCharge(record, a.charge), a.charge);
    assert.equal(again.later!.length, 1);
    assert.equal(expectedTotalMinor(again), 10000 + 2 * 7500);
    assert.deepEqual(expectedCharges(again).map((c) => c.chargeType), ["DETENTION"]);
  });
});
