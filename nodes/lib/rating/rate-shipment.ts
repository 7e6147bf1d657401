/**
 * What the lsync-rate node does, as plain functions: a canonical Shipment (final weight, route,
 * accessorials, stop times) and a contract table → executed-cost FreightCharges in minor units;
 * and the small ledger that lets a carrier invoice find the accrual it must be audited against
 * (by shipment id, BOL or PRO). Rating itself is executed-cost.ts.
 */
import type { FreightCharge, InvoiceEvent, Money, Reference, Shipment } from "../canonical/types";
import { clip, ruleError } from "../rules/common";
import { rateExecutedCost, RatingError, type AccessorialCode, type RateContract, type RatedShipment } from "./executed-cost";

const FLAT_ACCESSORIALS = ["LIFTGATE", "RESIDENTIAL", "APPOINTMENT"] as const;
const ALL_ACCESSORIALS: readonly AccessorialCode[] = [...FLAT_ACCESSORIALS, "DETENTION"];

function isMinor(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Checks a contract table (dialog JSON, a file or a message); errors name the contract and field. */
export function parseContracts(raw: unknown, field = "contracts"): RateContract[] {
  const list = Array.isArray(raw) ? raw : raw && typeof raw === "object" && Array.isArray((raw as { contracts?: unknown }).contracts) ? (raw as { contracts: unknown[] }).contracts : null;
  if (!list || list.length === 0) throw ruleError(field, "array", "must be a non-empty array of carrier contracts (or {contracts: [...]})", raw);
  const seen = new Set<string>();
  return list.map((row: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!row || typeof row !== "object") throw ruleError(at, "object", "must be an object", row);
    const c = row as Record<string, unknown>;
    if (typeof c.scac !== "string" || !/^[A-Z]{2,4}$/.test(c.scac)) throw ruleError(`${at}.scac`, "scac", "must be a 2-4 letter SCAC", c.scac);
    if (seen.has(c.scac)) throw ruleError(`${at}.scac`, "unique", `${c.scac} has two contracts`, c.scac);
    seen.add(c.scac);
    if (typeof c.currency !== "string" || !/^[A-Z]{3}$/.test(c.currency)) throw ruleError(`${at}.currency`, "currency", "must be an ISO 4217 code", c.currency);
    if (!c.lanes || typeof c.lanes !== "object" || Array.isArray(c.lanes) || Object.keys(c.lanes).length === 0) throw ruleError(`${at}.lanes`, "object", "must map each zone to {perHundredKgMinor, minimumMinor}", c.lanes);
    const lanes: RateContract["lanes"] = {};
    for (const [zone, lane] of Object.entries(c.lanes as Record<string, unknown>)) {
      const l = (lane ?? {}) as Record<string, unknown>;
      for (const k of ["perHundredKgMinor", "minimumMinor"]) if (!isMinor(l[k])) throw ruleError(`${at}.lanes.${zone}.${k}`, "minorUnits", "must be a whole number of minor units ≥ 0", l[k]);
      lanes[zone] = { perHundredKgMinor: l.perHundredKgMinor as number, minimumMinor: l.minimumMinor as number };
    }
    if (!isMinor(c.fuelBasisPoints)) throw ruleError(`${at}.fuelBasisPoints`, "basisPoints", "must be a whole number of basis points ≥ 0 (1275 = 12.75 %)", c.fuelBasisPoints);
    const acc = (c.accessorials ?? {}) as Record<string, unknown>;
    if (typeof acc !== "object" || Array.isArray(acc)) throw ruleError(`${at}.accessorials`, "object", "must map accessorial codes to fees in minor units", c.accessorials);
    const accessorials = {} as Record<AccessorialCode, number>;
    for (const [code, fee] of Object.entries(acc)) {
      if (!ALL_ACCESSORIALS.includes(code as AccessorialCode)) throw ruleError(`${at}.accessorials.${code}`, "enum", `must be one of ${ALL_ACCESSORIALS.join(", ")}`, code);
      if (!isMinor(fee)) throw ruleError(`${at}.accessorials.${code}`, "minorUnits", "must be a whole number of minor units ≥ 0", fee);
      accessorials[code as AccessorialCode] = fee;
    }
    return { scac: c.scac, currency: c.currency, lanes, fuelBasisPoints: c.fuelBasisPoints, accessorials };
  });
}

const KG_PER: Record<string, number> = { KGM: 1, LBR: 0.45359237, GRM: 0.001, TNE: 1000 };

function kgOf(w: { value: string; unit: string } | undefined): number | null {
  if (!w) return null;
  const n = Number(w.value);
  const f = KG_PER[w.unit];
  return Number.isFinite(n) && f !== undefined ? Math.round(n * f * 1000) / 1000 : null;
}

