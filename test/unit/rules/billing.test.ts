import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { canonicalValidator } from "../../../nodes/lib/canonical/validator";
import {
  billingRuleFor,
  decideBilling,
  DEFAULT_BILLING_RULES,
  milestonesOf,
  newOrderState,
  parseBillingRules,
  type BillingInput,
  type BillingRule,
  type OrderBillingState,
} from "../../../nodes/lib/rules/billing";
import { order, shipment, statusEvent } from "./_fixtures";

const now = new Date("2025-03-05T10:00:00Z");
const rules = parseBillingRules(DEFAULT_BILLING_RULES);
const rule = (customer: string): BillingRule => billingRuleFor(rules, "C-x", customer)!;

/** Runs events through decideBilling as the node does, carrying the state along. */
function run(state: OrderBillingState, inputs: Array<Omit<BillingInput, "now" | "customerId">>) {
  return inputs.map((input) => {
    const out = decideBilling(state, { ...input, customerId: "C100", now });
    state = out.state;
    return out.decision;
  });
}

describe("billing rules", () => {
  it("customer row beats class row beats *; classes can come with the rules", () => {
    const set = parseBillingRules({ rules: [...DEFAULT_BILLING_RULES, { customer: "C777", trigger: "SHIPPED", partial: "ON_COMPLETION" }], classes: { C100: "contract" } });
    assert.equal(billingRuleFor(set, "C777", "retail")?.customer, "C777");
    assert.equal(billingRuleFor(set, "C100")?.trigger, "POD");
    assert.equal(billingRuleFor(set, "C200", "retail")?.trigger, "DELIVERED");
    assert.equal(billingRuleFor(set, "C300")?.customer, "*");
    assert.equal(billingRuleFor(parseBillingRules([]), "C300"), null);
  });

  it("errors name the row and field", () => {
    assert.throws(() => parseBillingRules([{ customer: "x", trigger: "INVOICED" }]), /rules\[0\]\.trigger: must be SHIPPED, DELIVERED or POD/);
    assert.throws(() => parseBillingRules({ rules: [{ customer: "", trigger: "POD" }] }), /rules\.rules\[0\]\.customer: must name/);
    assert.throws(() => parseBillingRules([{ customer: "x", trigger: "POD", partial: "SOMETIMES" }]), /rules\[0\]\.partial/);
    assert.throws(() => parseBillingRules("nope"), /rules: must be an array/);
  });
});

describe("milestonesOf", () => {
  it("a delivered event is not a POD; a signature or POD document is; estimates trigger nothing", () => {
    assert.deepEqual(milestonesOf(statusEvent("S1", "PICKED_UP")).reached, ["SHIPPED"]);
    assert.deepEqual(milestonesOf(statusEvent("S1", "DELIVERED")).reached, ["SHIPPED", "DELIVERED"]);
    assert.deepEqual(milestonesOf(statusEvent("S1", "DELIVERED", { signedBy: "J. SMITH" })).reached, ["SHIPPED", "DELIVERED", "POD"]);
    assert.deepEqual(milestonesOf(statusEvent("S1", "DELIVERED", { classifier: "ESTIMATED" })).reached, []);
    const s = shipment("S1", "SO-1", [], { status: "DELIVERED", pod: { documentRef: "POD-9" } });
    assert.deepEqual(milestonesOf(statusEvent("S1", "INFO"), s).reached, ["SHIPPED", "DELIVERED", "POD"]);
    assert.match(milestonesOf(statusEvent("S1", "REFUSED")).exception ?? "", /carrier reported REFUSED/);
  });
});

