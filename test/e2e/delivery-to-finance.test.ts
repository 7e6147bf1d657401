/**
 * Scenario 3 end to end, as `npm start` runs it: proof of delivery and final carrier events
 * (TMS delivery milestones) trigger the ERP's billing eligibility check (a billing document per
 * delivered delivery, refused until goods issue), the freight accrual adjustment to finance
 * (detention beyond the free time at the delivery stop, the executed cost known only at delivery)
 * and, through the billing rules tab, invoice-ready to finance. The accrual at shipment belongs
 * to the freight reconciliation tab: the DC dispatches each load in the TMS (weighed, shipped) and
 * that tab rates and accrues it; the delivery adds detention to that same accrual. Expected amounts
 * are computed here from the month's contracts (simulators/month/truth.ts, no product code), the
 * times the test reports (free time 2 h, 60.00 EUR per started hour) and the catalog's prices.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CATALOG } from "../../simulators/lib/catalog";
import { dispatchLoad } from "../../simulators/month/drive";
import { CONTRACTS } from "../../simulators/month/generate";
import type { Shipment } from "../../simulators/month/model";
import { contractFor, executedCostMinor } from "../../simulators/month/truth";
import { startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { accrualsOf, billingDocumentsOf, createDelivery, deadLetters, invoiceReadyOf, postGoodsIssue, quiet } from "./billing-drivers";
import { enterOrder, loadsOf, milestone, pickingsOf, received } from "./scenario-drivers";

const price = (sku: string) => CATALOG.find((c) => c.sku === sku)!.unitPriceMinor;
const HOUR = 3_600_000;
/** What the carrier's contract says a 250 kg load to zone Z2 from DC1 costs (DHLF, EUR). */
const accrued = executedCostMinor({ zone: "Z2", executedWeightKg: 250, accessorials: [], detentionHours: 0 } as unknown as Shipment, contractFor({ contracts: CONTRACTS }, "DHLF"));

