/**
 * Billing eligibility (issue #6 scenario 6): per customer or customer class a billing trigger
 * (shipped, delivered, POD received), whether partial shipments bill per shipment or wait for the
 * order to complete, and whether exception shipments are held. `decideBilling` is pure: it takes
 * the order's stored state and one status event and returns the new state and the decision; the
 * lsync-billing-eligibility node keeps the state in the store.
 */
import type { InvoiceEvent, Money, Order, Party, Price, Reference, Shipment, ShipmentStatusEvent } from "../canonical/types";
import { minorUnits } from "../canonical/money";
import { boundedId, clip, fromScaled, ruleError, toScaled } from "./common";

export type BillingTrigger = "SHIPPED" | "DELIVERED" | "POD";
export type PartialPolicy = "PER_SHIPMENT" | "ON_COMPLETION";

export interface BillingRule {
  /** A customer id, a customer class (wholesale, retail, contract, …) or "*". */
  customer: string;
  trigger: BillingTrigger;
  partial: PartialPolicy;
  /** Exception shipments (refused, damaged, POD with exceptions, …) wait until released. */
  holdExceptions: boolean;
}

/** Wholesale bills when it ships, retail on delivery, contract customers on POD once the order is complete. */
export const DEFAULT_BILLING_RULES: readonly BillingRule[] = [
  { customer: "wholesale", trigger: "SHIPPED", partial: "PER_SHIPMENT", holdExceptions: true },
  { customer: "retail", trigger: "DELIVERED", partial: "PER_SHIPMENT", holdExceptions: true },
  { customer: "contract", trigger: "POD", partial: "ON_COMPLETION", holdExceptions: true },
  { customer: "*", trigger: "DELIVERED", partial: "PER_SHIPMENT", holdExceptions: true },
];

const TRIGGERS: readonly BillingTrigger[] = ["SHIPPED", "DELIVERED", "POD"];
const TRIGGER_TEXT: Record<BillingTrigger, string> = { SHIPPED: "shipped", DELIVERED: "delivered", POD: "POD received" };

export interface BillingRuleSet {
  rules: BillingRule[];
  /** Customer id → class, from a rules file or message (`{rules, classes}`). */
  classes: Record<string, string>;
}

/** Rules as an array, or `{rules, classes}`; errors name the row and field. */
export function parseBillingRules(raw: unknown, field = "rules"): BillingRuleSet {
  const obj = raw as { rules?: unknown; classes?: unknown } | null;
  const list = Array.isArray(raw) ? raw : obj && typeof obj === "object" ? obj.rules : undefined;
  if (!Array.isArray(list)) throw ruleError(field, "array", "must be an array of billing rules or {rules: [...], classes: {...}}", raw);
  const at = Array.isArray(raw) ? field : `${field}.rules`;
  const seen = new Set<string>();
  const rules = list.map((row: unknown, i): BillingRule => {
    const r = (row ?? {}) as Record<string, unknown>;
    const customer = String(r.customer ?? "").trim();
    if (!customer || customer.length > 128) throw ruleError(`${at}[${i}].customer`, "required", "must name a customer id, a class or *", r.customer);
    if (seen.has(customer)) throw ruleError(`${at}[${i}].customer`, "unique", `${customer} has two rows`, r.customer);
    seen.add(customer);
    const trigger = String(r.trigger ?? "").toUpperCase();
    if (!TRIGGERS.includes(trigger as BillingTrigger)) throw ruleError(`${at}[${i}].trigger`, "enum", "must be SHIPPED, DELIVERED or POD", r.trigger);
    const partial = String(r.partial ?? "PER_SHIPMENT").toUpperCase();
    if (partial !== "PER_SHIPMENT" && partial !== "ON_COMPLETION") throw ruleError(`${at}[${i}].partial`, "enum", "must be PER_SHIPMENT or ON_COMPLETION", r.partial);
    return { customer, trigger: trigger as BillingTrigger, partial, holdExceptions: r.holdExceptions === undefined ? true : r.holdExceptions === true || r.holdExceptions === "true" };
  });
  const classes: Record<string, string> = {};
  if (!Array.isArray(raw) && obj?.classes !== undefined) {
    if (!obj.classes || typeof obj.classes !== "object" || Array.isArray(obj.classes)) throw ruleError(`${field}.classes`, "object", "must map customer ids to classes", obj.classes);
    for (const [id, cls] of Object.entries(obj.classes as Record<string, unknown>)) {
      if (typeof cls !== "string" || !cls) throw ruleError(`${field}.classes.${id}`, "string", "must be a class name", cls);
      classes[id] = cls;
    }
  }
  return { rules, classes };
}

