/**
 * Executed-cost rating for the freight accrual: what a shipment costs under its carrier contract,
 * charge by charge, from the final weight and route (not the planned ones), in integer minor units.
 *
 * Plain functions over a plain rate table so an analyst's contract (JSON, e.g. a node's config or a
 * profile binding) can be rated without Node-RED. Deliberately written from the contract rules in
 * domain.md §4, not from simulators/month/truth.ts, which stays the independent check.
 */

export type AccessorialCode = "LIFTGATE" | "RESIDENTIAL" | "APPOINTMENT" | "DETENTION";
export type RatedChargeType = "LINEHAUL" | "FUEL" | AccessorialCode;

export interface LaneRate {
  /** Rate per started 100 kg, minor units. */
  perHundredKgMinor: number;
  /** Least linehaul on this lane, minor units. */
  minimumMinor: number;
}

export interface RateContract {
  scac: string;
  currency: string;
  /** Destination zone → lane rates. */
  lanes: Record<string, LaneRate>;
  /** Fuel surcharge on linehaul in basis points (1/100 %). */
  fuelBasisPoints: number;
  /** Flat fees; DETENTION is per started hour beyond free time. */
  accessorials: Record<AccessorialCode, number>;
}

export interface ExecutedShipment {
  shipmentId: string;
  zone: string;
  executedWeightKg: number;
  detentionHours?: number;
  accessorials?: Array<Exclude<AccessorialCode, "DETENTION">>;
}

export interface RatedCharge {
  chargeType: RatedChargeType;
  amountMinor: number;
}

export interface RatedShipment {
  shipmentId: string;
  scac: string;
  currency: string;
  charges: RatedCharge[];
  totalMinor: number;
}

/** A rating input that breaks a rule: names the field and the rule so the dead letter explains itself. */
export class RatingError extends Error {
  constructor(readonly field: string, readonly rule: string) {
    super(`${field}: ${rule}`);
    this.name = "RatingError";
  }
}

function requireMinor(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new RatingError(field, "must be a non-negative integer amount in minor units");
  }
  return value;
}

/** Rates one shipment. Throws RatingError for a missing lane, bad weight or a non-integer rate. */
export function rateExecutedCost(shipment: ExecutedShipment, contract: RateContract): RatedShipment {
  const lane = contract.lanes[shipment.zone];
  if (!lane) throw new RatingError("shipment.zone", `contract ${contract.scac} has no lane to zone "${shipment.zone}"`);
  const kg = shipment.executedWeightKg;
  if (typeof kg !== "number" || !Number.isFinite(kg) || kg <= 0) {
    throw new RatingError("shipment.executedWeightKg", "must be a positive number of kilograms");
  }
  const perHundred = requireMinor(lane.perHundredKgMinor, `contract.lanes.${shipment.zone}.perHundredKgMinor`);
  const minimum = requireMinor(lane.minimumMinor, `contract.lanes.${shipment.zone}.minimumMinor`);
  const fuelBp = requireMinor(contract.fuelBasisPoints, "contract.fuelBasisPoints");

  // Carriers bill per *started* 100 kg, so 101 kg is two units; the lane minimum is a floor on linehaul.
  const linehaul = Math.max(minimum, Math.ceil(kg / 100) * perHundred);
  // Fuel is a share of linehaul; half a minor unit rounds up (integer maths, no float drift).
  const fuel = Math.floor((linehaul * fuelBp + 5000) / 10000);
  const charges: RatedCharge[] = [
    { chargeType: "LINEHAUL", amountMinor: linehaul },
    { chargeType: "FUEL", amountMinor: fuel },
  ];
  for (const code of shipment.accessorials ?? []) {
    const fee = requireMinor(contract.accessorials[code], `contract.accessorials.${code}`);
    charges.push({ chargeType: code, amountMinor: fee });
  }
  const hours = shipment.detentionHours ?? 0;
  if (hours > 0) {
    const perHour = requireMinor(contract.accessorials.DETENTION, "contract.accessorials.DETENTION");
    charges.push({ chargeType: "DETENTION", amountMinor: Math.ceil(hours) * perHour });
  }
  const totalMinor = charges.reduce((sum, c) => sum + c.amountMinor, 0);
  return { shipmentId: shipment.shipmentId, scac: contract.scac, currency: contract.currency, charges, totalMinor };
}
