/**
 * Generates a month of logistics traffic for three distribution centres from a seed: orders,
 * what was shipped (re-weighed, sometimes short-picked, delayed or re-routed), milestones (some
 * resent), and carrier invoices (mostly right, some off, some sent twice). Same seed, same month.
 */
import { CATALOG } from "../lib/catalog";
import { mulberry32, pickOne, randomInt, type Rng } from "../lib/rng";
import type {
  CarrierContract,
  CarrierInvoice,
  ChargeType,
  Customer,
  CustomerClass,
  Milestone,
  Month,
  Order,
  OrderLine,
  Shipment,
  SiteCode,
  ToleranceRule,
} from "./model";
import { contractFor, executedCharges, linesWeightKg } from "./truth";

export interface MonthOptions {
  seed?: number;
  orders?: number;
  days?: number;
  /** Share of milestone events and invoices sent twice. */
  duplicateRate?: number;
  /** Share of orders with a short pick, delay or re-route. */
  exceptionRate?: number;
  start?: string;
}

const ZONES = ["Z1", "Z2", "Z3", "Z4", "Z5"];
const HOUR = 3_600_000;

export const CONTRACTS: CarrierContract[] = [
  contract("DHLF", "DC1", "EUR", 1850, 4500, 1275),
  contract("XPOL", "DC2", "GBP", 1600, 3900, 1150),
  contract("ODFL", "DC3", "USD", 2100, 5200, 1890),
];

function contract(scac: string, site: SiteCode, currency: string, base: number, minimum: number, fuel: number): CarrierContract {
  const lanes: CarrierContract["lanes"] = {};
  ZONES.forEach((zone, i) => (lanes[zone] = { perHundredKgMinor: base + i * 350, minimumMinor: minimum + i * 600 }));
  return { scac, site, currency, lanes, fuelBasisPoints: fuel, accessorials: { LIFTGATE: 7500, RESIDENTIAL: 5200, APPOINTMENT: 2500, DETENTION: 6000 } };
}

/** Audit tolerances per charge type: the stricter of an absolute and a percentage limit applies. */
export const TOLERANCES: Record<ChargeType, ToleranceRule> = {
  LINEHAUL: { overAbsMinor: 2500, overPct: 3, underAbsMinor: 10000, underPct: 10 },
  FUEL: { overAbsMinor: 500, overPct: 3, underAbsMinor: 2000, underPct: 10 },
  LIFTGATE: { overAbsMinor: 0, overPct: 0, underAbsMinor: 7500, underPct: 100 },
  RESIDENTIAL: { overAbsMinor: 0, overPct: 0, underAbsMinor: 5200, underPct: 100 },
  APPOINTMENT: { overAbsMinor: 0, overPct: 0, underAbsMinor: 2500, underPct: 100 },
  DETENTION: { overAbsMinor: 1000, overPct: 5, underAbsMinor: 20000, underPct: 100 },
};

const TRIGGER_BY_CLASS: Record<CustomerClass, Customer["trigger"]> = { WHOLESALE: "SHIPPED", RETAIL: "DELIVERED", CONTRACT: "POD_RECEIVED" };