/** The customer's own row, else its class's row, else "*". */
export function billingRuleFor(set: BillingRuleSet, customerId: string, customerClass?: string | null): BillingRule | null {
  const cls = customerClass || set.classes[customerId];
  return set.rules.find((r) => r.customer === customerId) ?? (cls ? set.rules.find((r) => r.customer === cls) : undefined) ?? set.rules.find((r) => r.customer === "*") ?? null;
}

const SHIPPED_STATUSES = new Set<ShipmentStatusEvent["status"]>([
  "PICKED_UP", "DEPARTED_PICKUP", "IN_TRANSIT", "ARRIVED_TERMINAL", "DEPARTED_TERMINAL", "ARRIVED_FACILITY", "DEPARTED_FACILITY",
  "ARRIVED_STOP", "DEPARTED_STOP", "INTERLINED", "OUT_FOR_DELIVERY", "ARRIVED_DELIVERY", "DELIVERED", "DEPARTED_DELIVERY",
]);
/** Statuses that make a shipment an exception shipment (held when the rule says so). */
const EXCEPTION_STATUSES = new Set<ShipmentStatusEvent["status"]>([
  "REFUSED", "DAMAGED", "DELIVERY_EXCEPTION", "EXCEPTION", "RETURNED_TO_SHIPPER", "CANCELLED", "DELIVERY_NOT_COMPLETED",
]);

export interface Milestones {
  reached: BillingTrigger[];
  /** Why this is an exception shipment, when it is one. */
  exception: string | null;
}

/**
 * What one event (and the shipment it belongs to) proves: only ACTUAL events count (an ETA never
 * triggers billing). POD needs a delivery with a proof: a signature on the event or the
 * shipment's `pod`; a "delivered" event alone is not a POD.
 */
export function milestonesOf(event: ShipmentStatusEvent, shipment?: Shipment | null): Milestones {
  const reached = new Set<BillingTrigger>();
  const actual = event.classifier === "ACTUAL";
  const delivered = (actual && event.status === "DELIVERED") || shipment?.status === "DELIVERED" || !!shipment?.deliveredAt;
  if ((actual && SHIPPED_STATUSES.has(event.status)) || delivered || ["SHIPPED", "PICKED_UP", "IN_TRANSIT"].includes(shipment?.status ?? "") || !!shipment?.shippedAt) {
    reached.add("SHIPPED");
  }
  if (delivered) reached.add("DELIVERED");
  const pod = shipment?.pod;
  if (delivered && ((actual && event.status === "DELIVERED" && !!event.signedBy) || !!pod?.signedBy || !!pod?.documentRef)) reached.add("POD");
  let exception: string | null = null;
  if (actual && EXCEPTION_STATUSES.has(event.status)) exception = `carrier reported ${event.status}${event.reason ? ` (${event.reason.scheme} ${event.reason.code})` : ""}`;
  else if (pod?.exceptions?.length) exception = `POD notes exceptions: ${pod.exceptions.map((e) => e.code).join(", ")}`;
  return { reached: TRIGGERS.filter((t) => reached.has(t)), exception };
}

export interface ShipmentBillingState {
  /** Order line → shipped quantity (decimal string), as the latest shipment data says. */
  lines: Record<string, string>;
  reached: BillingTrigger[];
  held?: string;
  invoiceId?: string;
}

