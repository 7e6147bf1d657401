/**
 * Ground truth for the simulated month, computed straight from the generated world with no product
 * code: what each shipment really cost under its contract, which invoices must pass audit, when each
 * order may be invoiced at the earliest, and which team each exception belongs to.
 */
import { CATALOG } from "../lib/catalog";
import type { CarrierContract, CarrierInvoice, ChargeType, ExceptionKind, Month, Order, Shipment, Team, ToleranceRule } from "./model";

export function contractFor(month: Pick<Month, "contracts">, scac: string): CarrierContract {
  const contract = month.contracts.find((c) => c.scac === scac);
  if (!contract) throw new Error(`no contract for carrier ${scac}`);
  return contract;
}

/** Planned weight of some order lines from the catalog's unit weights, to 0.1 kg. */
/**
 * Each order's first shipment: it carries what the order's WMS picking picked (a short pick's
 * rest ships later, never picked in the WMS). Order id -> shipment.
 */
export function pickedShipments(month: Pick<Month, "shipments">): Map<string, Shipment> {
  const first = new Map<string, Shipment>();
  for (const s of month.shipments) if (!first.has(s.orderId)) first.set(s.orderId, s);
  return first;
}

export function linesWeightKg(lines: Order["lines"]): number {
  let kg = 0;
  for (const line of lines) {
    const item = CATALOG.find((i) => i.sku === line.sku);
    if (!item) throw new Error(`unknown sku ${line.sku}`);
    kg += item.unitWeightKg * line.quantity;
  }
  return Math.round(kg * 10) / 10;
}

/** The executed cost of a shipment, charge by charge, under its carrier's contract. */
export function executedCharges(shipment: Shipment, contract: CarrierContract): Map<ChargeType, number> {
  const lane = contract.lanes[shipment.zone];
  if (!lane) throw new Error(`contract ${contract.scac} has no lane to ${shipment.zone}`);
  const hundreds = Math.ceil(shipment.executedWeightKg / 100);
  const linehaul = Math.max(lane.minimumMinor, hundreds * lane.perHundredKgMinor);
  const charges = new Map<ChargeType, number>([
    ["LINEHAUL", linehaul],
    // Fuel is a share of linehaul, rounded half up to the minor unit.
    ["FUEL", Math.floor((linehaul * contract.fuelBasisPoints + 5000) / 10000)],
  ]);
  for (const code of shipment.accessorials) charges.set(code, contract.accessorials[code]);
  if (shipment.detentionHours > 0) charges.set("DETENTION", shipment.detentionHours * contract.accessorials.DETENTION);
  return charges;
}

export function executedCostMinor(shipment: Shipment, contract: CarrierContract): number {
  let total = 0;
  for (const amount of executedCharges(shipment, contract).values()) total += amount;
  return total;
}

/** Within tolerance when the variance is inside both the absolute and the percentage limit (the stricter). */
export function withinTolerance(expected: number, invoiced: number, rule: ToleranceRule): boolean {
  const variance = invoiced - expected;
  if (variance >= 0) return variance <= rule.overAbsMinor && variance * 100 <= expected * rule.overPct;
  return -variance <= rule.underAbsMinor && -variance * 100 <= expected * rule.underPct;
}

export type AuditVerdict = "APPROVED" | "EXCEPTION" | "DUPLICATE";

/** What freight audit must decide for each invoice: every line within tolerance and no unexpected charge. */
export function auditVerdict(month: Month, invoice: CarrierInvoice): AuditVerdict {
  if (invoice.duplicateOf) return "DUPLICATE";
  const shipment = month.shipments.find((s) => s.shipmentId === invoice.shipmentId);
  if (!shipment) throw new Error(`invoice ${invoice.invoiceNumber} names unknown shipment ${invoice.shipmentId}`);
  const expected = executedCharges(shipment, contractFor(month, invoice.scac));
  for (const line of invoice.lines) {
    const exp = expected.get(line.chargeType);
    if (exp === undefined || !withinTolerance(exp, line.amount.amountMinor, month.tolerances[line.chargeType])) return "EXCEPTION";
  }
  return "APPROVED";
}