function customers(rng: Rng): Customer[] {
  const out: Customer[] = [];
  for (let i = 1; i <= 60; i++) {
    const customerClass = pickOne<CustomerClass>(rng, ["WHOLESALE", "WHOLESALE", "RETAIL", "RETAIL", "RETAIL", "CONTRACT"]);
    out.push({
      customerId: `C${String(i).padStart(5, "0")}`,
      customerClass,
      // Most customers bill on their class's trigger; some contracts negotiate another one.
      trigger: rng() < 0.15 ? pickOne(rng, ["SHIPPED", "DELIVERED", "POD_RECEIVED"] as const) : TRIGGER_BY_CLASS[customerClass],
      partials: customerClass === "RETAIL" ? "ON_COMPLETION" : "PER_SHIPMENT",
    });
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

function orderLines(rng: Rng): OrderLine[] {
  const skus = [...CATALOG].sort(() => rng() - 0.5).slice(0, randomInt(rng, 1, 3));
  return skus.map((item, i) => ({ lineNo: (i + 1) * 10, sku: item.sku, quantity: randomInt(rng, 4, 160) }));
}

function milestones(rng: Rng, shippedAt: number, delayed: boolean): Milestone[] {
  const delivered = shippedAt + randomInt(rng, 18, 72) * HOUR + (delayed ? randomInt(rng, 48, 96) * HOUR : 0);
  return [
    { kind: "SHIPPED", at: iso(shippedAt) },
    { kind: "DELIVERED", at: iso(delivered) },
    { kind: "POD_RECEIVED", at: iso(delivered + randomInt(rng, 1, 12) * HOUR) },
  ];
}

function reweigh(rng: Rng, plannedKg: number): number {
  return Math.max(0.1, Math.round(plannedKg * (0.94 + rng() * 0.14) * 10) / 10);
}

/** Invoice lines from the executed charges, mostly exact, some nudged inside or beyond tolerance. */
function invoiceLines(rng: Rng, month: Pick<Month, "contracts">, shipment: Shipment): CarrierInvoice["lines"] {
  const c = contractFor(month, shipment.scac);
  const lines = [...executedCharges(shipment, c)].map(([chargeType, amountMinor]) => ({ chargeType, amount: { currency: c.currency, amountMinor } }));
  const roll = rng();
  const linehaul = lines.find((l) => l.chargeType === "LINEHAUL")!;
  if (roll < 0.08) {
    // A small rounding-type difference the audit should wave through: under 1 % and under 10.00.
    linehaul.amount.amountMinor += Math.min(999, Math.floor(linehaul.amount.amountMinor * 0.009));
  } else if (roll < 0.12) {
    // Overbilled well beyond any tolerance.
    linehaul.amount.amountMinor += Math.max(5000, Math.floor(linehaul.amount.amountMinor * 0.15));
  }
  return lines;
}

export function generateMonth(options: MonthOptions = {}): Month {
  const seed = options.seed ?? 20261101;
  const rng = mulberry32(seed);
  const days = options.days ?? 30;
  const start = Date.parse(options.start ?? "2026-11-01T00:00:00Z");
  const orderCount = options.orders ?? 5000;
  const duplicateRate = options.duplicateRate ?? 0.03;
  const exceptionRate = options.exceptionRate ?? 0.05;
  const month: Month = {
    seed,
    start: iso(start),
    days,
    customers: customers(rng),
    contracts: CONTRACTS,
    tolerances: TOLERANCES,
    orders: [],
    shipments: [],
    invoices: [],
    exceptions: [],
  };
  let shipmentNo = 0;
  for (let n = 1; n <= orderCount; n++) {
    const site = pickOne<SiteCode>(rng, ["DC1", "DC2", "DC3"]);
    const releasedAt = start + Math.floor(rng() * days * 24) * HOUR;
    const accessorials = (["LIFTGATE", "RESIDENTIAL", "APPOINTMENT"] as const).filter((_, i) => rng() < [0.1, 0.08, 0.05][i]!);
    const order: Order = {
      orderId: `SO${String(4_500_000 + n)}`,
      customerId: pickOne(rng, month.customers).customerId,
      site,
      zone: pickOne(rng, ZONES),
      lines: orderLines(rng),
      accessorials: [...accessorials],
      releasedAt: iso(releasedAt),
      promisedBy: iso(releasedAt + 5 * 24 * HOUR),
    };
    month.orders.push(order);
    const scac = CONTRACTS.find((c) => c.site === site)!.scac;
    const exception = rng() < exceptionRate ? pickOne(rng, ["SHORT_PICK", "DELAY", "REROUTE"] as const) : null;
    const shippedAt = releasedAt + randomInt(rng, 4, 30) * HOUR;
    // A short pick ships what was found now and the rest of the first line in a second shipment.
    const shorted = exception === "SHORT_PICK" ? Math.max(1, Math.floor(order.lines[0]!.quantity / 3)) : 0;
    const firstLines = order.lines.map((l, i) => (i === 0 && shorted ? { ...l, quantity: l.quantity - shorted } : l));
    const parts: Array<{ lines: OrderLine[]; at: number }> = [{ lines: firstLines, at: shippedAt }];
    if (shorted) parts.push({ lines: [{ ...order.lines[0]!, quantity: shorted }], at: shippedAt + randomInt(rng, 24, 72) * HOUR });
    for (const [i, part] of parts.entries()) {
      const plannedWeightKg = linesWeightKg(part.lines);
      const shipment: Shipment = {
        shipmentId: `SH${String(7_000_000 + ++shipmentNo)}`,
        orderId: order.orderId,
        scac,
        site,
        zone: exception === "REROUTE" ? ZONES[(ZONES.indexOf(order.zone) + 1) % ZONES.length]! : order.zone,
        lines: part.lines,
        plannedWeightKg,
        executedWeightKg: reweigh(rng, plannedWeightKg),
        detentionHours: rng() < 0.06 ? randomInt(rng, 1, 3) : 0,
        accessorials: [...order.accessorials],
        milestones: milestones(rng, part.at, exception === "DELAY" && i === 0),
        resentMilestones: (["SHIPPED", "DELIVERED", "POD_RECEIVED"] as const).filter(() => rng() < duplicateRate),
      };
      month.shipments.push(shipment);
      const delivered = Date.parse(shipment.milestones[1]!.at);
      const invoice: CarrierInvoice = {
        invoiceNumber: `${scac}-${String(900_000 + shipmentNo)}`,
        scac,
        shipmentId: shipment.shipmentId,
        invoiceDate: iso(delivered + randomInt(rng, 2, 20) * 24 * HOUR),
        lines: invoiceLines(rng, month, shipment),
      };
      month.invoices.push(invoice);
      if (rng() < duplicateRate) month.invoices.push({ ...invoice, lines: invoice.lines.map((l) => ({ ...l, amount: { ...l.amount } })), duplicateOf: invoice.invoiceNumber });
    }
    if (exception) {
      const first = month.shipments[month.shipments.length - parts.length]!;
      month.exceptions.push({ kind: exception, orderId: order.orderId, shipmentId: first.shipmentId, at: first.milestones[0]!.at });
    }
  }
  return month;
}