/** What the node stores per order: survives a restart, so partial shipments add up across events. */
export interface OrderBillingState {
  orderId: string;
  customerId: string;
  /** The class the customer was given (msg.customerClass) when the order was first seen. */
  customerClass?: string;
  /**
   * The order's business thread (the Order's correlationId, e.g. SO|4711), once an Order was seen:
   * the invoice-ready goes on it, so a trace from the load, delivery or order finds the invoice.
   */
  correlationId?: string;
  /** Order line → ordered quantity, once an Order was seen. */
  ordered?: Record<string, string>;
  /** Order line → unit price, when the Order had prices. */
  prices?: Record<string, Price>;
  /**
   * Order line → the line's net amount, for lines without a unit price (an ERP such as SAP gives
   * the line's NetAmount): a shipped quantity is billed pro rata, net × shipped ÷ ordered.
   */
  lineNets?: Record<string, Money>;
  currency?: string;
  shipments: Record<string, ShipmentBillingState>;
  /** Invoices made, by id, with the idempotency key of the event that made them (a redelivery re-sends the same one). */
  invoices: Record<string, { byEvent: string; invoice: InvoiceEvent }>;
}

export type BillingDecision =
  | { eligible: true; invoice: InvoiceEvent; redelivery: boolean; shipments: string[]; rule: BillingRule }
  | { eligible: false; code: "TRIGGER_NOT_REACHED" | "HELD" | "WAITING_FOR_COMPLETION" | "ORDER_LINES_UNKNOWN" | "ALREADY_INVOICED"; reason: string; rule: BillingRule };

export interface BillingInput {
  rule: BillingRule;
  customerId: string;
  event: ShipmentStatusEvent;
  shipment?: Shipment | null;
  order?: Order | null;
  /** Releases a held shipment (a person cleared the exception). */
  release?: boolean;
  now: Date;
}

/** The order a shipment belongs to: the Order's id, else the shipment's first orderRef. */
export function orderIdOf(shipment: Shipment | null | undefined, order: Order | null | undefined): string | null {
  return order?.orderId ?? shipment?.orderRefs?.[0]?.orderId ?? null;
}

/** The shipment an event is about: the Shipment's id, else the event's SHIPMENT/DELIVERY/BOL/PRO reference. */
export function shipmentIdOf(event: ShipmentStatusEvent, shipment: Shipment | null | undefined): string | null {
  if (shipment?.shipmentId) return shipment.shipmentId;
  for (const type of ["SHIPMENT", "DELIVERY", "BOL", "PRO"]) {
    const ref = event.shipmentRefs?.find((r) => r.type === type);
    if (ref) return ref.value;
  }
  return null;
}

const lineKey = (line: { lineNo: number; orderRef?: Reference }) => String(line.orderRef?.line ?? line.lineNo);

function addQty(a: string | undefined, b: string): string {
  return fromScaled(toScaled(a ?? "0", "quantity") + toScaled(b, "quantity"));
}

/** Merges what the event, shipment and order say into a copy of the state. */
function merge(state: OrderBillingState, input: BillingInput, shipmentId: string, milestones: Milestones): OrderBillingState {
  const next: OrderBillingState = structuredClone(state);
  if (input.order?.correlationId) next.correlationId = input.order.correlationId;
  if (input.order?.lines?.length) {
    next.ordered = {};
    next.prices = {};
    next.lineNets = {};
    input.order.lines.forEach((l, i) => {
      toScaled(l.quantity?.value ?? "", `order.lines[${i}].quantity.value`); // checks it is a decimal
      next.ordered![String(l.lineNo)] = l.quantity.value;
      if (l.unitPrice) next.prices![String(l.lineNo)] = l.unitPrice;
      else if (l.netAmount) next.lineNets![String(l.lineNo)] = l.netAmount;
    });
    if (input.order.currency) next.currency = input.order.currency;
  }
  const ship: ShipmentBillingState = next.shipments[shipmentId] ?? { lines: {}, reached: [] };
  if (input.shipment?.lines?.length) {
    ship.lines = {};
    input.shipment.lines.forEach((l, i) => {
      const qty = l.quantity?.value;
      if (typeof qty !== "string") throw ruleError(`shipment.lines[${i}].quantity.value`, "required", "must be a decimal string", qty);
      ship.lines[lineKey(l)] = addQty(ship.lines[lineKey(l)], qty);
    });
  }
  ship.reached = TRIGGERS.filter((t) => ship.reached.includes(t) || milestones.reached.includes(t));
  if (input.release) delete ship.held;
  if (milestones.exception && input.rule.holdExceptions && !input.release) ship.held = milestones.exception;
  next.shipments[shipmentId] = ship;
  return next;
}