const MILESTONE_FOR_TRIGGER = { SHIPPED: "SHIPPED", DELIVERED: "DELIVERED", POD_RECEIVED: "POD_RECEIVED" } as const;

/**
 * The earliest moment each order may be invoiced (per shipment for customers that bill partials,
 * else when the last shipment reaches the trigger). An invoice-ready before this is a bug.
 */
export function billingTriggers(month: Month): Map<string, { orderId: string; shipmentId: string | null; at: string }> {
  const out = new Map<string, { orderId: string; shipmentId: string | null; at: string }>();
  for (const order of month.orders) {
    const customer = month.customers.find((c) => c.customerId === order.customerId);
    if (!customer) throw new Error(`order ${order.orderId} names unknown customer ${order.customerId}`);
    const shipments = month.shipments.filter((s) => s.orderId === order.orderId);
    const times = shipments.map((s) => s.milestones.find((m) => m.kind === MILESTONE_FOR_TRIGGER[customer.trigger])?.at ?? null);
    if (customer.partials === "PER_SHIPMENT") {
      shipments.forEach((s, i) => {
        const at = times[i];
        if (at) out.set(s.shipmentId, { orderId: order.orderId, shipmentId: s.shipmentId, at });
      });
    } else if (times.length > 0 && times.every((t) => t !== null)) {
      const last = (times as string[]).reduce((a, b) => (a > b ? a : b));
      out.set(order.orderId, { orderId: order.orderId, shipmentId: null, at: last });
    }
  }
  return out;
}

/**
 * Operational exceptions go to logistics; delays also alert customer service; money issues go to
 * finance, and so does a short pick's exposure (the value not shipped, to post).
 */
export function teamsFor(kind: ExceptionKind | "INVOICE_VARIANCE" | "DUPLICATE_INVOICE"): Team[] {
  switch (kind) {
    case "SHORT_PICK":
      return ["logistics", "finance"];
    case "REROUTE":
      return ["logistics"];
    case "DELAY":
      return ["logistics", "customer-service"];
    case "INVOICE_VARIANCE":
    case "DUPLICATE_INVOICE":
      return ["finance"];
  }
}

export interface MonthTruth {
  shipments: number;
  /** shipmentId → executed cost in minor units (what the accrual must equal). */
  accrualByShipment: Map<string, { currency: string; amountMinor: number }>;
  audit: { approved: number; exceptions: number; duplicates: number };
  billing: ReturnType<typeof billingTriggers>;
  exceptionsByTeam: Record<Team, number>;
}

export function computeTruth(month: Month): MonthTruth {
  const accrualByShipment = new Map<string, { currency: string; amountMinor: number }>();
  for (const s of month.shipments) {
    const contract = contractFor(month, s.scac);
    accrualByShipment.set(s.shipmentId, { currency: contract.currency, amountMinor: executedCostMinor(s, contract) });
  }
  const audit = { approved: 0, exceptions: 0, duplicates: 0 };
  const exceptionsByTeam: Record<Team, number> = { logistics: 0, finance: 0, "customer-service": 0 };
  for (const invoice of month.invoices) {
    const verdict = auditVerdict(month, invoice);
    if (verdict === "APPROVED") audit.approved++;
    else if (verdict === "DUPLICATE") audit.duplicates++;
    else audit.exceptions++;
    if (verdict !== "APPROVED") for (const team of teamsFor(verdict === "DUPLICATE" ? "DUPLICATE_INVOICE" : "INVOICE_VARIANCE")) exceptionsByTeam[team]++;
  }
  for (const e of month.exceptions) for (const team of teamsFor(e.kind)) exceptionsByTeam[team]++;
  return { shipments: month.shipments.length, accrualByShipment, audit, billing: billingTriggers(month), exceptionsByTeam };
}
