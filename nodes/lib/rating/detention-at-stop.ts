/**
 * Detention known only at delivery: the truck's dwell at a stop (arrival → the delivery or
 * departure) beyond the free time, per started hour, at the terms of the contract the shipment was
 * rated with at dispatch (kept in its ledger entry). Gives the EXECUTED DETENTION charge the ledger
 * adds for the invoice audit, and the same amount as an adjustment of the shipment's accrual.
 */
import type { FreightCharge, ShipmentStatusEvent } from "../canonical/types";
import { clip } from "../rules/common";
import { RatingError } from "./executed-cost";
import type { AccrualRecord } from "./rate-shipment";

export interface StopDwell {
  /** The stop as the carrier names it (ShipmentStatusEvent.stopRef); one detention per stop. */
  stopRef: string;
  arrivedAt: string;
  /** When the truck was done at the stop: the delivery (or the departure) event's time. */
  doneAt: string;
}

export interface DetentionAtStop {
  hours: number;
  /** The executed charge the ledger keeps (what a carrier's DETENTION line is audited against). */
  charge: FreightCharge;
  /** The same amount as an accrual adjustment: booked once per stop (adjustmentId). */
  adjustment: FreightCharge;
}

function millis(value: string, field: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || !/[zZ]|[+-]\d{2}:?\d{2}$/.test(value)) throw new RatingError(field, `must be a timestamp with offset (got ${JSON.stringify(value)})`);
  return ms;
}

/** The dwell at the stop an event reports, from the event (done) and the arrival time found for that stop. */
export function stopDwellOf(event: ShipmentStatusEvent, arrivedAt: unknown, arrivedField: string): StopDwell {
  if (!event.stopRef) throw new RatingError("payload.stopRef", "is required: the stop whose dwell is rated");
  if (!event.occurredAt) throw new RatingError("payload.occurredAt", "is required: when the truck was done at the stop");
  if (typeof arrivedAt !== "string" || !arrivedAt) throw new RatingError(arrivedField, `is required: when the truck arrived at stop ${event.stopRef}`);
  return { stopRef: event.stopRef, arrivedAt, doneAt: event.occurredAt };
}

/**
 * Detention for one stop, or null when the dwell is within the free time. Amount: started hours
 * beyond the free time × the contract's detention rate, both as the ledger entry recorded them.
 */
export function detentionAtStop(record: AccrualRecord, dwell: StopDwell, source: Pick<FreightCharge, "correlationId" | "causationId">, now: Date): DetentionAtStop | null {
  const terms = record.terms;
  if (!terms) throw new RatingError("ledger.terms", `the ledger entry of ${record.shipmentId} has no contract terms (rated before detention was kept): rate the shipment again`);
  const arrived = millis(dwell.arrivedAt, "arrivedAt");
  const done = millis(dwell.doneAt, "payload.occurredAt");
  if (done < arrived) throw new RatingError("payload.occurredAt", `is before the arrival at stop ${dwell.stopRef} (${dwell.arrivedAt})`);
  const overMinutes = (done - arrived) / 60_000 - terms.freeTimeHours * 60;
  if (overMinutes <= 0) return null;
  const hours = Math.ceil(overMinutes / 60);
  if (terms.detentionPerHourMinor === null) throw new RatingError("contract.accessorials.DETENTION", `carrier ${record.scac}'s contract has no detention rate, yet ${hours} started hour(s) beyond free time at stop ${dwell.stopRef}`);
  const id = `${record.accrualKey}|DETENTION|${dwell.stopRef}`;
  const common = {
    schema: "freight-charge/1" as const,
    occurredAt: dwell.doneAt,
    recordedAt: now.toISOString(),
    source: { system: "LSYNC", format: "EXECUTED_COST" },
    correlationId: source.correlationId,
    ...(source.causationId ? { causationId: source.causationId } : {}),
    stage: "EXECUTED" as const,
    chargeType: "DETENTION" as const,
    description: clip(`${hours} started hour(s) of detention at stop ${dwell.stopRef} beyond ${terms.freeTimeHours} h free time (arrived ${dwell.arrivedAt}, done ${dwell.doneAt})`, 256),
    shipmentRefs: [{ type: "SHIPMENT", value: record.shipmentId }],
    carrier: { scac: record.scac },
    basis: { rate: String(terms.detentionPerHourMinor), quantity: { value: String(hours), uom: "HUR" } },
    amount: { currency: record.currency, amountMinor: hours * terms.detentionPerHourMinor },
    accounting: { accrualKey: record.accrualKey },
  };
  return {
    hours,
    charge: { ...common, id, idempotencyKey: id, chargeId: id },
    adjustment: { ...common, id: `ADJ|${id}`, idempotencyKey: `ADJ|${id}`, chargeId: `ADJ|${id}` },
  };
}

/** The ledger entry with the stop's detention in it (replacing an earlier one for the same stop). */
export function withLaterCharge(record: AccrualRecord, charge: FreightCharge): AccrualRecord {
  const later = [...(record.later ?? []).filter((c) => c.chargeId !== charge.chargeId), charge];
  return { ...record, later };
}

/** Every charge the invoice audit expects: rated at dispatch, plus those known later (detention). */
export function expectedCharges(record: AccrualRecord): FreightCharge[] {
  return [...record.charges, ...(record.later ?? [])];
}

export function expectedTotalMinor(record: AccrualRecord): number {
  return record.totalMinor + (record.later ?? []).reduce((n, c) => n + c.amount.amountMinor, 0);
}