describe("delivery to finance, end to end", { timeout: 240_000 }, () => {
  let product: RunningProduct;
  let erp: string, wms: string, tms: string, finance: string;
  let order: string, late: string;
  let delivery: string, lateDelivery: string;
  /** The loads as the carrier executes them (dispatched by the DC, rated and accrued by the freight tab). */
  const loadOf = (o: string) => `LD-${o}`;
  const settled = () => waitFor(() => quiet(product.editorUrl), (q) => q, 60_000, "the flows to settle");

  before(async () => {
    product = await startProduct();
    ({ erp, wms, tms, finance } = product.simulators as Record<"erp" | "wms" | "tms" | "finance", string>);
    // Two retail orders (billed on delivery); order-to-ship plans their loads.
    order = await enterOrder(erp, "17100002", [["SKU-10023", 10]], true);
    late = await enterOrder(erp, "17100002", [["SKU-10031", 3]], true);
    for (const o of [order, late]) await waitFor(() => loadsOf(tms, o), (l) => l.length === 1, 60_000, `the load of ${o}`);
    // The DC dispatches each order's load (DC1, carrier DHLF, 250 kg to zone Z2); the freight tab rates and accrues it.
    for (const o of [order, late]) {
      await dispatchLoad(tms, { loadId: loadOf(o), reference: loadOf(o), site: "DC1", zone: "Z2", scac: "DHLF", accessorials: [], plannedWeightKg: 250, executedWeightKg: 250, shippedAt: new Date().toISOString() });
    }
    // The shipping clerk ships the first order (goods issue posted); the second is on its truck
    // before anyone posted its goods issue in the ERP.
    delivery = await createDelivery(erp, order, [["10", 10]], loadOf(order));
    await postGoodsIssue(erp, delivery);
    lateDelivery = await createDelivery(erp, late, [["10", 3]], loadOf(late));
    for (const o of [order, late]) await waitFor(() => accrualsOf(finance, loadOf(o)), (a) => a.length === 1, 60_000, `the freight tab's accrual of ${loadOf(o)}`);
  });

  after(async () => {
    const code = await product?.stop("SIGINT");
    assert.equal(code, 0, `Ctrl-C stops the product cleanly:\n${product?.output().slice(-2000)}`);
  });

  it("a POD after a long wait at the stop: ERP billing document, detention onto the accrual, invoice-ready once", async () => {
    const arrived = Date.now() - 4 * HOUR;
    const stop = `${loadOf(order)}-S2`;
    await milestone(tms, loadOf(order), { type: "ARRIVAL_AT_STOP", stopId: stop, dateTime: new Date(arrived).toISOString() });
    await settled();
    assert.deepEqual(await billingDocumentsOf(erp, delivery), [], "an arrival decides nothing");
    assert.deepEqual(await invoiceReadyOf(finance, order), []);
    // Unloaded 3 h 10 min after arrival: 70 min beyond the 2 h free time = 2 started hours.
    await milestone(tms, loadOf(order), { type: "DELIVERY", stopId: stop, dateTime: new Date(arrived + 3 * HOUR + 10 * 60_000).toISOString(), signedBy: "J. Weber", podDocumentRef: "POD-4711" });

    const [doc] = await waitFor(() => billingDocumentsOf(erp, delivery), (d) => d.length === 1, 60_000, "the ERP billing document");
    assert.equal(doc!.SoldToParty, "17100002");
    assert.equal(doc!.TotalNetAmount, ((10 * price("SKU-10023")) / 100).toFixed(2));

    const [accrual] = await waitFor(() => accrualsOf(finance, loadOf(order)), (a) => a[0]?.adjustments.length === 1, 60_000, "the accrual adjustment");
    assert.equal(accrual!.externalId, `ACCRUAL|DHLF|${loadOf(order)}`, "the freight tab's accrual of the load");
    assert.deepEqual(accrual!.amount, { currency: "EUR", amountMinor: accrued });
    assert.deepEqual(accrual!.adjustments.map((a) => [a.adjustmentId, a.amount]), [[`ADJ|ACCRUAL|DHLF|${loadOf(order)}|DETENTION|${stop}`, { currency: "EUR", amountMinor: 2 * 6000 }]]);
    assert.match(accrual!.adjustments[0]!.reason, /DETENTION/);
    assert.deepEqual(accrual!.balance, { currency: "EUR", amountMinor: accrued + 12_000 });

    const ready = await waitFor(() => invoiceReadyOf(finance, order), (l) => l.length === 1, 60_000, "invoice-ready from the billing rules tab");
    assert.equal(ready[0]!.shipmentId, delivery);
    assert.deepEqual(ready[0]!.amount, { currency: "EUR", amountMinor: 10 * price("SKU-10023") });
  });

  it("a delivery not goods-issued: the ERP refuses to bill it (parked with SAP's reason), nothing goes to finance", async () => {
    await milestone(tms, loadOf(late), { type: "ARRIVAL_AT_STOP", stopId: `${loadOf(late)}-S2`, dateTime: new Date(Date.now() - HOUR).toISOString() });
    await milestone(tms, loadOf(late), { type: "DELIVERY", stopId: `${loadOf(late)}-S2` });
    const letters = await waitFor(() => deadLetters(product.editorUrl), (l) => l.some((d) => /VF\/GI/.test(d.reason)), 60_000, "the refusal parked");
    const refusal = letters.find((d) => /VF\/GI/.test(d.reason))!;
    assert.match(refusal.reason, new RegExp(`${lateDelivery} is not goods-issued`));
    assert.equal(refusal.nodeName, "ERP: billing document");
    await settled();
    assert.deepEqual(await billingDocumentsOf(erp, lateDelivery), []);
    assert.deepEqual(await invoiceReadyOf(finance, late), [], "the billing rules never saw a delivered fact the ERP cannot bill");
    assert.deepEqual((await accrualsOf(finance, loadOf(late)))[0]!.adjustments, [], "unloaded within the free time: nothing to adjust");
  });

  it("once goods issue is posted, the POD bills it: one billing document, one invoice-ready", async () => {
    await postGoodsIssue(erp, lateDelivery);
    await milestone(tms, loadOf(late), { type: "DELIVERY", stopId: `${loadOf(late)}-S2`, signedBy: "K. Braun" });
    await waitFor(() => billingDocumentsOf(erp, lateDelivery), (d) => d.length === 1, 60_000, "the billing document after goods issue");
    const [ready] = await waitFor(() => invoiceReadyOf(finance, late), (l) => l.length === 1, 60_000, "invoice-ready after goods issue");
    assert.deepEqual(ready!.amount, { currency: "EUR", amountMinor: 3 * price("SKU-10031") });
  });

  it("a repeated POD posts nothing twice", async () => {
    await milestone(tms, loadOf(order), { type: "DELIVERY", stopId: `${loadOf(order)}-S2`, dateTime: new Date(Date.now()).toISOString(), signedBy: "J. Weber" });
    await milestone(tms, loadOf(late), { type: "DELIVERY", stopId: `${loadOf(late)}-S2`, signedBy: "K. Braun" });
    // Both repeats reached the ERP check (it reads the document it has instead of billing again).
    const billingCalls = async () => (await received(erp)).filter((r) => r.path.includes("A_BillingDocument") && r.method === "GET").length;
    await waitFor(billingCalls, (n) => n >= 2, 60_000, "the ERP asked about both repeats");
    await settled();
    assert.equal((await billingDocumentsOf(erp, delivery)).length, 1);
    assert.equal((await billingDocumentsOf(erp, lateDelivery)).length, 1);
    assert.equal((await invoiceReadyOf(finance, order)).length, 1);
    assert.equal((await invoiceReadyOf(finance, late)).length, 1);
    const [accrual] = await accrualsOf(finance, loadOf(order));
    assert.equal(accrual!.adjustments.length, 1, "a later delivery at the same stop is not a new dwell");
    assert.deepEqual(accrual!.balance, { currency: "EUR", amountMinor: accrued + 12_000 });
  });

  it("the WMS and TMS keep their own state; finance holds no other documents", async () => {
    for (const o of [order, late]) {
      const [pick] = await pickingsOf(wms, o);
      assert.equal(pick!.state, "assigned", "the pick untouched by this tab");
      assert.deepEqual((await loadsOf(tms, o)).map((l) => l.loadId), [`SO-${o}`], "the load order-to-ship planned");
      const [executed] = await loadsOf(tms, loadOf(o));
      assert.equal(executed!.status, "DELIVERED", "the TMS's own status from its milestones");
    }
    const state = await (await fetch(`${finance}/_sim/state`)).json() as { counts: { accruals: number; invoiceReady: number; apInvoices: number } };
    // Two accruals (the freight tab) and one adjustment (this tab) journalled; two invoice-ready (the billing rules).
    assert.deepEqual(state.counts, { accruals: 2, invoiceReady: 2, apInvoices: 0, journalEntries: 3 });
  });
});
