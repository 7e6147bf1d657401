/**
 * Issue #7 (visibility) end to end, as `npm start` runs it: one retail order driven through every
 * scenario tab — released in the ERP, fulfilment to the WMS and planning to the TMS (order-to-ship),
 * its pick confirmed in the WMS and on the RF handheld (warehouse-to-transport: TMS execution
 * update, ERP stock move), shipped from the ERP with the load as bill of lading, delivered with a
 * POD in the TMS (delivery-to-finance), billed on delivery (billing rules: invoice-ready). Then the
 * trace admin route, asked by the sales order and by the load, must show every step, from all four
 * systems, in the order it happened, each naming the deployed node that did it. What to look for
 * comes from what the test did (order, load, delivery numbers) and the flows the product deployed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Trace, TraceEntry } from "../../nodes/lib/events/trace";
import { getJson, startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { billingDocumentsOf, createDelivery, deadLetters, invoiceReadyOf, postGoodsIssue } from "./billing-drivers";
import { CATALOG } from "../../simulators/lib/catalog";
import { makeSscc } from "../../simulators/scanner-publisher";
import { confirmPick, confirmScans, deployedNodes, enterOrder, loadsOf, milestone, pickingsOf, received, releaseOrder, traceOf } from "./scenario-drivers";

type System = "ERP" | "WMS" | "TMS" | "FINANCE";

/**
 * The systems' names as the log records them (egress calls: the node's system; canonical events:
 * the source system of the mapped document; the RF scanners are the WMS's) → the four systems.
 */
const SYSTEM_OF: Record<string, System> = { erp: "ERP", SAP_S4: "ERP", wms: "WMS", WMS_ODOO: "WMS", SCANNER: "WMS", tms: "TMS", TMS: "TMS", finance: "FINANCE" };

interface Step {
  what: string;
  system: System;
  /** The type of node that must have done it. */
  nodeType: string;
  match: (e: TraceEntry) => boolean;
}

const hasKey = (e: TraceEntry, type: string, value: string) => e.keys.some((k) => k.type === type && k.value === value);
/** A call to `system` named like `name`, put in the outbox for the business key given (outcomes carry only the thread). */
const isCall = (system: string, name: RegExp, keyType: string, key: () => string) => (e: TraceEntry) =>
  e.kind === "call" && e.system === system && name.test(e.name) && e.status === "queued" && hasKey(e, keyType, key());
/** The outcome "sent" of a queued call: same node, same operation, on the call's thread. */
const sentOf = (queued: TraceEntry) => (e: TraceEntry) =>
  e.kind === "call" && e.status === "sent" && e.name === queued.name && e.nodeId === queued.nodeId && !!queued.correlationId && (e.correlationId === queued.correlationId || hasKey(e, "correlation", queued.correlationId));