/** Σ quantity × unit price of the billed lines, rounded half-up to minor units (exact, bigint). */
function netAmount(state: OrderBillingState, lines: Record<string, string>): { currency: string; amountMinor: number; priced: boolean } {
  const prices = state.prices ?? {};
  const nets = state.lineNets ?? {};
  const currency = state.currency ?? Object.values(prices)[0]?.currency ?? Object.values(nets)[0]?.currency ?? "XXX";
  let priced = Object.keys(lines).length > 0;
  let units = 2;
  try {
    units = minorUnits(currency);
  } catch {
    priced = false;
  }
  let total = 0n; // scale 10^18 (quantity 10^9 × price 10^9)
  for (const [line, qty] of Object.entries(lines)) {
    const price = prices[line];
    const net = nets[line];
    const ordered = state.ordered?.[line];
    if (price && price.currency === currency) {
      const per = price.per ? toScaled(price.per.value, "price.per.value") : 1_000_000_000n;
      total += (toScaled(qty, "quantity") * toScaled(price.amount, "price.amount") * 1_000_000_000n) / (per === 0n ? 1n : per);
    } else if (net && net.currency === currency && ordered && toScaled(ordered, "quantity") > 0n) {
      // net (minor units) × shipped ÷ ordered, at scale 10^18 like the unit-price lines.
      const netScaled = BigInt(net.amountMinor) * 10n ** BigInt(18 - units);
      total += (netScaled * toScaled(qty, "quantity")) / toScaled(ordered, "quantity");
    } else {
      priced = false;
    }
  }
  const divisor = 10n ** BigInt(18 - units);
  const minor = (total + divisor / 2n) / divisor;
  return { currency, amountMinor: Number(minor), priced };
}

function invoiceReady(state: OrderBillingState, input: BillingInput, shipmentIds: string[], lines: Record<string, string>, rule: BillingRule): InvoiceEvent {
  const part = rule.partial === "PER_SHIPMENT" ? shipmentIds[0]! : "COMPLETE";
  const invoiceId = boundedId(`READY|${state.orderId}|${part}`);
  const at = input.now.toISOString();
  const net = netAmount(state, lines);
  const billTo: Party = { role: "BILL_TO", ids: [{ scheme: "ERP_CUSTOMER", value: clip(input.customerId, 64) }] };
  return {
    schema: "invoice-event/1",
    id: invoiceId,
    source: { system: "LSYNC", format: "BILLING_ELIGIBILITY" },
    // The order's thread, else the triggering event's: a bare order id is a thread no other step shares.
    correlationId: boundedId(state.correlationId || input.event.correlationId || state.orderId),
    causationId: boundedId(input.event.id),
    idempotencyKey: `billing|${invoiceId}`.slice(0, 256),
    occurredAt: at,
    recordedAt: at,
    invoiceId,
    direction: "RECEIVABLE",
    invoiceNumber: clip(rule.partial === "PER_SHIPMENT" ? `${state.orderId}-${part}` : state.orderId, 64),
    kind: "ORIGINAL",
    billTo,
    invoiceDate: at.slice(0, 10),
    currency: net.currency,
    totals: { net: { currency: net.currency, amountMinor: net.amountMinor } },
    lines: [],
    shipmentRefs: [{ type: "SO", value: clip(state.orderId, 64) }, ...shipmentIds.slice(0, 49).map((s) => ({ type: "SHIPMENT", value: clip(s, 64) }))],
    duplicateKey: `RECEIVABLE|${input.customerId}|${invoiceId}`.slice(0, 256),
    status: "APPROVED",
    ...(net.priced ? {} : { findings: [{ scheme: "LSYNC-BILLING", code: "PRICE_UNKNOWN", text: "the order gave no unit price for every billed line: the ERP prices the invoice" }] }),
  };
}

/** A new, empty state for an order. */
export function newOrderState(orderId: string, customerId: string): OrderBillingState {
  return { orderId, customerId, shipments: {}, invoices: {} };
}

/**
 * One status event against the order's state: the new state to store and the decision. An invoice
 * is ready exactly when the customer's trigger is reached (and, for ON_COMPLETION, every ordered
 * quantity has reached it), never before, and only once; the same event again re-sends the same
 * invoice (same id and idempotency key) so a crash between store and send loses nothing.
 */