export interface RatingOptions {
  /** Scheme of the delivery stop's location id that names the rating zone (lane). */
  zoneScheme: string;
  /** Free time at a stop before detention counts, hours. */
  freeTimeHours: number;
}

export const DEFAULT_RATING_OPTIONS: RatingOptions = { zoneScheme: "RATING_ZONE", freeTimeHours: 2 };

/** The shipment's executed facts: final weight (totals, else the handling units), zone of the last delivery stop, accessorials, detention. */
export function executedShipmentOf(shipment: Shipment, options: RatingOptions = DEFAULT_RATING_OPTIONS): { scac: string; executed: Parameters<typeof rateExecutedCost>[0] } {
  const scac = shipment.carrier?.scac;
  if (!scac) throw new RatingError("payload.carrier.scac", "is required: the carrier whose contract rates the shipment");
  let kg = kgOf(shipment.totals?.weight);
  if (kg === null && shipment.handlingUnits?.length) {
    const each = shipment.handlingUnits.map((hu) => kgOf(hu.weight));
    if (each.every((w): w is number => w !== null)) kg = Math.round(each.reduce((s, w) => s + w, 0) * 1000) / 1000;
  }
  if (kg === null || kg <= 0) throw new RatingError("payload.totals.weight", "is required: the final (executed) weight, or a weight on every handling unit");
  const delivery = (shipment.stops ?? []).filter((s) => s.type === "DELIVERY").pop();
  const zone = delivery?.location.ids.find((id) => id.scheme === options.zoneScheme)?.value;
  if (!zone) throw new RatingError(`payload.stops[type=DELIVERY].location.ids[scheme=${options.zoneScheme}]`, "is required: the rating zone of the last delivery stop (the lane)");
  const accessorials: Array<(typeof FLAT_ACCESSORIALS)[number]> = [];
  (shipment.accessorials ?? []).forEach((code, i) => {
    if (!(FLAT_ACCESSORIALS as readonly string[]).includes(code)) throw new RatingError(`payload.accessorials[${i}]`, `"${code}" is not rated by a contract (${FLAT_ACCESSORIALS.join(", ")}; detention comes from stop times)`);
    if (!accessorials.includes(code as (typeof FLAT_ACCESSORIALS)[number])) accessorials.push(code as (typeof FLAT_ACCESSORIALS)[number]);
  });
  // Detention: dwell at each stop (actual arrival → departure) beyond the free time, summed.
  let detentionHours = 0;
  for (const stop of shipment.stops ?? []) {
    if (!stop.actualArrival || !stop.actualDeparture) continue;
    const dwell = (Date.parse(stop.actualDeparture) - Date.parse(stop.actualArrival)) / 3_600_000;
    if (dwell > options.freeTimeHours) detentionHours += dwell - options.freeTimeHours;
  }
  return { scac, executed: { shipmentId: shipment.shipmentId, zone, executedWeightKg: kg, accessorials, ...(detentionHours > 0 ? { detentionHours } : {}) } };
}

/** Rates a shipment against its carrier's contract. */
export function rateShipment(shipment: Shipment, contracts: readonly RateContract[], options: RatingOptions = DEFAULT_RATING_OPTIONS): RatedShipment {
  const { scac, executed } = executedShipmentOf(shipment, options);
  const contract = contracts.find((c) => c.scac === scac);
  if (!contract) throw new RatingError("payload.carrier.scac", `no contract for carrier ${scac} (contracts: ${contracts.map((c) => c.scac).join(", ")})`);
  try {
    return rateExecutedCost(executed, contract);
  } catch (err) {
    // executed-cost names its own fields (shipment.zone …): say where they came from in the message.
    if (err instanceof RatingError && err.field === "shipment.zone") throw new RatingError(`payload.stops[type=DELIVERY].location.ids[scheme=${options.zoneScheme}]`, err.rule);
    throw err;
  }
}

/** The key finance dedupes the shipment's accrual on: carrier + shipment, so a resend never posts twice. */
export function accrualKeyOf(rated: Pick<RatedShipment, "scac" | "shipmentId">): string {
  return `ACCRUAL|${rated.scac}|${rated.shipmentId}`;
}

function money(currency: string, amountMinor: number): Money {
  return { currency, amountMinor };
}

export interface RatedCharges {
  /** The shipment's executed cost, one charge (chargeType OTHER = all types), what finance accrues. */
  total: FreightCharge;
  /** One EXECUTED FreightCharge per charge type: what a carrier invoice is audited against. */
  charges: FreightCharge[];
}