describe("trace of a scenario shipment across ERP, WMS, TMS and finance", { timeout: 120_000 }, () => {
  let product: RunningProduct;
  let order: string, load: string, delivery: string;
  let steps: Step[];
  /** Follow-up calls: each must come after the step named, and reach its system. */
  let followUps: Array<Step & { after: string }>;
  let nodes: Map<string, string>;
  const traces = new Map<string, Trace>();

  before(async () => {
    // Polled intakes every second (the helpers pass the env through): the test waits less.
    product = await startProduct({ LSYNC_POLL_SECONDS: "1" });
    const { erp, wms, tms, finance } = product.simulators as Record<"erp" | "wms" | "tms" | "finance", string>;
    const quantity = 6;
    const sku = "SKU-10031";

    // 1. Entered blocked, then released to logistics in the ERP (retail 17100002: billed on delivery).
    order = await enterOrder(erp, "17100002", [[sku, quantity]]);
    await releaseOrder(erp, order);
    const [picking] = await waitFor(() => pickingsOf(wms, order), (p) => p[0]?.state === "assigned", 30_000, `the WMS pick of ${order}`);
    [{ loadId: load }] = await waitFor(() => loadsOf(tms, order), (l) => l[0]?.status === "TENDERED", 30_000, `the TMS load of ${order}`);

    // 2. The picker confirms the pick in full in the WMS and on the RF handheld, packs it on a pallet
    // and weighs it; the handoff updates the TMS (execution events: the load's weight) and the ERP
    // (the pick's stock move). A full pick raises no exception (only short picks are taken in).
    await confirmPick(wms, picking!, (m) => m.product_uom_qty);
    const movementPosts = async () => (await received(erp)).filter((r) => r.method === "POST" && r.path.includes("A_MaterialDocumentHeader")).length;
    const accepted = async () => (await getJson<{ eventsAccepted: number }>(`${tms}/_sim/state`)).eventsAccepted;
    const item = CATALOG.find((c) => c.sku === sku)!;
    const sscc = makeSscc(4711);
    await confirmScans(product.mqttUrl, [
      { event: "pick", loadId: load, item, quantity },
      { event: "pack", loadId: load, item, quantity, sscc },
      { event: "weight", loadId: load, sscc, grossWeightKg: 182.5 },
    ]);
    await waitFor(movementPosts, (n) => n >= 1, 30_000, "the pick's stock move in the ERP");
    await waitFor(accepted, (n) => n >= 3, 30_000, "the three execution updates in the TMS");

    // 3. The shipping clerk's outbound delivery on the load, goods issue posted; seen by the billing rules tab.
    delivery = await createDelivery(erp, order, [["10", quantity]], load);
    await postGoodsIssue(erp, delivery);
    await waitFor(() => traceOf(product.editorUrl, delivery), (t) => t.entries.some((e) => e.kind === "event" && e.system === "SAP_S4"), 30_000, `the goods issue of ${delivery} taken in`);

    // 4. Delivered with the consignee's signature in the TMS: billing document, then invoice-ready.
    await milestone(tms, load, { type: "DELIVERY", stopId: `${load}-S2`, signedBy: "J. Weber" });
    await waitFor(() => billingDocumentsOf(erp, delivery), (d) => d.length === 1, 30_000, "the ERP billing document");
    await waitFor(() => invoiceReadyOf(finance, order), (l) => l.length === 1, 30_000, "invoice-ready in finance");

    steps = [
      { what: "order released in the ERP", system: "ERP", nodeType: "lsync-canonical-map", match: (e) => e.kind === "event" && /^order\/1\b/.test(e.name) && hasKey(e, "order", order) },
      { what: "WMS fulfillment call", system: "WMS", nodeType: "lsync-wms", match: isCall("wms", /Fulfillment/, "order", () => order) },
      { what: "TMS planning call", system: "TMS", nodeType: "lsync-tms", match: isCall("tms", /Planning/, "order", () => order) },
      { what: "pick confirmed", system: "WMS", nodeType: "lsync-canonical-map", match: (e) => e.kind === "event" && /^inventory-movement\/1 PICK$/.test(e.name) && hasKey(e, "load", load) },
      { what: "goods issue in the ERP", system: "ERP", nodeType: "lsync-canonical-map", match: (e) => e.kind === "event" && /^shipment\/1\b/.test(e.name) && e.system === "SAP_S4" && hasKey(e, "delivery", delivery) },
      { what: "delivery milestone in the TMS", system: "TMS", nodeType: "lsync-canonical-map", match: (e) => e.kind === "event" && /^shipment-status-event\/1 DELIVERED$/.test(e.name) && hasKey(e, "load", load) },
      { what: "finance invoice-ready call", system: "FINANCE", nodeType: "lsync-finance", match: isCall("finance", /Invoice ready/, "order", () => order) },
    ];
    followUps = [
      { after: "pick confirmed", what: "TMS execution update of the pick", system: "TMS", nodeType: "lsync-tms", match: isCall("tms", /Load execution update/, "load", () => load) },
      { after: "pick confirmed", what: "ERP stock move of the pick", system: "ERP", nodeType: "lsync-erp", match: isCall("erp", /Inventory status/, "load", () => load) },
      { after: "delivery milestone in the TMS", what: "ERP billing document", system: "ERP", nodeType: "lsync-erp", match: isCall("erp", /Billing document/, "delivery", () => delivery) },
    ];
    // The last call's outcome is logged after finance answered: wait for it under the order number
    // (the call names it directly), then read the load's trace as a user would.
    const finished = (t: Trace) => t.entries.some((q) => steps.at(-1)!.match(q) && t.entries.some(sentOf(q)));
    traces.set(order, await waitFor(() => traceOf(product.editorUrl, order), finished, 15_000, `the invoice-ready call sent, in the trace of ${order}`));
    traces.set(load, await traceOf(product.editorUrl, load));
    nodes = await deployedNodes(product.editorUrl);
  });

  after(async () => {
    const code = await product?.stop("SIGINT");
    assert.equal(code, 0, `Ctrl-C stops the product cleanly:\n${product?.output().slice(-2000)}`);
  });

  /** The trace as lines, for failure messages. */
  const show = (t: Trace) => t.entries.map((e) => `${e.time} ${e.kind} ${e.system} ${e.status} ${e.name} @${e.nodeId} [${e.correlationId}]`).join("\n");

  for (const by of ["sales order", "load"] as const) {
    const keyOf = () => (by === "sales order" ? order : load);

    it(`by the ${by}: entries from each of ERP, WMS, TMS and finance`, () => {
      const trace = traces.get(keyOf())!;
      assert.equal(trace.key, keyOf());
      assert.equal(trace.truncated, false);
      const systems = new Set(trace.entries.map((e) => SYSTEM_OF[e.system ?? ""]).filter((s) => s));
      assert.deepEqual([...systems].sort(), ["ERP", "FINANCE", "TMS", "WMS"], show(trace));
    });

    it(`by the ${by}: every step, in the order it happened, each by its own system and node`, () => {
      const trace = traces.get(keyOf())!;
      const at = trace.entries.map((e) => [e.at, e.id] as const);
      assert.deepEqual(at, [...at].sort((a, b) => a[0] - b[0] || a[1] - b[1]), "the timeline is oldest first");
      const found = new Map<string, number>();
      for (const step of [...steps, ...followUps]) {
        const index = trace.entries.findIndex(step.match);
        assert.ok(index >= 0, `the trace of ${keyOf()} shows the ${step.what}:\n${show(trace)}`);
        const entry = trace.entries[index]!;
        found.set(step.what, index);
        assert.equal(SYSTEM_OF[entry.system ?? ""], step.system, `the ${step.what} is the ${step.system}'s`);
        assert.equal(nodes.get(entry.nodeId ?? ""), step.nodeType, `the ${step.what} names the ${step.nodeType} node that did it (${entry.nodeId})`);
        // A call is a step once queued; it reached the system when its outcome says sent.
        if (entry.kind === "call") assert.ok(trace.entries.slice(index + 1).some(sentOf(entry)), `the ${step.what} was sent:\n${show(trace)}`);
      }
      // Released < WMS fulfillment < TMS planning < pick < goods issue < delivery < invoice-ready.
      const positions = steps.map((s) => found.get(s.what)!);
      for (let i = 1; i < steps.length; i++) {
        const [before, after] = [trace.entries[positions[i - 1]!]!, trace.entries[positions[i]!]!];
        assert.ok(positions[i - 1]! < positions[i]! && before.at <= after.at, `the ${steps[i - 1]!.what} (${before.time}) before the ${steps[i]!.what} (${after.time}):\n${show(trace)}`);
      }
      for (const f of followUps) assert.ok(found.get(f.what)! > found.get(f.after)!, `the ${f.what} comes after the ${f.after}:\n${show(trace)}`);
    });

    it(`by the ${by}: every entry names a node of the deployed flows`, () => {
      const trace = traces.get(keyOf())!;
      const unnamed = trace.entries.filter((e) => !e.nodeId || !nodes.has(e.nodeId));
      assert.deepEqual(unnamed.map((e) => `${e.name} @${e.nodeId}`), []);
    });
  }

  it("the sales order and the load lead to the same steps", () => {
    const stepIds = (t: Trace) => [...steps, ...followUps].map((s) => t.entries.find(s.match)?.id);
    assert.deepEqual(stepIds(traces.get(load)!), stepIds(traces.get(order)!));
  });

  it("a full pick and a delivery on time raise no exception on the way", () => {
    for (const key of [order, load]) assert.deepEqual(traces.get(key)!.entries.filter((e) => e.kind === "exception").map((e) => e.name), [], `in the trace of ${key}`);
  });

  it("whatever was parked on the way shows in both traces, naming the node that parked it", async () => {
    // Not "nothing parked": that is each tab's own test (today the freight tab parks the rating of
    // an order-to-ship load, whose delivery stop has no rating zone). The trace owes that a parked
    // message is not invisible. Read after the letters, so each letter is in the log already.
    const letters = await deadLetters(product.editorUrl);
    for (const key of [order, load]) {
      const parked = (await traceOf(product.editorUrl, key)).entries.filter((e) => e.kind === "dead-letter");
      const shown = new Set(parked.map((e) => (e.detail as { deadLetterId?: number }).deadLetterId));
      for (const letter of letters) assert.ok(shown.has(letter.id), `dead letter ${letter.id} (${letter.nodeName}: ${letter.reason}) in the trace of ${key}`);
      for (const e of parked) assert.ok(e.nodeId && nodes.has(e.nodeId), `${e.name} names its node`);
    }
  });
});
