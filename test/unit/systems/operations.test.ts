/**
 * Every system operation against the real simulator on a free port: what the vendor receives,
 * that a resend (same batch, so the same Idempotency-Key) makes no second document, that a vendor
 * refusal is a dead outcome carrying the vendor's reason, and that answers map to canonical
 * objects that validate.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { findProfile } from "../../../nodes/lib/mapping/profiles";
import { compileAnswers } from "../../../nodes/lib/systems/answers";
import { findOperation, operationsOf, type CommandOperation, type OperationContext, type OperationOutcome, type QueryOperation } from "../../../nodes/lib/systems/operations";
import { CarrierSimulator } from "../../../simulators/carrier";
import { ErpSimulator } from "../../../simulators/erp";
import { FinanceSimulator } from "../../../simulators/finance";
import { PortalSimulator } from "../../../simulators/portal";
import { TmsSimulator } from "../../../simulators/tms";
import { WmsSimulator } from "../../../simulators/wms";
import { batchOf, charge, contextFor, exception, invoice, mapOut, order, shipment, statusEvent } from "./_fixtures";

/** What the vendor received by POST, oldest first. */
function posts(sim: { received(): Array<{ method: string; path: string; body: unknown }> }) {
  return sim.received().filter((r) => r.method === "POST");
}

function command(system: CommandOperation["system"], id: string): CommandOperation {
  const op = findOperation(system, id);
  assert.ok(op && op.kind !== "query", `${system} ${id} is a command operation`);
  return op;
}

/** Maps the canonical object with the operation's profile and puts it in a batch of one. */
async function one(op: CommandOperation, canonical: { idempotencyKey: string; correlationId: string }, bindings: Record<string, unknown> = {}) {
  const body = await mapOut(op.profile, canonical, bindings);
  assert.notEqual(body, undefined, `${op.profile} maps the fixture`);
  return batchOf([{ body, key: canonical.idempotencyKey, correlationId: canonical.correlationId }]);
}

async function answerOf(op: CommandOperation, outcome: OperationOutcome) {
  assert.equal(outcome.result, "sent", JSON.stringify(outcome));
  assert.ok(op.answerProfile);
  return compileAnswers(op.answerProfile, {}).toCanonical(outcome.answer, { idempotencyKey: outcome.row.idempotencyKey, correlationId: outcome.row.correlationId });
}

function deadReason(outcomes: OperationOutcome[]): string {
  assert.equal(outcomes.length, 1);
  const o = outcomes[0]!;
  assert.equal(o.result, "dead", JSON.stringify(o));
  return o.result === "dead" ? o.error : "";
}