export function decideBilling(previous: OrderBillingState, input: BillingInput): { state: OrderBillingState; decision: BillingDecision } {
  const { rule, event } = input;
  const shipmentId = shipmentIdOf(event, input.shipment);
  if (!shipmentId) throw ruleError("payload.shipmentRefs", "required", "names no SHIPMENT, DELIVERY, BOL or PRO reference and msg.shipment has no shipmentId", event.shipmentRefs);
  const eventKey = event.idempotencyKey || event.id;
  const milestones = milestonesOf(event, input.shipment);
  const state = merge(previous, input, shipmentId, milestones);
  const ship = state.shipments[shipmentId]!;
  const want = TRIGGER_TEXT[rule.trigger];
  const who = `customer ${input.customerId} (rule ${rule.customer})`;

  const made = Object.values(state.invoices).find((i) => (rule.partial === "PER_SHIPMENT" ? i.invoice.shipmentRefs?.some((r) => r.type === "SHIPMENT" && r.value === shipmentId) : true));
  if (made) {
    if (made.byEvent === eventKey) {
      return { state, decision: { eligible: true, invoice: made.invoice, redelivery: true, shipments: [shipmentId], rule } };
    }
    return { state, decision: { eligible: false, code: "ALREADY_INVOICED", reason: `${rule.partial === "PER_SHIPMENT" ? `shipment ${shipmentId}` : `order ${state.orderId}`} is already invoice-ready as ${made.invoice.invoiceId}`, rule } };
  }
  if (ship.held) return { state, decision: { eligible: false, code: "HELD", reason: `shipment ${shipmentId} is held: ${ship.held} (send msg.release = true once cleared)`, rule } };
  if (!ship.reached.includes(rule.trigger)) {
    const has = ship.reached.length ? ship.reached.map((t) => TRIGGER_TEXT[t]).join(", ") : event.classifier === "ACTUAL" ? `nothing billable yet (${event.status})` : `nothing: ${event.classifier} events never trigger billing`;
    return { state, decision: { eligible: false, code: "TRIGGER_NOT_REACHED", reason: `${who} bills when ${want}; shipment ${shipmentId} has reached ${has}`, rule } };
  }
  if (rule.partial === "PER_SHIPMENT") {
    const invoice = invoiceReady(state, input, [shipmentId], ship.lines, rule);
    state.invoices[invoice.invoiceId] = { byEvent: eventKey, invoice };
    ship.invoiceId = invoice.invoiceId;
    return { state, decision: { eligible: true, invoice, redelivery: false, shipments: [shipmentId], rule } };
  }
  // ON_COMPLETION: every ordered quantity must be in shipments that reached the trigger.
  if (!state.ordered) return { state, decision: { eligible: false, code: "ORDER_LINES_UNKNOWN", reason: `${who} bills complete orders; the lines of order ${state.orderId} are not known yet (send msg.order once)`, rule } };
  const ready = Object.entries(state.shipments).filter(([, s]) => s.reached.includes(rule.trigger) && !s.held);
  const heldOther = Object.entries(state.shipments).find(([, s]) => s.held);
  const billed: Record<string, string> = {};
  for (const [, s] of ready) for (const [line, qty] of Object.entries(s.lines)) billed[line] = addQty(billed[line], qty);
  const missing = Object.entries(state.ordered)
    .filter(([line, qty]) => toScaled(billed[line] ?? "0", "quantity") < toScaled(qty, "quantity"))
    .map(([line, qty]) => `line ${line} ${billed[line] ?? "0"}/${qty}`);
  if (missing.length) {
    const held = heldOther ? `; shipment ${heldOther[0]} is held: ${heldOther[1].held}` : "";
    return { state, decision: { eligible: false, code: "WAITING_FOR_COMPLETION", reason: `${who} bills order ${state.orderId} when complete and ${want}: ${missing.join(", ")}${held}`, rule } };
  }
  const shipments = ready.map(([id]) => id).sort();
  const invoice = invoiceReady(state, input, shipments, billed, rule);
  state.invoices[invoice.invoiceId] = { byEvent: eventKey, invoice };
  for (const id of shipments) state.shipments[id]!.invoiceId = invoice.invoiceId;
  return { state, decision: { eligible: true, invoice, redelivery: false, shipments, rule } };
}