/** The rated shipment as canonical FreightCharges (stage EXECUTED), ids derived from the accrual key. */
export function executedCharges(shipment: Shipment, rated: RatedShipment, now: Date): RatedCharges {
  const key = accrualKeyOf(rated);
  const shipmentRefs: Reference[] = [{ type: "SHIPMENT", value: clip(shipment.shipmentId, 64) }, ...(shipment.references ?? []).filter((r) => r.type !== "SHIPMENT")].slice(0, 50);
  const common = {
    schema: "freight-charge/1" as const,
    ...(shipment.shippedAt ? { occurredAt: shipment.shippedAt } : shipment.occurredAt ? { occurredAt: shipment.occurredAt } : { occurredAt: now.toISOString() }),
    recordedAt: now.toISOString(),
    source: { system: "LSYNC", format: "EXECUTED_COST" },
    correlationId: shipment.correlationId,
    causationId: shipment.id,
    stage: "EXECUTED" as const,
    shipmentRefs,
    carrier: { scac: rated.scac },
  };
  const charges: FreightCharge[] = rated.charges.map((c) => ({
    ...common,
    id: `${key}|${c.chargeType}`,
    idempotencyKey: `${key}|${c.chargeType}`,
    chargeId: `${key}|${c.chargeType}`,
    chargeType: c.chargeType,
    amount: money(rated.currency, c.amountMinor),
    accounting: { accrualKey: key },
  }));
  const breakdown = rated.charges.map((c) => `${c.chargeType} ${c.amountMinor}`).join(" + ");
  const total: FreightCharge = {
    ...common,
    id: key,
    idempotencyKey: key,
    chargeId: key,
    chargeType: "OTHER",
    description: clip(`executed cost ${shipment.shipmentId}: ${breakdown} = ${rated.totalMinor} ${rated.currency} (minor units)`, 256),
    amount: money(rated.currency, rated.totalMinor),
    accounting: { accrualKey: key },
  };
  return { total, charges };
}

/** What the ledger keeps of a rated shipment, for the audit of its invoice. */
export interface AccrualRecord {
  accrualKey: string;
  shipmentId: string;
  scac: string;
  currency: string;
  totalMinor: number;
  charges: FreightCharge[];
  ratedAt: string;
  /** The contract's detention terms at rating, for detention found at delivery (detention-at-stop.ts). */
  terms?: { freeTimeHours: number; detentionPerHourMinor: number | null };
  /** Executed charges known only after dispatch (detention at a stop), added by delivery events. */
  later?: FreightCharge[];
  /** Every ledger key this entry is stored under (so a later charge updates them all). */
  keys?: string[];
}

/** Keys a rated shipment is found by: its id, its BOLs, its PROs (with the carrier: PROs are unique per SCAC only). */
export function ledgerKeysOfShipment(shipment: Shipment, scac: string): string[] {
  const keys = [`SHIPMENT|${shipment.shipmentId}`];
  for (const r of shipment.references ?? []) {
    if (r.type === "BOL" || r.type === "SHIPMENT") keys.push(`${r.type}|${r.value}`);
    if (r.type === "PRO") keys.push(`PRO|${r.issuer?.value ?? scac}|${r.value}`);
  }
  return [...new Set(keys)];
}

/**
 * Ledger keys for some references, most specific first: the types that name the shipment itself
 * (`idTypes`, looked up as its id), then BOL, then PRO (with the carrier: PROs are unique per SCAC only).
 */
export function ledgerKeysOfRefs(refs: readonly Reference[], scac: string, idTypes: readonly string[]): string[] {
  const keys: string[] = [];
  for (const type of [...idTypes, "BOL", "PRO"]) {
    for (const r of refs.filter((x) => x.type === type)) {
      keys.push(type === "PRO" ? `PRO|${r.issuer?.value ?? scac}|${r.value}` : type === "BOL" ? `BOL|${r.value}` : `SHIPMENT|${r.value}`);
    }
  }
  return [...new Set(keys)];
}

/** Keys to look an invoice's accrual up by, most specific first: shipment id (or the shipper's ref), BOL, PRO. */
export function ledgerKeysOfInvoice(invoice: InvoiceEvent): string[] {
  const scac = invoice.carrier?.scac ?? invoice.issuer?.ids?.find((i) => i.scheme === "SCAC")?.value ?? "";
  return ledgerKeysOfRefs([...(invoice.shipmentRefs ?? []), ...invoice.lines.flatMap((l) => l.shipmentRefs ?? [])], scac, ["SHIPMENT", "SHIPPER_REF"]);
}