describe("ERP operations (SAP simulator)", () => {
  const sim = new ErpSimulator();
  let ctx: OperationContext;
  before(async () => {
    await sim.listen(0, "127.0.0.1");
    ctx = contextFor(sim.url);
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const deliveryFor = async (orderId: string): Promise<string> => {
    const op = command("ERP", "outbound-delivery");
    const [outcome] = await op.send(ctx, await one(op, order({ orderId, idempotencyKey: `SO|${orderId}|RELEASED` })));
    const [shipmentAnswer] = await answerOf(op, outcome!);
    assert.ok(shipmentAnswer && shipmentAnswer.schema === "shipment/1");
    return shipmentAnswer.shipmentId;
  };

  it("outbound delivery: a delivery for the released order, answered as a canonical Shipment", async () => {
    const op = command("ERP", "outbound-delivery");
    const batch = await one(op, order());
    const [outcome] = await op.send(ctx, batch);
    const answers = await answerOf(op, outcome!);
    assert.equal(answers.length, 1);
    const delivery = answers[0]!;
    assert.equal(delivery.schema, "shipment/1");
    if (delivery.schema !== "shipment/1") return;
    assert.match(delivery.shipmentId, /^8\d{7}$/);
    assert.deepEqual(delivery.lines?.map((l) => [l.sku, l.quantity.value]), [["SKU-10023", "24"], ["SKU-10045", "10"]]);
    const [received] = posts(sim);
    assert.deepEqual(received?.body, { ReferenceSDDocument: "1000001" });
    // The same batch again (a crash before it was marked sent): the ERP answers the same, no second delivery.
    const [again] = await op.send(ctx, batch);
    const [repeat] = await answerOf(op, again!);
    assert.equal(repeat?.schema === "shipment/1" && repeat.shipmentId, delivery.shipmentId);
    const deliveries = (sim.state() as { deliveries: unknown[] }).deliveries;
    assert.equal(deliveries.length, 2, "the seeded delivery and ours, not a third");
  });

  it("billing document: refused before goods issue with SAP's reason; after it, answered as a RECEIVABLE InvoiceEvent, once", async () => {
    const delivery = await deliveryFor("1000002");
    const billing = command("ERP", "billing-document");
    const ship = shipment({ shipmentId: delivery, idempotencyKey: `DLV|${delivery}|DELIVERED`, references: [{ type: "DELIVERY", value: delivery }] });

    const early = await billing.send(ctx, await one(billing, ship));
    assert.match(deadReason(early), /HTTP 400 .*not goods-issued yet/);

    const gi = command("ERP", "goods-issue");
    const giBatch = await one(gi, ship);
    assert.equal((await gi.send(ctx, giBatch))[0]?.result, "sent");
    // Goods issue again under another key: SAP says "already posted", which means delivered.
    assert.equal((await gi.send(ctx, { ...giBatch, rows: giBatch.rows.map((r) => ({ ...r, id: r.id + 10_000 })) }))[0]?.result, "sent");

    const batch = await one(billing, ship);
    const [outcome] = await billing.send(ctx, batch);
    const [inv] = await answerOf(billing, outcome!);
    assert.ok(inv && inv.schema === "invoice-event/1");
    if (inv.schema !== "invoice-event/1") return;
    assert.equal(inv.direction, "RECEIVABLE");
    assert.equal(inv.totals.net.currency, "EUR");
    assert.equal(inv.totals.net.amountMinor, 60 * 249, "60 oat drinks at 2.49");
    assert.deepEqual(inv.shipmentRefs, [{ type: "DELIVERY", value: delivery }]);
    assert.equal(inv.causationId, ship.idempotencyKey);

    const [resent] = await billing.send(ctx, batch);
    assert.equal((await answerOf(billing, resent!))[0]?.idempotencyKey, inv.idempotencyKey);
    // Under a new key (another store, a replayed dead letter) SAP says VF/016: answered with the existing document.
    const [otherKey] = await billing.send(ctx, await one(billing, ship));
    assert.equal((await answerOf(billing, otherKey!))[0]?.idempotencyKey, inv.idempotencyKey);
    const bills = (sim.state() as { billingDocuments?: unknown[] }).billingDocuments;
    const billed = await fetch(`${sim.url}/sap/opu/odata/sap/API_BILLING_DOCUMENT_SRV/A_BillingDocument`).then((r) => r.json() as Promise<{ d: { results: unknown[] } }>);
    assert.equal(billed.d.results.length, 1, `one billing document (${JSON.stringify(bills ?? null).slice(0, 80)})`);
  });

  it("a 503 is a retry, not a dead letter", async () => {
    sim.setFaults({ failNext: 1, errorStatus: 503 });
    const op = command("ERP", "outbound-delivery");
    const [outcome] = await op.send(ctx, await one(op, order()));
    assert.equal(outcome?.result, "retry");
  });
});

describe("WMS operations (Odoo JSON-RPC simulator)", () => {
  const sim = new WmsSimulator();
  let ctx: OperationContext;
  const op = command("WMS", "fulfillment-instruction");
  before(async () => {
    await sim.listen(0, "127.0.0.1");
    ctx = contextFor(sim.url, { username: "admin", password: "admin" });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const pickings = () => (sim.state() as { pickings: Array<{ origin: string; state: string; moves: Array<{ product_uom_qty: number }> }> }).pickings;

  it("creates, confirms and reserves a stock.picking per order, in one create for the batch, answered as Shipments", async () => {
    const a = order();
    const b = order({ orderId: "1000002", idempotencyKey: "SO|1000002|RELEASED", lines: [{ lineNo: 10, sku: "SKU-10031", quantity: { value: "60", uom: "H87" } }] });
    const batch = batchOf([
      { body: await mapOut(op.profile, a), key: a.idempotencyKey, correlationId: a.correlationId },
      { body: await mapOut(op.profile, b), key: b.idempotencyKey, correlationId: b.correlationId },
    ]);
    const outcomes = await op.send(ctx, batch);
    assert.deepEqual(outcomes.map((o) => o.result), ["sent", "sent"]);
    const creates = posts(sim).filter((r) => JSON.stringify(r.body).includes('"create"'));
    assert.equal(creates.length, 1, "one create call for the batch");
    assert.deepEqual(pickings().map((p) => [p.origin, p.state, p.moves.map((m) => m.product_uom_qty)]), [["1000001", "assigned", [24, 10]], ["1000002", "assigned", [60]]]);
    const [shipmentA] = await answerOf(op, outcomes[0]!);
    assert.ok(shipmentA?.schema === "shipment/1");
    if (shipmentA.schema !== "shipment/1") return;
    assert.match(shipmentA.shipmentId, /^WH\/OUT\/\d{5}$/);
    assert.equal(shipmentA.correlationId, "SO|1000001");

    // Resent (same key) and sent again as a new instruction (new key): still two pickings.
    await op.send(ctx, batch);
    const again = await op.send(ctx, await one(op, a));
    assert.equal(again[0]?.result, "sent");
    assert.equal(pickings().length, 2);
    const [same] = await answerOf(op, again[0]!);
    assert.equal(same?.schema === "shipment/1" && same.shipmentId, shipmentA.shipmentId, "answered with the picking made before");
  });

  it("an unknown SKU dead-letters its own instruction only; a missing login is a clear reason", async () => {
    const bad = order({ orderId: "1000009", idempotencyKey: "SO|1000009|RELEASED", lines: [{ lineNo: 10, sku: "SKU-NOPE", quantity: { value: "1", uom: "H87" } }] });
    const good = order();
    const outcomes = await op.send(ctx, batchOf([
      { body: await mapOut(op.profile, bad), key: bad.idempotencyKey },
      { body: await mapOut(op.profile, good), key: good.idempotencyKey },
    ]));
    assert.equal(outcomes.find((o) => o.row.idempotencyKey === good.idempotencyKey)?.result, "sent");
    assert.match(deadReason(outcomes.filter((o) => o.row.idempotencyKey === bad.idempotencyKey)), /no product with internal reference SKU-NOPE/);
    assert.equal(pickings().length, 1);

    const noLogin = await op.send(contextFor(sim.url), await one(op, order({ orderId: "1000003", idempotencyKey: "k3" })));
    assert.match(deadReason(noLogin), /needs a user and password/);
    const wrong = await op.send(contextFor(sim.url, { username: "admin", password: "nope" }), await one(op, order({ orderId: "1000004", idempotencyKey: "k4" })));
    assert.match(deadReason(wrong), /Odoo refused the login of admin/);
  });
});

describe("TMS operations (simulator)", () => {
  const sim = new TmsSimulator({ implicitLoads: false });
  let ctx: OperationContext;
  before(async () => {
    await sim.listen(0, "127.0.0.1");
    ctx = contextFor(sim.url);
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it("shipment plan, tender and a delivery milestone move the load; resends change nothing", async () => {
    const plan = command("TMS", "shipment-plan");
    const planBatch = await one(plan, shipment());
    assert.equal((await plan.send(ctx, planBatch))[0]?.result, "sent");
    const load = sim.load("SHP-1") as { stops: Array<{ stopId: string; type: string; plannedArrival?: string }>; reference: string; status: string };
    assert.deepEqual(load.stops.map((s) => [s.stopId, s.type, s.plannedArrival]), [["SHP-1-S1", "PICKUP", "2026-11-23T08:00:00+01:00"], ["SHP-1-S2", "DELIVERY", undefined]]);
    assert.equal(load.reference, "40123450000000017");
    // A resend under another key meets 409 LOAD_EXISTS: the TMS has it, delivered.
    assert.equal((await plan.send(ctx, await one(plan, shipment())))[0]?.result, "sent");

    const tender = command("TMS", "tender");
    assert.equal((await tender.send(ctx, await one(tender, shipment())))[0]?.result, "sent");
    assert.equal((sim.load("SHP-1") as { status: string }).status, "TENDERED");
    assert.deepEqual((sim.load("SHP-1") as { carrier: unknown }).carrier, { scac: "ODFL", name: "Old Dominion", serviceLevel: "STD", mode: "LTL" });

    const milestone = command("TMS", "milestone");
    const mBatch = await one(milestone, statusEvent());
    assert.equal((await milestone.send(ctx, mBatch))[0]?.result, "sent");
    assert.equal((await milestone.send(ctx, mBatch))[0]?.result, "sent");
    const after = sim.load("SHP-1") as { status: string; milestones: number };
    assert.equal(after.status, "DELIVERED");
    assert.equal(after.milestones, 1, "the resend was answered from the TMS's idempotency table");
    const sent = posts(sim).find((r) => r.path.endsWith("/milestones"));
    assert.deepEqual(sent?.body, { type: "DELIVERY", dateTime: "2026-11-23T14:05:00+01:00", description: "Delivered; signed by MEYER" });
  });

  it("the TMS's refusals are dead with its reason; a shipment without SCAC cannot be mapped for a tender", async () => {
    const tender = command("TMS", "tender");
    assert.match(deadReason(await tender.send(ctx, await one(tender, shipment({ shipmentId: "SHP-404" })))), /HTTP 404 .*load SHP-404 not found/);
    await assert.rejects(mapOut(tender.profile, shipment({ carrier: { name: "someone" } })), /carrier\.scac is required to tender/);
    // Estimated events and events without a load are not milestones.
    const milestone = command("TMS", "milestone");
    assert.equal(await mapOut(milestone.profile, statusEvent({ classifier: "ESTIMATED" })), undefined);
    assert.equal(await mapOut(milestone.profile, statusEvent({ shipmentRefs: [{ type: "PRO", value: "123" }] })), undefined);
  });
});

describe("finance operations (simulator)", () => {
  const sim = new FinanceSimulator();
  let ctx: OperationContext;
  before(async () => {
    await sim.listen(0, "127.0.0.1");
    ctx = contextFor(sim.url);
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());
  const state = () => sim.state() as { accruals: Array<{ externalId: string; amount: { amountMinor: number }; balance: { amountMinor: number }; glAccount: string; costCenter: string }>; invoiceReady: Array<Record<string, unknown>>; apInvoices: unknown[] };

  it("accrual in minor units, once per accrual key; an adjustment moves its balance once", async () => {
    const accrual = command("FINANCE", "accrual");
    const adjust = command("FINANCE", "accrual-adjustment");
    const delta = charge({ id: "CHG-1-ADJ", idempotencyKey: "CHG-1|ADJ|1", stage: "INVOICED", amount: { currency: "EUR", amountMinor: 2488 } });

    // An adjustment before its accrual is there waits (retry), it is not dead.
    const early = await adjust.send(ctx, await one(adjust, delta));
    assert.equal(early[0]?.result, "retry");
    assert.match(early[0]?.result === "retry" ? early[0].error : "", /no accrual ACR\|SHP-1\|ODFL for shipment SHP-1 yet/);

    const batch = await one(accrual, charge());
    assert.equal((await accrual.send(ctx, batch))[0]?.result, "sent");
    assert.equal((await accrual.send(ctx, batch))[0]?.result, "sent");
    assert.equal((await accrual.send(ctx, await one(accrual, charge())))[0]?.result, "sent");
    assert.equal(state().accruals.length, 1, "same batch and same accrual key: one accrual");
    const [a] = state().accruals;
    assert.deepEqual([a?.externalId, a?.amount.amountMinor, a?.glAccount, a?.costCenter], ["ACR|SHP-1|ODFL", 81612, "510000", "DC1"]);

    const adj = await one(adjust, delta);
    assert.equal((await adjust.send(ctx, adj))[0]?.result, "sent");
    assert.equal((await adjust.send(ctx, await one(adjust, delta)))[0]?.result, "sent");
    assert.equal(state().accruals[0]?.balance.amountMinor, 81612 + 2488, "adjusted once");
  });

  it("invoice ready from a receivable; a carrier invoice once, a duplicate dead-lettered with finance's reason", async () => {
    const ready = command("FINANCE", "invoice-ready");
    const receivable = invoice({ direction: "RECEIVABLE", idempotencyKey: "SAP_S4|BILL|90000001", invoiceNumber: "90000001", billTo: { role: "BILL_TO", ids: [{ scheme: "SAP_CUSTOMER", value: "10100001" }] }, shipmentRefs: [{ type: "DELIVERY", value: "80000001" }] });
    assert.equal(await mapOut(ready.profile, invoice()), undefined, "a payable is not invoice-ready business");
    const rBatch = await one(ready, receivable);
    assert.equal((await ready.send(ctx, rBatch))[0]?.result, "sent");
    assert.equal((await ready.send(ctx, await one(ready, receivable)))[0]?.result, "sent");
    assert.equal(state().invoiceReady.length, 1);
    assert.deepEqual(state().invoiceReady[0] && [state().invoiceReady[0]!.customerId, state().invoiceReady[0]!.shipmentId], ["10100001", "80000001"]);

    const ap = command("FINANCE", "ap-invoice");
    const apBatch = await one(ap, invoice());
    assert.equal((await ap.send(ctx, apBatch))[0]?.result, "sent");
    assert.equal((await ap.send(ctx, apBatch))[0]?.result, "sent", "our own resend is answered, not taken for a duplicate");
    const dup = await ap.send(ctx, await one(ap, invoice({ idempotencyKey: "ODFL|778812|AGAIN" })));
    assert.match(deadReason(dup), /^duplicate carrier invoice: .*HTTP 409 .*invoice 778812 from ODFL was already received/);
    assert.equal(state().apInvoices.length, 1);
  });
});

describe("portal operation (simulator)", () => {
  const sim = new PortalSimulator();
  let ctx: OperationContext;
  before(async () => {
    await sim.listen(0, "127.0.0.1");
    ctx = contextFor(sim.url);
  });
  after(() => sim.close());

  it("a delay with its new ETA is shown to the order's customer once; a re-route with a new ETA is an ETA change", async () => {
    const op = command("PORTAL", "customer-alert");
    const batch = await one(op, exception());
    assert.equal((await op.send(ctx, batch))[0]?.result, "sent");
    assert.equal((await op.send(ctx, await one(op, exception())))[0]?.result, "sent");
    const alerts = (sim.state() as { alerts: Array<Record<string, unknown>> }).alerts;
    assert.equal(alerts.length, 1);
    assert.deepEqual([alerts[0]!.orderId, alerts[0]!.type, alerts[0]!.severity, alerts[0]!.newEta, alerts[0]!.shipmentId], ["1000001", "DELAY", "WARNING", "2026-11-24T16:00:00+01:00", "SHP-1"]);
    assert.doesNotMatch(String(alerts[0]!.message), /[0-9]+\.[0-9]{2}|EUR|USD/, "no money in the customer's message");
    assert.equal((await mapOut(op.profile, exception({ type: "REROUTE" })) as { type: string }).type, "ETA_CHANGE");
    assert.equal(await mapOut(op.profile, exception({ subjectRefs: [{ type: "SHIPMENT", value: "SHP-1" }] })), undefined, "no order, not the customer's business");
    assert.equal((await mapOut(op.profile, exception({ type: "SHORT_PICK", impact: undefined })) as { type: string }).type, "PARTIAL");
  });
});

describe("carrier tracking (FedEx-like simulator)", () => {
  const sim = new CarrierSimulator();
  let ctx: OperationContext;
  before(async () => {
    await sim.listen(0, "127.0.0.1");
    ctx = contextFor(sim.url);
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());
  const op = findOperation("CARRIER", "tracking") as QueryOperation;

  it("asks in calls of at most 30 numbers and answers with canonical ShipmentStatusEvents", async () => {
    sim.createShipment({ body: { trackingNumber: "794600000777", scans: [{ eventType: "PU", date: "2026-11-22T09:14:00-05:00" }, { eventType: "DL", date: "2026-11-23T13:02:00-05:00" }] } });
    const numbers = Array.from({ length: 31 }, (_, i) => `79460000${String(1000 + i)}`);
    const ship = shipment({ references: [{ type: "TRACKING", value: "794600000777" }, ...numbers.map((value) => ({ type: "TRACKING", value }))], handlingUnits: [{ trackingNumber: "794600000777" }] });
    const body = (await mapOut(op.profile, ship)) as { trackingInfo: unknown[] };
    assert.equal(body.trackingInfo.length, 32, "distinct numbers");
    const outcome = await op.ask(ctx, body, { idempotencyKey: ship.idempotencyKey, correlationId: ship.correlationId }, 30);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(posts(sim).length, 2, "31 + 1 numbers in two calls");
    const events = await compileAnswers(op.answerProfile, {}).toCanonical(outcome.answer, { idempotencyKey: ship.idempotencyKey, correlationId: ship.correlationId });
    assert.deepEqual(events.map((e) => e.schema === "shipment-status-event/1" && [e.status, e.occurredAt]), [["DELIVERED", "2026-11-23T13:02:00-05:00"], ["PICKED_UP", "2026-11-22T09:14:00-05:00"]]);
    assert.equal(await mapOut(op.profile, shipment()), undefined, "no tracking number, nothing to ask");
    const before = posts(sim).length;
    assert.ok((await op.ask(ctx, body, { idempotencyKey: "k2", correlationId: null }, 10)).ok);
    assert.equal(posts(sim).length - before, 4, "32 numbers at 10 per call");
  });

  it("a refusal is final with FedEx's reason; a 503 is worth asking again", async () => {
    // FedEx refuses a wrong key (401): final, however often asked.
    const locked = new CarrierSimulator({ auth: { type: "apiKey", header: "x-api-key", value: "right" } });
    await locked.listen(0, "127.0.0.1");
    const refused = await op.ask(contextFor(locked.url, null, {}, { type: "apiKey", header: "x-api-key", value: "wrong" }), { trackingInfo: [{ trackingNumberInfo: { trackingNumber: "1" } }] }, { idempotencyKey: "k", correlationId: null }, 30).finally(() => locked.close());
    assert.ok(!refused.ok && !refused.retryable);
    assert.match(refused.ok ? "" : refused.error, /HTTP 401 .*NOT\.AUTHORIZED/);
    sim.setFaults({ failNext: 1, errorStatus: 503 });
    const busy = await op.ask(ctx, { trackingInfo: [{ trackingNumberInfo: { trackingNumber: "1" } }] }, { idempotencyKey: "k", correlationId: null }, 30);
    assert.ok(!busy.ok && busy.retryable);
  });
});

describe("operation lists", () => {
  it("every operation names listed profiles of the right direction, and each system has one", async () => {
    for (const system of ["ERP", "WMS", "TMS", "FINANCE", "CARRIER", "PORTAL"] as const) {
      const ops = operationsOf(system);
      assert.ok(ops.length > 0, system);
      for (const op of ops) {
        assert.equal(findProfile(op.profile)?.direction, "outbound", `${system} ${op.id} profile`);
        if (op.answerProfile) assert.equal(findProfile(op.answerProfile)?.direction, "inbound", `${system} ${op.id} answer profile`);
        assert.ok(op.defaultBatch >= 1 && op.defaultBatch <= op.maxBatch);
      }
    }
  });

  it("each node's editor lists exactly its system's operations, limits, answers and query flags", () => {
    const nodes = { ERP: "lsync-erp", WMS: "lsync-wms", TMS: "lsync-tms", FINANCE: "lsync-finance", CARRIER: "lsync-carrier", PORTAL: "lsync-portal" } as const;
    for (const [system, type] of Object.entries(nodes) as Array<[keyof typeof nodes, string]>) {
      const html = readFileSync(join(__dirname, "../../../nodes", type, `${type}.html`), "utf8");
      const listed = [...html.matchAll(/"([a-z-]+)": \{ maxBatch: (\d+), defaultBatch: (\d+)(, answers: true)?(, query: true)? \}/g)].map((m) => [m[1], Number(m[2]), Number(m[3]), !!m[4], !!m[5]]);
      const actual = operationsOf(system).map((o) => [o.id, o.maxBatch, o.defaultBatch, !!o.answerProfile, o.kind === "query"]);
      assert.deepEqual(listed, actual, type);
      const locale = JSON.parse(readFileSync(join(__dirname, "../../../nodes", type, "locales/en-US", `${type}.json`), "utf8")) as Record<string, { operation: Record<string, string> }>;
      assert.deepEqual(Object.keys(locale[type]!.operation), actual.map((a) => a[0]), `${type} operation titles`);
    }
  });
});