describe("decideBilling", () => {
  const so = order("SO-1", [{ lineNo: 10, sku: "A", qty: "10", price: "12.50" }, { lineNo: 20, sku: "B", qty: "4", price: "3.333" }]);

  it("POD customer: delivered is not enough, POD received is; the invoice comes once", () => {
    const shp = shipment("S1", "SO-1", [{ lineNo: 10, sku: "A", qty: "10" }, { lineNo: 20, sku: "B", qty: "4" }]);
    const r = rule("contract");
    const [a, b, c, d] = run(newOrderState("SO-1", "C100"), [
      { rule: r, event: statusEvent("S1", "PICKED_UP"), shipment: shp, order: so },
      { rule: r, event: statusEvent("S1", "DELIVERED"), shipment: shp },
      { rule: r, event: statusEvent("S1", "DELIVERED", { signedBy: "J. SMITH", idempotencyKey: "pod-1" }), shipment: shp },
      { rule: r, event: statusEvent("S1", "DELIVERED", { signedBy: "J. SMITH", idempotencyKey: "pod-2" }), shipment: shp },
    ]);
    assert.deepEqual([a!.eligible, b!.eligible, c!.eligible, d!.eligible], [false, false, true, false]);
    assert.equal(!a!.eligible && a!.code, "TRIGGER_NOT_REACHED");
    assert.match(!b!.eligible ? b!.reason : "", /bills when POD received; shipment S1 has reached shipped, delivered/);
    assert.equal(!d!.eligible && d!.code, "ALREADY_INVOICED");
    const inv = c!.eligible ? c!.invoice : null;
    const valid = canonicalValidator().validate(inv);
    assert.ok(valid.ok, JSON.stringify(!valid.ok && valid.errors));
    // 10 × 12.50 + 4 × 3.333 = 125.00 + 13.332 → 138.33 EUR
    assert.deepEqual(inv!.totals.net, { currency: "EUR", amountMinor: 13833 });
    assert.equal(inv!.direction, "RECEIVABLE");
    assert.equal(inv!.findings, undefined);
  });

  it("the same event again re-sends the same invoice (a crash between store and send loses nothing)", () => {
    const shp = shipment("S1", "SO-1", [{ lineNo: 10, sku: "A", qty: "10" }]);
    const r = rule("wholesale");
    const ev = statusEvent("S1", "PICKED_UP");
    const [first, again] = run(newOrderState("SO-1", "C100"), [{ rule: r, event: ev, shipment: shp, order: so }, { rule: r, event: ev, shipment: shp }]);
    assert.ok(first!.eligible && again!.eligible);
    assert.equal(again!.eligible && again!.redelivery, true);
    assert.equal(first!.eligible && first!.invoice.idempotencyKey, again!.eligible && again!.invoice.idempotencyKey);
  });

  it("the invoice goes on the order's thread, remembered for events that come without the order", () => {
    // A trace from the load or delivery reaches the order's thread (SO|…), never a bare order id.
    const withThread = { ...so, correlationId: "SO|SO-1" };
    const r = rule("retail");
    const shp = (id: string) => shipment(id, "SO-1", [{ lineNo: 10, sku: "A", qty: "5" }]);
    const delivered = (id: string) => statusEvent(id, "DELIVERED", { correlationId: `LOAD|${id}` });
    const [first, , second] = run(newOrderState("SO-1", "C100"), [
      { rule: r, event: delivered("S1"), shipment: shp("S1"), order: withThread },
      { rule: r, event: statusEvent("S2", "PICKED_UP"), shipment: shp("S2") },
      { rule: r, event: delivered("S2"), shipment: shp("S2") },
    ]);
    assert.equal(first!.eligible && first!.invoice.correlationId, "SO|SO-1");
    assert.equal(second!.eligible && second!.invoice.correlationId, "SO|SO-1", "the order's thread, though this event came without the order");
    // No order ever seen: the triggering event's thread.
    const [alone] = run(newOrderState("SO-2", "C100"), [{ rule: r, event: delivered("S9"), shipment: shipment("S9", "SO-2", [{ lineNo: 10, sku: "A", qty: "1" }]) }]);
    assert.equal(alone!.eligible && alone!.invoice.correlationId, "LOAD|S9");
  });

  it("partial shipments: per shipment bills each; on completion waits for every ordered quantity", () => {
    const s1 = shipment("S1", "SO-1", [{ lineNo: 10, sku: "A", qty: "6" }]);
    const s2 = shipment("S2", "SO-1", [{ lineNo: 10, sku: "A", qty: "4" }, { lineNo: 20, sku: "B", qty: "4" }]);
    const per = run(newOrderState("SO-1", "C100"), [
      { rule: rule("retail"), event: statusEvent("S1", "DELIVERED"), shipment: s1, order: so },
      { rule: rule("retail"), event: statusEvent("S2", "DELIVERED"), shipment: s2 },
    ]);
    assert.deepEqual(per.map((d) => d.eligible && d.invoice.invoiceId), ["READY|SO-1|S1", "READY|SO-1|S2"]);
    assert.deepEqual(per[0]!.eligible && per[0]!.invoice.totals.net, { currency: "EUR", amountMinor: 7500 });

    const onCompletion: BillingRule = { customer: "x", trigger: "DELIVERED", partial: "ON_COMPLETION", holdExceptions: true };
    const [w1, w2, done] = run(newOrderState("SO-1", "C100"), [
      { rule: onCompletion, event: statusEvent("S1", "DELIVERED"), shipment: s1, order: so },
      { rule: onCompletion, event: statusEvent("S2", "IN_TRANSIT"), shipment: s2 },
      { rule: onCompletion, event: statusEvent("S2", "DELIVERED"), shipment: s2 },
    ]);
    assert.match(!w1!.eligible ? w1!.reason : "", /line 10 6\/10, line 20 0\/4/);
    assert.equal(!w2!.eligible && w2!.code, "TRIGGER_NOT_REACHED", "S2 is not delivered yet");
    assert.ok(done!.eligible);
    assert.deepEqual(done!.eligible && [done!.invoice.invoiceId, done!.shipments], ["READY|SO-1|COMPLETE", ["S1", "S2"]]);
  });

  it("on completion without the order's lines says so", () => {
    const [d] = run(newOrderState("SO-1", "C100"), [{ rule: rule("contract"), event: statusEvent("S1", "DELIVERED", { signedBy: "X" }), shipment: shipment("S1", "SO-1", [{ lineNo: 10, sku: "A", qty: "1" }]) }]);
    assert.equal(!d!.eligible && d!.code, "ORDER_LINES_UNKNOWN");
  });

  it("an exception shipment is held until released", () => {
    const shp = shipment("S1", "SO-1", [{ lineNo: 10, sku: "A", qty: "10" }]);
    const r = rule("retail");
    const [refused, delivered, released] = run(newOrderState("SO-1", "C100"), [
      { rule: r, event: statusEvent("S1", "REFUSED"), shipment: shp, order: so },
      { rule: r, event: statusEvent("S1", "DELIVERED"), shipment: shp },
      { rule: r, event: statusEvent("S1", "DELIVERED", { idempotencyKey: "again" }), shipment: shp, release: true },
    ]);
    assert.equal(!refused!.eligible && refused!.code, "HELD");
    assert.match(!delivered!.eligible ? delivered!.reason : "", /held: carrier reported REFUSED/);
    assert.ok(released!.eligible);
  });

  it("lines with a net amount but no unit price (SAP NetAmount) bill pro rata: net x shipped / ordered, half up", () => {
    const so = order("SO-3", [{ lineNo: 10, sku: "A", qty: "3" }, { lineNo: 20, sku: "B", qty: "4" }]);
    so.lines[0]!.netAmount = { currency: "EUR", amountMinor: 1000 };
    so.lines[1]!.netAmount = { currency: "EUR", amountMinor: 2396 };
    const [d] = run(newOrderState("SO-3", "C100"), [
      { rule: rule("wholesale"), event: statusEvent("S3", "PICKED_UP"), order: so, shipment: shipment("S3", "SO-3", [{ lineNo: 10, sku: "A", qty: "1" }, { lineNo: 20, sku: "B", qty: "4" }]) },
    ]);
    // 1000 x 1/3 = 333.33 -> 333, plus the whole of line 20.
    assert.ok(d!.eligible);
    assert.deepEqual(d!.eligible && d!.invoice.totals.net, { currency: "EUR", amountMinor: 333 + 2396 });
    assert.equal(d!.eligible && d!.invoice.findings, undefined);
  });

  it("no prices: invoice-ready with a PRICE_UNKNOWN finding; no shipment id is an error naming the field", () => {
    const [d] = run(newOrderState("SO-2", "C100"), [{ rule: rule("wholesale"), event: statusEvent("S9", "PICKED_UP"), shipment: shipment("S9", "SO-2", [{ lineNo: 1, sku: "A", qty: "1" }]) }]);
    assert.equal(d!.eligible && d!.invoice.findings?.[0]?.code, "PRICE_UNKNOWN");
    assert.throws(() => decideBilling(newOrderState("SO-2", "C1"), { rule: rule("retail"), customerId: "C1", now, event: statusEvent("S9", "DELIVERED", { shipmentRefs: [{ type: "PO", value: "1" }] }) }), /payload\.shipmentRefs: names no SHIPMENT/);
  });
});
