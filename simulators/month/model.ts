/**
 * The simulated month's world: customers with their billing rules, carriers with contract rates
 * per lane, and what really happened to every order. The generator writes it from a seed; the
 * ground truth (truth.ts) is computed from it by code that shares nothing with the product, so a
 * product bug cannot hide behind the same bug in the check.
 */

export type SiteCode = "DC1" | "DC2" | "DC3";
export type CustomerClass = "WHOLESALE" | "RETAIL" | "CONTRACT";
export type BillingTrigger = "SHIPPED" | "DELIVERED" | "POD_RECEIVED";
/** Partial shipments bill one by one, or only once the order is complete. */
export type PartialPolicy = "PER_SHIPMENT" | "ON_COMPLETION";
export type ChargeType = "LINEHAUL" | "FUEL" | "LIFTGATE" | "RESIDENTIAL" | "APPOINTMENT" | "DETENTION";
export type ExceptionKind = "SHORT_PICK" | "DELAY" | "REROUTE";
export type Team = "logistics" | "finance" | "customer-service";

export interface Money {
  currency: string;
  amountMinor: number;
}

export interface Customer {
  customerId: string;
  customerClass: CustomerClass;
  trigger: BillingTrigger;
  partials: PartialPolicy;
}

export interface Lane {
  /** Rate per started 100 kg, in minor units of the contract currency. */
  perHundredKgMinor: number;
  /** The least the carrier charges for linehaul on this lane. */
  minimumMinor: number;
}

export interface CarrierContract {
  scac: string;
  site: SiteCode;
  currency: string;
  /** Destination zone → lane rates from this contract's site. */
  lanes: Record<string, Lane>;
  /** Fuel surcharge on linehaul, in basis points (1/100 %). */
  fuelBasisPoints: number;
  /** Flat accessorial fees; DETENTION is per started hour beyond free time. */
  accessorials: Record<Exclude<ChargeType, "LINEHAUL" | "FUEL">, number>;
}

/** Per charge type: how far an invoiced amount may be from the executed cost and still be approved. */
export interface ToleranceRule {
  overAbsMinor: number;
  overPct: number;
  underAbsMinor: number;
  underPct: number;
}

export interface OrderLine {
  lineNo: number;
  sku: string;
  quantity: number;
}

export interface Order {
  orderId: string;
  customerId: string;
  site: SiteCode;
  zone: string;
  lines: OrderLine[];
  accessorials: Array<"LIFTGATE" | "RESIDENTIAL" | "APPOINTMENT">;
  releasedAt: string;
  promisedBy: string;
}

export interface Milestone {
  kind: "SHIPPED" | "DELIVERED" | "POD_RECEIVED";
  at: string;
}

export interface Shipment {
  shipmentId: string;
  orderId: string;
  scac: string;
  site: SiteCode;
  /** Zone actually driven to (differs from the order's after a re-route). */
  zone: string;
  lines: OrderLine[];
  plannedWeightKg: number;
  /** Final weight at shipment (re-weighed); accruals are on this, not on the plan. */
  executedWeightKg: number;
  detentionHours: number;
  accessorials: Array<"LIFTGATE" | "RESIDENTIAL" | "APPOINTMENT">;
  milestones: Milestone[];
  /** Milestone events the scanners/carrier send twice (resubmitted). */
  resentMilestones: Array<Milestone["kind"]>;
}

export interface InvoiceLine {
  chargeType: ChargeType;
  amount: Money;
}

export interface CarrierInvoice {
  invoiceNumber: string;
  scac: string;
  shipmentId: string;
  invoiceDate: string;
  lines: InvoiceLine[];
  /** A resubmission of an invoice already sent (same number, same amount): must be caught. */
  duplicateOf?: string;
}

export interface ExceptionCase {
  kind: ExceptionKind;
  orderId: string;
  shipmentId?: string;
  at: string;
}

export interface Month {
  seed: number;
  start: string;
  days: number;
  customers: Customer[];
  contracts: CarrierContract[];
  tolerances: Record<ChargeType, ToleranceRule>;
  orders: Order[];
  shipments: Shipment[];
  invoices: CarrierInvoice[];
  exceptions: ExceptionCase[];
}
