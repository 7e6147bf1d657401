/**
 * Scenario 6 end to end, as `npm start` runs it: order-to-invoice billing rules. Three customers,
 * one per class with its own billing trigger (wholesale 17100001 bills each shipment when it
 * ships, retail 17100002 each shipment when delivered, contract 17100003 on POD once the whole
 * order is there), complete and partial shipments and an exception shipment. The test plays the
 * ERP's shipping clerk (deliveries, goods issue) and the TMS's drivers (delivery milestones, with
 * the consignee's signature as POD), and checks finance right before each trigger (nothing) and
 * after it (exactly one invoice-ready), and that re-sent events post nothing twice. Expected
 * amounts come from the catalog's prices and the quantities the test ships.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { after, before, describe, it } from "node:test";
import { CATALOG } from "../../simulators/lib/catalog";
import { startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { billingDocumentsOf, createDelivery, invoiceReadyOf, postGoodsIssue, quiet, type InvoiceReadyView } from "./billing-drivers";
import { enterOrder, loadsOf, milestone, pickingsOf } from "./scenario-drivers";

const price = (sku: string) => CATALOG.find((c) => c.sku === sku)!.unitPriceMinor;

describe("order-to-invoice billing rules, end to end", { timeout: 300_000 }, () => {
  let product: RunningProduct;
  let erp: string, wms: string, tms: string, finance: string;
  let wholesale: string, retail: string, contract: string, damaged: string;
  const deliveries: Record<string, string> = {};
  const queued: Array<{ topic: string; type: string; exceptionId: string; cause?: { code: string } }> = [];
  let watcher: mqtt.MqttClient;

  const settled = () => waitFor(() => quiet(product.editorUrl), (q) => q, 60_000, "the flows to settle");
  const ready = (order: string, n: number, what: string) => waitFor(() => invoiceReadyOf(finance, order), (l) => l.length >= n, 60_000, what);
  const shipAndIssue = async (order: string, items: Array<[string, number]>, name: string) => {
    deliveries[name] = await createDelivery(erp, order, items, `SO-${order}`);
    await postGoodsIssue(erp, deliveries[name]!);
    return deliveries[name]!;
  };
  const deliver = (order: string, extra: Record<string, unknown> = {}) => milestone(tms, `SO-${order}`, { type: "DELIVERY", stopId: `SO-${order}-S2`, ...extra });

  before(async () => {
    product = await startProduct();
    ({ erp, wms, tms, finance } = product.simulators as Record<"erp" | "wms" | "tms" | "finance", string>);
    watcher = await mqtt.connectAsync(product.mqttUrl, { protocolVersion: 4 });
    await watcher.subscribeAsync("exceptions/#", { qos: 1 });
    watcher.on("message", (topic, payload) => {
      const msg = JSON.parse(payload.toString()) as { type: string; exceptionId: string; cause?: { code: string } };
      queued.push({ topic, type: msg.type, exceptionId: msg.exceptionId, cause: msg.cause });
    });
    wholesale = await enterOrder(erp, "17100001", [["SKU-10023", 10], ["SKU-10045", 4]], true);
    retail = await enterOrder(erp, "17100002", [["SKU-10031", 6]], true);
    contract = await enterOrder(erp, "17100003", [["SKU-10102", 12], ["SKU-10250", 4]], true);
    damaged = await enterOrder(erp, "17100002", [["SKU-10024", 2]], true);
    // Order-to-ship plans one TMS load per order (the loads the milestones are reported on).
    for (const o of [wholesale, retail, contract, damaged]) await waitFor(() => loadsOf(tms, o), (l) => l.length === 1, 60_000, `the load of ${o}`);
  });

  after(async () => {
    await watcher?.endAsync();
    const code = await product?.stop("SIGINT");
    assert.equal(code, 0, `Ctrl-C stops the product cleanly:\n${product?.output().slice(-2000)}`);
  });

  it("wholesale bills each shipment when it ships: a partial shipment, then the rest", async () => {
    const first = await createDelivery(erp, wholesale, [["10", 6]], `SO-${wholesale}`);
    await settled();
    assert.deepEqual(await invoiceReadyOf(finance, wholesale), [], "a delivery not goods-issued has not shipped");
    await postGoodsIssue(erp, first);
    const [one] = await ready(wholesale, 1, "the first shipment's invoice-ready");
    assert.equal(one!.shipmentId, first);
    assert.equal(one!.customerId, "17100001");
    assert.deepEqual(one!.amount, { currency: "EUR", amountMinor: 6 * price("SKU-10023") });

    const rest = await createDelivery(erp, wholesale, [["10", 4], ["20", 4]], `SO-${wholesale}`);
    await settled();
    assert.equal((await invoiceReadyOf(finance, wholesale)).length, 1, "right before the rest ships: still one");
    await postGoodsIssue(erp, rest);
    const list = await ready(wholesale, 2, "the second shipment's invoice-ready");
    const second = list.find((r) => r.shipmentId === rest)!;
    assert.deepEqual(second.amount, { currency: "EUR", amountMinor: 4 * price("SKU-10023") + 4 * price("SKU-10045") });
    await settled();
    assert.equal((await invoiceReadyOf(finance, wholesale)).length, 2);
  });

  it("retail bills on delivery, not when shipped", async () => {
    const dlv = await shipAndIssue(retail, [["10", 6]], "retail");
    await settled();
    assert.deepEqual(await invoiceReadyOf(finance, retail), [], "shipped is not retail's trigger");
    await deliver(retail);
    const [one] = await ready(retail, 1, "retail's invoice-ready on delivery");
    assert.equal(one!.shipmentId, dlv);
    assert.deepEqual(one!.amount, { currency: "EUR", amountMinor: 6 * price("SKU-10031") });
    // The delivery-to-finance tab ran the ERP's billing eligibility check for it.
    await waitFor(() => billingDocumentsOf(erp, dlv), (d) => d.length === 1, 30_000, "the ERP billing document");
  });

  it("contract bills on POD, once the whole order is there", async () => {
    const first = await shipAndIssue(contract, [["10", 12]], "contract-1");
    await settled();
    assert.deepEqual(await invoiceReadyOf(finance, contract), [], "shipped is not contract's trigger");
    await deliver(contract);
    await waitFor(() => billingDocumentsOf(erp, first), (d) => d.length === 1, 30_000, "the delivery checked by the ERP");
    await settled();
    assert.deepEqual(await invoiceReadyOf(finance, contract), [], "delivered without a signature is not a POD");
    await deliver(contract, { signedBy: "M. Keller", podDocumentRef: "POD-0001" });
    await settled();
    assert.deepEqual(await invoiceReadyOf(finance, contract), [], "a POD for part of the order: contract waits for completion");

    const second = await shipAndIssue(contract, [["20", 4]], "contract-2");
    await settled();
    assert.deepEqual(await invoiceReadyOf(finance, contract), [], "the rest shipped, without its POD");
    await deliver(contract, { signedBy: "M. Keller", podDocumentRef: "POD-0002" });
    const [one] = await ready(contract, 1, "contract's invoice-ready on the completing POD");
    assert.equal(one!.customerId, "17100003");
    assert.deepEqual(one!.amount, { currency: "EUR", amountMinor: 12 * price("SKU-10102") + 4 * price("SKU-10250") });
    assert.match(one!.externalId!, /READY\|.*\|COMPLETE/);
    await settled();
    assert.equal((await invoiceReadyOf(finance, contract)).length, 1);
    assert.equal((await billingDocumentsOf(erp, second)).length, 1);
  });

  it("an exception shipment is held and goes to the billing team's queue; its delivery bills nothing", async () => {
    const dlv = await shipAndIssue(damaged, [["10", 2]], "damaged");
    await milestone(tms, `SO-${damaged}`, { type: "EXCEPTION", description: "Pallet damaged in transit" });
    await waitFor(async () => queued.filter((q) => q.exceptionId.includes(`|${damaged}|`)), (l) => l.length >= 1, 60_000, "the billing hold in the queue");
    await settled();
    await deliver(damaged);
    await waitFor(() => billingDocumentsOf(erp, dlv), (d) => d.length === 1, 30_000, "the delivery checked by the ERP");
    await settled();
    assert.deepEqual(await invoiceReadyOf(finance, damaged), [], "held: no invoice-ready");
    const holds = queued.filter((q) => q.exceptionId.includes(`|${damaged}|`));
    assert.deepEqual([...new Set(holds.map((h) => h.exceptionId))], [`BILLING|HELD|${damaged}|${dlv}`]);
    assert.ok(holds.every((h) => h.topic === "exceptions/billing" && h.cause?.code === "HELD"));
  });

  it("re-sent events post nothing twice", async () => {
    const before = (await Promise.all([wholesale, retail, contract, damaged].map((o) => invoiceReadyOf(finance, o)))).map((l) => l.length);
    assert.deepEqual(before, [2, 1, 1, 0]);
    await deliver(retail);
    await deliver(contract, { signedBy: "M. Keller", podDocumentRef: "POD-0002" });
    await deliver(wholesale);
    // A probe after them: a new retail order billed on delivery shows the feed was read past the repeats.
    const probe = await enterOrder(erp, "17100002", [["SKU-10490", 3]], true);
    await waitFor(() => loadsOf(tms, probe), (l) => l.length === 1, 60_000, "the probe's load");
    await shipAndIssue(probe, [["10", 3]], "probe");
    await deliver(probe);
    await ready(probe, 1, "the probe's invoice-ready");
    await settled();
    const afterwards = (await Promise.all([wholesale, retail, contract, damaged].map((o) => invoiceReadyOf(finance, o)))).map((l) => l.length);
    assert.deepEqual(afterwards, [2, 1, 1, 0]);
    const all: InvoiceReadyView[] = (await Promise.all([wholesale, retail, contract].map((o) => invoiceReadyOf(finance, o)))).flat();
    assert.equal(new Set(all.map((r) => r.externalId)).size, all.length, "each invoice-ready has its own key");
    for (const name of ["retail", "contract-1", "contract-2", "damaged"]) assert.equal((await billingDocumentsOf(erp, deliveries[name]!)).length, 1, `one billing document for ${name}`);
  });

  it("the WMS and TMS keep their own state: one pick and one load per order, nothing written by billing", async () => {
    for (const o of [wholesale, retail, contract, damaged]) {
      const picks = await pickingsOf(wms, o);
      assert.equal(picks.length, 1);
      assert.equal(picks[0]!.state, "assigned", "nobody confirmed the pick in the WMS; billing did not touch it");
      assert.equal((await loadsOf(tms, o)).length, 1);
    }
    assert.equal((await loadsOf(tms, damaged))[0]!.status, "DELIVERED", "the TMS's own status from its milestones");
  });
});
